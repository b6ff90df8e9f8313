"""Sensitivity: Sobol and Morris indices (SALib) and partial rank correlations (LHS).

Replications of a design point are averaged before SALib sees them (its estimators assume one
output per sample row); partial rank correlations use every run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulation.analysis.analyse import LEVEL


def prcc(runs: pd.DataFrame, factors: list[str], metric: str, level: float = LEVEL) -> pd.DataFrame:
    """Partial rank correlation of a metric with each factor (the usual LHS sensitivity measure).

    Ranks of every factor and of the metric are regressed on the ranks of the other factors;
    the PRCC is the correlation of the residuals, with a Fisher-z interval and a t-test on
    n - 2 - (k - 1) degrees of freedom (Marino et al. 2008).

    Args:
        runs: Per-run table (successful runs with a value).
        factors: Varied factors (constant ones are skipped).
        metric: The response.
        level: Confidence level.

    Returns:
        ``metric``, ``factor``, ``prcc``, ``ci_low``, ``ci_high``, ``p``.
    """
    ok = runs[(runs["status"] == "ok") & runs[metric].notna()]
    factors = [f for f in factors if f in ok and ok[f].nunique() > 1]
    cols = ["metric", "factor", "prcc", "ci_low", "ci_high", "p"]
    k, n = len(factors), len(ok)
    dof = n - 2 - (k - 1)
    if not factors or dof < 2 or ok[metric].nunique() < 2:
        return pd.DataFrame(columns=cols)
    R = np.column_stack([stats.rankdata(ok[f].astype(float)) for f in factors])
    ry = stats.rankdata(ok[metric])
    rows = []
    for j, f in enumerate(factors):
        others = np.column_stack([np.ones(n), np.delete(R, j, axis=1)])
        res_x = R[:, j] - others @ np.linalg.lstsq(others, R[:, j], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        den = math.sqrt(float(res_x @ res_x) * float(res_y @ res_y))
        r = float(res_x @ res_y) / den if den > 0 else 0.0
        r = max(min(r, 1 - 1e-12), -1 + 1e-12)
        tval = r * math.sqrt(dof / (1 - r * r))
        half = stats.norm.ppf(0.5 + level / 2) / math.sqrt(max(n - k - 2, 1))
        rows.append({"metric": metric, "factor": f, "prcc": r,
                     "ci_low": math.tanh(math.atanh(r) - half),
                     "ci_high": math.tanh(math.atanh(r) + half),
                     "p": float(2 * stats.t.sf(abs(tval), dof))})  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


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
        from SALib.analyze import sobol  # optional: the experiments extra

        res = sobol.analyze(
            problem, Y, calc_second_order=design["second_order"], conf_level=level, seed=seed
        )
        df = pd.DataFrame(
            {"factor": names, "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
             "ST_conf": res["ST_conf"]}
        )  # fmt: skip
        df.insert(0, "metric", metric)
        return df.sort_values("ST", ascending=False).reset_index(drop=True)
    from SALib.analyze import morris  # optional: the experiments extra

    X = points[problem["names"]].to_numpy(dtype=float)
    res = morris.analyze(problem, X, Y, conf_level=level, num_levels=design["levels"], seed=seed)
    df = pd.DataFrame(
        {"factor": list(res["names"]), "mu_star": res["mu_star"],
         "mu_star_conf": res["mu_star_conf"], "mu": res["mu"], "sigma": res["sigma"]}
    )  # fmt: skip
    df.insert(0, "metric", metric)
    return df.sort_values("mu_star", ascending=False).reset_index(drop=True)
