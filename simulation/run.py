"""Run one street: `simulate()` for Python, `gridgov run` for the shell.

`gridgov run SCENARIO.toml` writes into one folder: `timeseries.parquet` (one row per day),
`summary.json` (scenario, seed, parameters, scored-period metrics, package versions) and
`figure.png` (the key daily series). Output goes to a temporary folder first and is moved
into place at the end, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.config import ConfigError, load_scenario, parse_overrides, validate_parameters
from simulation.metrics import SUMMARY_METRICS


@dataclass
class RunResult:
    """What one run produces."""

    params: dict[str, Any]
    seed: int
    timeseries: pd.DataFrame
    summary: dict[str, float]


def simulate(params: dict[str, Any], seed: int, days: int | None = None) -> RunResult:
    """Build and run one model.

    Args:
        params: Parameter values (any subset; validated, the rest default).
        seed: Root seed of every random draw in the run.
        days: Scored days (overrides `scored_days`); the burn-in still runs first.

    Returns:
        The daily time series and the scored-period summary.
    """
    from simulation.model import GridGovernanceModel

    full = validate_parameters(params, "parameters")
    if days is not None:
        full["scored_days"] = int(days)
    model = GridGovernanceModel(rng=int(seed), **full)
    model.run()
    return RunResult(full, int(seed), model.timeseries(), model.summary())


def package_versions() -> dict[str, str]:
    """Versions of the packages a result depends on."""
    out = {}
    for name in ("gridgov", "mesa", "numpy", "pandas", "pyarrow", "scipy", "networkx"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


KEY_SERIES = (
    ("backlog", "Backlog (open cases)"),
    ("mean_resolution_days", "Resolution time, days (30-day mean)"),
    ("satisfaction_rate", "Satisfaction rate (30-day)"),
    ("mean_trust", "Mean trust"),
    ("mean_identity", "Mean identity"),
    ("volunteers_30d", "Volunteers (last 30 days)"),
)


def plot_timeseries(ts: pd.DataFrame, title: str, path: Path, burn_in: int) -> None:
    """Save a 2×3 figure of the key daily series."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharex=True, constrained_layout=True)
    for ax, (col, label) in zip(axes.ravel(), KEY_SERIES, strict=True):
        ax.plot(ts["day"], ts[col], lw=1.0, color="#1f77b4")
        ax.axvspan(0, burn_in, color="#dddddd", lw=0, label="burn-in")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("day")
    fig.suptitle(title)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def write_run(result: RunResult, scenario: str, out_dir: Path, figure: bool = True) -> Path:
    """Write a run's files atomically into `out_dir` (replacing an older run there)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        summary = {
            "scenario": scenario,
            "seed": result.seed,
            "parameters": result.params,
            "metrics": {k: _json_number(v) for k, v in result.summary.items()},
            "versions": package_versions(),
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        if figure:
            title = f"{scenario} (seed {result.seed})"
            plot_timeseries(result.timeseries, title, tmp / "figure.png",
                            result.params["burn_in_days"])  # fmt: skip
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.chmod(0o755)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _json_number(v: float) -> float | None:
    return None if v != v else float(v)  # NaN -> null


def format_summary(summary: dict[str, float]) -> str:
    """A short two-column table of the scored-period metrics."""
    lines = []
    for name, (_, meaning) in SUMMARY_METRICS.items():
        v = summary.get(name, float("nan"))
        lines.append(f"  {name:<33} {v:>10.3f}   {meaning}")
    return "\n".join(lines)


def _run_command(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.set)
    if args.days is not None:
        if args.days < 1:
            raise ConfigError("--days", "days", "must be a positive integer")
        overrides["scored_days"] = args.days
    scenario = load_scenario(args.scenario, overrides)
    if args.seed < 0:
        raise ConfigError("--seed", "seed", "must be a non-negative integer")
    out = Path(args.out) if args.out else Path("results") / f"{scenario.name}-seed{args.seed}"
    result = simulate(scenario.params, args.seed)
    write_run(result, scenario.name, out)
    print(f"scenario {scenario.name}, seed {args.seed}, {len(result.timeseries)} days")
    print(format_summary(result.summary))
    print(f"wrote {out}/ (timeseries.parquet, summary.json, figure.png)")
    return 0


def add_parser(sub) -> None:
    """Register `gridgov run`."""
    p = sub.add_parser("run", help="run one scenario and write its results")
    p.add_argument("scenario", help="scenario TOML file (see scenarios/)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--days", type=int, default=None, help="scored days (after the burn-in)")
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a parameter (repeatable)"
    )
    p.add_argument("--out", default=None, help="output folder (default results/<name>-seed<N>)")
    p.set_defaults(func=_run_command)
