"""Where one default-street day's time goes, phase by phase.

The model runs as usual (`model.run`, Mesa's clock included); each phase method of the day's
owners is wrapped, for this one model, by a timer. What no phase accounts for is Mesa's
scheduling and the step's own glue. Then the compiled passes that bound a day from below
(the physical limit) are timed on their own, each repeated inside one compiled loop so no
call overhead is counted.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import defaultdict

import numpy as np
from numba import njit

from simulation.core.model import GridGovernanceModel
from simulation.kernels import households as kh
from simulation.kernels import recording as kr

# (owner attribute of the model, method, label)
PHASES = (
    ("casework", "arrive", "1 needs arise (ledger append, NumPy)"),
    ("attitudes", "volunteering_neighbours", "neighbours helping (kernel)"),
    ("casework", "work", "2-5 report .. close (BLAS weighting + one kernel)"),
    ("attitudes", "feel", "feedback (kernel)"),
    ("attitudes", "participate", "6 volunteering (NumPy draws, BLAS, kernel)"),
    ("alliance", "meet", "7 joint meetings (NumPy, every 14th day)"),
    ("attitudes", "end_day", "attitude and tie decay (kernel)"),
    ("alliance", "end_day", "partner tie decay (NumPy)"),
    ("casework", "prune", "open-need index (NumPy)"),
    ("recorder", "end_day", "stocks snapshot (kernel)"),
)


def profile_day(days: int = 400, warm: int = 100, seed: int = 1) -> list[tuple[str, float]]:
    """Median microseconds per day of each phase of the default street, all mechanisms on.

    Args:
        days: Days timed (after `warm` untimed days, so queues and ties are in steady state).
        warm: Days run first, untimed.
        seed: Seed of the street.

    Returns:
        ``[(label, µs per day), ...]``: the phases, "Mesa clock and step glue", and "whole day".
    """
    model = GridGovernanceModel(rng=seed, identity=True, connection=True, interaction=True)
    model.run(warm)
    spent: dict[str, list[float]] = defaultdict(list)
    clock = time.perf_counter

    def timed(label, method):
        def wrapper(*args, **kwargs):
            start = clock()
            out = method(*args, **kwargs)
            spent[label].append(clock() - start)
            return out

        return wrapper

    for owner, name, label in PHASES:
        part = getattr(model, owner)
        setattr(part, name, timed(label, getattr(part, name)))
    whole = []
    for _ in range(days):
        start = clock()
        model.run(1)
        whole.append(clock() - start)
    rows = [(label, statistics.median(spent[label]) * 1e6) for _, _, label in PHASES]
    day = statistics.median(whole) * 1e6
    rows.append(("Mesa clock and step glue", day - sum(us for _, us in rows)))
    rows.append(("whole day", day))
    return rows


def compiled_passes(seed: int = 1, repeats: int = 2000) -> list[tuple[str, float]]:
    """Microseconds of the compiled passes a day cannot do without (no call overhead).

    Timed on a street in steady state (300 days in): the casework of one day, one pass over
    the households for volunteering, one for decay, one for the stocks; plus NumPy's 3,600
    uniform draws and the BLAS attitude weighting the kernels are given.
    """
    model = GridGovernanceModel(rng=seed, identity=True, connection=True, interaction=True)
    model.run(300)
    hh, at = model.households, model.attitudes

    @njit
    def decay_loop(att, base, tie, k):
        for _ in range(k):
            kh.decay(att, base, tie, 0.0, 1.0)

    @njit
    def volunteer_loop(v, prm, u, z, helping, day, k):
        for _ in range(k):
            kh.volunteer(v, prm, u, z, helping, day)

    @njit
    def stocks_loop(row, status, ids, day, src, k):
        for _ in range(k):
            kr.snapshot_stocks(row, status, ids, day, src)

    def per_call(loop, *args):
        loop(*args, 1)
        start = time.perf_counter()
        loop(*args, repeats)
        return (time.perf_counter() - start) / repeats * 1e6

    rng = np.random.default_rng(seed)
    z = at._volunteer_weights @ hh.attitudes
    # The volunteering pass writes into its record: give it copies of what it writes.
    v = at._volunteering
    volunteering = v._replace(
        last_volunteered=v.last_volunteered.copy(),
        volunteer_hours=v.volunteer_hours.copy(),
        per_grid=np.zeros_like(v.per_grid),
        by_day=v.by_day.copy(),
        n_by_day=v.n_by_day.copy(),
    )
    rows = [
        ("decay: 4 × 3,600 updates", per_call(decay_loop, hh.attitudes.copy(),
                                              hh.attitude_base, hh.worker_tie.copy())),
        ("volunteering: 3,600 comparisons", per_call(
            volunteer_loop, volunteering, at._volunteer_params, rng.random(hh.n), z,
            at._neighbours_helping.helping, model.day)),
        ("stocks: 5 sums and 2 counts over 3,600", per_call(
            stocks_loop, np.zeros(9), model.casework.ledger.status, model.casework.open_ids,
            model.day, model.recorder._sources)),
    ]  # fmt: skip
    for label, make in (
        ("NumPy: 3,600 uniform draws", lambda: rng.random(hh.n)),
        ("BLAS: attitude weighting of 3,600", lambda: at._volunteer_weights @ hh.attitudes),
    ):
        make()
        start = time.perf_counter()
        for _ in range(repeats):
            make()
        rows.append((label, (time.perf_counter() - start) / repeats * 1e6))
    return rows


def print_profile() -> None:
    """Print both tables (`python -m benchmarks.day_profile`, `make profile`)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"one day of the default street, all mechanisms on (median of 400 days; load {load})")
    rows = profile_day()
    day = rows[-1][1]
    for label, us in rows:
        print(f"  {label:52} {us:8.1f} µs  {us / day:6.1%}")
    print("compiled passes alone (no call overhead; a street 300 days in)")
    for label, us in compiled_passes():
        print(f"  {label:52} {us:8.1f} µs")


if __name__ == "__main__":
    print_profile()
