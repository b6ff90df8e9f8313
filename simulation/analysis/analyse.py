"""Analyse: intervals, tests, factorial effects and sensitivity measures from stored runs.

Everything here is a pure function of the per-run table (or of the stored daily series, read
one part at a time), so it works the same in a notebook as in `gridgov report`. Which test a
comparison uses comes from the metric's kind in `simulation.core.outcomes` (see `inference`); every
interval is two-sided and comes from the same test as its p-value.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulation.analysis import inference
from simulation.core import outcomes
from simulation.core.parameters import PARAMETERS
from simulation.running.hypotheses import select
from simulation.running.store import iter_timeseries

LEVEL = 0.95
SCALES = ("linear", "log")


def mean_ci(values: Iterable[float], level: float = LEVEL) -> tuple[float, float, float, int]:
    """Mean and t-based confidence interval of independent replications.

    Args:
        values: One value per run (NaN ignored).
        level: Confidence level.

    Returns:
        ``(mean, low, high, n)``; the bounds are NaN with fewer than two values.
    """
    x = np.asarray([v for v in values if v is not None], dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan, n
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n)
    return m, m - half, m + half, n


def metric_columns(runs: pd.DataFrame) -> list[str]:
    """The outcome columns present in a per-run table, in the registry's order."""
    return [m for m in outcomes.SUMMARY if m in runs.columns and runs[m].notna().any()]


def scenario_means(
    runs: pd.DataFrame, metrics: list[str] | None = None, level: float = LEVEL
) -> pd.DataFrame:
    """Per-scenario mean and confidence interval of each metric (successful runs only).

    Args:
        runs: The per-run table (`load_results`).
        metrics: Metrics to summarise (default: all present).
        level: Confidence level.

    Returns:
        Long table: ``scenario``, ``metric``, ``n``, ``mean``, ``ci_low``, ``ci_high``, in the
        design's scenario order.
    """
    ok = runs[runs["status"] == "ok"]
    metrics = metrics or metric_columns(ok)
    order = list(dict.fromkeys(ok.sort_values("point")["scenario"]))
    rows = []
    for scen in order:
        grp = ok[ok["scenario"] == scen]
        for m in metrics:
            mean, lo, hi, n = mean_ci(grp[m], level)
            rows.append(
                {"scenario": scen, "metric": m, "n": n, "mean": mean, "ci_low": lo, "ci_high": hi}
            )
    return pd.DataFrame(rows)


def on_scale(values, scale: str) -> np.ndarray:
    """Metric values on the analysis scale (``log`` needs positive values).

    Raises:
        ValueError: ``log`` on a value that is zero or negative.
    """
    x = np.asarray(values, dtype=float)
    if scale == "log":
        if (x[~np.isnan(x)] <= 0).any():
            raise ValueError("scale = 'log' needs positive values; this metric has zeros")
        return np.log(x)
    return x


def events(runs: pd.DataFrame, metric: str) -> np.ndarray:
    """Whether each run's censored-duration value is an observed event (True) or censored.

    A ``<metric>_censored`` column is used when present; for ``recovery_days`` a run that never
    recovered carries the days it had left (`execute.shock_metrics`), which is recognised here.
    """
    if f"{metric}_censored" in runs:
        return ~runs[f"{metric}_censored"].astype(bool).to_numpy()
    if metric == "recovery_days" and {"burn_in_days", "scored_days", "shock_start"} <= set(runs):
        last = runs["burn_in_days"] + runs["scored_days"]
        left = last - (runs["shock_start"] + runs["shock_days"]) + 1
        return (runs[metric] < left).to_numpy()
    return np.ones(len(runs), dtype=bool)


def _pins(selector) -> set[str] | None:
    """Factors a selector fixes (None: a scenario label, which fixes a whole design point)."""
    return None if isinstance(selector, str) else set(selector)


