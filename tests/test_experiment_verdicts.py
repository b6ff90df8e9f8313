"""Machine-readable verdicts: JUnit parsed back with xml.etree, JSON, GitHub step summary."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import pandas as pd

from simulation.analysis.check import CheckResult
from simulation.analysis.verdicts import (
    to_json,
    to_markdown,
    write_junit,
    write_step_summary,
)

LONG = "F1 a hypothesis whose name is much longer than any column of a text table could hold " * 2


def _result() -> CheckResult:
    base = {"metric": "backlog_mean", "statement": "[a] < [b]", "method": "Mann-Whitney U",
            "effect": "", "relative": math.nan, "alpha": 0.05, "n": 60, "family_size": 3,
            "replications": 30, "needed_replications": math.nan}  # fmt: skip
    rows = [
        {**base, "hypothesis": LONG, "family": "F1", "estimate": -3.0, "ci_low": -3.5,
         "ci_high": -2.5, "p": 1e-9, "p_holm": 3e-9, "verdict": "PASS", "gate": True},
        {**base, "hypothesis": "F1 fails | with a pipe", "family": "F1", "estimate": 0.5,
         "ci_low": -0.1, "ci_high": 1.1, "p": 0.2, "p_holm": 0.4, "verdict": "FAIL",
         "gate": True},
        {**base, "hypothesis": "F1 refuted, reported only", "family": "F1", "estimate": 0.1,
         "ci_low": -0.2, "ci_high": 0.4, "p": 0.5, "p_holm": 0.5, "verdict": "FAIL",
         "gate": False},
        {**base, "hypothesis": "F2 waits for runs", "family": "F2", "estimate": math.nan,
         "ci_low": math.nan, "ci_high": math.nan, "p": math.nan, "p_holm": math.nan,
         "verdict": "INCOMPLETE", "gate": True},
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    table["passed"] = table["verdict"] == "PASS"
    return CheckResult(table, False, "demo", 180, 192)


def test_junit_has_one_case_per_hypothesis_with_failures_and_skips(tmp_path):
    path = write_junit(_result(), tmp_path / "j.xml")
    suite = ET.parse(path).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "2")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert LONG in cases  # the full name, never cut
    assert cases[LONG].find("failure") is None and cases[LONG].find("skipped") is None
    fail = cases["F1 fails | with a pipe"].find("failure").get("message")
    assert "CI [-0.1, 1.1]" in fail and "p = 0.2" in fail and "Holm p = 0.4" in fail
    assert "gate = false" in cases["F1 refuted, reported only"].find("skipped").get("message")
    skip = cases["F2 waits for runs"].find("skipped").get("message")
    assert skip.startswith("incomplete: 180 of 192 runs finished")
    assert cases[LONG].get("classname") == "gridgov.demo.F1"


def test_json_is_strict_json_without_nan():
    text = json.dumps(to_json(_result()), allow_nan=False)  # raises on NaN
    data = json.loads(text)
    assert data["complete"] is False and data["exit_code"] == 1
    assert data["hypotheses"][3]["estimate"] is None


def test_step_summary_is_appended_only_when_github_sets_it(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert write_step_summary(_result()) is None
    target = tmp_path / "summary.md"
    target.write_text("before\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    write_step_summary(_result())
    text = target.read_text()
    assert text.startswith("before\n") and LONG.strip() in text
    assert "F1 fails \\| with a pipe" in text  # a pipe does not break the table
    assert text.count("\n| ") == 5  # header + 4 rows
    assert "180 of 192 runs" in to_markdown(_result())
