"""Sensitivity measures on synthetic data with a known driver.

Sobol and Morris indices on real sweeps are tested in test_experiment_report.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.analysis.sensitivity import prcc


def test_prcc_finds_a_monotone_driver_and_not_a_bystander():
    rng = np.random.default_rng(5)
    n = 200
    runs = pd.DataFrame({"x": rng.uniform(0, 1, n), "z": rng.uniform(0, 1, n), "status": "ok"})
    runs["y"] = np.exp(3 * runs["x"]) + rng.normal(0, 0.5, n)
    pr = prcc(runs, ["x", "z"], "y").set_index("factor")
    assert pr.loc["x", "prcc"] > 0.8 and pr.loc["x", "p"] < 1e-10
    assert pr.loc["z", "ci_low"] < 0 < pr.loc["z", "ci_high"]
