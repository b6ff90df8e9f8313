"""Scenario files: reading, extends, validation messages, --set, gridgov validate."""

from pathlib import Path

import pytest
from helpers import cli, write

from simulation.config import ConfigError, load_scenario, parse_overrides

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


def test_all_shipped_scenarios_validate():
    names = {load_scenario(f).name for f in SCENARIOS}
    expected = {"baseline", "identity", "connection", "interaction", "identity_connection",
                "identity_interaction", "connection_interaction", "full", "demand_shock",
                "extra_staff"}  # fmt: skip
    assert expected <= names


def test_mechanism_scenarios_cover_the_factorial():
    combos = set()
    for f in SCENARIOS:
        p = load_scenario(f).params
        if p["workers_per_grid"] == 1 and p["shock_start"] == 0:
            combos.add((p["identity"], p["connection"], p["interaction"]))
    assert len(combos) == 8


def test_extends_merges_parent_values(tmp_path):
    write(tmp_path, "[parameters]\nneed_rate = 2.5\nidentity = true\n", "base.toml")
    f = write(tmp_path, 'extends = "base.toml"\n[parameters]\nidentity = false\n')
    p = load_scenario(f).params
    assert p["need_rate"] == 2.5 and p["identity"] is False


@pytest.mark.parametrize(
    "text, field, words",
    [
        ("[parameters]\nneed_rat = 2\n", "need_rat", "unknown parameter"),
        ("[parameters]\nneed_rate = 'high'\n", "need_rate", "a number in [0.1, 12]"),
        ("[parameters]\nneed_rate = 99.0\n", "need_rate", "a number in [0.1, 12]"),
        ("[parameters]\nidentity = 1\n", "identity", "true or false"),
        ("[parameters]\nvisits_per_day = 2.5\n", "visits_per_day", "an integer"),
        ("need_rate = 2\n", "need_rate", "go under [parameters]"),
        ("[parameters\nx=1", None, "malformed TOML"),
        ("[parameters]\ndepartment_delay_min = 20\ndepartment_delay_max = 10\n",
         "department_delay_min", "must not exceed department_delay_max"),
        ('extends = "missing.toml"\n', "extends", "not found"),
        ('extends = "s.toml"\n', "extends", "circular"),
    ],
)  # fmt: skip
def test_bad_files_name_file_and_field(tmp_path, text, field, words):
    f = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_scenario(f)
    msg = str(err.value)
    assert "\n" not in msg and str(f) in msg and words in msg
    if field:
        assert field in msg


def test_impossible_combination_names_the_field(tmp_path):
    f = write(tmp_path, "[parameters]\nhouseholds_per_grid = 20\nworkers_per_grid = 10\n"
                        "neighbour_ties = 4\nresident_reps = 25\n")  # fmt: skip
    with pytest.raises(ConfigError, match="resident_reps"):
        load_scenario(f)


def test_overrides_are_parsed_and_checked():
    assert parse_overrides(["need_rate=2.5", "identity=true"]) == {
        "need_rate": 2.5,
        "identity": True,
    }
    with pytest.raises(ConfigError, match="expected key=value"):
        parse_overrides(["need_rate"])
    with pytest.raises(ConfigError, match="unknown parameter"):
        parse_overrides(["bogus=1"])


def test_validate_command(tmp_path):
    good = cli("validate", *map(str, SCENARIOS))
    assert good.returncode == 0 and good.stdout.count(": ok") == len(SCENARIOS)
    bad = write(tmp_path, "[parameters]\nmeeting_interval = 0\n")
    r = cli("validate", str(SCENARIOS[0]), str(bad))
    assert r.returncode == 2 and "meeting_interval" in r.stderr


def test_empty_scenario_file_says_what_a_scenario_needs(tmp_path):
    with pytest.raises(ConfigError, match="empty scenario file.*parameters"):
        load_scenario(write(tmp_path, "# nothing here\n"))


def test_set_with_a_line_break_is_refused_not_half_read():
    with pytest.raises(ConfigError, match="one key=value per --set"):
        parse_overrides(["need_rate=2\nidentity=true"])


def test_scenario_titles_in_both_languages_are_read(tmp_path):
    f = write(
        tmp_path,
        'title = "Full"\ntitle_zh = "全部机制"\ndescription_zh = "三种机制"\n[parameters]\n',
    )
    s = load_scenario(f)
    assert (s.title, s.title_zh, s.description_zh) == ("Full", "全部机制", "三种机制")
