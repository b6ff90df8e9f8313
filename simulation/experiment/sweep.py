"""Sweep: design → execute → store in one call (`gridgov sweep` is a shell over this)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from simulation.experiment.design import Design, build_design
from simulation.experiment.execute import EXECUTORS, execute, open_executor
from simulation.experiment.spec import config_error, load_experiment
from simulation.experiment.store import ResultStore


@dataclass
class SweepResult:
    """Outcome of `run_experiment`.

    Attributes:
        out: The results folder.
        total: Runs in the design.
        skipped: Runs already finished before this call (resume).
        done: Runs finished ok in this call.
        failed: Runs that raised in this call.
        interrupted: True when stopped by Ctrl-C (finished runs are kept).
    """

    out: Path
    total: int
    skipped: int
    done: int
    failed: int
    interrupted: bool

    @property
    def exit_code(self) -> int:
        """0 all runs ok, 1 some failed, 130 interrupted."""
        if self.interrupted:
            return 130
        return 1 if self.failed else 0


def plan(path: str | Path, *, replications: int | None = None, days: int | None = None) -> Design:
    """Validate an experiment file and build its design (nothing is run or written).

    Args:
        path: Experiment TOML file.
        replications: Override the replications.
        days: Override the scored days.

    Returns:
        The `Design`.
    """
    return build_design(load_experiment(path, replications=replications, days=days))


def run_experiment(
    path: str | Path,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    fresh: bool = False,
    replications: int | None = None,
    days: int | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
) -> SweepResult:
    """Run (or resume) an experiment and store its results.

    Args:
        path: Experiment TOML file.
        out: Results folder (default ``results/<experiment name>``).
        workers: Worker processes (default: the machine's cores).
        executor: ``"local"`` (process pool), ``"serial"`` or ``"dask"``.
        scheduler: Dask scheduler address; None with ``executor="dask"`` starts a LocalCluster.
        fresh: Discard earlier results in `out` instead of resuming.
        replications: Override the file's replications (e.g. a quick demo).
        days: Override the file's scored days.
        chunk_size: Runs per task sent to a worker (default: balanced automatically).
        progress: Show a tqdm progress bar on stderr.

    Returns:
        A `SweepResult`; its ``exit_code`` is what `gridgov sweep` returns.

    Raises:
        ConfigError: Bad experiment file or options, or a changed experiment in `out`.
    """
    if executor not in EXECUTORS:
        raise config_error("--executor", executor, f"must be one of {', '.join(EXECUTORS)}")
    if scheduler and executor != "dask":
        raise config_error("--scheduler", scheduler, "only with --executor dask")
    if workers is not None and workers < 1:
        raise config_error("--workers", str(workers), "must be >= 1")
    design = plan(path, replications=replications, days=days)
    exp = design.experiment
    out_dir = Path(out) if out is not None else Path("results") / exp.name
    store = ResultStore(out_dir)
    finished = store.open(design, fresh=fresh, executor=executor)
    todo = [int(r) for r in design.runs["run_id"] if int(r) not in finished]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=design.n_runs,
            initial=len(finished),
            unit="run",
            desc=exp.name,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        bar.set_postfix(failed=0)
    status = "interrupted"
    stats = None
    try:
        if todo:
            with open_executor(executor, workers, scheduler) as (pool, n_workers):
                stats = execute(
                    (design.task(r) for r in todo),
                    len(todo),
                    pool,
                    n_workers,
                    store.write_chunk,
                    chunk_size=chunk_size,
                    progress=bar,
                )
        else:
            from simulation.experiment.execute import ExecStats

            stats = ExecStats()
        if stats.interrupted:
            status = "interrupted"
        else:
            status = "failed" if stats.failed else "complete"
    except KeyboardInterrupt:
        from simulation.experiment.execute import ExecStats

        stats = stats or ExecStats()
        stats.interrupted = True
    finally:
        if bar is not None:
            bar.close()
        s = stats
        store.close(
            status,
            done=s.done if s else 0,
            failed=s.failed if s else 0,
        )
    return SweepResult(
        out_dir, design.n_runs, len(finished), stats.done, stats.failed, stats.interrupted
    )
