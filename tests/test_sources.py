"""Provenance of the parameters: every default says honestly where it comes from."""

import re
from pathlib import Path

import pytest

from simulation.core.parameters import PARAMETERS
from simulation.core.sources import KINDS, PROVENANCE, Source, counts, names_of


def test_every_parameter_has_a_source_and_every_source_a_parameter():
    missing = sorted(set(PARAMETERS) - set(PROVENANCE))
    stale = sorted(set(PROVENANCE) - set(PARAMETERS))
    assert not missing, f"parameters without a source in simulation/core/sources.py: {missing}"
    assert not stale, f"sources for parameters that no longer exist: {stale}"


@pytest.mark.parametrize("name", sorted(PROVENANCE))
def test_source_kind_is_valid_and_detail_is_a_sentence(name):
    source = PROVENANCE[name]
    assert source.kind in KINDS
    detail = source.detail.strip()
    assert len(detail) >= 30, f"{name}: the detail is too short to say where the value comes from"
    assert detail.endswith("."), f"{name}: the detail should be one finished sentence"


@pytest.mark.parametrize("name", names_of("public figure"))
def test_public_figures_quote_a_number(name):
    assert re.search(r"\d", PROVENANCE[name].detail), f"{name}: a public figure needs its number"


@pytest.mark.parametrize("name", names_of("assumption"))
def test_assumptions_say_what_to_sweep(name):
    # Switch-like run controls are exempt: they are scenario settings, not estimates.
    if name in {"n_streets", "shock_start"}:
        return
    assert "sweep" in PROVENANCE[name].detail or "check" in PROVENANCE[name].detail, (
        f"{name}: an assumption must say what range a sweep should cover"
    )


def test_mechanism_switches_cite_the_case_study():
    for name in ("identity", "connection", "interaction"):
        assert PROVENANCE[name].kind == "literature"
        assert "Wang & You (2024" in PROVENANCE[name].detail


def test_bad_source_is_refused():
    with pytest.raises(ValueError, match="unknown source kind"):
        Source("calibrated", "Sounds good.")
    with pytest.raises(ValueError, match="needs a detail"):
        Source("assumption", "  ")
    with pytest.raises(ValueError, match="unknown source kind"):
        names_of("guess")


def test_counts_cover_every_parameter():
    tally = counts()
    assert list(tally) == list(KINDS)
    assert sum(tally.values()) == len(PARAMETERS)


def test_docs_quote_the_current_counts():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text()
    doc = " ".join(doc.split())  # line breaks in the prose do not matter
    tally = counts()
    sentence = (
        f"Of the {len(PARAMETERS)} parameters, **{tally['public figure']} are set from public "
        f"figures, {tally['literature']} from the literature and {tally['assumption']} are "
        "assumptions**."
    )
    assert sentence in doc, "update the counts in docs/model.md section 3.4"
