"""The metric registry: complete, consistent, bilingual, and the generated docs are current."""

import re
from pathlib import Path

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
