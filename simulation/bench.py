"""`gridgov bench`: speed of the street model against Mesa's own BoltzmannWealth example.

Both run in this one process, interleaved, so machine load hits them alike; the figures that
matter are the ratios (household-days/s over Boltzmann agent-steps/s, district time over
street time), reported as medians over repeats, with the targets of issue 11 (≥ 240×
Boltzmann; district of 10 streets ≤ 11× the street).

A street's time includes building the model. One-off costs of the first use in a process
(lazy imports, Numba kernels compiled or loaded from their on-disk cache) are paid by a short
warm-up run of each model before anything is timed.

`gridgov bench --sweep` runs the sweep benchmarks of `simulation.experiment.bench` instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass, field

FULL = {"identity": True, "connection": True, "interaction": True}
# Issue 11's targets, printed next to the figures.
TARGET_RATIO = 240
TARGET_DISTRICT = 11
# The warm-up street: the default sizes (same array shapes and types as the timed runs, so
# every compiled kernel is compiled for the signatures the timed runs use), a few weeks only.
WARM_UP = {"burn_in_days": 10, "scored_days": 30}


@dataclass
class BenchResult:
    """Medians from one benchmark session."""

    street_seconds: float
    household_days_per_s: float
    boltzmann_agent_steps_per_s: float
    ratio: float
    district_seconds: float | None
    district_over_street: float | None
    warm_up_seconds: float = 0.0
    repeats: int = 1
    load_average: tuple[float, float, float] = field(default_factory=os.getloadavg)


def time_street(seed: int, **params) -> tuple[float, int]:
    """Seconds to build and run one street (burn-in + scored days); and its household-days."""
    from simulation.model import GridGovernanceModel  # Mesa is imported only when benchmarking

    start = time.perf_counter()
    model = GridGovernanceModel(rng=seed, **params)
    model.run()
    model.summary()
    elapsed = time.perf_counter() - start
    return elapsed, model.households.n * model.day


def time_boltzmann(n_agents: int = 10_000, steps: int = 30, seed: int = 1) -> float:
    """Agent-steps per second of Mesa's bundled BoltzmannWealth model at `n_agents`."""
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    side = int(n_agents**0.5)
    model = BoltzmannWealth(BoltzmannScenario(n=n_agents, width=side, height=side, rng=seed))
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return n_agents * steps / (time.perf_counter() - start)


def warm_up() -> float:
    """Pay the one-off costs of a first use, untimed: a short street and a small Boltzmann.

    Returns:
        Seconds the warm-up took (a first compile of the kernels shows up here).
    """
    start = time.perf_counter()
    time_street(seed=99, **FULL, **WARM_UP)
    time_boltzmann(n_agents=400, steps=3)
    return time.perf_counter() - start


def run_benchmark(
    repeats: int = 3, district: bool = True, echo=print, warm: bool = True
) -> BenchResult:
    """Measure street, Boltzmann and (optionally) district speed; return the medians.

    Args:
        repeats: Street and Boltzmann runs, interleaved; medians are reported.
        district: Also time one district of 10 streets.
        echo: Called with a progress line per measurement.
        warm: Run `warm_up` first.

    Returns:
        A `BenchResult`.
    """
    warm_s = 0.0
    if warm:
        warm_s = warm_up()
        echo(
            f"  warm-up (not timed: first-use costs, kernel compile or cache load): {warm_s:.2f} s"
        )
    street_s, hh_rate, bz_rate = [], [], []
    for i in range(repeats):
        seconds, hh_days = time_street(seed=100 + i, **FULL)
        street_s.append(seconds)
        hh_rate.append(hh_days / seconds)
        bz_rate.append(time_boltzmann(seed=i + 1))
        echo(
            f"  repeat {i + 1}/{repeats}: street {seconds:.2f} s "
            f"({hh_days / seconds:,.0f} household-days/s), "
            f"Boltzmann {bz_rate[-1]:,.0f} agent-steps/s"
        )
    street = statistics.median(street_s)
    ratio = statistics.median(h / b for h, b in zip(hh_rate, bz_rate, strict=True))
    district_s = None
    if district:
        district_s, hh_days = time_street(seed=7, n_streets=10, **FULL)
        echo(f"  district (10 streets, {hh_days // 820:,} households): {district_s:.2f} s")
    return BenchResult(
        street_seconds=street,
        household_days_per_s=statistics.median(hh_rate),
        boltzmann_agent_steps_per_s=statistics.median(bz_rate),
        ratio=ratio,
        district_seconds=district_s,
        district_over_street=district_s / street if district_s else None,
        warm_up_seconds=warm_s,
        repeats=repeats,
    )


def _sweep_command(args: argparse.Namespace) -> int:
    from simulation.experiment import bench as sweep_bench
    from simulation.experiment.bench import BEFORE_COMMIT

    def echo(line: str) -> None:
        print(line, flush=True)  # progress of a command that takes minutes

    if args.only in (None, "core"):
        res = sweep_bench.run_core_benchmark(
            args.experiment, quick=args.quick, replications=args.replications,
            rounds=args.rounds or 2, before=args.before or BEFORE_COMMIT, echo=echo,
        )  # fmt: skip
        print()
        sweep_bench.print_core_benchmark(res)
    if args.only in (None, "scaling"):
        if args.only is None:
            print()
        res = sweep_bench.run_sweep_benchmark(
            args.experiment, quick=args.quick, replications=args.replications, echo=echo
        )
        print()
        sweep_bench.print_benchmark(res)
    return 0


