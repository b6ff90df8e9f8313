"""Reading a results folder, verified: every reader checks each part against the manifest.

The manifest lists each committed part with its row count and SHA-256 checksum (see
`simulation.running.store`). `verify` compares; `load_results`, `iter_timeseries` and
`load_timeseries` read only listed, intact parts and raise `StoreDamaged` (one line naming
the damaged parts and how to repair them) otherwise; `completeness` tells how many of the
design's runs are finished, for `check` to refuse an incomplete folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulation.config import ConfigError

MANIFEST = "manifest.json"


class StoreDamaged(ConfigError):
    """A results folder has damaged or missing parts (exit code 2 on the command line)."""


class Completeness(NamedTuple):
    """How complete a results folder is.

    Attributes:
        finished: Runs with an intact ``ok`` row.
        expected: Runs in the design.
        damaged: Names of damaged or missing part files (``runs/part-…``).
    """

    finished: int
    expected: int
    damaged: list[str]


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_manifest(results_dir: str | Path) -> dict[str, Any]:
    """Read a results folder's manifest.

    Raises:
        ConfigError: The folder is not a results folder, or its manifest is not JSON.
    """
    path = Path(results_dir) / MANIFEST
    if not path.is_file():
        raise ConfigError(str(results_dir), MANIFEST, "not a results folder (no manifest.json)")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise ConfigError(
            str(path), None, f"damaged manifest ({type(exc).__name__}); the runs cannot be "
            "trusted: rerun with `gridgov sweep … --fresh` into this folder",
        ) from None  # fmt: skip
    if not isinstance(manifest, dict) or "experiment" not in manifest:
        raise ConfigError(str(path), None, "not a gridgov results manifest")
    return manifest


def _legacy_parts(root: Path) -> dict[str, dict[str, Any]]:
    """Parts of a folder written before the manifest listed them (no checksums to compare)."""
    return {p.name: {} for p in sorted((root / "runs").glob("part-*.parquet"))}


def _part_problem(root: Path, name: str, entry: dict[str, Any]) -> str | None:
    """What is wrong with one part's files (missing, changed, unreadable), or None."""
    for kind in ("runs", "timeseries"):
        path = root / kind / name
        want = entry.get(f"{kind}_sha256")
        if want is None and (kind == "timeseries" or entry):
            continue  # a part of failed runs only has no series
        if not path.is_file():
            return f"{kind}/{name} is missing"
        if want is not None and file_sha256(path) != want:
            return f"{kind}/{name} is truncated or changed"
        if want is None:
            try:
                pq.read_metadata(path)
            except (OSError, pa.ArrowException):
                return f"{kind}/{name} is unreadable"
    return None


