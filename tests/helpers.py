"""Shared by the tests: a small street, a file writer, the CLI as a user runs it, and a
dashboard session comparing two streets."""

import subprocess
import sys
from pathlib import Path

from simulation.core.model import GridGovernanceModel

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(grids_per_street=4, households_per_grid=120, burn_in_days=0, scored_days=200)


def run(seed=1, **params):
    """Build and run a small street with `params` on top of SMALL."""
    m = GridGovernanceModel(rng=seed, **{**SMALL, **params})
    m.run()
    return m


def write(folder, text, name="s.toml"):
    """Write `text` to `folder/name` and return the path."""
    f = folder / name
    f.write_text(text)
    return f


def cli(*args, cwd=ROOT):
    """Run `gridgov ARGS` in a fresh interpreter; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "simulation.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def compared_session(seed, params, days=120):
    """A dashboard session in comparison mode (shipped scenarios), stepped `days` days."""
    from simulation.dashboard.session import DashboardSession

    s = DashboardSession(seed=seed, scenario_folder=ROOT / "scenarios")
    s.set_params(params)
    s.set_compare(True)
    s.step(days)
    return s
