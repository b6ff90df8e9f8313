"""Report: `report.md`, `report.html` and PNG figures from a results folder (`gridgov report`).

Figures are drawn with matplotlib at 150 dpi with labelled axes, units and 95% intervals, so
any of them can go into a paper as is; the tables behind them are written as CSV next to them.
Every design kind gets plots against its factors: scenario means and factorial effects for
factorial and list designs; outcome-against-factor scatter plots with a smoother, partial rank
correlations and (Sobol, Morris) SALib indices for sampled designs.
"""

from __future__ import annotations

import html
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from simulation.analysis import figures, regime
from simulation.analysis.analyse import (
    factor_coding,
    factorial_effects,
    metric_columns,
    scenario_means,
    timeseries_bands,
)
from simulation.analysis.check import check
from simulation.analysis.sensitivity import prcc, sensitivity_indices
from simulation.config import config_error
from simulation.core import outcomes
from simulation.folders import record_outputs
from simulation.running.spec import load_experiment
from simulation.running.store import load_manifest, load_results

#: Outcomes featured in tables and figures by default (all of them go into the CSV files).
KEY_METRICS = (
    "resolution_days_rmst",
    "backlog_mean",
    "cost_per_resolved",
    "satisfaction_rate",
    "resolution_rate",
    "escalation_rate",
    "hidden_share",
    "volunteers_30d",
    "mean_trust",
    "recovery_days",
)
#: Daily series featured in the time-series figure.
KEY_SERIES = outcomes.KEY_DAILY
MAX_SCENARIOS_PLOTTED = 12
SAMPLED = ("lhs", "sobol", "morris")


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    ax = abs(x)
    if ax != 0 and (ax >= 1e5 or ax < 1e-3):
        return f"{x:.3g}"
    return f"{x:.4g}" if ax < 100 else f"{x:.1f}"


