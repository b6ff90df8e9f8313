"""Regime map: where each combination of the three mechanisms pays, load cell by load cell.

A factorial that crosses the three mechanism switches (`simulation.core.parameters.MECHANISMS`)
with other factors (demand, staffing, ...) asks *when* a mechanism helps, not only *whether*.
Each combination of the other factors is a **load cell**; within a cell the seven mechanism
combinations are compared with the cell's baseline (every switch off) on the headline
outcomes, with the test the metric's kind calls for (`analyse.ab_test`, `inference`), and the
cell's **winner** is the combination with the best mean on `RANK_METRIC`. The winner is
*distinct* when its two-sided 95% interval against the runner-up excludes zero; otherwise the
cell is a tie between the two. Cells are placed on the baseline's worker utilisation, the
load the street's workers carry before any mechanism.

Outputs (`section`, called by `report`): ``regime.csv`` (tidy: one row per cell, combination
and metric; ``pd.read_csv("results/NAME/regime.csv")``), ``regime_winners.csv`` (one row per
cell), a Markdown/HTML section and ``figures/regime.{png,pdf}``.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter, SymmetricalLogLocator

from simulation.analysis.analyse import LEVEL, ab_test, mean_ci
from simulation.analysis.figures import _plt, _title, factor_label
from simulation.core import outcomes
from simulation.core.parameters import MECHANISMS

#: Headline outcomes of the map (each shown when the registry and the results both have it).
HEADLINE: tuple[str, ...] = (
    "backlog_mean",
    "satisfaction_rate",
    "resolution_rate",
    "resolution_days_rmst",
)
#: The cell's load: the baseline's mean of this outcome (the x axis of the figure).
UTILISATION = "worker_utilisation"
#: The winner of a cell is the combination with the best mean of this outcome (by its
#: registry direction; lower when neutral).
RANK_METRIC = "backlog_mean"
#: Single mechanisms and the full combination: the series of the effect panels.
FEATURED = ("identity", "connection", "interaction", "+".join(MECHANISMS))
BASELINE = "baseline"


def combination_label(on: dict[str, bool]) -> str:
    """``identity+connection`` for the switches that are on, ``baseline`` when none is."""
    names = [m for m in MECHANISMS if on.get(m)]
    return "+".join(names) if names else BASELINE


def combinations() -> list[dict[str, bool]]:
    """The 2^3 switch settings, baseline first, then by number of switches on."""
    combos = [dict(zip(MECHANISMS, c, strict=True))
              for c in itertools.product([False, True], repeat=len(MECHANISMS))]  # fmt: skip
    return sorted(combos, key=lambda c: sum(c.values()))


def headline_metrics(present: list[str] | None = None) -> list[str]:
    """The headline outcomes that the registry (and the results) have.

    Args:
        present: Outcome columns in the results (None: only the registry is consulted).

    Returns:
        Metric names in `HEADLINE` order; one the registry or the results lack is left out.
    """
    return [m for m in HEADLINE
            if m in outcomes.SUMMARY and (present is None or m in present)]  # fmt: skip


def load_factors(manifest: dict[str, Any], runs: pd.DataFrame) -> list[str]:
    """The design's non-mechanism factors, when it crosses all three switches with them.

    Args:
        manifest: The results folder's manifest (``design_kind``, ``factors``).
        runs: The per-run table.

    Returns:
        The load factors in design order; empty when the design is not a factorial over the
        three mechanisms and at least one other factor (then there is no regime map).
    """
    if manifest.get("design_kind") != "factorial":
        return []
    factors = [f for f in manifest.get("factors", []) if f in runs]
    if not set(MECHANISMS) <= set(factors):
        return []
    if any(runs[m].nunique() < 2 for m in MECHANISMS):
        return []
    return [f for f in factors if f not in MECHANISMS]


def _cells(ok: pd.DataFrame, factors: list[str]):
    """``(values, runs)`` per load cell, in ascending order of the factors."""
    for key, grp in ok.groupby(factors, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        yield dict(zip(factors, (v.item() if hasattr(v, "item") else v for v in key),
                       strict=True)), grp  # fmt: skip


def _better_sign(metric: str) -> int:
    """+1 when higher is better, -1 when lower is (or the metric is neutral)."""
    return 1 if outcomes.direction(metric) > 0 else -1


def regime_table(
    ok: pd.DataFrame, factors: list[str], metrics: list[str], level: float = LEVEL
) -> pd.DataFrame:
    """Every mechanism combination against its cell's baseline, cell by cell.

    Args:
        ok: Per-run table of successful runs.
        factors: The load factors (`load_factors`).
        metrics: Outcomes to compare (`headline_metrics`).
        level: Confidence level of the two-sided intervals.

    Returns:
        Tidy table, one row per (cell, combination other than the baseline, metric): the load
        factors, ``combination``, the three switches, ``metric``, ``baseline_utilisation``
        (the cell baseline's mean `UTILISATION`), ``baseline_mean``, ``mean``, ``estimate``,
        ``ci_low``, ``ci_high``, ``p``, ``relative``, ``n_a``, ``n_b``, ``test``, ``effect``.
    """
    rows = []
    base_sel = dict.fromkeys(MECHANISMS, False)
    for values, cell in _cells(ok, factors):
        base = cell[(~cell[list(MECHANISMS)].astype(bool)).all(axis=1)]
        util = float(base[UTILISATION].mean()) if UTILISATION in cell and len(base) else math.nan
        for combo in combinations()[1:]:
            sel = cell.loc[(cell[list(MECHANISMS)].astype(bool) == pd.Series(combo)).all(axis=1)]
            for m in metrics:
                res = ab_test(cell, combo, base_sel, m, list(MECHANISMS), level=level)
                rows.append({**values, "combination": combination_label(combo), **combo,
                             "metric": m, "baseline_utilisation": util,
                             "baseline_mean": float(base[m].mean()), "mean": float(sel[m].mean()),
                             **{k: res[k] for k in ("estimate", "ci_low", "ci_high", "p",
                                                    "relative", "n_a", "n_b", "test",
                                                    "effect")}})  # fmt: skip
    return pd.DataFrame(rows)


def regime_winners(
    ok: pd.DataFrame, factors: list[str], metric: str = RANK_METRIC, level: float = LEVEL
) -> pd.DataFrame:
    """The best combination of each load cell on `metric`, and whether it beats the runner-up.

    Args:
        ok: Per-run table of successful runs.
        factors: The load factors.
        metric: The ranking outcome (best mean by its registry direction).
        level: Confidence level.

    Returns:
        One row per cell: the load factors, ``baseline_utilisation`` with ``util_ci_low`` and
        ``util_ci_high``, ``rank_metric``, ``winner``, ``winner_mean``, ``runner_up``,
        ``runner_up_mean``, ``margin`` (winner - runner-up, by the metric's test) with
        ``margin_ci_low``, ``margin_ci_high``, ``margin_p``, and ``distinct`` (the interval
        excludes zero: the winner is better than the runner-up, not just lucky).
    """
    sign = _better_sign(metric)
    rows = []
    for values, cell in _cells(ok, factors):
        means = []
        for combo in combinations():
            sel = cell.loc[(cell[list(MECHANISMS)].astype(bool) == pd.Series(combo)).all(axis=1)]
            means.append((combo, float(sel[metric].mean()) if len(sel) else math.nan))
        means = [(c, v) for c, v in means if not math.isnan(v)]
        ranked = sorted(means, key=lambda cv: -sign * cv[1])
        base = cell[(~cell[list(MECHANISMS)].astype(bool)).all(axis=1)]
        u, ulo, uhi, _ = mean_ci(base[UTILISATION] if UTILISATION in base else [], level)
        row = {**values, "baseline_utilisation": u, "util_ci_low": ulo, "util_ci_high": uhi,
               "rank_metric": metric}  # fmt: skip
        if len(ranked) >= 2:
            (best, bm), (second, sm) = ranked[0], ranked[1]
            res = ab_test(cell, best, second, metric, list(MECHANISMS), level=level)
            lo, hi = res["ci_low"], res["ci_high"]
            # Distinct: the interval lies wholly on the winner's side of zero.
            distinct = bool(hi < 0) if sign < 0 else bool(lo > 0)
            row |= {"winner": combination_label(best), "winner_mean": bm,
                    "runner_up": combination_label(second), "runner_up_mean": sm,
                    "margin": res["estimate"], "margin_ci_low": lo, "margin_ci_high": hi,
                    "margin_p": res["p"], "distinct": distinct}  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


# --- figure -----------------------------------------------------------------------------------

#: One colour per combination (figure and heat map): single mechanisms in the tab10 hues,
#: pairs in mixed hues, the full combination black.
COLOURS = {
    BASELINE: "#bdbdbd",
    "identity": "#1f77b4",
    "connection": "#ff7f0e",
    "interaction": "#2ca02c",
    "identity+connection": "#9467bd",
    "identity+interaction": "#17becf",
    "connection+interaction": "#bcbd22",
    "identity+connection+interaction": "#222222",
}
_MARKERS = {"identity": "o", "connection": "s", "interaction": "^",
            "identity+connection+interaction": "D"}  # fmt: skip


#: Two-letter names of the switches for the heat map's cells (spelled out in its key).
ABBREVIATIONS = {"identity": "Id", "connection": "Co", "interaction": "In"}


def short_label(label: str) -> str:
    """``Id+Co`` for ``identity+connection`` (``baseline`` stays as it is)."""
    return "+".join(ABBREVIATIONS.get(part, part) for part in label.split("+"))


def _heatmap(ax, winners: pd.DataFrame, factors: list[str]) -> None:
    """Winner per cell: rows the first load factor, columns the others' combinations."""
    first, rest = factors[0], factors[1:]
    ys = sorted(winners[first].unique())
    if rest:
        col_keys = sorted({tuple(r) for r in winners[rest].itertuples(index=False)})
    else:
        col_keys = [()]
    for i, yv in enumerate(ys):
        for j, key in enumerate(col_keys):
            mask = winners[first] == yv
            for f, v in zip(rest, key, strict=True):
                mask &= winners[f] == v
            if (
                not mask.any()
                or "winner" not in winners
                or pd.isna(winners[mask]["winner"].iloc[0])
            ):
                continue
            r = winners[mask].iloc[0]
            colour = COLOURS.get(r["winner"], "#ffffff")
            ax.add_patch(_rect(j, i, colour, hatch=None if r["distinct"] else "////"))
            rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)]) / 255
            ink = "white" if rgb @ [0.299, 0.587, 0.114] < 0.5 else "black"
            tie = "" if r["distinct"] else f"\n≈ {short_label(r['runner_up'])}"
            util = r["baseline_utilisation"]
            util_txt = "" if math.isnan(util) else f"\nutilisation {util:.0%}"
            box = None if r["distinct"] else dict(fc=colour, ec="none", pad=1.5)
            ax.text(j, i, f"{short_label(r['winner'])}{tie}{util_txt}", ha="center",
                    va="center", fontsize=7.5, color=ink, linespacing=1.15, bbox=box)  # fmt: skip
    ax.set_xlim(-0.5, len(col_keys) - 0.5)
    ax.set_ylim(-0.5, len(ys) - 0.5)
    ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
    ax.set_ylabel(factor_label(first))
    labels = [", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in k) for k in col_keys]
    ax.set_xticks(range(len(col_keys)), labels if rest else [""])
    ax.set_xlabel(", ".join(factor_label(f) for f in rest) if rest else "")
    ax.spines[["top", "right"]].set_visible(True)
    ax.set_title(f"Best combination per load cell: lowest mean {winners['rank_metric'].iloc[0]}"
                 "\n(hatched, ≈ runner-up: not distinguishable from it at 95%; "
                 "utilisation: the baseline's)", fontsize=8)  # fmt: skip


def _rect(x: float, y: float, colour: str, hatch: str | None):
    return Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=colour, edgecolor="white", lw=1.5,
                     hatch=hatch, alpha=0.9)  # fmt: skip


