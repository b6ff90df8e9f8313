"""The metric registry: complete, consistent, bilingual, and the generated docs are current."""

import importlib
import re
from pathlib import Path

import pandas as pd
import pytest

from simulation.core import outcomes
from simulation.core.outcomes import DAILY, KINDS, MODEL_SUMMARY, SUMMARY
from simulation.core.parameters import PARAMETERS
from simulation.docs import outputs_markdown

ROOT = Path(__file__).resolve().parents[1]
ALL = [*DAILY.values(), *SUMMARY.values()]


@pytest.mark.parametrize("o", ALL, ids=lambda o: f"{o.frequency}:{o.name}")
def test_every_outcome_is_fully_described(o):
    assert o.direction in (-1, 0, 1) and o.kind in KINDS
    assert o.label and o.unit and o.definition and o.unit_zh
    assert re.search(r"[\u4e00-\u9fff]", o.label_zh + o.definition_zh), o.name
    assert o.format(0.5) and o.format(float("nan")) == "–"
    if o.kind == "share":
        assert o.unit == "share"


def test_names_are_unambiguous():
    # A daily and a summary outcome may share a name only when they mean the same thing
    # measured over a different span (e.g. mean trust of a day vs of the scored period).
    for name in set(DAILY) & set(SUMMARY):
        assert DAILY[name].unit == SUMMARY[name].unit, name
        assert DAILY[name].direction == SUMMARY[name].direction, name
    # Parameters and outcomes never share a column name.
    assert not set(PARAMETERS) & (set(DAILY) | set(SUMMARY))
    # Rolling windows say so in their names.
    for o in DAILY.values():
        assert ("last 30 days" in o.definition) == o.name.endswith("_30d"), o.name


def test_lookup_and_directions():
    assert outcomes.get("backlog").frequency == "daily"
    assert outcomes.get("satisfaction_rate").frequency == "summary"
    assert outcomes.direction("cost_per_resolved") == -1
    assert outcomes.direction("seed") == 0
    with pytest.raises(KeyError, match="unknown outcome 'nope'"):
        outcomes.get("nope")
    assert set(MODEL_SUMMARY) < set(SUMMARY)


def test_docs_outputs_is_current():
    doc = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert doc == outputs_markdown(), "regenerate with: python -m simulation.docs"


def test_times_to_resolution_say_how_they_treat_needs_still_open():
    # A plain mean over resolved needs flatters an overloaded street (the longest waits are
    # the ones left out): such columns must say so in their names and definitions; the others
    # are Kaplan-Meier figures that say how they censor.
    timed = [o for o in SUMMARY.values() if "resolution_days" in o.name]
    assert {"resolution_days_rmst", "report_to_resolution_days_rmst"} <= {o.name for o in timed}
    for o in timed:
        if o.name.endswith("_resolved"):
            assert "biased low" in o.definition, o.name
            preferred = o.definition.split("prefer ")[1].rstrip(")")
            assert preferred in SUMMARY and not preferred.endswith("_resolved"), o.name
        else:
            assert "Kaplan-Meier" in o.definition and "censor" in o.definition, o.name
            assert "Kaplan-Meier" in o.definition_zh, o.name
    assert "resolved needs only" in DAILY["resolution_days_30d"].definition
    assert "rmst" in SUMMARY["elderly_gap_days"].definition


def test_the_overload_flag_is_a_per_run_proportion():
    o = SUMMARY["saturated"]
    # kind "share": across replications the analysis compares the shares of runs saturated.
    assert o.kind == "share" and o.direction == outcomes.LOWER
    assert "backlog_trend" in o.definition and "max(10" in o.definition


def test_every_outcome_says_how_it_is_computed():
    assert set(outcomes.KEY_DAILY) <= set(DAILY)
    for o in ALL:
        if o.computed_by == "model":
            assert o.code is not None and o.inputs, o.name
        else:  # the pipeline's function, by its dotted path, returns the value
            module, function = o.compute.rsplit(".", 1)
            fn = getattr(importlib.import_module(module), function)
            assert o.name in fn(pd.DataFrame({"day": [1], "backlog": [0.0]}), {}), o.name


def test_the_cost_formula_is_written_once():
    cost_formulas = [o for o in ALL if "total_cost" in o.compute]
    assert {o.name for o in cost_formulas} == {"cost", "cost_per_resolved"}
    source = (ROOT / "simulation/core/metrics.py").read_text(encoding="utf-8")
    assert source.count('p["hour_cost"]') == 1


ENTRY = """[summary.backlog_mean]
label = "Backlog, mean"
label_zh = "平均积压"
unit = "cases"
unit_zh = "件"
direction = "lower"
group = "efficiency"
kind = "skewed"
fmt = "{:.1f}"
compute = "float(scored.backlog.mean())"
definition = "mean daily backlog"
definition_zh = "平均积压"
"""


def test_the_registry_file_is_read_with_its_keyword_fields():
    o = outcomes.parse(ENTRY)["summary"]["backlog_mean"]
    assert (o.direction, o.kind, o.computed_by, o.frequency) == (-1, "skewed", "model", "summary")
    assert o.format(2.25) == "2.2" and o.inputs == {"float", "scored"}
    assert outcomes.parse(ENTRY)["daily"] == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('kind = "skewed"', 'kind = "skew"'), r"\[summary.backlog_mean\]: kind 'skew' is not"),
        (('direction = "lower"', "direction = -1"), "direction must be a non-empty string"),
        (('unit = "cases"\n', ""), r"missing \['unit'\]"),
        (('fmt = "{:.1f}"', 'fmt = "{:.1f}"\nformat = "x"'), r"unknown field\(s\) \['format'\]"),
        (('fmt = "{:.1f}"', 'fmt = "{:.1q}"'), "fmt '{:.1q}' does not format a number"),
        (('compute = "float(', 'compute = "float(('), "compute is not an expression"),
        (('kind = "skewed"', 'kind = "skewed"\ncomputed_by = "report"'), "computed_by 'report'"),
        (('kind = "skewed"', 'kind = "skewed"\ncomputed_by = "experiment"'), "dotted path"),
        (("[summary.", "[weekly."), "unknown table"),
    ],
)
def test_a_broken_registry_entry_fails_at_import_with_one_line(change, message):
    with pytest.raises(ValueError, match=message) as err:
        outcomes.parse(ENTRY.replace(*change))
    assert str(err.value).startswith("outcomes.toml: ") and "\n" not in str(err.value)