def _md_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = [_fmt(v) if not isinstance(v, str) else v for v in row]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _html_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = [_fmt(v) if not isinstance(v, str) else v for v in row]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Doc:
    """Builds the Markdown and HTML versions of the report side by side."""

    def __init__(self, title: str):
        self.md = [f"# {title}", ""]
        self.html = [f"<h1>{html.escape(title)}</h1>"]

    def h2(self, text: str) -> None:
        self.md += [f"## {text}", ""]
        self.html.append(f"<h2>{html.escape(text)}</h2>")

    def p(self, text: str) -> None:
        self.md += [text, ""]
        self.html.append(f"<p>{html.escape(text)}</p>")

    def table(self, df: pd.DataFrame) -> None:
        self.md += [_md_table(df), ""]
        self.html.append(_html_table(df))

    def figure(self, name: str, caption: str) -> None:
        self.md += [f"![{caption}](figures/{name})", "", f"*{caption}*", ""]
        self.html.append(
            f'<figure><img src="figures/{name}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )


_CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3} td:first-child,th:first-child{text-align:left}
img{max-width:100%} figcaption{font-style:italic;color:#555}
"""


def _hypotheses(doc: _Doc, root: Path) -> None:

    if not load_experiment(root / "experiment.toml", resolve=False).hypotheses:
        return
    res = check(root, allow_incomplete=True)
    t = res.table
    doc.h2(f"Hypotheses ({int(t['passed'].sum())}/{len(t)} hold)")
    doc.p(
        "Two-sided tests at each hypothesis's alpha, chosen by the metric's kind (Welch t for "
        "levels and shares, Mann-Whitney with the Hodges-Lehmann shift for skewed metrics, "
        "log-rank for censored durations); A-B comparisons that leave design factors free are "
        "made within strata of those factors; interaction terms come from the factorial "
        "regression with HC3 standard errors. p_holm is Holm-adjusted within the family. A "
        "hypothesis holds when p_holm < alpha and its interval excludes zero on its side."
    )
    cols = ["verdict", "hypothesis", "metric", "estimate", "ci_low", "ci_high", "p", "p_holm",
            "family", "method", "gate"]  # fmt: skip
    doc.table(t[cols])
    t.to_csv(root / "hypotheses.csv", index=False)


def _scenarios(doc: _Doc, root: Path, ok: pd.DataFrame, present: list[str], key: list[str]):
    figdir = root / "figures"
    means = scenario_means(ok, present)
    means.to_csv(root / "scenario_means.csv", index=False)
    if means["scenario"].nunique() > MAX_SCENARIOS_PLOTTED:
        return
    doc.h2("Scenario means (95% CI)")
    wide = means[means["metric"].isin(key)].copy()
    wide["cell"] = [
        f"{_fmt(r.mean)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]" for r in wide.itertuples()
    ]
    order = list(dict.fromkeys(means["scenario"]))
    tab = wide.pivot(index="scenario", columns="metric", values="cell")
    doc.table(tab.reindex(index=order, columns=key).reset_index())
    units = "; ".join(f"{m}: {outcomes.get(m).unit}, {outcomes.get(m).better or 'neutral'}"
                      for m in key)  # fmt: skip
    doc.p(f"All metrics: scenario_means.csv. Units and direction: {units}.")
    figures.bar_figure(means, key, figdir / "scenario_means.png")
    doc.figure("scenario_means.png", "Scenario means of key metrics with 95% CIs")
    first = next(iter(sorted((root / "timeseries").glob("part-*.parquet"))), None)
    if first is None:
        return

    names = pq.read_schema(first).names
    ts_cols = [c for c in KEY_SERIES if c in names]
    if ts_cols:
        bands = timeseries_bands(root, ts_cols, ok)
        bands.to_csv(root / "timeseries_bands.csv", index=False)
        burn = int(ok["burn_in_days"].iloc[0]) if "burn_in_days" in ok else 0
        figures.series_figure(bands, ts_cols, figdir / "timeseries.png", burn, order)
        doc.h2("Daily time series")
        doc.figure("timeseries.png", "Daily means with 95% confidence bands by scenario")


def _factorial(doc: _Doc, root: Path, ok: pd.DataFrame, factors, present, key) -> None:
    coding = factor_coding(ok, factors)
    if not coding:
        return
    frames = [factorial_effects(ok, factors, m) for m in present]
    positive = [m for m in present if (ok[m].dropna() > 0).all()]
    frames += [factorial_effects(ok, factors, m, scale="log") for m in positive]
    eff = pd.concat(frames, ignore_index=True)
    eff.to_csv(root / "factorial_effects.csv", index=False)
    doc.h2("Factorial effects (OLS over the design, HC3 standard errors, 95% CI)")
    doc.p(
        "Coding: " + "; ".join(desc for _, desc in coding.values()) + ". A main effect is the "
        "mean change from the low to the high level (or per unit, for a slope) averaged over "
        "the other factors; a two-way term is how much one factor's effect changes with the "
        "other. For a lower-is-better metric, a negative interaction term means the factors "
        "are complements. factorial_effects.csv also has every positive metric on the log "
        "scale (scale = log: coefficients are log ratios, interactions multiplicative)."
    )
    lin = eff[(eff["scale"] == "linear") & eff["metric"].isin(key) & (eff["order"] > 0)]
    logs = eff[(eff["scale"] == "log")].set_index(["metric", "term"])["estimate"]
    shown = lin[["metric", "term", "estimate", "ci_low", "ci_high", "p"]].copy()
    shown["log-scale ratio"] = [
        math.exp(logs[(m, t)]) if (m, t) in logs.index else math.nan
        for m, t in zip(shown["metric"], shown["term"], strict=True)
    ]
    doc.table(shown)
    figures.forest_figure(lin, key, root / "figures" / "factorial_effects.png",
                          "Factorial main effects and interactions (95% CI, HC3)")  # fmt: skip
    doc.figure("factorial_effects.png", "Main effects and interaction terms with 95% CIs")


def _sampled(doc: _Doc, root: Path, manifest, ok: pd.DataFrame, factors, present, key) -> None:

    kind = manifest["design_kind"]
    pr = pd.concat([prcc(ok, factors, m) for m in present], ignore_index=True)
    if not pr.empty:
        pr.to_csv(root / "prcc.csv", index=False)
    idx = pd.DataFrame()
    if kind in ("sobol", "morris") and (root / "sample.parquet").exists():
        sample = pd.read_parquet(root / "sample.parquet")
        idx = pd.concat(
            [sensitivity_indices(ok, manifest, sample, m) for m in present], ignore_index=True
        )
    # Strongest factors first (total Sobol index, Morris mu*, or |PRCC|), so a screen over
    # dozens of factors plots the ones that matter.
    if not idx.empty:
        col = "ST" if kind == "sobol" else "mu_star"
        rank = idx[idx["metric"].isin(key)].groupby("factor")[col].max()
    elif not pr.empty:
        rank = pr[pr["metric"].isin(key)].assign(a=pr["prcc"].abs()).groupby("factor")["a"].max()
    else:
        rank = pd.Series(dtype=float)
    shown = [f for f in rank.sort_values(ascending=False).index if f in factors]
    shown = (shown or factors)[: figures.MAX_FACTORS_PLOTTED]
    doc.h2("Outcomes against factors")
    switches = manifest["design"].get("switches", [])
    how = "crossed with the sample." if kind == "lhs" else "sampled as off/on (u >= 0.5 is on)."
    note = f" Switches ({', '.join(switches)}) are {how}" if switches else ""
    more = f" (the {len(shown)} strongest of {len(factors)})" if len(shown) < len(factors) else ""
    doc.p(f"Every run as a dot, a Gaussian-kernel smoother in red; factors{more}: "
          f"{', '.join(shown)}.{note}")  # fmt: skip
    for m in key:
        name = f"scatter-{m}.png"
        figures.scatter_figure(ok, [m], shown, root / "figures" / name, f"{m} against factors")
        doc.figure(name, f"{m} against each factor (runs and smoother)")
    if not pr.empty:
        doc.h2("Partial rank correlations (95% CI, Fisher z)")
        doc.table(pr[pr["metric"].isin(key)])
        title = "Partial rank correlation (95% CI)"
        pr_plot = pr.rename(columns={"prcc": "estimate"})
        figures.forest_figure(pr_plot, key, root / "figures" / "prcc.png", title)
        doc.figure("prcc.png", "Partial rank correlation of each outcome with each factor")
    if not idx.empty:
        idx.to_csv(root / "sensitivity_indices.csv", index=False)
        doc.h2(f"Sensitivity indices ({'Sobol' if kind == 'sobol' else 'Morris'}, SALib)")
        doc.table(idx[idx["metric"].isin(key)])
        figures.sensitivity_figure(idx, [m for m in key if m in set(idx["metric"])],
                                   root / "figures" / "sensitivity.png", kind)  # fmt: skip
        doc.figure("sensitivity.png", "Sensitivity indices with 95% confidence bounds")
    elif kind in ("sobol", "morris"):
        doc.p("Sensitivity indices need every design point finished; some are missing.")


def _overview(
    doc: _Doc,
    manifest: dict[str, Any],
    factors: list[str],
    *,
    n_finished: int,
    n_failed: int,
    n_run: int,
) -> None:
    """The report's opening: the design, how many runs finished, where the results came from."""
    doc.p(
        f"Design: {manifest['design_kind']} over {', '.join(factors) or '—'}; "
        f"{manifest['n_points']} design points × {manifest['replications']} replications = "
        f"{manifest['n_runs']} runs; {n_finished} finished, {n_failed} failed, "
        f"{manifest['n_runs'] - n_run} not run. Root seed {manifest['root_seed']}; "
        f"code {manifest['code_version']}; created {manifest['created']}; "
        f"status {manifest.get('status', '?')}."
    )
    doc.p(
        "Intervals are 95% confidence intervals over independent replications (Student t) "
        "unless stated. Every figure's data is in the CSV file of the same name."
    )


def _write(doc: _Doc, root: Path, title: str) -> None:
    """Write the document as ``report.md`` and as a self-contained ``report.html``."""
    (root / "report.md").write_text("\n".join(doc.md) + "\n")
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}"
        f"</title><style>{_CSS}</style></head><body>{''.join(doc.html)}</body></html>\n"
    )
    (root / "report.html").write_text(page)