def ab_test(
    runs: pd.DataFrame,
    a: str | dict[str, Any],
    b: str | dict[str, Any],
    metric: str,
    factors: list[str],
    *,
    level: float = LEVEL,
    scale: str = "linear",
) -> dict[str, Any]:
    """Compare groups A and B on a metric, like with like, with the test its kind calls for.

    When the selectors leave other design factors free (e.g. ``a = {connection = true}`` in a
    2^3 factorial), the comparison is made within each combination of those factors that both
    groups have and combined with equal weights, the same contrast as the factorial main effect.

    Args:
        runs: Per-run table (successful runs).
        a: Selector of group A (scenario label or column -> value).
        b: Selector of group B.
        metric: Outcome (its registry kind picks the test).
        factors: The design's factors.
        level: Confidence level (two-sided).
        scale: ``linear`` or ``log`` (effects as ratios; not used by the log-rank test).

    Returns:
        The `inference` result plus ``method`` (test, strata and scale in words), ``n`` and
        ``relative`` (A vs B as a fraction of B).
    """
    kind = outcomes.get(metric).kind
    ga, gb = select(runs, a), select(runs, b)
    pa, pb = _pins(a), _pins(b)
    pinned = set(factors) if pa is None or pb is None else pa | pb
    free = [f for f in factors if f not in pinned and f in runs and
            pd.concat([ga[f], gb[f]]).nunique() > 1]  # fmt: skip
    if free:
        by_a, by_b = dict(list(ga.groupby(free))), dict(list(gb.groupby(free)))
        cells = [(by_a[k], by_b[k]) for k in by_a if k in by_b]
    else:
        cells = [(ga, gb)]
    if kind == "censored":
        res = inference.logrank(
            [(x[metric], events(x, metric), y[metric], events(y, metric)) for x, y in cells], level
        )
        scale = "linear"
    else:
        pairs = [(on_scale(x[metric], scale), on_scale(y[metric], scale)) for x, y in cells]
        res = (inference.rank_shift if kind == "skewed" else inference.welch)(pairs, level)
    method = f"{res['test']}, two-sided"
    if kind == "censored":
        method += " (estimate: Peto log hazard ratio of the event, > 0: A sooner)"
    if free:
        method += f", within strata of {', '.join(free)} (equal weights)"
    if scale == "log":
        method += ", log scale"
        rel = math.expm1(res["estimate"])
    else:
        base = float(np.nanmean(gb[metric])) if len(gb) else math.nan
        rel = res["estimate"] / base if base and kind != "censored" else math.nan
    return {**res, "method": method, "n": res["n_a"] + res["n_b"], "relative": rel}


def factor_coding(runs: pd.DataFrame, factors: list[str]) -> dict[str, tuple[np.ndarray, str]]:
    """How each design factor enters the factorial regression, and that rule in words.

    Two levels are coded -1/2 and +1/2 (the coefficient is the high-minus-low difference,
    averaged over the other factors); a numeric factor with more levels enters as a centred
    linear slope (the coefficient is the change per unit of the parameter). Factors with a
    single level in the data are left out.

    Args:
        runs: Per-run table.
        factors: The design's factors.

    Returns:
        factor -> (coded column, description).
    """
    out = {}
    for f in factors:
        if f not in runs:
            continue
        levels = sorted(runs[f].unique())
        if len(levels) < 2:
            continue
        if len(levels) == 2:
            x = np.where(runs[f] == levels[1], 0.5, -0.5)
            out[f] = (x, f"{f}: {levels[0]} -> {levels[1]} (coded -1/2, +1/2)")
        else:
            x = runs[f].to_numpy(dtype=float)
            unit = PARAMETERS[f].unit if f in PARAMETERS else "unit"
            out[f] = (x - np.mean(levels), f"{f}: {len(levels)} levels, linear slope per {unit}")
    return out


def term_name(factors: Iterable[str]) -> str:
    """Name of a regression term, e.g. ``identity:connection``."""
    return ":".join(factors)


_EFFECT_COLUMNS = ["metric", "term", "order", "estimate", "se", "ci_low", "ci_high", "p", "df",
                   "scale"]  # fmt: skip


def factorial_effects(
    runs: pd.DataFrame,
    factors: list[str],
    metric: str,
    level: float = LEVEL,
    scale: str = "linear",
) -> pd.DataFrame:
    """Main effects and all interaction terms of a factorial, by OLS with HC3 standard errors.

    Factors are coded by `factor_coding`. Cells of a simulation factorial rarely share one
    variance, so standard errors are heteroscedasticity-consistent (HC3, MacKinnon & White
    1985), with t intervals on n - p degrees of freedom. On ``scale = "log"`` the response is
    log(metric): a coefficient b is a ratio exp(b), and interactions are multiplicative.

    Args:
        runs: Per-run table (successful runs with a value are used).
        factors: The design's factors.
        metric: The response.
        level: Confidence level (two-sided).
        scale: ``linear`` or ``log``.

    Returns:
        ``metric``, ``term``, ``order``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p``
        (two-sided), ``df``, ``scale``: one row per term, intercept first. Empty when the
        model has as many terms as runs.
    """
    ok = runs[(runs["status"] == "ok") & runs[metric].notna()]
    coding = factor_coding(ok, factors)
    names = list(coding)
    terms: list[tuple[str, ...]] = [()]
    for k in range(1, len(names) + 1):
        terms += list(itertools.combinations(names, k))
    ones = np.ones(len(ok))
    X = np.column_stack([np.prod([coding[f][0] for f in t], axis=0) if t else ones for t in terms])
    y = on_scale(ok[metric], scale)
    n, p = X.shape
    if n <= p:
        return pd.DataFrame(columns=_EFFECT_COLUMNS)
    xtx_inv = np.linalg.pinv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    resid = y - X @ beta
    lev = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    w = resid**2 / np.maximum(1 - lev, 1e-12) ** 2
    cov = xtx_inv @ (X.T * w) @ X @ xtx_inv  # HC3 sandwich
    dof = n - p
    tcrit = stats.t.ppf(0.5 + level / 2, dof)
    rows = []
    for t, b, v in zip(terms, beta, np.diag(cov), strict=True):
        se = math.sqrt(max(v, 0.0))
        pval = float(2 * stats.t.sf(abs(b) / se, dof)) if se > 0 else float(b == 0)
        lo, hi = float(b - tcrit * se), float(b + tcrit * se)
        name = term_name(t) if t else "(mean)"
        rows.append({"metric": metric, "term": name, "order": len(t), "estimate": float(b),
                     "se": se, "ci_low": lo, "ci_high": hi, "p": pval, "df": dof,
                     "scale": scale})  # fmt: skip
    return pd.DataFrame(rows, columns=_EFFECT_COLUMNS)


