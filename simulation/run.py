"""Run one street: `simulate()` for Python, `gridgov run` for the shell.

`gridgov run SCENARIO.toml` writes into one folder: `timeseries.parquet` (one row per day) and
`summary.json` (scenario, seed, parameters, scored-period metrics, package versions); with
`--figure` also `figure.png` (the key daily series; drawing it imports Matplotlib and adds
most of a second, so it is drawn only when asked). The folder must be new, empty, or one an
earlier `gridgov run` of the same scenario wrote (then `--overwrite` replaces exactly the files
it wrote, and removes an earlier figure a run without `--figure` did not redraw; see
`simulation.folders`). Each file is written under a temporary name and renamed, and a failed
write removes this run's files, so nothing is left half-written.

Only the standard library and light `simulation` modules are imported at the top: `gridgov
--help` and `gridgov validate` import this module to register `run`, and must not pay for
pandas, NumPy or Mesa.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulation.config import ConfigError, validate_parameters
from simulation.core.outcomes import DAILY, KEY_DAILY, MODEL_SUMMARY, SUMMARY

if TYPE_CHECKING:
    import pandas as pd
from simulation.core.model import GridGovernanceModel
from simulation.folders import check_target, claim, read_marker


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
    full = validate_parameters(params, "parameters")
    if days is not None:
        full["scored_days"] = int(days)
    model = GridGovernanceModel(rng=int(seed), **full)
    model.run()
    return RunResult(full, int(seed), model.timeseries(), model.summary())


#: The daily series `figure.png` (`gridgov run --figure`) shows, labelled from the registry.
KEY_SERIES = KEY_DAILY


def plot_timeseries(ts: pd.DataFrame, title: str, path: Path, burn_in: int) -> None:
    """Save a 2×3 figure of the key daily series."""
    # Matplotlib costs most of a second to import: only runs that ask for a figure pay it.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharex=True, constrained_layout=True)
    for ax, col in zip(axes.ravel(), KEY_SERIES, strict=True):
        label = f"{DAILY[col].label} ({DAILY[col].unit})"
        ax.plot(ts["day"], ts[col], lw=1.0, color="#1f77b4")
        ax.axvspan(0, burn_in, color="#dddddd", lw=0, label="burn-in")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("day")
    fig.suptitle(title)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def run_owner(scenario: str, seed: int) -> dict[str, Any]:
    """The marker fields of a `gridgov run` folder."""
    return {"tool": "gridgov run", "kind": "run", "name": scenario, "fingerprint": f"seed={seed}"}


def check_run_folder(out_dir: str | Path, scenario: str, seed: int, overwrite: bool) -> None:
    """Refuse an output folder before the run starts (nothing is written).

    Raises:
        ConfigError: Not ours (see `simulation.folders.check_target`), or ours and
            `overwrite` is False.
    """
    state = check_target(out_dir, run_owner(scenario, seed))
    if state == "ours" and not overwrite and (read_marker(out_dir) or {}).get("files"):
        raise ConfigError(
            str(out_dir), "--out", f"already holds a run of {scenario!r}; add --overwrite to "
            "replace it (only the files gridgov wrote there are replaced)",
        )  # fmt: skip


def write_run(
    result: RunResult, scenario: str, out_dir: Path, figure: bool = False, overwrite: bool = False
) -> Path:
    """Write a run's files into `out_dir`, a new folder or one an earlier run wrote.

    The folder's marker is written first; each file goes to a temporary name and is renamed.
    If writing fails, the files written so far are removed again (never a mixed folder).

    Args:
        result: The run.
        scenario: Scenario name (recorded in the marker and the summary).
        out_dir: The folder.
        figure: Also write ``figure.png`` (imports Matplotlib; off by default, as in the CLI).
        overwrite: Replace an earlier run's files in `out_dir` (only files gridgov wrote).

    Returns:
        `out_dir`.

    Raises:
        ConfigError: The folder is refused (see `check_run_folder`) or cannot be written.
    """
    from simulation.provenance import package_versions  # importlib.metadata: not for --help

    out_dir = Path(out_dir)
    check_run_folder(out_dir, scenario, result.seed, overwrite)
    summary = {
        "scenario": scenario,
        "seed": result.seed,
        "parameters": result.params,
        "metrics": {k: _json_number(v) for k, v in result.summary.items()},
        "versions": package_versions(),
    }
    with claim(out_dir, run_owner(scenario, result.seed)) as folder:
        old = set(folder.marker.get("files", []))
        try:
            with folder.writing("timeseries.parquet") as tmp:
                result.timeseries.to_parquet(tmp, index=False)
            text = json.dumps(summary, indent=2, ensure_ascii=False)
            with folder.writing("summary.json") as tmp:
                tmp.write_text(text)
            if figure:
                title = f"{scenario} (seed {result.seed})"
                # A file object: the temporary name's suffix must not choose the format.
                with folder.writing("figure.png") as tmp, open(tmp, "wb") as fh:
                    plot_timeseries(result.timeseries, title, fh, result.params["burn_in_days"])
        except OSError as exc:
            folder.remove_ours()
            raise ConfigError(
                str(out_dir), "--out", f"cannot be written ({exc.strerror})"
            ) from None
        except BaseException:
            folder.remove_ours()
            raise
        new = {"timeseries.parquet", "summary.json", *(["figure.png"] if figure else [])}
        stale = old - new
        if stale:  # an earlier run's figure when this one has none
            folder.remove_ours(keep=tuple(new))
    return out_dir


def _json_number(v: float) -> float | None:
    return None if v != v else float(v)  # NaN -> null


def format_summary(summary: dict[str, float]) -> str:
    """A short two-column table of the scored-period metrics."""
    lines = []
    width = max(len(name) for name in MODEL_SUMMARY)
    for name in MODEL_SUMMARY:
        v = summary.get(name, float("nan"))
        lines.append(f"  {name:<{width}} {v:>10.3f}   {SUMMARY[name].definition}")
    return "\n".join(lines)
