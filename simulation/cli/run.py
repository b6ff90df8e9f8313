"""`gridgov run` (one scenario, one seed) and `gridgov validate` (scenario and experiment files).

Every module of `simulation.cli` is imported to build `gridgov --help`, so the top of each
imports only the standard library and light modules; what a command runs is imported inside
its handler.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from simulation.config import ConfigError, load_scenario, parse_overrides
from simulation.folders import safe_slug


def _run_command(args: argparse.Namespace) -> int:
    # The run's modules (NumPy, pandas, Mesa) load only when a run is asked for: see above.
    from simulation.run import check_run_folder, format_summary, simulate, write_run

    overrides = parse_overrides(args.set)
    if args.days is not None:
        if args.days < 1:
            raise ConfigError("--days", "days", "must be a positive integer")
        overrides["scored_days"] = args.days
    scenario = load_scenario(args.scenario, overrides)
    if args.seed < 0:
        raise ConfigError("--seed", "seed", "must be a non-negative integer")
    # A name from a file never becomes a path: `name = "../../x"` stays inside results/.
    default = Path("results") / f"{safe_slug(scenario.name)}-seed{args.seed}"
    out = Path(args.out) if args.out else default
    check_run_folder(out, scenario.name, args.seed, args.overwrite)  # before the run
    result = simulate(scenario.params, args.seed)
    write_run(result, scenario.name, out, figure=args.figure, overwrite=args.overwrite)
    print(f"scenario {scenario.name}, seed {args.seed}, {len(result.timeseries)} days")
    print(format_summary(result.summary))
    written = ["timeseries.parquet", "summary.json", *(["figure.png"] if args.figure else [])]
    print(f"wrote {out}/ ({', '.join(written)})")
    return 0


def _add_run(sub) -> None:
    """Register `gridgov run`."""
    p = sub.add_parser("run", help="run one scenario and write its results")
    p.add_argument("scenario", help="scenario TOML file (see scenarios/)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--days", type=int, default=None, help="scored days (after the burn-in)")
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a parameter (repeatable)"
    )
    p.add_argument(
        "--out", default=None,
        help="output folder: new, empty, or an earlier run's (default results/<name>-seed<N>)",
    )  # fmt: skip
    p.add_argument(
        "--overwrite", action="store_true",
        help="replace an earlier run in --out (only the files gridgov wrote there)",
    )  # fmt: skip
    p.add_argument(
        "--figure", action="store_true",
        help="also draw figure.png, the key daily series (imports Matplotlib: slower)",
    )  # fmt: skip
    p.set_defaults(func=_run_command)


def _is_experiment(path: str) -> bool:
    """An experiment file has an [experiment] or [design] table (checked by its own loader)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # load_scenario names the problem
    return "experiment" in data or "design" in data


def _validate_command(args: argparse.Namespace) -> int:
    failed = 0
    for f in args.files:
        try:
            if _is_experiment(f):
                # The pipeline (and a few timed calibration runs) only for experiment files.
                from simulation.analysis.plan import validate_file

                print(validate_file(f))  # design, hypotheses, runs, time and power
                continue
            load_scenario(f)
        except ConfigError as exc:
            print(f"gridgov: error: {exc}", file=sys.stderr)
            failed += 1
        else:
            print(f"{f}: ok")
    return 2 if failed else 0


def _add_validate(sub) -> None:
    """Register `gridgov validate`."""
    p = sub.add_parser(
        "validate",
        help="check scenario or experiment files without running them (experiments: also "
        "runs, estimated time and replications needed)",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=_validate_command)


def add_parser(sub) -> None:
    """Register `gridgov run` and `gridgov validate`."""
    _add_run(sub)
    _add_validate(sub)