def verify(
    results_dir: str | Path,
    manifest: dict[str, Any] | None = None,
    *,
    raise_on_damage: bool = False,
    hint: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Check every listed part against its checksum.

    Args:
        results_dir: A results folder.
        manifest: Its manifest (read when None).
        raise_on_damage: Raise `StoreDamaged` instead of returning damaged parts.
        hint: ``EXPERIMENT.toml --out DIR`` for the repair command in the message.

    Returns:
        ``(intact part names, {damaged part name: what is wrong})``.

    Raises:
        StoreDamaged: With `raise_on_damage`, when any part is damaged or missing.
    """
    root = Path(results_dir)
    manifest = manifest if manifest is not None else load_manifest(root)
    parts = manifest.get("parts")
    if parts is None:
        parts = _legacy_parts(root)
    good: list[str] = []
    damaged: dict[str, str] = {}
    for name, entry in sorted(parts.items()):
        problem = _part_problem(root, name, entry)
        if problem:
            damaged[name] = problem
        else:
            good.append(name)
    if damaged and raise_on_damage:
        # Row counts, not run-id lists, keep the manifest small for sweeps of many parts.
        n_runs = sum(int(parts[n].get("runs_rows", 0)) for n in damaged)
        runs = f"their {n_runs} runs" if n_runs else "their runs"
        cmd = f"gridgov sweep {hint} --repair" if hint else "gridgov sweep … --repair"
        listed = "; ".join(damaged[n] for n in sorted(damaged)[:3])
        more = f" and {len(damaged) - 3} more" if len(damaged) > 3 else ""
        raise StoreDamaged(
            str(root), "parts", f"{len(damaged)} damaged: {listed}{more}; `{cmd}` re-runs {runs}"
        )
    return good, damaged


def completeness(results_dir: str | Path) -> Completeness:
    """How many of the design's runs are finished, and which parts are damaged.

    Args:
        results_dir: A results folder.

    Returns:
        A `Completeness` (``finished`` counts intact ``ok`` rows).
    """
    root = Path(results_dir)
    manifest = load_manifest(root)
    good, damaged = verify(root, manifest)
    finished = 0
    for name in good:
        status = pq.read_table(root / "runs" / name, columns=["status"])["status"]
        finished += int(pc.sum(pc.equal(status, "ok")).as_py() or 0)
    return Completeness(finished, int(manifest.get("n_runs", 0)), [f"runs/{n}" for n in damaged])


def load_results(results_dir: str | Path, *, include_failed: bool = True) -> pd.DataFrame:
    """Load the per-run table of a results folder (verified).

    Args:
        results_dir: A folder written by `gridgov sweep` / `run_experiment`.
        include_failed: Keep rows of failed runs (their metrics are NaN).

    Returns:
        One row per run, sorted by ``run_id``: ``run_id``, ``point``, ``replication``,
        ``scenario``, ``seed``, every parameter (the mechanism switches as booleans
        ``identity``/``connection``/``interaction``), every summary metric, ``status``,
        ``error`` and ``elapsed_s``.

    Raises:
        ConfigError: Not a results folder, or a damaged manifest.
        StoreDamaged: A part is damaged or missing (named in the message).
    """
    root = Path(results_dir)
    good, _ = verify(root, raise_on_damage=True)
    if not good:
        return pd.DataFrame(columns=["run_id", "scenario", "status"])
    df = pd.concat([pd.read_parquet(root / "runs" / n) for n in good], ignore_index=True)
    if not include_failed:
        df = df[df["status"] == "ok"]
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)


def iter_timeseries(
    results_dir: str | Path, columns: list[str] | None = None
) -> Iterator[pd.DataFrame]:
    """Yield the daily series one stored part at a time (bounded memory; verified first).

    Args:
        results_dir: A results folder.
        columns: Columns to read (``run_id`` is always included); None reads all.

    Yields:
        DataFrames with ``run_id`` and the requested columns.

    Raises:
        StoreDamaged: A part is damaged or missing.
    """
    root = Path(results_dir)
    good, _ = verify(root, raise_on_damage=True)
    cols = None if columns is None else ["run_id", *[c for c in columns if c != "run_id"]]
    for name in good:
        path = root / "timeseries" / name
        if path.is_file():
            yield pd.read_parquet(path, columns=cols)


def load_timeseries(
    results_dir: str | Path,
    columns: list[str] | None = None,
    *,
    with_design: bool = True,
) -> pd.DataFrame:
    """Load the daily time series of every finished run (verified).

    Args:
        results_dir: A results folder.
        columns: Series columns to load (default: all).
        with_design: Add each run's ``scenario``, ``replication`` and varied factors.

    Returns:
        One row per run and day: ``run_id``, ``day``, ``scored`` and the model's daily metrics.

    Raises:
        StoreDamaged: A part is damaged or missing.
    """
    root = Path(results_dir)
    manifest = load_manifest(root)
    frames = list(iter_timeseries(root, columns))
    if not frames:
        return pd.DataFrame(columns=["run_id"])
    ts = pd.concat(frames, ignore_index=True)
    if with_design:
        keys = ["run_id", "scenario", "replication", *manifest.get("factors", [])]
        runs = load_results(root)[list(dict.fromkeys(keys))]
        ts = ts.merge(runs, on="run_id", how="left")
    return ts.sort_values(["run_id"], kind="stable").reset_index(drop=True)
