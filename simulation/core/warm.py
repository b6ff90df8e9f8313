"""`python -m simulation.core.warm`: compile the daily kernels now and cache them on disk.

`make venv` runs it once, so the first model run (a test, a sweep's workers, the dashboard)
loads machine code instead of compiling it (about half a minute on a 2-core machine).
"""

from __future__ import annotations

import time

from simulation.core.model import GridGovernanceModel


def main() -> None:
    """Run a short street of every mechanism combination (each compiles what it uses)."""
    start = time.perf_counter()
    for switches in ((False, False, False), (True, True, True)):
        identity, connection, interaction = switches
        model = GridGovernanceModel(
            rng=1, identity=identity, connection=connection, interaction=interaction,
            burn_in_days=5, scored_days=40, identity_event_interval=10, meeting_interval=10,
        )  # fmt: skip
        model.run()
        model.summary()
    print(f"gridgov kernels ready ({time.perf_counter() - start:.1f} s; cached for later runs)")


if __name__ == "__main__":
    main()
