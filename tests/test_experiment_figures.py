"""Report figures: the smoother, unit labels and outcome-against-factor scatter plots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.analysis.figures import factor_label, scatter_figure, smooth


def test_smoother_follows_a_known_curve():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 2000)
    y = np.sin(x) + rng.normal(0, 0.2, len(x))
    gx, gy = smooth(x, y)
    inner = (gx > 1) & (gx < 9)  # a kernel smoother is biased at the edges
    assert np.abs(gy[inner] - np.sin(gx[inner])).max() < 0.25


def test_factor_labels_carry_units_from_the_parameter_table():
    assert factor_label("need_rate").startswith("need_rate (") and ")" in factor_label("need_rate")
    assert factor_label("connection") == "connection"  # a switch has no unit
    assert factor_label("not_a_parameter") == "not_a_parameter"


def test_scatter_figure_draws_numeric_factors_and_switches(tmp_path):
    rng = np.random.default_rng(1)
    runs = pd.DataFrame({"need_rate": rng.uniform(1, 6, 80), "connection": rng.random(80) > 0.5})
    runs["backlog_mean"] = 3 * runs["need_rate"] - 5 * runs["connection"] + rng.normal(0, 1, 80)
    path = tmp_path / "s.png"
    scatter_figure(runs, ["backlog_mean"], ["need_rate", "connection"], path, "backlog")
    assert path.stat().st_size > 10_000
