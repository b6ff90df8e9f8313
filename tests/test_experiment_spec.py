"""Experiment files: every bad input is one line naming file and field, exit 2, nothing written."""

from __future__ import annotations

import shutil

import pytest
from test_experiment_helpers import (
    BASELINE,
    ROOT,
    assert_refused_at_load,
    factorial_toml,
    run_cli,
    write,
)

from simulation.cli import main
from simulation.config import ConfigError
from simulation.running.spec import load_experiment
from simulation.running.sweep import plan

BAD = [
    ("unknown parameter", "factors = { identiti = [false, true] }", "design.factors.identiti"),
    ("bad type", "factors = { identity = [0, 1] }", "design.factors.identity"),
    ("out of range", "factors = { need_rate = [1.0, 99.0] }", "design.factors.need_rate"),
    ("one level", "factors = { identity = [true] }", "design.factors.identity"),
    ("bad kind", 'kind = "grid"', "design.kind"),
]


@pytest.mark.parametrize(("label", "line", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_design_exits_2_with_one_line_naming_file_and_field(
    tmp_path, capsys, label, line, field
):
    text = factorial_toml().replace(
        "factors = { identity = [false, true], connection = [false, true], interaction = "
        "[false, true] }",
        line,
    )
    if line.startswith("kind"):
        text = text.replace('kind = "factorial"\n', "")
    path = write(tmp_path, text)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert str(path) in err and field in err, err
    assert "Traceback" not in err
    assert not out.exists()  # nothing partial written


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[experiment\nname=1", "syntax"),
        (factorial_toml().replace("replications = 2", "replications = 0"),
         "experiment.replications"),
        (factorial_toml().replace('name = "tiny"', 'name = "tiny"\ncolour = "red"'),
         "experiment.colour"),
        (factorial_toml().replace(str(BASELINE), "no_such_scenario"), "experiment.scenario"),
        (factorial_toml(hypotheses='[[hypotheses]]\nname = "x"\nmetric = "backlog_mean"\n'
                        'interaction = ["identity", "need_rate"]\nsign = "negative"'),
         "hypotheses[0].interaction"),
        (factorial_toml(hypotheses='[[hypotheses]]\nname = "x"\nmetric = "backlog_mean"\n'
                        'a = "baseline"\nb = "identity"\ndirection = "smaller"'),
         "hypotheses[0].direction"),
        (factorial_toml().replace("[parameters]", "[parameters]\ndepartment_delay_min = 20\n"
                                  "department_delay_max = 10"), "department_delay_min"),
    ],
    ids=["syntax", "replications", "unknown-key", "scenario", "interaction", "direction",
         "inconsistent"],
)  # fmt: skip
def test_more_bad_files(tmp_path, capsys, text, field):
    path = write(tmp_path, text)
    code = main(["sweep", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and field in err and str(path) in err, err
    assert not (tmp_path / "out").exists()


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="missing.toml"):
        plan(tmp_path / "missing.toml")


LATE = [
    # Each of these must fail when the file is read, before any run (or gigabytes asked for).
    ("os model", factorial_toml(extra='model = "os:getcwd"'), "experiment.model",
     "outside the simulation package"),
    ("odd model", factorial_toml(extra='model = "simulation.run:simulate; rm"'),
     "experiment.model", "module:function"),
    ("absurd replications", factorial_toml().replace("replications = 2",
                                                     "replications = 1000000000"),
     "experiment.replications", "limit"),
    ("absurd samples", '[experiment]\nseed = 1\n[design]\nkind = "sobol"\nsamples = 1073741824\n'
     '[design.factors]\nneed_rate = [1.0, 2.0]\ntrust_up = [0.05, 0.1]\n', "design.samples",
     "1000000"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "text", "field", "words"), LATE, ids=[c[0] for c in LATE])
def test_bad_hypotheses_models_and_sizes_are_refused_at_load(
    tmp_path, capsys, label, text, field, words
):
    assert_refused_at_load(tmp_path, capsys, text, field, words)


def test_a_model_module_can_be_allowed_by_whoever_runs_the_sweep(tmp_path, monkeypatch):
    path = write(tmp_path, factorial_toml(extra='model = "mymodels:simulate"'))
    monkeypatch.setenv("GRIDGOV_MODEL_MODULES", "")
    with pytest.raises(ConfigError, match="GRIDGOV_MODEL_MODULES"):
        load_experiment(path)
    monkeypatch.setenv("GRIDGOV_MODEL_MODULES", "other, mymodels")
    assert load_experiment(path).model == "mymodels:simulate"


@pytest.mark.slow
def test_scenarios_resolve_relative_to_the_experiment_file(tmp_path):
    # The bug: names were looked up in the current directory, so an experiment kept outside
    # the repository failed with "no scenario 'baseline'".
    project = tmp_path / "study"
    (project / "scenarios").mkdir(parents=True)
    (project / "experiments").mkdir()
    shutil.copy(ROOT / "scenarios" / "baseline.toml", project / "scenarios" / "mine.toml")
    text = factorial_toml().replace(str(ROOT / "scenarios" / "baseline.toml"), "mine")
    exp = write(project / "experiments", text)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    res = run_cli("sweep", exp, "--dry-run", cwd=elsewhere)
    assert res.returncode == 0, res.stderr
    assert load_experiment(exp).scenario == (project / "scenarios" / "mine.toml").resolve()
    rel = write(project / "experiments", text.replace('"mine"', '"../scenarios/mine.toml"'),
                "rel.toml")  # fmt: skip
    assert load_experiment(rel).scenario == (project / "scenarios" / "mine.toml").resolve()
    # A shipped scenario name still works from anywhere.
    shipped = write(tmp_path, text.replace('"mine"', '"full"'), "shipped.toml")
    assert load_experiment(shipped).scenario == (ROOT / "scenarios" / "full.toml").resolve()


@pytest.mark.slow
def test_gridgov_validate_accepts_experiment_files(tmp_path):
    # The bug: `gridgov validate EXP.toml` said "design: unknown key".
    res = run_cli("validate", ROOT / "experiments" / "smoke.toml", ROOT / "scenarios" / "full.toml")
    assert res.returncode == 0, res.stderr
    assert "smoke: factorial design, 8 points x 4 replications = 32 runs" in res.stdout
    assert "estimated time" in res.stdout and "full.toml: ok" in res.stdout
    hyp = '[[hypotheses]]\nname = "x"\nmetric = "seed"\na = "baseline"\nb = "identity"\n'
    bad = write(tmp_path, factorial_toml(hypotheses=hyp + 'direction = "less"'))
    res = run_cli("validate", bad)
    assert res.returncode == 2 and "hypotheses[0].metric" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_plan_accepts_every_shipped_experiment():
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        assert plan(path).n_runs > 0
