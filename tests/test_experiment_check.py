"""`gridgov check` on real (tiny) sweeps: verdicts, Holm, incomplete folders, JUnit and JSON."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from test_experiment_helpers import BASELINE, ROOT, TINY, factorial_toml, write

from simulation import check, run_experiment
from simulation.analysis.check import holds
from simulation.cli import main
from simulation.running.hypotheses import Hypothesis


def run_cli(*args, capsys):
    """`gridgov ARGS` in this process; returns (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


HYPS = """
[[hypotheses]]
name = "more needs, more backlog"
metric = "backlog_mean"
a = "busy"
b = "quiet"
direction = "{direction}"
"""


def _list_experiment(tmp_path, direction, extra=""):
    text = f"""
[experiment]
name = "load"
scenario = "{BASELINE}"
replications = 4
seed = 11
days = 40

[parameters]
{TINY}

[design]
kind = "list"

[[design.points]]
label = "quiet"
need_rate = 0.5

[[design.points]]
label = "busy"
need_rate = 10.0
{HYPS.format(direction=direction)}
{extra}
"""
    return write(tmp_path, text, f"load_{direction}.toml")


@pytest.fixture(scope="module")
def load_results_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("load")
    path = _list_experiment(tmp, "greater")
    run_experiment(path, out=tmp / "out", executor="serial", progress=False)
    return tmp


def test_check_passes_a_true_hypothesis(load_results_dir, capsys):
    code, out, err = run_cli("check", load_results_dir / "out", capsys=capsys)
    assert code == 0, out + err
    assert "PASS" in out and "1/1 hypotheses hold" in out
    assert "Mann-Whitney U, two-sided" in out  # backlog is skewed: the registry picks the test


def test_check_fails_a_false_hypothesis(load_results_dir, tmp_path, capsys):
    false = _list_experiment(tmp_path, "less")
    code, out, err = run_cli("check", load_results_dir / "out", "--experiment", false,
                             capsys=capsys)  # fmt: skip
    assert code == 1, out + err
    assert "FAIL" in out and "0/1 hypotheses hold" in out
    row = check(load_results_dir / "out", experiment=false).table.iloc[0]
    # Two-sided: a clear effect in the wrong direction has a small p but does not pass.
    assert row["estimate"] > 0 and row["ci_low"] > 0 and row["p"] < 0.05


def test_check_bad_input_exits_2(load_results_dir, tmp_path, capsys):
    code, _, err = run_cli("check", tmp_path, capsys=capsys)  # not a results folder
    assert code == 2 and "manifest.json" in err
    bad = write(tmp_path, _list_experiment(tmp_path, "greater").read_text().replace(
        'a = "busy"', 'a = "nonexistent"'), "bad.toml")  # fmt: skip
    code, _, err = run_cli("check", load_results_dir / "out", "--experiment", bad, capsys=capsys)
    assert code == 2 and "nonexistent" in err
    assert len(err.strip().splitlines()) == 1
    junit = tmp_path / "no-such-folder" / "j.xml"
    code, _, err = run_cli("check", load_results_dir / "out", "--junit", junit, capsys=capsys)
    assert code == 2 and "--junit" in err and not junit.parent.exists()


def test_no_hypothesis_passes_with_an_interval_that_contains_zero():
    h = Hypothesis("x", "backlog_mean", "compare", a="a", b="b", direction="less")
    # An interval that reaches past zero (ci_high 0.0001) is no pass, however small p is.
    row = {"estimate": -0.011, "ci_low": -0.022, "ci_high": 0.0001, "p": 0.027, "p_holm": 0.027}
    assert not holds(h, row)
    assert holds(h, {**row, "ci_high": -0.0001})
    assert not holds(h, {**row, "ci_high": -0.0001, "p_holm": 0.06})  # Holm decides
    # Censored metrics report a log hazard ratio of recovery: "less time" means > 0.
    rec = Hypothesis("r", "recovery_days", "compare", a="a", b="b", direction="less")
    assert holds(rec, {"ci_low": 0.1, "ci_high": 0.5, "p_holm": 0.01})
    assert not holds(rec, {"ci_low": -0.5, "ci_high": -0.1, "p_holm": 0.01})


HOLM = """
[[hypotheses]]
name = "F1 connection lowers escalation"
metric = "escalation_rate"
a = {{ connection = true }}
b = {{ connection = false }}
direction = "less"

[[hypotheses]]
name = "F1 identity raises volunteering"
metric = "volunteers_30d"
a = {{ identity = true }}
b = {{ identity = false }}
direction = "greater"

[[hypotheses]]
name = "lonely interaction term"
family = "F2"
metric = "resolution_days_rmst"
interaction = ["identity", "interaction"]
sign = "positive"
{gate}
"""


@pytest.fixture(scope="module")
def factorial_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fact")
    path = write(tmp, factorial_toml(reps=3, days=40, hypotheses=HOLM.format(gate="")))
    run_experiment(path, out=tmp / "out", executor="serial", progress=False)
    return tmp


@pytest.mark.slow
def test_holm_within_families_and_strata_are_reported(factorial_dir):
    res = check(factorial_dir / "out")
    t = res.table.set_index("hypothesis")
    f1 = t[t["family"] == "F1"]
    assert list(f1["family_size"]) == [2, 2]
    assert (f1["p_holm"] >= f1["p"]).all() and f1["p_holm"].max() == pytest.approx(
        min(1, max(2 * f1["p"].min(), f1["p"].max()))
    )
    assert "within strata of identity, interaction" in t.loc["F1 connection lowers escalation",
                                                               "method"]  # fmt: skip
    assert t.loc["lonely interaction term", "family_size"] == 1
    assert "HC3" in t.loc["lonely interaction term", "method"]


@pytest.mark.slow
def test_junit_json_and_step_summary(factorial_dir, tmp_path, capsys, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    junit, js = tmp_path / "check.xml", tmp_path / "check.json"
    code, out, _ = run_cli("check", factorial_dir / "out", "--junit", junit, "--json", js,
                           capsys=capsys)  # fmt: skip
    res = check(factorial_dir / "out")
    assert code == res.exit_code
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == list(res.table["hypothesis"])  # full names
    failed = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures")) == len(failed) == int((~res.table["passed"]).sum())
    for c in failed:
        msg = c.find("failure").get("message")
        assert "CI [" in msg and "p = " in msg and "Holm p = " in msg
    data = json.loads(js.read_text())
    assert data["exit_code"] == code and data["runs_finished"] == data["runs_expected"] == 24
    assert [h["hypothesis"] for h in data["hypotheses"]] == list(res.table["hypothesis"])
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "| result | hypothesis |" in text
    assert "F1 connection lowers escalation" in text
    for name in res.table["hypothesis"]:
        assert name in out  # printed in full, never cut


@pytest.mark.slow
def test_a_failing_ungated_hypothesis_is_skipped_in_junit(factorial_dir, tmp_path, capsys):
    path = write(tmp_path, factorial_toml(reps=3, days=40, hypotheses=HOLM.format(
        gate="alpha = 0.0001\ngate = false")))  # fmt: skip
    res = check(factorial_dir / "out", experiment=path)
    row = res.table.set_index("hypothesis").loc["lonely interaction term"]
    assert row["verdict"] == "FAIL" and not row["gate"]
    junit = tmp_path / "j.xml"
    run_cli("check", factorial_dir / "out", "--experiment", path, "--junit", junit, capsys=capsys)
    case = [c for c in ET.parse(junit).iter("testcase")
            if c.get("name") == "lonely interaction term"][0]  # fmt: skip
    assert case.find("failure") is None and "gate = false" in case.find("skipped").get("message")


def test_an_incomplete_folder_is_refused_unless_allowed(factorial_dir, tmp_path, capsys):
    out = tmp_path / "half"
    shutil.copytree(factorial_dir / "out", out)
    runs = pd.read_parquet(out / "runs")
    # Keep every run of the points with connection off; drop some runs with it on.
    parts = sorted((out / "runs").glob("part-*.parquet"))
    for p in parts:
        p.unlink()
    for p in sorted((out / "timeseries").glob("part-*.parquet")):
        p.unlink()
    kept = runs[~(runs["connection"] & (runs["replication"] == 2))]
    kept.to_parquet(out / "runs" / "part-00000000-kept.parquet", index=False)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.pop("parts", None)  # the store's checksums describe the parts we replaced
    (out / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = run_cli("check", out, capsys=capsys)
    assert code == 2 and f"{len(kept)} of 24 runs" in err, err
    code, text, err = run_cli("check", out, "--allow-incomplete", capsys=capsys)
    res = check(out, allow_incomplete=True).table.set_index("hypothesis")
    # Every hypothesis compares points with connection on: none may read FAIL for lack of runs.
    assert set(res["verdict"]) == {"INCOMPLETE"}, res["verdict"]
    assert "INCOMPLETE" in text and code == 1


@pytest.mark.slow
def test_shipped_smoke_experiment_sweeps_reports_and_checks(tmp_path, capsys):
    smoke = ROOT / "experiments" / "smoke.toml"
    assert main(["sweep", str(smoke), "--out", str(tmp_path / "s"), "--no-progress"]) == 0
    assert main(["report", str(tmp_path / "s")]) == 0
    code = main(["check", str(tmp_path / "s")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1/1 hypotheses hold" in out


def test_an_underpowered_failure_says_so(load_results_dir, tmp_path, capsys):
    # The bug: a scaled-down run failed hypotheses for lack of power and looked like a
    # regression. With a min_effect, check names the replications the test needed.
    weak = write(tmp_path, _list_experiment(tmp_path, "less", "min_effect = 0.01").read_text(),
                 "weak.toml")  # fmt: skip
    code, out, _ = run_cli("check", load_results_dir / "out", "--experiment", weak,
                           capsys=capsys)  # fmt: skip
    row = check(load_results_dir / "out", experiment=weak).table.iloc[0]
    assert code == 1 and row["needed_replications"] > 4
    assert f"UNDERPOWERED: min_effect needs ~{row['needed_replications']:.0f} replications" in out
    assert "the sweep has 4" in out
