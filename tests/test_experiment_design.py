"""Experiment files and designs: validation (exit 2, one line, nothing written) and samplers."""

from __future__ import annotations

import numpy as np
import pytest
from test_experiment_helpers import BASELINE, ROOT, factorial_toml, write

from simulation.config import ConfigError
from simulation.core.parameters import PARAMETERS
from simulation.running.design import run_seed
from simulation.running.sweep import plan


def test_factorial_design_has_every_combination_and_distinct_recorded_seeds(tmp_path):
    d = plan(write(tmp_path, factorial_toml(reps=3)))
    assert d.n_runs == 24
    combos = d.points[["identity", "connection", "interaction"]].drop_duplicates()
    assert len(combos) == 8
    assert d.runs["seed"].is_unique
    assert set(d.points["scenario"]) >= {"baseline", "identity+connection+interaction"}
    # Seeds come from the root seed: the same file gives the same seeds ...
    again = plan(write(tmp_path, factorial_toml(reps=3)))
    assert d.runs.equals(again.runs)
    # ... a different root seed gives different ones, and more replications keep the old ones.
    other = plan(write(tmp_path, factorial_toml(reps=3, seed=8)))
    assert not set(other.runs["seed"]) & set(d.runs["seed"])
    more = plan(write(tmp_path, factorial_toml(reps=5)))
    old = d.runs.set_index(["point", "replication"])["seed"]
    new = more.runs.set_index(["point", "replication"])["seed"]
    assert (new.loc[old.index] == old).all()


def test_run_seed_is_spawned_from_the_root_seed():
    ss = np.random.SeedSequence(5, spawn_key=(2, 3))
    assert run_seed(5, 2, 3) == int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def _continuous(kind, extra=""):
    return f"""
[experiment]
scenario = "{BASELINE}"
seed = 3
[design]
kind = "{kind}"
samples = 8
{extra}
[design.factors]
report_a0 = [-4.0, -2.0]
trust_up = [0.05, 0.15]
meeting_interval = [7, 28]
"""


def test_latin_hypercube_respects_bounds_and_integer_parameters(tmp_path):
    d = plan(write(tmp_path, _continuous("lhs")))
    assert len(d.points) == 8
    assert d.points["report_a0"].between(-4.0, -2.0).all()
    assert d.points["meeting_interval"].between(7, 28).all()
    assert all(isinstance(v, (int, np.integer)) for v in d.points["meeting_interval"])
    # Latin hypercube: each of the 8 strata of every factor holds exactly one point.
    strata = np.floor((d.points["report_a0"] + 4.0) / 2.0 * 8).astype(int)
    assert sorted(strata) == list(range(8))


def test_sobol_and_morris_sample_sizes_follow_salib(tmp_path):
    sob = plan(write(tmp_path, _continuous("sobol"), "s.toml"))
    assert len(sob.points) == 8 * (3 + 2)  # N (D + 2) without second order
    sob2 = plan(write(tmp_path, _continuous("sobol", "second_order = true"), "s2.toml"))
    assert len(sob2.points) == 8 * (2 * 3 + 2)
    mor = plan(write(tmp_path, _continuous("morris", "levels = 4"), "m.toml"))
    assert len(mor.points) == 8 * (3 + 1)  # r (D + 1)


def test_shipped_experiments_are_valid():
    sizes = {p.stem: plan(p).n_runs for p in sorted((ROOT / "experiments").glob("*.toml"))}
    assert sizes["mechanisms"] == 240
    assert {"mechanisms", "sensitivity", "shock", "smoke"} <= set(sizes)


def test_sensitivity_varies_only_behavioural_coefficients_not_public_figures():
    d = plan(ROOT / "experiments" / "sensitivity.toml")
    assert d.experiment.kind in ("sobol", "morris")
    for name in d.factors:
        assert PARAMETERS[name].source.kind != "public figure", name


def test_sobol_samples_must_be_a_power_of_two(tmp_path):
    with pytest.raises(ConfigError, match="design.samples"):
        plan(write(tmp_path, _continuous("sobol").replace("samples = 8", "samples = 10")))


def test_integer_factors_are_stratified_not_rounded_to_a_handful_of_values(tmp_path):
    # The bug: rounding a sample on [1, 3] gives the end values half the weight of the middle.
    text = (
        _continuous("lhs")
        .replace("samples = 8", "samples = 300")
        .replace("meeting_interval = [7, 28]", "meeting_interval = [7, 9]")
    )
    d = plan(write(tmp_path, text))
    counts = d.points["meeting_interval"].value_counts()
    assert sorted(counts.index) == [7, 8, 9] and counts.min() == counts.max() == 100


def test_lhs_is_crossed_with_switches_and_sobol_samples_them(tmp_path):
    trust = "trust_up = [0.05, 0.15]"
    text = _continuous("lhs").replace(trust, trust + "\nidentity = [false, true]")
    d = plan(write(tmp_path, text))
    assert len(d.points) == 16 and d.points["identity"].sum() == 8
    off, on = (d.points[d.points["identity"] == v] for v in (False, True))
    assert list(off["report_a0"]) == list(on["report_a0"])  # the same sample, both ways
    sobol = _continuous("sobol").replace(trust, "connection = [false, true]")
    sob = plan(write(tmp_path, sobol, "s.toml"))
    assert len(sob.points) == 8 * 5 and sob.points["connection"].dtype == bool
    assert 0 < sob.points["connection"].mean() < 1
