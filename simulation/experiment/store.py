"""Store: `results/<experiment>/` with a manifest, the design and per-run Parquet parts.

Layout::

    manifest.json          experiment file + hash, design hash, root seed, versions, times
    experiment.toml        copy of the experiment file (report/check need nothing else)
    design.parquet         the design points (every parameter of every point)
    runs/part-*.parquet    one row per finished run (ids, seed, parameters, metrics, status)
    timeseries/part-*.parquet  daily series of those runs (``run_id`` + the model's columns)

Every file is written to a temporary name and renamed, and a chunk's time series part is
renamed before its runs part: a run counts as finished only once its row exists, so a sweep
killed at any instant (even SIGKILL) resumes without losing or duplicating a run.
`pandas.read_parquet(DIR / "runs")` reads the per-run table directly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulation.experiment.spec import config_error

MANIFEST = "manifest.json"
_PACKAGES = ("gridgov", "mesa", "numpy", "pandas", "pyarrow", "scipy", "SALib", "distributed")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _atomic_parquet(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    _atomic_bytes(path, (json.dumps(obj, indent=2, default=str) + "\n").encode())


def code_version() -> str:
    """The package version plus the git commit (and ``-dirty``) when run from a checkout."""
    from simulation import __version__

    here = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return f"{__version__}+{commit}"


def package_versions() -> dict[str, str]:
    """Versions of the packages that determine results."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


class ResultStore:
    """One experiment's results folder.

    Args:
        root: The folder (created on `open`).
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.ts_dir = self.root / "timeseries"

    # -- opening ---------------------------------------------------------------------------
    def open(self, design, *, fresh: bool = False, executor: str = "") -> set[int]:
        """Prepare the folder for a sweep and return the run ids already finished.

        Args:
            design: The `Design` about to run.
            fresh: Delete earlier results instead of resuming.
            executor: Executor name (recorded).

        Returns:
            Ids of runs with an ``ok`` row (these are skipped). Failed rows are dropped so the
            runs are retried.

        Raises:
            ConfigError: The folder holds results of a different experiment or design.
        """
        exp = design.experiment
        manifest_path = self.root / MANIFEST
        digest = design.digest()
        if manifest_path.exists() and not fresh:
            old = json.loads(manifest_path.read_text())
            if old.get("design_sha256") != digest:
                raise config_error(
                    exp.path,
                    "experiment",
                    f"the experiment's runs changed since {self.root} was written (design, "
                    "parameters, seeds, days or model); use --fresh to discard those results "
                    "or --out for a new folder",
                )
            manifest = old
            if old.get("experiment_sha256") != exp.sha256:
                # Same runs, edited text (hypotheses, comments): keep results, store the new file.
                manifest.setdefault("previous_experiment_sha256", []).append(
                    old.get("experiment_sha256")
                )
                manifest["experiment_sha256"] = exp.sha256
                _atomic_bytes(self.root / "experiment.toml", exp.path.read_bytes())
        else:
            if self.root.exists() and fresh:
                for name in (MANIFEST, "experiment.toml", "design.parquet", "sample.parquet"):
                    (self.root / name).unlink(missing_ok=True)
                for d in (self.runs_dir, self.ts_dir, self.root / "figures"):
                    shutil.rmtree(d, ignore_errors=True)
                # Outputs of `report` on the discarded results.
                for name in ("report.html", "report.md"):
                    (self.root / name).unlink(missing_ok=True)
                for csv in self.root.glob("*.csv"):
                    csv.unlink()
            elif self.root.exists() and any(self.root.iterdir()):
                if (self.runs_dir.exists() or (self.root / "design.parquet").exists()) and not (
                    manifest_path.exists()
                ):
                    raise config_error(
                        exp.path, "--out", f"{self.root} holds other files; use --fresh or --out"
                    )
            manifest = {
                "experiment": exp.name,
                "experiment_file": str(exp.path.resolve()),
                "experiment_sha256": exp.sha256,
                "design_sha256": digest,
                "design_kind": exp.kind,
                "factors": design.factors,
                "design": exp.design,
                "problem": design.problem,
                "root_seed": exp.seed,
                "replications": exp.replications,
                "n_points": len(design.points),
                "n_runs": design.n_runs,
                "model": exp.model,
                "code_version": code_version(),
                "packages": package_versions(),
                "created": _now(),
                "sessions": [],
            }
        self.root.mkdir(parents=True, exist_ok=True)
        self.runs_dir.mkdir(exist_ok=True)
        self.ts_dir.mkdir(exist_ok=True)
        if not (self.root / "experiment.toml").exists():
            _atomic_bytes(self.root / "experiment.toml", exp.path.read_bytes())
        if not (self.root / "design.parquet").exists():
            _atomic_parquet(
                self.root / "design.parquet",
                pa.Table.from_pandas(design.points, preserve_index=False),
            )
        if design.sample is not None and not (self.root / "sample.parquet").exists():
            sample = pd.DataFrame(design.sample, columns=design.problem["names"])
            _atomic_parquet(self.root / "sample.parquet", pa.Table.from_pandas(sample))
        done = self._recover()
        manifest["sessions"].append(
            {
                "started": _now(),
                "ended": None,
                "status": "running",
                "executor": executor,
                "resumed_with": len(done),
                "code_version": code_version(),
            }
        )
        manifest["status"] = "running"
        self.manifest = manifest
        write_json(manifest_path, manifest)
        return done

    def _recover(self) -> set[int]:
        """Clean up after a killed sweep; return ids of runs finished ok."""
        for d in (self.runs_dir, self.ts_dir):
            for tmp in d.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        run_parts = {p.name for p in self.runs_dir.glob("part-*.parquet")}
        # A series part whose runs part never got written: killed between the two renames.
        for p in self.ts_dir.glob("part-*.parquet"):
            if p.name not in run_parts:
                p.unlink()
        done: set[int] = set()
        for name in sorted(run_parts):
            path = self.runs_dir / name
            t = pq.read_table(path, columns=["run_id", "status"]).to_pandas()
            ok = t["status"] == "ok"
            if not ok.all():
                # Drop failed rows so the runs are retried; keep the part's finished runs.
                full = pq.read_table(path)
                kept = full.filter(pc.equal(full["status"], "ok"))
                if kept.num_rows:
                    _atomic_parquet(path, kept)
                else:
                    (self.ts_dir / name).unlink(missing_ok=True)
                    path.unlink()
            done.update(int(i) for i in t.loc[ok, "run_id"])
        return done

    # -- writing ---------------------------------------------------------------------------
    def write_chunk(self, outcomes: list[dict[str, Any]]) -> None:
        """Write one finished chunk: time series part first, then the runs part."""
        if not outcomes:
            return
        name = (
            f"part-{min(o['row']['run_id'] for o in outcomes):08d}-{uuid.uuid4().hex[:8]}.parquet"
        )
        series = [o["timeseries"] for o in outcomes if o["timeseries"] is not None]
        ts = pd.concat(series, ignore_index=True) if series else None
        if ts is not None:
            _atomic_parquet(self.ts_dir / name, pa.Table.from_pandas(ts, preserve_index=False))
        rows = pd.DataFrame([o["row"] for o in outcomes])
        _atomic_parquet(self.runs_dir / name, pa.Table.from_pandas(rows, preserve_index=False))

    def close(self, status: str, **counts: int) -> None:
        """Record the session's end (status: complete, failed, interrupted)."""
        session = self.manifest["sessions"][-1]
        session.update(ended=_now(), status=status, **counts)
        self.manifest["status"] = status
        self.manifest["ended"] = session["ended"]
        write_json(self.root / MANIFEST, self.manifest)


