"""Mechanisms: the one table of what each switch turns on, and the phases that obey it."""

import importlib
import re
from pathlib import Path

from simulation.core.mechanisms import (
    MECHANISMS,
    RULES,
    Rules,
    enabled_rules,
    markdown_table,
    rules_of,
)

ROOT = Path(__file__).resolve().parents[1]


def test_each_switch_enables_exactly_its_own_rules():
    assert enabled_rules(False, False, False) == frozenset()
    everything = enabled_rules(True, True, True)
    assert everything == frozenset(RULES)
    for i, mechanism in enumerate(MECHANISMS):
        switches = [False] * 3
        switches[i] = True
        assert enabled_rules(*switches) == {r.name for r in rules_of(mechanism)}
    r = Rules.from_switches({"identity": False, "connection": True, "interaction": False})
    assert r.alliance_matching and not r.joint_meetings and not r.neighbour_fixes


def test_every_rule_is_described_in_both_languages():
    for rule in RULES.values():
        assert rule.description and rule.without and rule.mechanism in MECHANISMS
        assert re.search(r"[\u4e00-\u9fff]", rule.description_zh), rule.name
        assert re.search(r"[\u4e00-\u9fff]", rule.without_zh), rule.name


def test_the_model_phases_read_rules_never_the_switches():
    kernels = sorted((ROOT / "simulation" / "kernels").glob("*.py"))
    assert kernels, "the compiled kernels are read too"
    core = ROOT / "simulation" / "core"
    phases = [core / f"{m}.py" for m in ("casework", "alliance", "attitudes")]
    for path in [*phases, core / "model.py", core / "metrics.py"]:
        text = path.read_text()
        for switch in MECHANISMS:
            assert f'p["{switch}"]' not in text, f"{path.name} reads the {switch} switch"
    for path in kernels:
        text = path.read_text()
        for switch in MECHANISMS:
            assert f"c.{switch}" not in text, f"kernels/{path.name} reads the {switch} switch"
    # ... and every rule is read somewhere in them: by the Python owners (`rules.NAME`) or by
    # the kernels, which get the rules as fields of their parameters (`c.NAME`).
    code = "".join(path.read_text() for path in phases)
    compiled = "".join(path.read_text() for path in kernels)
    for name in RULES:
        assert f"rules.{name}" in code or f"c.{name}" in compiled, f"rule {name} is never read"


def _function(dotted: str):
    """The object a dotted path names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(dotted)


def test_each_rule_names_the_function_that_runs_it_and_that_function_states_it():
    for rule in RULES.values():
        function = _function(rule.runs)
        doc = getattr(function, "py_func", function).__doc__  # a kernel: its Python function
        assert callable(function) and doc, rule.runs
        assert f"`{rule.name}`" in doc, f"{rule.runs} does not state the rule {rule.name}"


def test_docs_mechanism_table_is_current():
    doc = (ROOT / "docs" / "model.md").read_text()
    assert markdown_table() in doc, "regenerate the table in docs/model.md from markdown_table()"
