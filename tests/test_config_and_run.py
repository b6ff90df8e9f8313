"""Scenario files, their validation, and `gridgov run` / `gridgov validate` as a user runs them."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulation.cli import main
from simulation.config import ConfigError, load_scenario, parse_overrides

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
FAST = ["--days", "20", "--set", "burn_in_days=5", "--set", "grids_per_street=2",
        "--set", "households_per_grid=60"]  # fmt: skip


def write(tmp_path, text, name="s.toml"):
    f = tmp_path / name
    f.write_text(text)
    return f


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


def cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "simulation.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    "content",
    ["[parameters]\nneed_rate = -1\n", "this is not toml", None],
    ids=["out-of-range", "malformed", "missing"],
)
def test_cli_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, content):
    f = tmp_path / "bad.toml"
    if content is not None:
        f.write_text(content)
    out = tmp_path / "out"
    r = cli("run", str(f), "--out", str(out))
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gridgov: error: ") and "bad.toml" in lines[0]
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_cli_bad_set_value_is_one_line(tmp_path):
    r = cli("run", "scenarios/full.toml", "--set", "need_rate=lots", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "need_rate" in r.stderr and "Traceback" not in r.stderr


def test_validate_command(tmp_path):
    good = cli("validate", *map(str, SCENARIOS))
    assert good.returncode == 0 and good.stdout.count(": ok") == len(SCENARIOS)
    bad = write(tmp_path, "[parameters]\nmeeting_interval = 0\n")
    r = cli("validate", str(SCENARIOS[0]), str(bad))
    assert r.returncode == 2 and "meeting_interval" in r.stderr


def test_run_writes_identical_files_for_the_same_seed(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert main(["run", "scenarios/full.toml", "--seed", "4", "--out", str(a), *FAST]) == 0
    assert main(["run", "scenarios/full.toml", "--seed", "4", "--out", str(b), *FAST]) == 0
    assert main(["run", "scenarios/full.toml", "--seed", "5", "--out", str(c), *FAST]) == 0
    for name in ("timeseries.parquet", "summary.json", "figure.png"):
        assert (a / name).exists()
    assert (a / "timeseries.parquet").read_bytes() == (b / "timeseries.parquet").read_bytes()
    assert (a / "summary.json").read_text() == (b / "summary.json").read_text()
    ta, tc = pd.read_parquet(a / "timeseries.parquet"), pd.read_parquet(c / "timeseries.parquet")
    assert len(ta) == 25 and not ta.equals(tc)
    s = json.loads((a / "summary.json").read_text())
    assert s["scenario"] == "full" and s["seed"] == 4
    assert s["parameters"]["identity"] is True and s["parameters"]["scored_days"] == 20
    assert "mesa" in s["versions"] and "resolution_days_mean" in s["metrics"]
    assert pq.read_schema(a / "timeseries.parquet").names[:2] == ["day", "scored"]


def test_run_default_output_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(ROOT / "scenarios/baseline.toml"), "--seed", "9", *FAST]) == 0
    assert (tmp_path / "results" / "baseline-seed9" / "summary.json").exists()
    out = capsys.readouterr().out
    assert "resolution_days_mean" in out and "results/baseline-seed9" in out
