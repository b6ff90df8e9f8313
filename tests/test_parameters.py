"""Parameters: the table, and the one validator every caller uses."""

from pathlib import Path

import numpy as np
import pytest

from simulation.core.parameters import (
    PARAMETERS,
    ParameterError,
    check_value,
    default_parameters,
    validate,
)


def test_docs_parameter_table_is_current():

    from simulation.core.parameters import markdown_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text()
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