def _effects_panel(ax, table: pd.DataFrame, metric: str, span: float) -> None:

    d = table[table["metric"] == metric]
    shown = [c for c in FEATURED if c in set(d["combination"])]
    for i, combo in enumerate(shown):
        s = d[d["combination"] == combo].sort_values("baseline_utilisation")
        # Dodge the series sideways so intervals at the same load do not hide each other.
        x = s["baseline_utilisation"] + (i - (len(shown) - 1) / 2) * 0.012 * span
        err = np.vstack([s["estimate"] - s["ci_low"], s["ci_high"] - s["estimate"]])
        label = "all three" if combo == FEATURED[-1] else f"{combo} alone"
        ax.errorbar(x, s["estimate"], yerr=np.nan_to_num(err), fmt=_MARKERS.get(combo, "o"),
                    ms=3.5, capsize=1.5, lw=0.8, color=COLOURS[combo], label=label)  # fmt: skip
    ax.axhline(0, color="grey", lw=0.8, ls="--")
    ax.set_title(_title(metric), fontsize=8)
    ax.set_xlabel("baseline worker utilisation (share of paid hours)", fontsize=7)
    ylabel = "effect vs the cell's baseline"
    # Overloaded cells can move a level by orders of magnitude more than the others; a
    # symmetric log scale keeps the small effects at low load readable beside them.
    typical = float(d["estimate"].abs().median()) if len(d) else math.nan
    extreme = float(np.nanmax(d[["ci_low", "ci_high"]].abs().to_numpy())) if len(d) else math.nan
    if outcomes.get(metric).kind != "share" and typical > 0 and extreme > 25 * typical:
        threshold = 10 ** math.ceil(math.log10(typical))
        ax.set_yscale("symlog", linthresh=threshold)
        # 1-2-5 ticks in plain numbers: a decade or two of symlog otherwise shows one tick.
        ax.yaxis.set_major_locator(
            SymmetricalLogLocator(base=10, linthresh=threshold, subs=[1.0, 2.0, 5.0])
        )
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ylabel += "\n(symmetric log scale)"
    ax.set_ylabel(ylabel, fontsize=7)
    ax.xaxis.set_major_formatter(_percent())
    ax.tick_params(labelsize=7)


