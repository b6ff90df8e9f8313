"""Report: `report.md`, `report.html` and PNG figures from a results folder (`gridgov report`).

Figures are drawn with matplotlib at 150 dpi with labelled axes, units and 95% intervals, so
any of them can go into a paper as is; the tables behind them are written as CSV next to them.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.experiment.analyse import (
    factorial_effects,
    metric_columns,
    scenario_means,
    sensitivity_indices,
    timeseries_bands,
    two_level_factors,
)
from simulation.experiment.execute import DERIVED_METRICS, metric_direction
from simulation.experiment.store import load_manifest, load_results

KEY_METRICS = (
    "resolution_days_mean",
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
KEY_SERIES = (
    "backlog",
    "mean_resolution_days",
    "satisfaction_rate",
    "escalation_rate",
    "mean_trust",
    "volunteers_30d",
)
MAX_SCENARIOS_PLOTTED = 12


def _describe(metric: str) -> str:
    try:
        from simulation.metrics import DAILY_METRICS, SUMMARY_METRICS
    except ImportError:  # pragma: no cover
        SUMMARY_METRICS, DAILY_METRICS = {}, {}
    table = {**SUMMARY_METRICS, **DERIVED_METRICS}
    if metric in table:
        return table[metric][1]
    return DAILY_METRICS.get(metric, metric)


def _better(metric: str) -> str:
    d = metric_direction(metric)
    return {1: "higher is better", -1: "lower is better"}.get(d, "")


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


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 150, "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False})  # fmt: skip
    return plt


def _label_panel(ax, labels: list[str], metric: str) -> None:
    """Label a horizontal per-metric panel: category ticks top-down, title with direction."""
    from matplotlib.ticker import MaxNLocator

    ax.set_yticks(np.arange(len(labels)), labels)
    ax.invert_yaxis()
    better = _better(metric)
    ax.set_title(f"{metric}" + (f"\n({better})" if better else ""), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(5))


def _hide_unused(axes, n: int) -> None:
    """Blank the panels of a grid beyond the first `n`."""
    for ax in list(axes.flat)[n:]:
        ax.axis("off")


def _bar_figure(means: pd.DataFrame, metrics: list[str], path: Path) -> None:
    plt = _plt()

    n = len(metrics)
    ncol = min(3, n)
    nrow = math.ceil(n / ncol)
    scen = list(dict.fromkeys(means["scenario"]))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 0.28 * len(scen) * nrow + 1.6 * nrow),
                             squeeze=False)  # fmt: skip
    colours = plt.get_cmap("tab10")
    for ax, m in zip(axes.flat, metrics, strict=False):
        d = means[means["metric"] == m].set_index("scenario").reindex(scen)
        y = np.arange(len(scen))
        err = np.vstack([d["mean"] - d["ci_low"], d["ci_high"] - d["mean"]])
        ax.barh(y, d["mean"], xerr=np.nan_to_num(err), color=[colours(i % 10) for i in y],
                capsize=2, alpha=0.85)  # fmt: skip
        _label_panel(ax, scen, m)
    _hide_unused(axes, n)
    fig.suptitle("Scenario means with 95% confidence intervals", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    fig.savefig(path)
    plt.close(fig)


def _series_figure(
    bands: pd.DataFrame, columns: list[str], path: Path, burn_in: int, order: list[str]
) -> None:
    plt = _plt()
    n = len(columns)
    ncol = min(2, n)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6 * ncol, 3 * nrow), squeeze=False)
    colours = plt.get_cmap("tab10")
    scen = [s for s in order if s in set(bands["scenario"])]
    for ax, c in zip(axes.flat, columns, strict=False):
        for i, s in enumerate(scen):
            d = bands[(bands["column"] == c) & (bands["scenario"] == s)].sort_values("day")
            ax.plot(d["day"], d["mean"], color=colours(i % 10), lw=1, label=s)
            ax.fill_between(d["day"], d["ci_low"], d["ci_high"], color=colours(i % 10), alpha=0.2,
                            lw=0)  # fmt: skip
        if burn_in:
            ax.axvline(burn_in, color="grey", ls=":", lw=0.8)
        ax.set_title(f"{c}: {_describe(c)}", fontsize=8)
        ax.set_xlabel("day")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=7,
               frameon=False)  # fmt: skip
    fig.suptitle("Daily means across replications with 95% confidence bands "
                 "(dotted line: end of burn-in)", fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0.06 + 0.02 * math.ceil(len(labels) / 4), 1, 1))
    fig.savefig(path)
    plt.close(fig)


def _forest_figure(
    effects: pd.DataFrame,
    metrics: list[str],
    path: Path,
    title: str,
    est: str = "estimate",
    lo: str = "ci_low",
    hi: str = "ci_high",
) -> None:
    plt = _plt()

    n = len(metrics)
    ncol = min(3, n)
    nrow = math.ceil(n / ncol)
    terms = list(dict.fromkeys(effects["term"] if "term" in effects else effects["factor"]))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 0.3 * len(terms) * nrow + 1.5 * nrow),
                             squeeze=False)  # fmt: skip
    key = "term" if "term" in effects else "factor"
    for ax, m in zip(axes.flat, metrics, strict=False):
        d = effects[effects["metric"] == m].set_index(key).reindex(terms)
        y = np.arange(len(terms))
        err = np.vstack([d[est] - d[lo], d[hi] - d[est]])
        ax.errorbar(d[est], y, xerr=np.nan_to_num(err), fmt="o", ms=3, capsize=2, color="#1f4e79")
        ax.axvline(0, color="grey", lw=0.8)
        _label_panel(ax, terms, m)
    _hide_unused(axes, n)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    fig.savefig(path)
    plt.close(fig)


def _sens_figure(idx: pd.DataFrame, metrics: list[str], path: Path, kind: str) -> None:
    if kind == "sobol":
        est, conf, label = "ST", "ST_conf", "total-order Sobol index S_T (±95% bound)"
    else:
        est, conf, label = "mu_star", "mu_star_conf", "Morris μ* (±95% bound)"
    d = idx.assign(ci_low=idx[est] - idx[conf], ci_high=idx[est] + idx[conf])
    _forest_figure(d, metrics, path, f"Sensitivity: {label}", est=est)


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
    from simulation.experiment.spec import config_error

    root = Path(results_dir)
    manifest = load_manifest(root)
    runs = load_results(root)
    ok = runs[runs["status"] == "ok"] if not runs.empty else runs
    if ok.empty:
        raise config_error(root, "runs", "no finished runs to report on")
    figdir = root / "figures"
    figdir.mkdir(exist_ok=True)
    present = metric_columns(ok)
    key = metrics or [m for m in KEY_METRICS if m in present]
    for m in key:
        if m not in present:
            raise config_error(root, "--metric", f"no metric {m!r} in the results")
    n_failed = int((runs["status"] != "ok").sum())
    doc = _Doc(f"Experiment report: {manifest['experiment']}")
    doc.p(
        f"Design: {manifest['design_kind']} over {', '.join(manifest['factors']) or '—'}; "
        f"{manifest['n_points']} design points × {manifest['replications']} replications = "
        f"{manifest['n_runs']} runs; {len(ok)} finished, {n_failed} failed, "
        f"{manifest['n_runs'] - len(runs)} not run. Root seed {manifest['root_seed']}; "
        f"code {manifest['code_version']}; created {manifest['created']}; "
        f"status {manifest.get('status', '?')}."
    )
    doc.p(
        "Intervals are 95% confidence intervals over independent replications (Student t). "
        "Every figure's data is in the CSV file of the same name."
    )

    hyp_path = root / "experiment.toml"
    if hyp_path.exists():
        from simulation.experiment.check import check
        from simulation.experiment.spec import load_experiment

        if load_experiment(hyp_path, resolve=False).hypotheses:
            res = check(root)
            doc.h2(f"Hypotheses ({int(res.table['passed'].sum())}/{len(res.table)} hold)")
            t = res.table[["hypothesis", "metric", "estimate", "ci_low", "ci_high", "p",
                           "passed", "gate"]]  # fmt: skip
            doc.table(t)
            res.table.to_csv(root / "hypotheses.csv", index=False)

    means = scenario_means(ok, present)
    means.to_csv(root / "scenario_means.csv", index=False)
    n_scen = means["scenario"].nunique()
    if n_scen <= MAX_SCENARIOS_PLOTTED:
        doc.h2("Scenario means (95% CI)")
        wide = means[means["metric"].isin(key)].copy()
        wide["cell"] = [
            f"{_fmt(r.mean)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]" for r in wide.itertuples()
        ]
        tab = wide.pivot(index="scenario", columns="metric", values="cell")
        tab = tab.reindex(index=list(dict.fromkeys(means["scenario"])), columns=key).reset_index()
        doc.table(tab)
        doc.p("All metrics: scenario_means.csv. Direction: " + "; ".join(
            f"{m} {_better(m)}" for m in key if _better(m)) + ".")  # fmt: skip
        _bar_figure(means, key, figdir / "scenario_means.png")
        doc.figure("scenario_means.png", "Scenario means of key metrics with 95% CIs")

        ts_cols = []
        first = next(iter(sorted((root / "timeseries").glob("part-*.parquet"))), None)
        if first is not None:
            import pyarrow.parquet as pq

            names = pq.read_schema(first).names
            ts_cols = [c for c in KEY_SERIES if c in names]
        if ts_cols:
            bands = timeseries_bands(root, ts_cols, ok)
            bands.to_csv(root / "timeseries_bands.csv", index=False)
            burn = int(ok["burn_in_days"].iloc[0]) if "burn_in_days" in ok else 0
            order = list(dict.fromkeys(means["scenario"]))
            _series_figure(bands, ts_cols, figdir / "timeseries.png", burn, order)
            doc.h2("Daily time series")
            doc.figure("timeseries.png", "Daily means with 95% confidence bands by scenario")

    factors = manifest.get("factors", [])
    if manifest["design_kind"] == "factorial":
        fac = two_level_factors(ok, factors)
        if fac:
            eff = pd.concat([factorial_effects(ok, fac, m) for m in present], ignore_index=True)
            eff.to_csv(root / "factorial_effects.csv", index=False)
            doc.h2("Factorial effects (OLS over the design, factors coded -1/2, +1/2)")
            doc.p(
                "A main effect is the mean change from the low to the high level averaged over "
                "the other factors; a two-way term is how much one factor's effect changes when "
                "the other is on. For a lower-is-better metric, a negative interaction term means "
                "the factors are complements."
            )
            shown = eff[eff["metric"].isin(key) & (eff["order"] > 0)]
            doc.table(shown[["metric", "term", "estimate", "ci_low", "ci_high", "p"]])
            _forest_figure(shown, key, figdir / "factorial_effects.png",
                           "Factorial main effects and interactions (95% CI)")  # fmt: skip
            doc.figure("factorial_effects.png", "Main effects and interaction terms with 95% CIs")
    if manifest["design_kind"] in ("sobol", "morris") and (root / "sample.parquet").exists():
        sample = pd.read_parquet(root / "sample.parquet")
        idx = pd.concat(
            [sensitivity_indices(ok, manifest, sample, m) for m in present], ignore_index=True
        )
        if not idx.empty:
            idx.to_csv(root / "sensitivity_indices.csv", index=False)
            kind = manifest["design_kind"]
            doc.h2(f"Sensitivity indices ({'Sobol' if kind == 'sobol' else 'Morris'}, SALib)")
            doc.table(idx[idx["metric"].isin(key)])
            _sens_figure(idx, [m for m in key if m in set(idx["metric"])],
                         figdir / "sensitivity.png", kind)  # fmt: skip
            doc.figure("sensitivity.png", "Sensitivity indices with 95% confidence bounds")
        else:
            doc.p("Sensitivity indices need every design point finished; some are missing.")
    if n_failed:
        doc.h2("Failed runs")
        doc.table(
            runs.loc[runs["status"] != "ok", ["run_id", "scenario", "seed", "error"]].head(20)
        )

    (root / "report.md").write_text("\n".join(doc.md) + "\n")
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{manifest['experiment']}"
        f"</title><style>{_CSS}</style></head><body>{''.join(doc.html)}</body></html>\n"
    )
    (root / "report.html").write_text(page)
    return root / "report.html"
