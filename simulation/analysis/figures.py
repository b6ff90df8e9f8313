"""Figures of the experiment report (matplotlib, Agg, 150 dpi, labelled axes and units).

Labels, units and directions come from `simulation.core.outcomes` (metrics) and
`simulation.core.parameters` (factors); every figure's data is also written as CSV by `report`.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from simulation.core import outcomes
from simulation.core.parameters import PARAMETERS

#: Most factors plotted against the outcomes (the strongest by sensitivity measure first).
MAX_FACTORS_PLOTTED = 8


def _title(metric: str) -> str:
    """``name (unit)`` and the direction, from the metric registry."""
    try:
        o = outcomes.get(metric)
    except KeyError:
        return metric
    unit = "" if o.unit in ("share", "") else f" ({o.unit})"
    return f"{metric}{unit}" + (f"\n{o.better}" if o.better else "")


def factor_label(name: str) -> str:
    """A factor's axis label with its unit from the parameter table."""
    p = PARAMETERS.get(name)
    if p is None:
        return name
    return name if p.kind is bool else f"{name} ({p.unit})"


def _plt():
    """Pyplot on the file backend (Agg), with the report's style."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pyplot only once the file backend is chosen

    plt.rcParams.update({"figure.dpi": 150, "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False})  # fmt: skip
    return plt


def _label_panel(ax, labels: list[str], metric: str) -> None:
    """Label a horizontal per-metric panel: category ticks top-down, title with direction."""
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_title(_title(metric), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(5))


def _hide_unused(axes, n: int) -> None:
    """Blank the panels of a grid beyond the first `n`."""
    for ax in list(axes.flat)[n:]:
        ax.axis("off")


def bar_figure(means: pd.DataFrame, metrics: list[str], path: Path) -> None:
    """Scenario means of each metric as horizontal bars with their 95% intervals."""
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


def series_figure(
    bands: pd.DataFrame, columns: list[str], path: Path, burn_in: int, order: list[str]
) -> None:
    """Daily means with confidence bands, one line per scenario, burn-in marked."""
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
        ax.set_title(_title(c), fontsize=8)
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


def forest_figure(
    effects: pd.DataFrame,
    metrics: list[str],
    path: Path,
    title: str,
    est: str = "estimate",
    lo: str = "ci_low",
    hi: str = "ci_high",
) -> None:
    """Point estimates with intervals per term (or factor), one panel per metric."""
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


def sensitivity_figure(idx: pd.DataFrame, metrics: list[str], path: Path, kind: str) -> None:
    """Sobol first- and total-order indices, or Morris mu*, with their 95% bounds."""
    if kind == "sobol":
        d = pd.concat(
            [idx.assign(term=idx["factor"] + f" {o}", est=idx[o], ci_low=idx[o] - idx[f"{o}_conf"],
                        ci_high=idx[o] + idx[f"{o}_conf"]) for o in ("S1", "ST")]
        ).sort_values(["factor", "term"])  # fmt: skip
        label = "Sobol first-order S1 and total-order ST indices (±95% bound)"
    else:
        d = idx.assign(term=idx["factor"], est=idx["mu_star"],
                       ci_low=idx["mu_star"] - idx["mu_star_conf"],
                       ci_high=idx["mu_star"] + idx["mu_star_conf"])  # fmt: skip
        label = "Morris μ* (±95% bound)"
    forest_figure(d, metrics, path, f"Sensitivity: {label}", est="est")


def smooth(x: np.ndarray, y: np.ndarray, points: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-kernel local mean of y over x.

    A Nadaraya-Watson smoother: enough to show the shape of a response in a scatter, with no
    dependency beyond NumPy. Bandwidth: Silverman's rule (1.06 sd n^-1/5), at most a tenth of
    the range of x, so a few dozen runs are smoothed and many runs still show curvature.
    """
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    grid = np.linspace(x.min(), x.max(), points)
    silverman = 1.06 * x.std() * len(x) ** -0.2
    bw = max(min((x.max() - x.min()) / 10, silverman), 1e-12)
    w = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / bw) ** 2)
    return grid, (w @ y) / np.maximum(w.sum(axis=1), 1e-300)


def scatter_figure(runs: pd.DataFrame, metrics: list[str], factors: list[str], path: Path,
                   title: str) -> None:  # fmt: skip
    """Each outcome (rows) against each factor (columns): runs as dots and a smoother.

    Switches are drawn as two jittered columns (off, on) with their means.
    """
    plt = _plt()
    nrow, ncol = len(metrics), len(factors)
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.3 * ncol + 0.6, 1.9 * nrow + 0.6),
                             squeeze=False)  # fmt: skip
    jitter = np.random.default_rng(0)
    for i, m in enumerate(metrics):
        for j, f in enumerate(factors):
            ax = axes[i, j]
            x = runs[f].to_numpy(dtype=float)
            y = runs[m].to_numpy(dtype=float)
            if PARAMETERS.get(f) is not None and PARAMETERS[f].kind is bool:
                ax.scatter(x + jitter.uniform(-0.12, 0.12, len(x)), y, s=3, alpha=0.35)
                means = [np.nanmean(y[x == v]) if (x == v).any() else np.nan for v in (0, 1)]
                ax.plot([0, 1], means, color="#c0392b", lw=1.5, marker="o", ms=3)
                ax.set_xticks([0, 1], ["off", "on"])
            else:
                ax.scatter(x, y, s=3, alpha=0.35)
                if np.isfinite(y).sum() > 3 and np.nanmax(x) > np.nanmin(x):
                    gx, gy = smooth(x, y)
                    ax.plot(gx, gy, color="#c0392b", lw=1.5)
            ax.tick_params(labelsize=6)
            if i == nrow - 1:
                ax.set_xlabel(factor_label(f), fontsize=7)
            if j == 0:
                ax.set_ylabel(_title(m).replace("\n", "\n"), fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    fig.savefig(path)
    plt.close(fig)
