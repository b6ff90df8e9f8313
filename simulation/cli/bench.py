"""`gridgov bench`: the default street's speed against Mesa's BoltzmannWealth example.

The benchmark itself is `simulation.bench` (imported by the handler: `gridgov --help` stays
light). The sweep benchmarks and the day profiler are developer tools in `benchmarks/`.
"""

from __future__ import annotations

import argparse
import os


def _command(args: argparse.Namespace) -> int:
    # Mesa and the model load only when the benchmark runs: see the module docstring.
    from simulation.bench import TARGET_DISTRICT, TARGET_RATIO, run_benchmark

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


def bounded_int(low: int, high: int, what: str):
    """An argparse type: an integer from `low` to `high` (a bad one is one line, exit 2)."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    parse.__name__ = f"{what} ({low}-{high})"  # argparse names the type in its message
    return parse


def add_parser(sub) -> None:
    """Register `gridgov bench`."""
    p = sub.add_parser(
        "bench",
        help="measure model speed against Mesa's Boltzmann example",
        description="Street benchmark (about 10-15 s): household-days per second of the default "
        "street and its ratio to Mesa's BoltzmannWealth agent-steps per second, and the time of "
        "a district of 10 streets over a street's; medians over --repeats, one process. "
        "Sweep speed and the day's profile: `make bench-sweep`, `make profile`.",
    )
    p.add_argument(
        "--repeats",
        type=bounded_int(1, 100, "number of repeats"),
        default=None,
        help="street/Boltzmann repeats (median; default 3)",
    )
    p.add_argument("--no-district", action="store_true", help="skip the 10-street district run")
    p.set_defaults(func=_command)