def _percent():

    return PercentFormatter(1.0, decimals=0)


def regime_figure(
    table: pd.DataFrame, winners: pd.DataFrame, factors: list[str], metrics: list[str], path: Path
) -> list[Path]:
    """Effects against load (one panel per metric) and the winner of each cell.

    Args:
        table: `regime_table`.
        winners: `regime_winners`.
        factors: The load factors.
        metrics: Metrics to plot (one panel each).
        path: PNG path; a PDF (vector, for a paper) is written beside it.

    Returns:
        The files written.
    """
    plt = _plt()
    n = len(metrics)
    fig = plt.figure(figsize=(3.2 * max(n, 3), 7.8), layout="constrained")
    gs = fig.add_gridspec(2, max(n, 3), height_ratios=[1, 1.25])
    util = table["baseline_utilisation"].dropna()
    span = float(util.max() - util.min()) if len(util) else 1.0
    span = span or 1.0
    axes = [fig.add_subplot(gs[0, i]) for i in range(n)]
    for ax, m in zip(axes, metrics, strict=True):
        _effects_panel(ax, table, m, span)
    handles, labels = axes[0].get_legend_handles_labels()
    bottom = gs[1, :].subgridspec(1, 2, width_ratios=[1.7, 1])
    _heatmap(fig.add_subplot(bottom[0]), winners, factors)
    key = fig.add_subplot(bottom[1])
    key.axis("off")
    key.legend(handles, labels, loc="upper left", title="Effect panels (95% CI)", fontsize=7.5,
               title_fontsize=7.5, frameon=False, alignment="left")  # fmt: skip
    abbrev = ", ".join(f"{v} = {k}" for k, v in ABBREVIATIONS.items())
    key.text(0.02, 0.6, f"Heat map: {abbrev}.\n\n{_note(len(winners), table)}", fontsize=7,
             va="top", transform=key.transAxes)  # fmt: skip
    fig.suptitle("Regime map: where each mechanism pays, by load "
                 f"({', '.join(factors)})", fontsize=10)  # fmt: skip
    written = []
    for p in (path, path.with_suffix(".pdf")):
        fig.savefig(p)
        written.append(p)
    plt.close(fig)
    return written