# -- reading -------------------------------------------------------------------------------
def load_manifest(results_dir: str | Path) -> dict[str, Any]:
    """Read a results folder's manifest.

    Raises:
        ConfigError: The folder is not a results folder.
    """
    path = Path(results_dir) / MANIFEST
    if not path.is_file():
        raise config_error(results_dir, MANIFEST, "not a results folder (no manifest.json)")
    return json.loads(path.read_text())


def _parts(d: Path) -> list[Path]:
    return sorted(d.glob("part-*.parquet"))


def load_results(results_dir: str | Path, *, include_failed: bool = True) -> pd.DataFrame:
    """Load the per-run table of a results folder.

    Args:
        results_dir: A folder written by `gridgov sweep` / `run_experiment`.
        include_failed: Keep rows of failed runs (their metrics are NaN).

    Returns:
        One row per run, sorted by ``run_id``: ``run_id``, ``point``, ``replication``,
        ``scenario``, ``seed``, every parameter (the mechanism switches as booleans
        ``identity``/``connection``/``interaction``), every summary metric, ``status``,
        ``error`` and ``elapsed_s``.
    """
    root = Path(results_dir)
    load_manifest(root)
    parts = _parts(root / "runs")
    if not parts:
        return pd.DataFrame(columns=["run_id", "scenario", "status"])
    df = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    if not include_failed:
        df = df[df["status"] == "ok"]
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)


def iter_timeseries(results_dir: str | Path, columns: list[str] | None = None):
    """Yield the daily series one stored part at a time (bounded memory).

    Args:
        results_dir: A results folder.
        columns: Columns to read (``run_id`` is always included); None reads all.

    Yields:
        DataFrames with ``run_id`` and the requested columns.
    """
    cols = None if columns is None else ["run_id", *[c for c in columns if c != "run_id"]]
    for p in _parts(Path(results_dir) / "timeseries"):
        yield pd.read_parquet(p, columns=cols)


def load_timeseries(
    results_dir: str | Path,
    columns: list[str] | None = None,
    *,
    with_design: bool = True,
) -> pd.DataFrame:
    """Load the daily time series of every finished run.

    Args:
        results_dir: A results folder.
        columns: Series columns to load (default: all).
        with_design: Add each run's ``scenario``, ``replication`` and varied factors.

    Returns:
        One row per run and day: ``run_id``, ``day``, ``scored`` and the model's daily metrics.
    """
    root = Path(results_dir)
    manifest = load_manifest(root)
    frames = list(iter_timeseries(root, columns))
    if not frames:
        return pd.DataFrame(columns=["run_id"])
    ts = pd.concat(frames, ignore_index=True)
    if with_design:
        keys = ["run_id", "scenario", "replication", *manifest.get("factors", [])]
        runs = pd.read_parquet(root / "runs", columns=list(dict.fromkeys(keys)))
        ts = ts.merge(runs, on="run_id", how="left")
    return ts.sort_values(["run_id"], kind="stable").reset_index(drop=True)
