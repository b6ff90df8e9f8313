"""`gridgov run` as a user runs it: files written, reproducibility, bad input."""

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import cli

from simulation.cli import main

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--days", "20", "--set", "burn_in_days=5", "--set", "grids_per_street=2",
        "--set", "households_per_grid=60"]  # fmt: skip


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


@pytest.mark.slow
def test_run_writes_identical_files_for_the_same_seed(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert main(["run", "scenarios/full.toml", "--seed", "4", "--out", str(a), *FAST]) == 0
    assert main(["run", "scenarios/full.toml", "--seed", "4", "--out", str(b), "--figure",
                 *FAST]) == 0  # fmt: skip
    assert main(["run", "scenarios/full.toml", "--seed", "5", "--out", str(c), *FAST]) == 0
    # The figure is drawn only when asked, and asking for it changes no other file.
    assert sorted(p.name for p in a.iterdir() if not p.name.startswith(".")) == [
        "summary.json", "timeseries.parquet",
    ]  # fmt: skip
    assert (b / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (a / "timeseries.parquet").read_bytes() == (b / "timeseries.parquet").read_bytes()
    assert (a / "summary.json").read_text() == (b / "summary.json").read_text()
    ta, tc = pd.read_parquet(a / "timeseries.parquet"), pd.read_parquet(c / "timeseries.parquet")
    assert len(ta) == 25 and not ta.equals(tc)
    s = json.loads((a / "summary.json").read_text())
    assert s["scenario"] == "full" and s["seed"] == 4
    assert s["parameters"]["identity"] is True and s["parameters"]["scored_days"] == 20
    assert "mesa" in s["versions"] and "resolution_days_rmst" in s["metrics"]
    assert pq.read_schema(a / "timeseries.parquet").names[:2] == ["day", "scored"]


def test_run_default_output_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(ROOT / "scenarios/baseline.toml"), "--seed", "9", *FAST]) == 0
    assert (tmp_path / "results" / "baseline-seed9" / "summary.json").exists()
    out = capsys.readouterr().out
    assert "resolution_days_rmst" in out and "results/baseline-seed9" in out
    assert "wrote results/baseline-seed9/ (timeseries.parquet, summary.json)" in out
    assert not (tmp_path / "results" / "baseline-seed9" / "figure.png").exists()
