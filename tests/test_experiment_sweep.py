"""Sweeps into safe folders: refusals, one writer, same code, growing an experiment."""

from __future__ import annotations

import json
import signal
import time

import pandas as pd
import pytest
from test_experiment_helpers import (
    ROOT,
    comparable,
    factorial_toml,
    kill_group,
    popen_cli,
    run_cli,
    write,
)

from simulation import load_results, load_timeseries, run_experiment
from simulation.config import ConfigError
from simulation.folders import MARKER

pytestmark = pytest.mark.slow  # real sweeps, seconds each: `make test` runs them, not `make check`


def sweep(path, out, *extra, cwd=None):
    return run_cli("sweep", path, "--out", out, "--executor", "serial", "--no-progress", *extra,
                   cwd=cwd)  # fmt: skip


def one_line(r, code=2):
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    return r.stderr


def tree(folder):
    return sorted((str(p.relative_to(folder)), p.read_bytes()) for p in folder.rglob("*")
                  if p.is_file())  # fmt: skip


def test_fresh_sweep_into_a_foreign_folder_is_refused_and_touches_nothing(tmp_path):
    path = write(tmp_path, factorial_toml())
    out = tmp_path / "thesis"
    (out / "figures").mkdir(parents=True)
    (out / "runs").mkdir()
    for name in ("thesis.docx", "data.csv", "report.html", "figures/f1.png", "runs/a.parquet"):
        (out / name).write_text(name)
    before = tree(out)
    for extra in ((), ("--fresh",)):
        msg = one_line(sweep(path, out, *extra))
        assert "did not write" in msg and "--fresh" not in msg
    assert tree(out) == before


def test_fresh_removes_only_our_files_and_other_experiments_are_refused(tmp_path):
    path = write(tmp_path, factorial_toml(reps=1))
    out = tmp_path / "r"
    assert run_experiment(path, out=out, executor="serial", progress=False).exit_code == 0
    (out / "my-notes.txt").write_text("keep")
    (out / "runs" / "extra.parquet").write_text("keep too")
    res = run_experiment(path, out=out, executor="serial", progress=False, fresh=True)
    assert (res.skipped, res.done) == (0, 8)
    assert (out / "my-notes.txt").read_text() == "keep"
    assert (out / "runs" / "extra.parquet").read_text() == "keep too"
    assert len(load_results(out)) == 8
    other = write(tmp_path, factorial_toml(name="other", reps=1), "other.toml")
    before = tree(out)
    msg = one_line(sweep(other, out, "--fresh"))
    assert "'tiny'" in msg and "--fresh" not in msg
    assert tree(out) == before