def interaction_test(
    runs: pd.DataFrame,
    factors: list[str],
    design_factors: list[str],
    metric: str,
    *,
    level: float = LEVEL,
    scale: str = "linear",
) -> dict[str, Any]:
    """Two-sided HC3 test of one factorial interaction term (the full model is fitted).

    Args:
        runs: Per-run table.
        factors: The factors of the term (e.g. ``["identity", "connection"]``).
        design_factors: All factors of the design.
        metric: Response metric.
        level: Confidence level.
        scale: ``linear`` or ``log``.

    Returns:
        ``estimate``, ``ci_low``, ``ci_high``, ``p`` (two-sided), ``n``, ``method``.
    """
    eff = factorial_effects(runs, design_factors, metric, level, scale)
    want = set(factors)
    row = eff[eff["term"].map(lambda t: set(t.split(":")) == want)]
    n = int(runs[metric].notna().sum())
    method = "OLS factorial regression, HC3 SE, two-sided t" + (", log scale" if scale == "log"
                                                                  else "")  # fmt: skip
    if row.empty:
        return {"estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p": math.nan,
                "n": n, "method": method, "relative": math.nan}  # fmt: skip
    r = row.iloc[0]
    rel = math.expm1(r["estimate"]) if scale == "log" else math.nan
    return {"estimate": float(r["estimate"]), "ci_low": float(r["ci_low"]),
            "ci_high": float(r["ci_high"]), "p": float(r["p"]), "n": n, "method": method,
            "relative": rel}  # fmt: skip


def timeseries_bands(
    results_dir: str | Path,
    columns: list[str],
    runs: pd.DataFrame,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Per-scenario daily mean and confidence band, streaming over stored parts.

    Sums and sums of squares are accumulated per (scenario, day) one part at a time, so memory
    does not grow with the number of runs.

    Args:
        results_dir: Results folder.
        columns: Daily columns to summarise.
        runs: Per-run table (maps run ids to scenarios).
        level: Confidence level.

    Returns:
        ``scenario``, ``day``, ``column``, ``n``, ``mean``, ``ci_low``, ``ci_high``.
    """
    scen = runs.set_index("run_id")["scenario"]
    acc: pd.DataFrame | None = None
    for part in iter_timeseries(results_dir, ["day", *columns]):
        part = part.assign(scenario=part["run_id"].map(scen))
        keys = part[["scenario", "day"]]
        g = part.groupby(["scenario", "day"])[columns]
        sq = pd.concat([keys, part[columns].astype(float) ** 2], axis=1)
        ss = sq.groupby(["scenario", "day"])[columns].sum()
        cur = pd.concat({"n": g.count(), "s": g.sum(), "ss": ss}, axis=1)
        acc = cur if acc is None else acc.add(cur, fill_value=0)
    if acc is None:
        return pd.DataFrame(columns=["scenario", "day", "column", "n", "mean", "ci_low", "ci_high"])
    out = []
    for c in columns:
        n = acc[("n", c)]
        mean = acc[("s", c)] / n
        var = (acc[("ss", c)] - n * mean**2) / (n - 1)
        half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * np.sqrt(np.maximum(var, 0) / n)
        half = half.where(n > 1)
        df = pd.DataFrame(
            {"n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half}
        ).reset_index()
        df.insert(2, "column", c)
        out.append(df)
    return pd.concat(out, ignore_index=True)
