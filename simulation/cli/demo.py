"""`gridgov demo` (and `make demo`): the main job on the embedded defaults, in a few minutes.

Runs the mechanisms experiment (the 2³ factorial of identity × connection × interaction on
the default street) with fewer replications through the same pipeline a researcher uses,
then writes its report (means with 95% CIs, figures, factorial effects) under
`results/demo/`. The pipeline is imported when the command runs (`gridgov --help` stays fast).
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_EXPERIMENT = ROOT / "experiments" / "mechanisms.toml"


def run_demo(out: str | Path = "results/demo", replications: int = 10, workers: int | None = None):
    """Sweep the mechanisms experiment with few replications and write its report.

    Args:
        out: Results folder.
        replications: Replications per mechanism combination.
        workers: Local worker processes (default: all cores).

    Returns:
        Path of the written `report.html`.
    """
    from simulation.analysis.report import report
    from simulation.running.sweep import run_experiment

    run_experiment(
        DEMO_EXPERIMENT, out=out, workers=workers, replications=replications, fresh=False
    )
    return report(out)


def _command(args: argparse.Namespace) -> int:
    print(
        f"gridgov demo: {DEMO_EXPERIMENT.name}, 8 mechanism combinations x "
        f"{args.replications} seeds on the default street"
    )
    html = run_demo(args.out, args.replications, args.workers)
    html = Path(html)
    print(f"report: {html}")
    print(f"        {html.with_suffix('.md')}")
    print(f"runs:   simulation.load_results('{args.out}')")
    print(f"        pandas.read_parquet('{args.out}/runs')")
    return 0


def add_parser(sub) -> None:
    """Register `gridgov demo`."""
    p = sub.add_parser("demo", help="run the main job (mechanisms, few seeds) and report it")
    p.add_argument("--out", default="results/demo", help="results folder (default results/demo)")
    p.add_argument("--replications", type=int, default=10, help="seeds per combination")
    p.add_argument("--workers", type=int, default=None, help="worker processes")
    p.set_defaults(func=_command)