def test_experiment_named_dotdot_stays_inside_results(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    path = write(tmp_path, factorial_toml(name="..", reps=1, days=5))
    r = run_cli("sweep", path, "--executor", "serial", "--no-progress", cwd=work)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in (work / "results").iterdir()] == ["unnamed"]
    assert sorted(p.name for p in work.iterdir()) == ["results"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml", "work"]


@pytest.mark.parametrize("out", [".", ".."])
def test_sweep_out_dot_is_refused(tmp_path, out):
    path = write(tmp_path, factorial_toml(reps=1))
    msg = one_line(sweep(path, out, "--fresh", cwd=tmp_path))
    assert "current folder" in msg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


@pytest.mark.parametrize("size", ["-1", "0"])
def test_bad_chunk_size_is_refused_before_anything_is_written(tmp_path, size):
    path = write(tmp_path, factorial_toml(reps=1))
    assert "--chunk-size" in one_line(sweep(path, tmp_path / "o", "--chunk-size", size))
    assert not (tmp_path / "o").exists()


def test_two_concurrent_sweeps_cannot_share_a_folder(tmp_path):
    # 240 runs of 3,000 days: minutes even on a quiet machine (it is stopped below), so it
    # cannot finish while the two other sweeps start on a loaded one.
    slow = write(tmp_path, factorial_toml(reps=30, days=3000))
    out = tmp_path / "shared"
    first = popen_cli("sweep", slow, "--out", out, "--executor", "serial", "--no-progress")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            marker = out / MARKER
            if marker.exists() and json.loads(marker.read_text())["writer"]["pid"] == first.pid:
                break
            time.sleep(0.1)
        msg = one_line(sweep(slow, out))
        assert f"pid {first.pid}" in msg and "in use" in msg
        other = write(tmp_path, factorial_toml(name="other", reps=1), "other.toml")
        assert "'tiny'" in one_line(sweep(other, out, "--fresh"))
        assert first.poll() is None, "the first sweep must have held the folder all along"
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 130, first.stderr.read()
    finally:
        kill_group(first)
        first.wait()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and len(manifest["sessions"]) == 1
    assert manifest["experiment"] == "tiny" and load_results(out)["run_id"].is_unique


def test_resume_after_a_code_change_is_refused_unless_allowed_and_then_recorded(tmp_path):
    path = write(tmp_path, factorial_toml(reps=1))
    out = tmp_path / "r"
    run_experiment(path, out=out, executor="serial", progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["code_sha256"] = "0" * 16  # as written by another version of the model
    manifest["parts"].popitem()  # one part missing, so the resume has runs to do
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ConfigError, match="model code changed"):
        run_experiment(path, out=out, executor="serial", progress=False)
    assert "code changed" in one_line(sweep(path, out))
    r = sweep(path, out, "--allow-code-change")
    assert r.returncode == 0, r.stderr
    session = json.loads((out / "manifest.json").read_text())["sessions"][-1]
    assert session["allow_code_change"] is True and session["code_sha256"] != "0" * 16


def test_growing_replications_runs_only_the_new_runs_and_equals_one_big_sweep(tmp_path):
    path = write(tmp_path, factorial_toml(reps=1))
    grown, big = tmp_path / "grown", tmp_path / "big"
    run_experiment(path, out=grown, executor="serial", progress=False)
    first_seeds = load_results(grown)[["run_id", "seed"]]
    res = run_experiment(path, out=grown, executor="serial", progress=False, replications=3)
    assert (res.skipped, res.done, res.total) == (8, 16, 24)
    run_experiment(path, out=big, executor="serial", progress=False, replications=3)
    pd.testing.assert_frame_equal(comparable(load_results(grown)), comparable(load_results(big)))
    pd.testing.assert_frame_equal(load_timeseries(grown), load_timeseries(big))
    kept = load_results(grown).merge(first_seeds, on="run_id", suffixes=("", "_before"))
    assert len(kept) == 8 and (kept["seed"] == kept["seed_before"]).all()
    manifest = json.loads((grown / "manifest.json").read_text())
    assert manifest["grown"][0]["replications"] == [1, 3] and manifest["n_runs"] == 24
    # Fewer replications, or changed fixed parameters, is a changed experiment.
    with pytest.raises(ConfigError, match="changed"):
        run_experiment(path, out=grown, executor="serial", progress=False, replications=2)
    with pytest.raises(ConfigError, match="changed"):
        run_experiment(path, out=grown, executor="serial", progress=False, replications=4,
                       days=16)  # fmt: skip


def test_fresh_removes_the_report_it_made_but_not_the_users_files(tmp_path):
    path = write(tmp_path, factorial_toml(reps=1))
    out = tmp_path / "r"
    run_experiment(path, out=out, executor="serial", progress=False)
    (out / "my-analysis.csv").write_text("keep")
    (out / "figures").mkdir()
    (out / "figures" / "my-plot.png").write_text("keep")
    time.sleep(0.2)
    assert run_cli("report", out).returncode == 0
    assert (out / "report.html").exists() and (out / "scenario_means.csv").exists()
    res = run_experiment(path, out=out, executor="serial", progress=False, fresh=True)
    assert res.done == 8
    left = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert "report.html" not in left and "scenario_means.csv" not in left
    assert {"my-analysis.csv", "figures/my-plot.png"} <= set(left)
    assert not [f for f in left if f.startswith("figures/") and f != "figures/my-plot.png"]


def list_toml(points, reps, seed=7):
    rows = "\n".join(
        f'[[design.points]]\nlabel = "{label}"\nneed_rate = {rate}\n' for label, rate in points
    )
    return f"""
[experiment]
name = "grow"
scenario = "{ROOT / "scenarios" / "baseline.toml"}"
replications = {reps}
seed = {seed}
days = 10

[parameters]
grids_per_street = 2
households_per_grid = 30
burn_in_days = 5

[design]
kind = "list"
{rows}
"""


def test_adding_design_points_runs_only_new_runs_and_keeps_old_ones(tmp_path):
    small = write(tmp_path, list_toml([("a", 1.0), ("b", 2.0)], reps=2), "small.toml")
    big = write(tmp_path, list_toml([("a", 1.0), ("b", 2.0), ("c", 3.0)], reps=3), "big.toml")
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    run_experiment(small, out=grown, executor="serial", progress=False)
    before = load_results(grown)
    res = run_experiment(big, out=grown, executor="serial", progress=False)
    assert (res.skipped, res.done, res.total) == (4, 5, 9)
    run_experiment(big, out=fresh, executor="serial", progress=False)
    # Appended points: the grown folder equals one sweep at the final size, run ids included.
    pd.testing.assert_frame_equal(comparable(load_results(grown)), comparable(load_results(fresh)))
    pd.testing.assert_frame_equal(load_timeseries(grown), load_timeseries(fresh))
    after = load_results(grown).set_index(["scenario", "replication"])
    old = before.set_index(["scenario", "replication"])
    assert (after.loc[old.index, "seed"] == old["seed"]).all()
    assert (after.loc[old.index, "backlog_mean"] == old["backlog_mean"]).all()


def test_inserting_a_design_point_keeps_old_runs_and_their_seeds(tmp_path):
    small = write(tmp_path, list_toml([("a", 1.0), ("c", 3.0)], reps=2), "small.toml")
    big = write(tmp_path, list_toml([("a", 1.0), ("b", 2.0), ("c", 3.0)], reps=2), "big.toml")
    out = tmp_path / "g"
    run_experiment(small, out=out, executor="serial", progress=False)
    before = load_results(out).set_index(["scenario", "replication"])
    res = run_experiment(big, out=out, executor="serial", progress=False)
    assert (res.skipped, res.done) == (4, 2)
    after = load_results(out)
    assert list(after["run_id"]) == list(range(6)) and after["seed"].is_unique
    assert set(load_timeseries(out)["run_id"]) == set(range(6))
    kept = after.set_index(["scenario", "replication"]).loc[before.index]
    moved = ["run_id", "point", "elapsed_s"]  # the old runs' numbers change, nothing else
    pd.testing.assert_frame_equal(kept.drop(columns=moved), before.drop(columns=moved))
    # Resuming the grown folder runs nothing and keeps it as it is.
    again = run_experiment(big, out=out, executor="serial", progress=False)
    assert (again.skipped, again.done) == (6, 0)
    pd.testing.assert_frame_equal(comparable(load_results(out)), comparable(after))
