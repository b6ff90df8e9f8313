"""`gridgov bench`: speed of the street model against Mesa's own BoltzmannWealth example.

Both run in this one process, interleaved, so machine load hits them alike; the figures that
matter are the ratios (household-days/s over Boltzmann agent-steps/s, district time over
street time), reported as medians over repeats.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

FULL = {"identity": True, "connection": True, "interaction": True}


@dataclass
class BenchResult:
    """Medians from one benchmark session."""

    street_seconds: float
    household_days_per_s: float
    boltzmann_agent_steps_per_s: float
    ratio: float
    district_seconds: float | None
    district_over_street: float | None


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


def run_benchmark(repeats: int = 3, district: bool = True, echo=print) -> BenchResult:
    """Measure street, Boltzmann and (optionally) district speed; return the medians."""
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
    )


def _command(args: argparse.Namespace) -> int:
    if args.sweep:
        from simulation.experiment.bench import print_benchmark, run_sweep_benchmark

        print_benchmark(run_sweep_benchmark())
        return 0
    print("gridgov bench: default street (3,600 households, 90 + 730 days, all mechanisms on)")
    r = run_benchmark(repeats=args.repeats, district=not args.no_district)
    print()
    print(f"street run (median)           {r.street_seconds:8.2f} s")
    print(f"household-days per second     {r.household_days_per_s:12,.0f}")
    print(f"Boltzmann agent-steps per s   {r.boltzmann_agent_steps_per_s:12,.0f}")
    print(f"ratio (target >= 50)          {r.ratio:8.1f}")
    if r.district_over_street is not None:
        print(f"district / street time (<= 11) {r.district_over_street:7.1f}")
    return 0


def _repeats(text: str) -> int:
    """A repeat count from 1 to 100 (argparse turns the ValueError into one line, exit 2)."""
    value = int(text)
    if not 1 <= value <= 100:
        raise ValueError(text)
    return value


_repeats.__name__ = "number of repeats (1-100)"  # argparse names the type in its message


def add_parser(sub) -> None:
    """Register `gridgov bench`."""
    p = sub.add_parser("bench", help="measure model speed against Mesa's Boltzmann example")
    p.add_argument("--repeats", type=_repeats, default=3, help="street/Boltzmann repeats (median)")
    p.add_argument("--no-district", action="store_true", help="skip the 10-street district run")
    p.add_argument("--sweep", action="store_true", help="benchmark sweep scaling and memory")
    p.set_defaults(func=_command)