def _command(args: argparse.Namespace) -> int:
    from simulation.config import ConfigError

    if args.profile:
        if args.sweep or args.no_district or args.repeats is not None:
            raise ConfigError("gridgov bench", "--profile", "--profile takes no other bench option")
        from simulation.dayprofile import print_profile

        print_profile()
        return 0
    if args.sweep:
        if args.no_district or args.repeats is not None:
            raise ConfigError(
                "gridgov bench",
                "--sweep",
                "--repeats and --no-district are for the street benchmark, not --sweep",
            )
        return _sweep_command(args)
    sweep_only = [
        f"--{name.replace('_', '-')}"
        for name in _SWEEP_OPTIONS
        if getattr(args, name) not in (None, False)
    ]
    if sweep_only:
        raise ConfigError("gridgov bench", sweep_only[0], "only applies with --sweep")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        "gridgov bench: default street (3,600 households, 90 + 730 days, all mechanisms on) "
        f"against Mesa's BoltzmannWealth (10,000 agents); {os.cpu_count()} CPUs, "
        f"load average {load}"
    )
    r = run_benchmark(repeats=args.repeats or 3, district=not args.no_district)
    rows = [
        ("street run, median (building included)", f"{r.street_seconds:.2f} s"),
        ("household-days per second", f"{r.household_days_per_s:,.0f}"),
        ("Boltzmann agent-steps per second", f"{r.boltzmann_agent_steps_per_s:,.0f}"),
        (f"ratio to Boltzmann (target >= {TARGET_RATIO})", f"{r.ratio:.1f}"),
    ]
    if r.district_over_street is not None:
        rows.append(
            (
                f"district (10 streets) / street time (target <= {TARGET_DISTRICT})",
                f"{r.district_over_street:.1f}",
            )
        )
    print()
    for label, value in rows:
        print(f"{label:52} {value:>14}")
    load = ", ".join(f"{x:.2f}" for x in r.load_average)
    print(
        f"(medians of {r.repeats}; load average {load}. Not timed: one warm-up run "
        f"first, {r.warm_up_seconds:.1f} s, that pays first-use costs such as compiling the "
        "kernels or loading their cache.)"
    )
    return 0


def _bounded(low: int, high: int, what: str):
    """An argparse type: an integer from `low` to `high` (a bad one is one line, exit 2)."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    parse.__name__ = f"{what} ({low}-{high})"  # argparse names the type in its message
    return parse


_repeats = _bounded(1, 100, "number of repeats")
_SWEEP_OPTIONS = ("only", "experiment", "quick", "replications", "rounds", "before")


def add_parser(sub) -> None:
    """Register `gridgov bench`."""
    from simulation.experiment.bench import BEFORE_COMMIT, QUICK_DAYS  # standard library only

    p = sub.add_parser(
        "bench",
        help="measure model speed against Mesa's Boltzmann example (--sweep: sweep speed)",
        description="Street benchmark (about 10-15 s): household-days per second of the default "
        f"street and its ratio to Mesa's BoltzmannWealth agent-steps per second (issue 11 "
        f"target >= {TARGET_RATIO}x), and the time of a district of 10 streets over a street's "
        f"(target <= {TARGET_DISTRICT}x); medians over --repeats, one process. With --sweep "
        "(about 6-8 minutes on 2 cores with the model before the kernels, less after; --only "
        "core about 2-3, --only scaling about 4-5): runs per core-second on a fifth of "
        "experiments/mechanisms.toml, this code against "
        f"the before code (commit {BEFORE_COMMIT}, checked out into a temporary git worktree; "
        "target >= 8x), then the speed-up of 2 workers over 1 (target >= 1.8x) and the peak "
        "memory of 240 runs over 24 (target <= 1.2x).",
    )
    p.add_argument(
        "--repeats",
        type=_repeats,
        default=None,
        help="street/Boltzmann repeats (median; default 3)",
    )
    p.add_argument("--no-district", action="store_true", help="skip the 10-street district run")
    p.add_argument("--sweep", action="store_true", help="benchmark sweeps instead (minutes)")
    p.add_argument(
        "--profile", action="store_true",
        help="where a default-street day's time goes, phase by phase, and the compiled passes "
        "that bound it (about 10 s)",
    )  # fmt: skip
    g = p.add_argument_group("with --sweep")
    g.add_argument(
        "--only", choices=("core", "scaling"), default=None,
        help="core: runs per core-second before/after only; scaling: workers and memory only",
    )  # fmt: skip
    g.add_argument("--experiment", metavar="FILE", default=None, help="default: mechanisms.toml")
    g.add_argument(
        "--quick", action="store_true",
        help=f"{QUICK_DAYS} scored days a run: a smoke test of the benchmark, not its figures",
    )  # fmt: skip
    g.add_argument(
        "--replications", type=_bounded(1, 10_000, "replications"), default=None,
        help="the experiment's replications (core runs a fifth of them)",
    )  # fmt: skip
    g.add_argument(
        "--rounds", type=_bounded(1, 20, "rounds"), default=None,
        help="before/after sweeps per code, alternating (default 2)",
    )  # fmt: skip
    g.add_argument(
        "--before", metavar="COMMIT", default=None,
        help=f"the before code's commit (default {BEFORE_COMMIT})",
    )  # fmt: skip
    p.set_defaults(func=_command)
