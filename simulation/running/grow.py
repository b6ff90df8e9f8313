"""Growing an experiment in place: more replications or more design points, only new runs run.

A design *grows* a stored one when it uses the same model and root seed, keeps every stored
design point unchanged (its whole parameter row, label included) and has at least as many
replications. The stored runs then keep their results and their seeds; the new runs get the
design's seeds, except where such a seed is already used by a kept run (then a fresh one
from the root seed's `SeedSequence`, keyed apart). Run ids are replication-major, so added
points renumber stored runs: each stored part is rewritten under the new numbering (one part
at a time, committed in the manifest, so a kill mid-way resumes cleanly).

Adding only replications changes nothing stored, and the folder then equals one sweep at the
final size. Points appended at the end keep the stored points' seeds too; points inserted
before stored ones (a new factor level) move those points, whose runs keep their old seeds,
so that folder differs from a fresh sweep in those seeds (recorded in the manifest).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulation.running.design import run_seed


@dataclass(frozen=True)
class Growth:
    """How a design extends the stored one.

    Attributes:
        point_map: New index of each stored design point.
        old_points: Stored design points.
        old_reps: Stored replications.
        new_points: Design points now.
    """

    point_map: tuple[int, ...]
    old_points: int
    old_reps: int
    new_points: int

    @property
    def renumbers(self) -> bool:
        """True when stored run ids change (points were added)."""
        return self.new_points != self.old_points or self.point_map != tuple(range(self.old_points))

    def new_run_id(self, old_run_id: np.ndarray) -> np.ndarray:
        """Map stored run ids to the grown design's run ids."""
        rep, point = np.divmod(np.asarray(old_run_id, dtype=np.int64), self.old_points)
        return rep * self.new_points + np.asarray(self.point_map, dtype=np.int64)[point]


def growth(root: Path, old: dict[str, Any], design) -> Growth | None:
    """How `design` grows the results in `root`, or None when it is not a growth of them.

    Args:
        root: The results folder (its ``design.parquet`` holds the stored points).
        old: Its manifest.
        design: The design about to run.
    """
    exp = design.experiment
    if (old.get("model"), old.get("root_seed")) != (exp.model, exp.seed):
        return None
    old_reps = int(old.get("replications", 0))
    if exp.replications < old_reps:
        return None
    try:
        stored = pd.read_parquet(root / "design.parquet")
    except (OSError, ValueError):
        return None
    new = design.points
    if list(stored.columns) != list(new.columns) or len(stored) > len(new):
        return None
    cols = [c for c in new.columns if c != "point"]
    where = {row: i for i, row in enumerate(new[cols].itertuples(index=False, name=None))}
    point_map = tuple(where.get(row, -1) for row in stored[cols].itertuples(index=False, name=None))
    if -1 in point_map or len(set(point_map)) != len(point_map):
        return None
    g = Growth(point_map, len(stored), old_reps, len(new))
    if not g.renumbers and exp.replications == old_reps:
        return None  # same points and replications yet another digest: not a growth
    return g


def seed_overrides(g: Growth, design, kept: dict[int, int]) -> dict[int, int]:
    """Seeds that differ from the design's: stored runs keep theirs, new ones never reuse them.

    Args:
        g: The growth.
        design: The grown design.
        kept: Seeds of the stored runs by *new* run id (earlier overrides included).

    Returns:
        ``{run_id: seed}`` for every run whose seed is not the design's.
    """
    out = {rid: s for rid, s in kept.items() if int(design.runs.at[rid, "seed"]) != s}
    used = set(kept.values())
    root = design.experiment.seed
    for rid, point, rep, seed in design.runs[["run_id", "point", "replication", "seed"]].itertuples(
        index=False, name=None
    ):
        if rid in kept or seed not in used:
            continue
        ss = np.random.SeedSequence(root, spawn_key=(int(point), int(rep), 1))
        out[int(rid)] = int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    return out


def stored_seeds(g: Growth, root_seed: int, overrides: dict[str, int]) -> dict[int, int]:
    """Seeds of the stored runs, by their new run id (old overrides win)."""
    out = {}
    for rep in range(g.old_reps):
        for point in range(g.old_points):
            old_id = rep * g.old_points + point
            seed = overrides.get(str(old_id), run_seed(root_seed, point, rep))
            out[int(g.new_run_id(np.array([old_id]))[0])] = int(seed)
    return out


def apply_overrides(design, manifest: dict[str, Any]) -> None:
    """Give the design's runs the seeds the manifest records (stored runs keep theirs)."""
    for rid, seed in (manifest.get("seed_overrides") or {}).items():
        design.runs.at[int(rid), "seed"] = int(seed)


def record(
    manifest: dict[str, Any], g: Growth, design, kept: dict[int, int], overrides: dict[int, int]
) -> None:
    """Update a manifest to the grown design (history in ``grown``)."""
    exp = design.experiment
    manifest.setdefault("grown", []).append(
        {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "replications": [g.old_reps, exp.replications],
            "n_points": [g.old_points, g.new_points],
            "n_runs": [manifest.get("n_runs"), design.n_runs],
            "reseeded_new_runs": sorted(r for r in overrides if r not in kept),
        }
    )
    manifest.update(
        design_sha256=design.digest(), replications=exp.replications, n_runs=design.n_runs,
        n_points=g.new_points, design=exp.design, factors=design.factors,
        seed_overrides={str(k): v for k, v in sorted(overrides.items())},
    )  # fmt: skip


def apply(store, g: Growth, design) -> None:
    """Renumber a `ResultStore`'s parts for the grown design and record the seeds."""
    parts = store.manifest["parts"]
    old_digest = store.manifest["design_sha256"]
    if g.renumbers:
        # Part by part, each committed in the manifest: a kill mid-way resumes here.
        for name, entry in sorted(parts.items()):
            if entry.get("design", old_digest) == old_digest:
                _renumber_part(store, g, name, entry, design.digest())
    kept = stored_seeds(g, store.manifest["root_seed"], store.manifest.get("seed_overrides") or {})
    overrides = seed_overrides(g, design, kept)
    record(store.manifest, g, design, kept, overrides)
    store._save()


def _renumber_part(store, g: Growth, name: str, entry: dict[str, Any], digest: str) -> None:
    tables = {}
    for kind in ("runs", "timeseries"):
        if (store.root / kind / name).is_file():
            t = pq.read_table(store.root / kind / name)
            tables[kind] = _replace(t, "run_id", g.new_run_id(t["run_id"].to_numpy()))
    runs = tables["runs"]
    tables["runs"] = _replace(runs, "point", np.asarray(g.point_map)[runs["point"].to_numpy()])
    first = int(pc.min(tables["runs"]["run_id"]).as_py())
    new_name = f"part-{first:08d}-{uuid.uuid4().hex[:8]}.parquet"
    new_entry = {"session": entry.get("session"), "design": digest, "renumbered_from": name}
    store.folder.record(f"timeseries/{new_name}", f"runs/{new_name}")
    for kind in ("timeseries", "runs"):
        if kind in tables:
            store._write_part(kind, new_name, tables[kind], new_entry)
    store.manifest["parts"][new_name] = new_entry
    del store.manifest["parts"][name]
    store._save()
    for kind in ("runs", "timeseries"):
        (store.root / kind / name).unlink(missing_ok=True)


def _replace(table: pa.Table, column: str, values: np.ndarray) -> pa.Table:
    """The table with one column's values replaced (same type and schema metadata)."""
    i = table.schema.get_field_index(column)
    return table.set_column(i, table.schema.field(i), pa.array(values, table.schema.field(i).type))
