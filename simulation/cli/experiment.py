"""`gridgov sweep`, `gridgov report` and `gridgov check`.

`gridgov --help` imports this module to list the commands, so the pipeline (pandas, the model,
Matplotlib) is imported inside each handler, when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.config import config_error


def _dry_run(args: argparse.Namespace) -> int:
    from simulation.analysis.plan import dry_run, format_plan
    from simulation.running.sweep import plan

    if args.workers is not None and args.workers < 1:
        raise config_error("--workers", str(args.workers), "must be >= 1")
    design = plan(args.experiment, replications=args.replications, days=args.days)
    print(format_plan(dry_run(design, workers=args.workers)))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from simulation.running.sweep import run_experiment

    if args.dry_run:
        return _dry_run(args)
    res = run_experiment(
        args.experiment,
        out=args.out,
        workers=args.workers,
        executor=args.executor,
        scheduler=args.scheduler,
        fresh=args.fresh,
        replications=args.replications,
        days=args.days,
        chunk_size=args.chunk_size,
        progress=not args.no_progress,
        allow_code_change=args.allow_code_change,
        repair=args.repair,
    )
    msg = (
        f"{res.out}: {res.skipped + res.done} of {res.total} runs finished"
        f" ({res.skipped} from before, {res.done} now), {res.failed} failed"
    )
    if res.interrupted:
        msg += "; interrupted — run the same command again to resume"
    elif res.failed:
        msg += "; the failed runs are retried by running the same command again"
    print(msg, file=sys.stderr)
    return res.exit_code


def _report(args: argparse.Namespace) -> int:
    from simulation.analysis.report import report

    path = report(args.results, metrics=args.metric)
    print(f"{path} and {path.with_suffix('.md')} written")
    return 0


def _output_path(value: str | None, flag: str) -> str | None:
    """Refuse an output file whose folder does not exist, before anything is computed."""
    if value is None:
        return None
    path = Path(value)
    if path.is_dir() or not path.parent.is_dir():
        raise config_error(flag, value, "must be a file in an existing folder")
    return value


def _check(args: argparse.Namespace) -> int:
    from simulation.analysis.check import check, format_table
    from simulation.analysis.verdicts import write_json, write_junit, write_step_summary

    junit = _output_path(args.junit, "--junit")
    json_out = _output_path(args.json, "--json")
    res = check(args.results, experiment=args.experiment, allow_incomplete=args.allow_incomplete)
    print(format_table(res.table))
    if junit:
        write_junit(res, junit)
    if json_out:
        write_json(res, json_out)
    write_step_summary(res)
    return res.exit_code


def add_parser(sub) -> None:
    """Register the experiment subcommands on the `gridgov` parser."""
    p = sub.add_parser(
        "sweep",
        help="run (or resume) an experiment's runs into results/<experiment>/",
        description="Run every run of an experiment file, resuming where an earlier sweep "
        "stopped. Exit code: 0 all runs ok, 1 some runs failed, 2 bad input, 130 interrupted.",
    )
    p.add_argument("experiment", metavar="EXPERIMENT.toml")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument(
        "--executor", choices=("local", "serial", "dask"), default="local",
        help="local process pool (default), in-process serial, or Dask",
    )  # fmt: skip
    p.add_argument(
        "--scheduler", metavar="ADDR", default=None,
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster)",
    )  # fmt: skip
    p.add_argument("--out", metavar="DIR", default=None, help="results folder")
    p.add_argument(
        "--fresh", action="store_true",
        help="discard earlier results in the folder (only the files gridgov wrote there)",
    )  # fmt: skip
    p.add_argument(
        "--repair", action="store_true",
        help="remove damaged parts named by an earlier error and run their runs again",
    )  # fmt: skip
    p.add_argument(
        "--allow-code-change", action="store_true",
        help="resume although the model code changed since the folder was written (recorded)",
    )  # fmt: skip
    p.add_argument(
        "--replications", type=int, default=None,
        help="override replications (more than stored: only the new runs run)",
    )  # fmt: skip
    p.add_argument("--days", type=int, default=None, help="override scored days")
    p.add_argument("--chunk-size", type=int, default=None, help="runs per task (default: auto)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--dry-run", action="store_true",
        help="validate, time a few calibration runs and print runs, time and the replications "
        "each hypothesis needs for its min_effect; writes nothing",
    )  # fmt: skip
    p.set_defaults(func=_sweep)

    p = sub.add_parser(
        "report", help="write report.html/report.md with figures for a results folder"
    )
    p.add_argument("results", metavar="DIR")
    p.add_argument(
        "--metric", action="append", default=None,
        help="feature this metric (repeatable; default: the key metrics)",
    )  # fmt: skip
    p.set_defaults(func=_report)

    p = sub.add_parser(
        "check",
        help="test an experiment's hypotheses on its results (exit 0 all hold, 1 some fail, "
        "2 bad input or missing runs)",
        description="Test every hypothesis with a two-sided test chosen by its metric's kind, "
        "Holm-corrected within its family. Exit code: 0 every gating hypothesis holds, 1 some "
        "fail (or are incomplete with --allow-incomplete), 2 bad input or runs missing. When "
        "GITHUB_STEP_SUMMARY is set, a Markdown table is appended to it.",
    )
    p.add_argument("results", metavar="DIR")
    p.add_argument(
        "--experiment", metavar="FILE", default=None,
        help="take hypotheses from this file (default: the copy stored with the results)",
    )  # fmt: skip
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one case per hypothesis)")
    p.add_argument("--json", metavar="FILE", help="also write the verdicts as JSON")
    p.add_argument(
        "--allow-incomplete", action="store_true",
        help="test a folder with missing runs (affected hypotheses read INCOMPLETE)",
    )  # fmt: skip
    p.set_defaults(func=_check)
