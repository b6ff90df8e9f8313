"""Store: `results/<experiment>/` with a manifest, the design and per-run Parquet parts.

Layout::

    .gridgov-folder.json   marker: who owns the folder, every file written there, the writer
    manifest.json          experiment file + hash, design hash, code hash, root seed, versions,
                           sessions, and every committed part with its rows and checksums
    experiment.toml        copy of the experiment file (report/check need nothing else)
    design.parquet         the design points (every parameter of every point)
    runs/part-*.parquet    one row per finished run (ids, seed, parameters, metrics, status)
    timeseries/part-*.parquet  daily series of those runs (``run_id`` + the model's columns)

A chunk is committed in three steps: its time series part and its runs part are written
under temporary names and renamed, then the manifest lists them with row counts and SHA-256
checksums. Only listed parts count, so the runs table and the time series always hold the
same runs, a sweep killed at any instant resumes without losing or duplicating a run, and
every reader can tell a damaged part (`verify`). One sweep at a time holds the folder's lock
(`simulation.folders`).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulation.config import config_error
from simulation.folders import check_target, claim, write_atomic
from simulation.provenance import code_fingerprint, code_version, package_versions
from simulation.running import grow
from simulation.running.grow import growth
from simulation.running.storecheck import (
    MANIFEST,
    StoreDamaged,
    completeness,
    file_sha256,
    iter_timeseries,
    load_manifest,
    load_results,
    load_timeseries,
    verify,
)

__all__ = [
    "MANIFEST",
    "ResultStore",
    "StoreDamaged",
    "code_fingerprint",
    "completeness",
    "iter_timeseries",
    "load_manifest",
    "load_results",
    "load_timeseries",
    "verify",
]
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    write_atomic(path, (json.dumps(obj, indent=1, default=str) + "\n").encode())


class StoreWriteError(Exception):
    """Writing a part failed (a full disk); finished runs are kept. `str()` is one line."""


class ResultStore:
    """One experiment's results folder, locked for one writer while open.

    Args:
        root: The folder (created on `open`).
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.ts_dir = self.root / "timeseries"
        self.folder = None
        self.manifest: dict[str, Any] = {}

    # -- deciding --------------------------------------------------------------------------
    def plan(
        self, design, *, fresh: bool = False, allow_code_change: bool = False,
        repair: bool = False,
    ) -> dict[str, Any] | None:  # fmt: skip
        """Check, writing nothing, that the folder may take this design; return its manifest.

        Returns:
            The manifest to resume from, or None for a new (or fresh) folder.

        Raises:
            ConfigError: A foreign folder, another experiment, a changed design, changed code
                (without `allow_code_change`), damaged parts (without `repair`) or a manifest
                that is not JSON.
        """
        exp = design.experiment
        state = check_target(self.root, _owner(design))
        if state != "ours" or fresh or not (self.root / MANIFEST).exists():
            return None
        old = load_manifest(self.root)
        grows = old.get("design_sha256") != design.digest() and growth(self.root, old, design)
        if old.get("design_sha256") != design.digest() and not grows:
            raise config_error(
                exp.path, "experiment",
                f"the experiment's runs changed since {self.root} was written (design, "
                "parameters, seeds, days or model); use --fresh to discard those results "
                "or --out for a new folder",
            )  # fmt: skip
        code = code_fingerprint()
        if old.get("code_sha256") not in (None, code) and not allow_code_change:
            raise config_error(
                self.root, "code",
                f"the model code changed since these results were written (code "
                f"{old.get('code_sha256')}, now {code}); resuming would mix two models' "
                "results. Use --fresh, another --out, or --allow-code-change (recorded)",
            )  # fmt: skip
        if not repair:
            verify(self.root, old, raise_on_damage=True, hint=f"{exp.path} --out {self.root}")
        return old

    # -- opening ---------------------------------------------------------------------------
    def open(
        self, design, *, fresh: bool = False, executor: str = "",
        allow_code_change: bool = False, repair: bool = False,
    ) -> set[int]:  # fmt: skip
        """Lock the folder, prepare it for a sweep and return the run ids already finished.

        Args:
            design: The `Design` about to run.
            fresh: Remove earlier results (only the files gridgov wrote) instead of resuming.
            executor: Executor name (recorded).
            allow_code_change: Resume even though the model code changed (recorded).
            repair: Remove damaged parts so their runs run again.

        Returns:
            Ids of runs with a committed ``ok`` row (these are skipped). Failed rows are
            dropped so the runs are retried.

        Raises:
            ConfigError: See `plan`; also when another sweep holds the folder.
        """
        self.folder = claim(self.root, _owner(design))
        try:
            return self._open(design, fresh, executor, allow_code_change, repair)
        except OSError as exc:  # a full disk or a read-only place: one line, nothing to resume
            self.folder.release()
            what = "the disk is full" if exc.errno in _DISK_FULL else "cannot write"
            raise config_error(self.root, "--out", f"{what} ({exc.strerror or exc})") from None
        except BaseException:
            self.folder.release()
            raise

    def _open(self, design, fresh, executor, allow_code_change, repair) -> set[int]:
        exp = design.experiment
        old = self.plan(design, fresh=fresh, allow_code_change=allow_code_change, repair=repair)
        g = None
        if old is None:
            self.folder.remove_ours()
            self.folder.update(fingerprint=design.digest())
            manifest = _new_manifest(design)
        else:
            manifest = old
            if manifest.get("design_sha256") != design.digest():
                g = growth(self.root, manifest, design)
            if manifest.get("experiment_sha256") != exp.sha256:
                # Same runs, edited text (hypotheses, comments): keep results, store the file.
                manifest.setdefault("previous_experiment_sha256", []).append(
                    manifest.get("experiment_sha256")
                )
            manifest.setdefault("code_sha256", code_fingerprint())
        if manifest.get("experiment_sha256") != exp.sha256 or old is None:
            manifest["experiment_sha256"] = exp.sha256
            self.folder.write("experiment.toml", exp.path.read_bytes())
        self.manifest = manifest
        done = self._recover(repair)
        if g is not None:
            grow.apply(self, g, design)
            done = self._recover(repair=False)  # the ids under the grown design's numbering
        grow.apply_overrides(design, manifest)  # after every digest: it changes the runs' seeds
        # Always rewritten: after a growth killed before this line it would still be the old.
        self._write_table("design.parquet", design.points)
        if design.sample is not None and not (self.root / "sample.parquet").exists():
            names = design.problem["names"]
            self._write_table("sample.parquet", pd.DataFrame(design.sample, columns=names))
        code = code_fingerprint()
        manifest["sessions"].append(
            {
                "started": _now(), "ended": None, "status": "running", "executor": executor,
                "resumed_with": len(done), "code_version": code_version(), "code_sha256": code,
                "allow_code_change": bool(allow_code_change and manifest["code_sha256"] != code),
                "pid": os.getpid(),
            }
        )  # fmt: skip
        manifest["status"] = "running"
        self._save()
        return done

    def _write_table(self, rel: str, df: pd.DataFrame) -> None:
        with self.folder.writing(rel) as tmp:
            pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)

    def _save(self) -> None:
        self.folder.record(MANIFEST)
        write_json(self.root / MANIFEST, self.manifest)

    def _recover(self, repair: bool) -> set[int]:
        """Drop uncommitted and (with `repair`) damaged parts; return ids of runs finished ok."""
        parts = self.manifest.setdefault("parts", {})
        good, damaged = verify(self.root, self.manifest)
        if damaged and repair:
            self.manifest.setdefault("repairs", []).append({"at": _now(), "parts": damaged})
            for name in damaged:
                parts.pop(name, None)
        ours = set(self.folder.marker.get("files", []))
        for d in (self.runs_dir, self.ts_dir):
            for p in d.glob("*"):
                rel = f"{d.name}/{p.name}"
                listed = p.name in parts
                # Uncommitted (killed before the manifest listed it) or damaged: ours to remove.
                if not listed and (rel in ours or p.name.endswith(".tmp")):
                    p.unlink(missing_ok=True)
        done: set[int] = set()
        for name in list(parts):
            entry = parts[name]
            table = pq.read_table(self.runs_dir / name)
            ok = pc.equal(table["status"], "ok")
            if not pc.all(ok).as_py():
                # Drop failed rows so those runs are retried; keep the part's finished runs.
                kept = table.filter(ok)
                if kept.num_rows:
                    self._write_part("runs", name, kept, entry)
                else:
                    parts.pop(name)
                    for d in (self.runs_dir, self.ts_dir):
                        (d / name).unlink(missing_ok=True)
                    continue
            done.update(int(i) for i in table.filter(ok)["run_id"].to_pylist())
        self._save()
        return done

    # -- writing ---------------------------------------------------------------------------
    def _write_part(self, kind: str, name: str, table: pa.Table, entry: dict[str, Any]) -> None:
        with self.folder.writing(f"{kind}/{name}") as tmp:
            pq.write_table(table, tmp)
            entry[f"{kind}_sha256"] = file_sha256(tmp)
        entry[f"{kind}_rows"] = table.num_rows

    def write_chunk(self, outcomes: list[dict[str, Any]]) -> None:
        """Commit one finished chunk: time series part, runs part, then the manifest entry.

        Raises:
            StoreWriteError: The disk is full (or another write error): one line; the
                chunk's files are removed and every committed run is kept.
        """
        if not outcomes:
            return
        first = min(o["row"]["run_id"] for o in outcomes)
        name = f"part-{first:08d}-{uuid.uuid4().hex[:8]}.parquet"
        entry: dict[str, Any] = {
            "session": len(self.manifest["sessions"]) - 1,
            "design": self.manifest["design_sha256"],
        }
        series = [o["timeseries"] for o in outcomes if o["timeseries"] is not None]
        rows = pd.DataFrame([o["row"] for o in outcomes])
        try:
            self.folder.record(f"timeseries/{name}", f"runs/{name}")
            if series:
                ts = pd.concat(series, ignore_index=True)
                self._write_part(
                    "timeseries", name, pa.Table.from_pandas(ts, preserve_index=False), entry
                )
            self._write_part("runs", name, pa.Table.from_pandas(rows, preserve_index=False), entry)
            self.manifest["parts"][name] = entry
            self._save()
        except OSError as exc:
            self.manifest["parts"].pop(name, None)
            for d in (self.runs_dir, self.ts_dir):
                (d / name).unlink(missing_ok=True)
            what = "the disk is full" if exc.errno in _DISK_FULL else "cannot write"
            raise StoreWriteError(
                f"{self.root}: {what} ({exc.strerror or exc}) while storing runs; the runs "
                "finished before are kept: free space and run the same command again"
            ) from None

    def close(self, status: str, **counts: int) -> None:
        """Record the session's end (complete, failed, interrupted) and release the lock."""
        try:
            if self.manifest.get("sessions"):
                session = self.manifest["sessions"][-1]
                session.update(ended=_now(), status=status, **counts)
                self.manifest["status"] = status
                self.manifest["ended"] = session["ended"]
                try:
                    self._save()
                except OSError:  # a full disk: the next open sees the session as unfinished
                    pass
        finally:
            if self.folder is not None:
                self.folder.release()


def _owner(design) -> dict[str, Any]:
    exp = design.experiment
    return {"tool": "gridgov sweep", "kind": "sweep", "name": exp.name,
            "fingerprint": design.digest()}  # fmt: skip


def _new_manifest(design) -> dict[str, Any]:
    exp = design.experiment
    return {
        "experiment": exp.name, "experiment_file": str(exp.path.resolve()),
        "experiment_sha256": exp.sha256, "design_sha256": design.digest(),
        "design_kind": exp.kind, "factors": design.factors, "design": exp.design,
        "problem": design.problem, "root_seed": exp.seed, "replications": exp.replications,
        "n_points": len(design.points), "n_runs": design.n_runs, "model": exp.model,
        "code_version": code_version(), "code_sha256": code_fingerprint(),
        "packages": package_versions(), "created": _now(), "sessions": [], "parts": {},
    }  # fmt: skip
