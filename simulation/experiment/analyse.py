"""Analyse: confidence intervals, factorial effects and sensitivity indices from stored runs.

Everything here is a pure function of the per-run table (or of the stored daily series, read
one part at a time), so it works the same in a notebook as in `gridgov report`.
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

from simulation.experiment.execute import metric_names

LEVEL = 0.95


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
    """The metric columns present in a per-run table, in the model's order."""
    return [m for m in metric_names() if m in runs.columns and runs[m].notna().any()]


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


def select(runs: pd.DataFrame, selector: str | dict[str, Any]) -> pd.DataFrame:
    """Rows matching a hypothesis selector: a scenario label or a mapping column -> value."""
    if isinstance(selector, str):
        return runs[runs["scenario"] == selector]
    mask = np.ones(len(runs), dtype=bool)
    for col, val in selector.items():
        if col not in runs.columns:
            return runs.iloc[0:0]
        if isinstance(val, float):
            mask &= np.isclose(runs[col].astype(float), val)
        else:
            mask &= (runs[col] == val).to_numpy()
    return runs[mask]


def compare(a: pd.Series, b: pd.Series, direction: str, level: float = LEVEL) -> dict[str, float]:
    """Welch comparison of two groups of runs.

    Args:
        a: Metric values of group A.
        b: Metric values of group B.
        direction: ``"less"`` tests A < B, ``"greater"`` tests A > B (one-sided).
        level: Confidence level of the two-sided interval reported for A - B.

    Returns:
        ``estimate`` (mean A - mean B), ``ci_low``, ``ci_high``, ``p`` (one-sided), ``n_a``,
        ``n_b``, and ``relative`` (estimate / mean B).
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    out = {"n_a": len(x), "n_b": len(y)}
    if len(x) < 2 or len(y) < 2:
        return {**out, "estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                "p": math.nan, "relative": math.nan}  # fmt: skip
    est = x.mean() - y.mean()
    va, vb = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = math.sqrt(va + vb)
    if se == 0:
        p = 0.0 if (est < 0 if direction == "less" else est > 0) else 1.0
        lo = hi = est
    else:
        df = (va + vb) ** 2 / (va**2 / (len(x) - 1) + vb**2 / (len(y) - 1))
        tval = est / se
        p = stats.t.cdf(tval, df) if direction == "less" else stats.t.sf(tval, df)
        half = stats.t.ppf(0.5 + level / 2, df) * se
        lo, hi = est - half, est + half
    rel = est / y.mean() if y.mean() != 0 else math.nan
    return {**out, "estimate": float(est), "ci_low": float(lo), "ci_high": float(hi),
            "p": float(p), "relative": float(rel)}  # fmt: skip


def two_level_factors(runs: pd.DataFrame, factors: list[str]) -> list[str]:
    """The design factors with exactly two levels (the ones a 2^k regression can code)."""
    return [f for f in factors if f in runs.columns and runs[f].nunique() == 2]


def _coded(runs: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    # ±1/2 coding: a main-effect coefficient is the mean difference high − low (averaged over
    # the other factors); a two-way coefficient is how much A's effect changes when B is high.
    cols = {}
    for f in factors:
        lo, hi = sorted(runs[f].unique())
        cols[f] = np.where(runs[f] == hi, 0.5, -0.5)
    return pd.DataFrame(cols, index=runs.index)


def term_name(factors: Iterable[str]) -> str:
    """Name of a regression term, e.g. ``identity:connection``."""
    return ":".join(factors)


def factorial_effects(
    runs: pd.DataFrame, factors: list[str], metric: str, level: float = LEVEL
) -> pd.DataFrame:
    """Main effects and all interaction terms of a two-level factorial, by OLS.

    Factors are coded −½/+½, so each main effect is the average change in the metric from the
    low to the high level, and a two-way term is the change in one factor's effect when the
    other is high (its sign is the sign of complementarity for a higher-is-better metric).

    Args:
        runs: Per-run table (successful runs are used).
        factors: Two-level factors of the design.
        metric: The response.
        level: Confidence level.

    Returns:
        ``metric``, ``term``, ``order``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p``
        (two-sided), ``df`` — one row per term, intercept first.
    """
    ok = runs[(runs["status"] == "ok") & runs[metric].notna()]
    factors = two_level_factors(ok, factors)
    x = _coded(ok, factors)
    terms: list[tuple[str, ...]] = [()]
    for k in range(1, len(factors) + 1):
        terms += list(itertools.combinations(factors, k))
    X = np.column_stack(
        [np.prod([x[f].to_numpy() for f in t], axis=0) if t else np.ones(len(ok)) for t in terms]
    )
    y = ok[metric].to_numpy(dtype=float)
    n, p = X.shape
    rows = []
    if n <= p:
        return pd.DataFrame(
            columns=["metric", "term", "order", "estimate", "se", "ci_low", "ci_high", "p", "df"]
        )
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    dof = n - p
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.pinv(X.T @ X)
    tcrit = stats.t.ppf(0.5 + level / 2, dof)
    for t, b, v in zip(terms, beta, np.diag(cov), strict=True):
        se = math.sqrt(max(v, 0.0))
        tval = b / se if se > 0 else math.inf
        rows.append(
            {
                "metric": metric,
                "term": term_name(t) if t else "(mean)",
                "order": len(t),
                "estimate": float(b),
                "se": se,
                "ci_low": float(b - tcrit * se),
                "ci_high": float(b + tcrit * se),
                "p": float(2 * stats.t.sf(abs(tval), dof)) if se > 0 else 0.0,
                "df": dof,
            }
        )
    return pd.DataFrame(rows)


def interaction_test(
    runs: pd.DataFrame, factors: list[str], design_factors: list[str], metric: str, sign: str
) -> dict[str, float]:
    """One-sided test of the sign of a factorial interaction term.

    Args:
        runs: Per-run table.
        factors: The factors of the term (e.g. ``["identity", "connection"]``).
        design_factors: All factors of the design (the full model is fitted).
        metric: Response metric.
        sign: ``"positive"`` or ``"negative"``.

    Returns:
        ``estimate``, ``ci_low``, ``ci_high``, ``p`` (one-sided, for the stated sign).
    """
    eff = factorial_effects(runs, design_factors, metric)
    want = set(factors)
    row = eff[eff["term"].map(lambda t: set(t.split(":")) == want)]
    if row.empty:
        return {"estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p": math.nan}
    r = row.iloc[0]
    half_p = r["p"] / 2
    p = half_p if (r["estimate"] > 0) == (sign == "positive") else 1 - half_p
    return {
        "estimate": r["estimate"],
        "ci_low": r["ci_low"],
        "ci_high": r["ci_high"],
        "p": float(p),
    }


def sensitivity_indices(
    runs: pd.DataFrame,
    manifest: dict[str, Any],
    points: pd.DataFrame,
    metric: str,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Sobol or Morris sensitivity indices (SALib) of one metric, with confidence bounds.

    Replications of a design point are averaged first; the sample order is the design's.

    Args:
        runs: Per-run table.
        manifest: The results folder's manifest (design kind, SALib problem, root seed).
        points: The design's raw sample matrix as a table (``sample.parquet``: one column per
            factor, one row per design point, before rounding of integer parameters).
        metric: Response metric.
        level: Confidence level of the bounds.

    Returns:
        Sobol: ``factor``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``. Morris: ``factor``,
        ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma``. Empty when runs are missing.
    """
    design = manifest["design"]
    kind = design["kind"]
    problem = manifest.get("problem")
    if kind not in ("sobol", "morris") or not problem:
        return pd.DataFrame()
    ok = runs[runs["status"] == "ok"]
    y = ok.groupby("point")[metric].mean().reindex(range(len(points)))
    if y.isna().any():
        return pd.DataFrame()
    Y = y.to_numpy(dtype=float)
    if np.ptp(Y) == 0:  # a constant output has no variance to apportion
        return pd.DataFrame()
    groups = problem.get("groups")
    names = list(dict.fromkeys(groups)) if groups else list(problem["names"])
    seed = manifest.get("root_seed")
    if kind == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(
            problem, Y, calc_second_order=design["second_order"], conf_level=level, seed=seed
        )
        df = pd.DataFrame(
            {"factor": names, "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
             "ST_conf": res["ST_conf"]}
        )  # fmt: skip
        df.insert(0, "metric", metric)
        return df.sort_values("ST", ascending=False).reset_index(drop=True)
    from SALib.analyze import morris

    X = points[problem["names"]].to_numpy(dtype=float)
    res = morris.analyze(problem, X, Y, conf_level=level, num_levels=design["levels"], seed=seed)
    df = pd.DataFrame(
        {"factor": list(res["names"]), "mu_star": res["mu_star"],
         "mu_star_conf": res["mu_star_conf"], "mu": res["mu"], "sigma": res["sigma"]}
    )  # fmt: skip
    df.insert(0, "metric", metric)
    return df.sort_values("mu_star", ascending=False).reset_index(drop=True)


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
    from simulation.experiment.store import iter_timeseries

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
