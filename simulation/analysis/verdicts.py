"""Verdicts for machines: JUnit XML, JSON and a GitHub step summary of a `CheckResult`.

JUnit: one ``<testcase>`` per hypothesis (classname ``gridgov.<experiment>.<family>``); a
failing gating hypothesis is a ``<failure>`` whose message carries the estimate, interval and
p-values; an incomplete one, or a failing one marked ``gate = false``, is ``<skipped>`` so
that it shows in the CI's test view without failing the build.
"""

from __future__ import annotations

import json
import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from simulation.analysis.check import FAIL, INCOMPLETE, PASS, CheckResult, detail


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def to_json(result: CheckResult) -> dict[str, Any]:
    """The check result as a JSON-ready dict (NaN becomes null).

    Returns:
        ``experiment``, ``passed``, ``exit_code``, ``runs_finished``, ``runs_expected``,
        ``complete``, ``rules`` and ``hypotheses`` (one dict per row of the table).
    """
    rows = [{k: _clean(v) for k, v in r.items()} for r in result.table.to_dict("records")]
    return {
        "experiment": result.experiment,
        "passed": result.passed,
        "exit_code": result.exit_code,
        "runs_finished": result.finished,
        "runs_expected": result.expected,
        "complete": result.complete,
        "rules": "two-sided tests at alpha; Holm within families; a hypothesis holds when "
        "its Holm-adjusted p < alpha and its interval excludes zero on the stated side",
        "hypotheses": rows,
    }


def write_json(result: CheckResult, path: str | Path) -> Path:
    """Write `to_json` to a file (UTF-8, indented)."""
    path = Path(path)
    path.write_text(json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n")
    return path


def to_junit(result: CheckResult) -> ET.ElementTree:
    """The check result as a JUnit XML tree (one test case per hypothesis)."""
    t = result.table
    counts = t["verdict"].value_counts()
    failures = int(((t["verdict"] == FAIL) & t["gate"]).sum())
    skipped = len(t) - int(counts.get(PASS, 0)) - failures
    suite = ET.Element(
        "testsuite",
        name=f"gridgov check {result.experiment}",
        tests=str(len(t)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    for r in t.to_dict("records"):
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"gridgov.{result.experiment}.{r['family']}",
            name=r["hypothesis"],
        )
        text = f"{r['statement']} | {detail(r)}"
        if r["verdict"] == FAIL and r["gate"]:
            ET.SubElement(case, "failure", message=f"FAIL: {text}", type="HypothesisFailed")
        elif r["verdict"] == FAIL:
            ET.SubElement(case, "skipped", message=f"FAIL, reported only (gate = false): {text}")
        elif r["verdict"] == INCOMPLETE:
            runs = f"{result.finished} of {result.expected} runs finished"
            ET.SubElement(case, "skipped", message=f"incomplete: {runs}; {text}")
        ET.SubElement(case, "system-out").text = text
    suites = ET.Element("testsuites", name="gridgov check")
    suites.append(suite)
    tree = ET.ElementTree(suites)
    ET.indent(tree)
    return tree


def write_junit(result: CheckResult, path: str | Path) -> Path:
    """Write `to_junit` to a file."""
    path = Path(path)
    to_junit(result).write(path, encoding="utf-8", xml_declaration=True)
    return path


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(result: CheckResult) -> str:
    """A Markdown table of the verdicts (for ``$GITHUB_STEP_SUMMARY``); names are never cut."""
    icon = {PASS: "✅ PASS", FAIL: "❌ FAIL", INCOMPLETE: "⚠️ incomplete"}
    t = result.table
    n_pass = int((t["verdict"] == PASS).sum())
    lines = [
        f"### gridgov check: {result.experiment} ({n_pass}/{len(t)} hypotheses hold, "
        f"{result.finished} of {result.expected} runs)",
        "",
        "| result | hypothesis | metric | estimate [CI] | p | Holm p | test |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in t.to_dict("records"):
        verdict = icon[r["verdict"]] + ("" if r["gate"] else " (not gating)")
        est = f"{r['estimate']:.4g} [{r['ci_low']:.4g}, {r['ci_high']:.4g}]"
        lines.append(
            f"| {verdict} | {_cell(r['hypothesis'])} | {r['metric']} | {est} | {r['p']:.2g} "
            f"| {r['p_holm']:.2g} | {_cell(r['method'])} |"
        )
    lines += ["", "Two-sided tests; Holm within families; a hypothesis holds when its adjusted "
              "p < alpha and its interval excludes zero on the stated side.", ""]  # fmt: skip
    return "\n".join(lines)


def write_step_summary(result: CheckResult) -> Path | None:
    """Append `to_markdown` to the file named by ``GITHUB_STEP_SUMMARY``, if it is set."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(to_markdown(result) + "\n")
    return Path(target)
