"""Parameters: one record each (loaded from parameters.toml), and the one validator."""

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from simulation.core.mechanisms import MECHANISMS
from simulation.core.parameters import (
    KINDS,
    PARAMETERS,
    TABLE_FILE,
    ParameterError,
    Source,
    check_value,
    default_parameters,
    load,
    markdown_table,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]


def test_docs_parameter_table_is_current():
    doc = (ROOT / "docs" / "model.md").read_text()
    assert markdown_table() in doc, "regenerate the table in docs/model.md from markdown_table()"


def test_validate_fills_defaults_and_coerces_types():
    p = validate({"need_rate": 2, "households_per_grid": 250.0})
    assert p["need_rate"] == 2.0 and isinstance(p["need_rate"], float)
    assert p["households_per_grid"] == 250 and isinstance(p["households_per_grid"], int)
    assert set(p) == set(PARAMETERS) and p["identity"] is False


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("need_rate", 40.0, "must be a number in [0.1, 12]"),
        ("need_rate", float("inf"), "must be a number"),
        ("need_rate", "2", "must be a number"),
        ("households_per_grid", 250.5, "must be an integer"),
        ("identity", 1, "must be true or false"),
        ("connection", "yes", "must be true or false"),
        ("nope", 1, "unknown parameter"),
    ],
)
def test_each_value_is_checked_by_its_parameter(name, value, words):
    with pytest.raises(ParameterError) as err:
        check_value(name, value)
    assert err.value.field == name and words in err.value.message
    assert str(err.value).startswith(f"{name}: ")


def test_numpy_scalars_are_values_like_any_other():
    assert check_value("need_rate", np.float32(2.5)) == 2.5
    assert check_value("grids_per_street", np.int64(3)) == 3
    assert check_value("identity", np.bool_(True)) is True


@pytest.mark.parametrize(
    "params, field",
    [
        (
            {"households_per_grid": 20, "neighbour_ties": 20, "resident_reps": 5},
            "neighbour_ties",
        ),
        ({"department_delay_min": 20, "department_delay_max": 10}, "department_delay_min"),
        ({"competence_min": 0.9, "competence_max": 0.5}, "competence_min"),
        ({"share_partner_needs": 0.8, "share_department_needs": 0.3}, "share_partner_needs"),
        (
            {"n_streets": 20, "grids_per_street": 40, "households_per_grid": 1000},
            "households_per_grid",
        ),
    ],
)
def test_impossible_combinations_name_a_field(params, field):
    with pytest.raises(ParameterError) as err:
        validate(params)
    assert err.value.field == field


def test_defaults_are_valid_and_every_parameter_documents_itself():
    assert validate({}) == default_parameters()
    for p in PARAMETERS.values():
        assert p.unit and p.doc and p.group
        if p.kind is not bool:
            assert p.low <= p.default <= p.high, p.name


def test_the_records_keep_the_files_order_and_every_field():
    # The file's order is the order of scenario dumps, the docs table and the runs table.
    names = re.findall(r'^name = "(\w+)"$', TABLE_FILE.read_text(encoding="utf-8"), re.M)
    assert names == list(PARAMETERS)
    assert list(PARAMETERS)[:3] == list(MECHANISMS)
    assert PARAMETERS["need_rate"].kind is float and PARAMETERS["grids_per_street"].kind is int
    assert PARAMETERS["meeting_interval"].only_with == "interaction"
    assert PARAMETERS["need_rate"].only_with is None
    assert (PARAMETERS["need_rate"].label_zh, PARAMETERS["need_rate"].unit_zh) == (
        "诉求发生率",
        "件/户/年",
    )


# --- where the defaults come from ------------------------------------------------------------


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_source_detail_is_a_sentence(name):
    detail = PARAMETERS[name].source.detail.strip()
    assert len(detail) >= 30, f"{name}: the detail is too short to say where the value comes from"
    assert detail.endswith("."), f"{name}: the detail should be one finished sentence"


def _of_kind(kind: str) -> list[str]:
    return [name for name, p in PARAMETERS.items() if p.source.kind == kind]


@pytest.mark.parametrize("name", _of_kind("public figure"))
def test_public_figures_quote_a_number(name):
    assert re.search(r"\d", PARAMETERS[name].source.detail), f"{name}: give the figure's number"


@pytest.mark.parametrize("name", _of_kind("assumption"))
def test_assumptions_say_what_to_sweep(name):
    # Switch-like run controls are exempt: they are scenario settings, not estimates.
    if name in {"n_streets", "shock_start"}:
        return
    detail = PARAMETERS[name].source.detail
    assert "sweep" in detail or "check" in detail, (
        f"{name}: an assumption must say what range a sweep should cover"
    )


_NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
_SWEEP = re.compile(rf"sweep x?({_NUMBER})(?:-| to )x?({_NUMBER})")


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_plausible_range_is_the_sweep_range_the_detail_names(name):
    source = PARAMETERS[name].source
    named = [tuple(float(x.replace(",", "")) for x in m) for m in _SWEEP.findall(source.detail)]
    if source.plausible_low is None:
        assert not named, f"{name}: the detail names a sweep range; add plausible_low/high"
    else:
        assert named == [(source.plausible_low, source.plausible_high)], name


def test_every_assumed_coefficient_has_a_plausible_range_for_sensitivity_work():
    # Run controls (size, length, when a shock starts) are settings, not estimates to screen.
    unranged = [name for name in _of_kind("assumption")
                if PARAMETERS[name].source.plausible_low is None]  # fmt: skip
    assert unranged == ["n_streets", "burn_in_days", "scored_days", "shock_start"]


def test_mechanism_switches_cite_the_case_study():
    for name in MECHANISMS:
        assert PARAMETERS[name].source.kind == "literature"
        assert "Wang & You (2024" in PARAMETERS[name].source.detail


def test_docs_quote_the_current_counts():
    doc = " ".join((ROOT / "docs" / "model.md").read_text().split())  # line breaks do not matter
    tally = Counter(p.source.kind for p in PARAMETERS.values())
    assert sum(tally[k] for k in KINDS) == len(PARAMETERS)
    sentence = (
        f"Of the {len(PARAMETERS)} parameters, **{tally['public figure']} are set from public "
        f"figures, {tally['literature']} from the literature and {tally['assumption']} are "
        "assumptions**."
    )
    assert sentence in doc, "update the counts in docs/model.md section 3.4"


# --- a malformed record is refused at import ------------------------------------------------

GOOD = """
[[parameter]]
name = "rate"
default = 1.5
unit = "per day"
low = 0.0
high = 3.0
group = "needs"
doc = "A rate"
source_kind = "assumption"
source_detail = "Assumed; sweep 1-2."
"""


def test_a_good_record_loads(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(GOOD + 'plausible_low = 1.0\nplausible_high = 2.0\nonly_with = "identity"\n')
    (rate,) = load(path).values()
    assert (rate.name, rate.default, rate.low, rate.high, rate.only_with) == (
        "rate", 1.5, 0.0, 3.0, "identity"
    )  # fmt: skip
    assert rate.source == Source("assumption", "Assumed; sweep 1-2.", 1.0, 2.0)
    assert rate.label_zh == rate.unit_zh == ""


@pytest.mark.parametrize(
    "change, words",
    [
        ('colour = "red"', "unknown keys ['colour']"),
        ('source_kind = "calibrated"', "unknown source kind 'calibrated'"),
        ('source_detail = " "', "a source needs a detail"),
        ("default = 4.0", "default must be a number in [0, 3]"),
        ('default = "1"', "default must be true/false or a number"),
        ("low = 2.0", "default must be a number in [2, 3]"),
        ("default = true", "a switch has no low/high"),
        ('only_with = "weather"', "only_with 'weather' is not one of"),
        ('label_zh = "比率"', "give both label_zh and unit_zh"),
        ('unit = ""', "unit must be a non-empty string"),
        ("plausible_low = 1.0", "give both plausible_low and plausible_high"),
        ("plausible_low = 2.0\nplausible_high = 2.5", "default 1.5 outside plausible_low/high"),
        ("plausible_low = 1.0\nplausible_high = 9.0", "plausible_high must be a number in [0, 3]"),
    ],
)
def test_a_bad_record_is_refused_naming_file_parameter_and_problem(tmp_path, change, words):
    key = change.split(" =")[0]
    lines = [line for line in GOOD.splitlines() if not line.startswith(f"{key} =")]
    path = tmp_path / "p.toml"
    path.write_text("\n".join(lines) + "\n" + change + "\n")
    with pytest.raises(ValueError) as err:
        load(path)
    assert str(err.value).startswith(f"{path}: parameter rate: ")
    assert words in str(err.value)


@pytest.mark.parametrize(
    "text, words",
    [
        (GOOD.replace('name = "rate"\n', ""), "missing keys ['name']"),
        (GOOD.replace("high = 3.0\n", ""), "a number needs both low and high"),
        (GOOD + GOOD, "parameter rate: declared twice"),
        ("parameter = [", "not a parameter file"),
        ("[other]\n", "not a parameter file"),
    ],
)
def test_a_broken_file_is_refused(tmp_path, text, words):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(words)):
        load(path)
