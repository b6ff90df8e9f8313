"""Fingerprints of the model's outputs, to prove a refactoring changed no result.

`python tests/reference_outputs.py OUT.json` writes, for four scenarios and two seeds, every
scored summary value (exact, as `float.hex`) and a SHA-256 of every daily column's float64
bytes; `python tests/reference_outputs.py --wide OUT.json` does the same for twenty more seeds
per scenario (`WIDE_SEEDS`). `tests/test_reference_outputs.py` recomputes them on the current
code and compares.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

SCENARIOS = ("baseline", "connection", "interaction", "full")
SEEDS = (3, 11)
WIDE_SEEDS = tuple(range(1001, 1021))  # the 20-seed fingerprints of tests/test_kernels.py
ROOT = Path(__file__).resolve().parent.parent


def fingerprint(scenario: str, seed: int) -> dict:
    """Summary values and per-column digests of one default-length run."""
    from simulation.config import load_scenario
    from simulation.run import simulate

    result = simulate(load_scenario(ROOT / "scenarios" / f"{scenario}.toml").params, seed=seed)
    summary = {k: float(v).hex() for k, v in result.summary.items()}
    columns = {
        name: hashlib.sha256(np.ascontiguousarray(col.to_numpy(dtype=float)).tobytes()).hexdigest()
        for name, col in result.timeseries.items()
    }
    return {"summary": summary, "timeseries": columns}


def all_fingerprints(seeds: tuple[int, ...] = SEEDS) -> dict:
    """Fingerprints of every scenario and seed, keyed `scenario/seed`."""
    return {f"{s}/{seed}": fingerprint(s, seed) for s in SCENARIOS for seed in seeds}


if __name__ == "__main__":
    wide = "--wide" in sys.argv[1:]
    out = [a for a in sys.argv[1:] if a != "--wide"][0]
    prints = all_fingerprints(WIDE_SEEDS if wide else SEEDS)
    Path(out).write_text(json.dumps(prints, indent=1, sort_keys=True) + "\n")