def report(results_dir: str | Path, *, metrics: list[str] | None = None) -> Path:
    """Write ``report.md``, ``report.html``, figures and CSV tables into a results folder.

    Args:
        results_dir: Results folder of a sweep.
        metrics: Metrics to feature in tables and figures (default: the key metrics present).

    Returns:
        Path of ``report.html``.

    Raises:
        ConfigError: Not a results folder, or no finished runs.
    """
    started = time.time()
    root = Path(results_dir)
    manifest = load_manifest(root)
    runs = load_results(root)
    ok = runs[runs["status"] == "ok"] if not runs.empty else runs
    if ok.empty:
        raise config_error(root, "runs", "no finished runs to report on")
    present = metric_columns(ok)
    key = metrics or [m for m in KEY_METRICS if m in present]
    for m in key:
        if m not in present:
            raise config_error(root, "--metric", f"no metric {m!r} in the results")
    (root / "figures").mkdir(exist_ok=True)
    n_failed = int((runs["status"] != "ok").sum())
    factors = [f for f in manifest.get("factors", []) if f in ok]
    doc = _Doc(f"Experiment report: {manifest['experiment']}")
    _overview(doc, manifest, factors, n_finished=len(ok), n_failed=n_failed, n_run=len(runs))
    if (root / "experiment.toml").exists():
        _hypotheses(doc, root)
    _scenarios(doc, root, ok, present, key)
    if manifest["design_kind"] == "factorial":
        _factorial(doc, root, ok, factors, present, key)
        regime.section(doc, root, manifest, ok)  # only when switches are crossed with a load
    if manifest["design_kind"] in SAMPLED:
        _sampled(doc, root, manifest, ok, factors, present, key)
    if n_failed:
        doc.h2("Failed runs")
        doc.table(
            runs.loc[runs["status"] != "ok", ["run_id", "scenario", "seed", "error"]].head(20)
        )
    _write(doc, root, manifest["experiment"])
    # Listed as gridgov's own, so `sweep --fresh` removes them and never a file of the user's.
    record_outputs(
        root,
        "report",
        started,
        ("report.md", "report.html", "*.csv", "figures/*.png", "figures/*.pdf"),
    )
    return root / "report.html"
