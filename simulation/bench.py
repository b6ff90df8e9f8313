"""`gridgov bench`: speed of the street model against Mesa's own BoltzmannWealth example.

Both run in this one process, interleaved, so machine load hits them alike; the figures that
matter are the ratios (household-days/s over Boltzmann agent-steps/s, district time over
street time), reported as medians over repeats, with the project's targets (≥ 240×
Boltzmann; district of 10 streets ≤ 11× the street).

A street's time includes building the model. One-off costs of the first use in a process
(lazy imports, Numba kernels compiled or loaded from their on-disk cache) are paid by a short
warm-up run of each model before anything is timed.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

FULL = {"identity": True, "connection": True, "interaction": True}
# The project's speed targets, printed next to the figures.
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
    from simulation.core.model import GridGovernanceModel  # Mesa is imported only when benchmarking

    start = time.perf_counter()
    model = GridGovernanceModel(rng=seed, **params)
    model.run()
    model.summary()
    elapsed = time.perf_counter() - start
    return elapsed, model.households.n * model.day


def time_boltzmann(n_agents: int = 10_000, steps: int = 30, seed: int = 1) -> float:
    """Agent-steps per second of Mesa's bundled BoltzmannWealth model at `n_agents`."""
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