def _note(n_cells: int, table: pd.DataFrame) -> str:
    reps = int(table["n_a"].median()) if len(table) else 0
    text = (
        f"{n_cells} load cells, {reps} replications per combination and cell. A point is one "
        "cell, placed at its baseline's mean worker utilisation; its value is the "
        "combination minus the same cell with every mechanism off (Welch t: difference in "
        "means; skewed metrics: Hodges-Lehmann shift), two-sided 95% CI. Values per cell "
        "and metric: regime.csv."
    )
    return textwrap.fill(text, 62)


# --- report section ---------------------------------------------------------------------------


def _ci_cell(est: float, lo: float, hi: float) -> str:
    if math.isnan(est):
        return "–"
    star = "" if math.isnan(lo) or lo <= 0 <= hi else " *"
    return f"{_num(est)} [{_num(lo)}, {_num(hi)}]{star}"


def _num(x: float) -> str:
    if math.isnan(x):
        return "–"
    ax = abs(x)
    return f"{x:.3g}" if ax and (ax >= 1e4 or ax < 1e-2) else f"{x:.3f}" if ax < 1 else f"{x:.2f}"


def _winners_shown(winners: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """The winners table as the report shows it: one row per cell, intervals as text."""
    shown = winners.copy()
    shown["baseline utilisation"] = [
        _ci_cell(u, lo, hi).removesuffix(" *")
        for u, lo, hi in zip(
            shown["baseline_utilisation"], shown["util_ci_low"], shown["util_ci_high"], strict=True
        )  # fmt: skip
    ]
    shown["winner - runner-up"] = [
        _ci_cell(e, lo, hi) for e, lo, hi in
        zip(shown["margin"], shown["margin_ci_low"], shown["margin_ci_high"], strict=True)
    ]  # fmt: skip
    cols = [*factors, "baseline utilisation", "winner", "winner_mean", "runner_up",
            "winner - runner-up", "distinct"]  # fmt: skip
    return shown[cols].rename(columns={"winner_mean": f"winner's {RANK_METRIC}"})


def _effects_shown(table: pd.DataFrame, factors: list[str], metrics: list[str]) -> pd.DataFrame:
    """One row per cell and combination, one column per metric: ``estimate [95% CI]``."""
    wide = table.assign(cell=[_ci_cell(e, lo, hi) for e, lo, hi in
                              zip(table["estimate"], table["ci_low"], table["ci_high"],
                                  strict=True)])  # fmt: skip
    order = [combination_label(c) for c in combinations()[1:]]
    wide["combination"] = pd.Categorical(wide["combination"], order, ordered=True)
    eff = wide.pivot_table(index=[*factors, "combination"], columns="metric", values="cell",
                           aggfunc="first", observed=True)  # fmt: skip
    eff = eff.reindex(columns=metrics).reset_index()
    eff["combination"] = eff["combination"].astype(str)
    return eff


def section(doc, root: Path, manifest: dict[str, Any], ok: pd.DataFrame) -> bool:
    """Add the regime map to a report when the design crosses the mechanisms with a load.

    Writes ``regime.csv``, ``regime_winners.csv`` and ``figures/regime.{png,pdf}``.

    Args:
        doc: The report being built (``h2``, ``p``, ``table``, ``figure``).
        root: The results folder.
        manifest: Its manifest.
        ok: Successful runs.

    Returns:
        Whether a section was added.
    """
    factors = load_factors(manifest, ok)
    metrics = headline_metrics(list(ok.columns))
    if not factors or RANK_METRIC not in ok or not metrics:
        return False
    table = regime_table(ok, factors, metrics)
    winners = regime_winners(ok, factors)
    per_cell = winners[factors + ["winner", "distinct"]] if "winner" in winners else None
    tidy = table.merge(per_cell, on=factors, how="left") if per_cell is not None else table
    tidy.to_csv(root / "regime.csv", index=False)
    winners.to_csv(root / "regime_winners.csv", index=False)
    doc.h2("Regime map: mechanisms by load cell")
    doc.p(
        f"Each load cell is one combination of {', '.join(factors)}. Within a cell every "
        "mechanism combination is compared with the cell's baseline (all switches off) on "
        f"{', '.join(metrics)}, by the two-sided test its kind calls for (Welch t: difference "
        "in means; skewed metrics: Mann-Whitney with the Hodges-Lehmann shift), 95% CI, "
        "no correction for the many comparisons (a map to read, not a test; * marks an "
        f"interval that excludes zero). The winner is the combination with the best mean "
        f"{RANK_METRIC} ({outcomes.get(RANK_METRIC).better}); 'distinct' says whether its "
        "interval against the runner-up excludes zero (no: a tie between the two). "
        "Tidy tables: regime.csv (one row per cell, combination and metric) and "
        "regime_winners.csv."
    )
    if "winner" in winners:
        doc.table(_winners_shown(winners, factors))
    doc.p("Effect of each combination against its cell's baseline (estimate [95% CI]):")
    doc.table(_effects_shown(table, factors, metrics))
    figure = root / "figures" / "regime.png"
    regime_figure(table, winners, factors, metrics, figure)
    doc.figure(
        "regime.png",
        "Regime map. Top: effect of each single mechanism and of all three against the "
        "cell's baseline, by the baseline's worker utilisation (95% CI). Bottom: the best "
        f"combination per load cell on {RANK_METRIC} (also as figures/regime.pdf).",
    )
    return True
