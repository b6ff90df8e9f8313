"""Output folders: refused unless ours, only our files removed, one writer, safe slugs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulation.config import ConfigError
from simulation.folders import MARKER, check_target, claim, read_marker, safe_slug

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
OWNER = {"tool": "gridgov test", "kind": "sweep", "name": "exp", "fingerprint": "abc"}


@pytest.mark.parametrize(
    "name",
    ["../../x", "/etc/passwd", "..", ".", "a/b", "a\\b", "x\0y", "é" * 300, "  ", "\n..\t"],
)
def test_slug_of_any_name_is_one_safe_component(name):
    slug = safe_slug(name)
    assert slug and "/" not in slug and "\\" not in slug and "\0" not in slug
    assert slug not in (".", "..") and not slug.startswith(".")
    assert len(slug.encode()) <= 80
    root = "/tmp/results"
    assert os.path.normpath(os.path.join(root, slug)).startswith(root + "/")


def test_slug_keeps_readable_unicode_names():
    assert safe_slug("全科网格-baseline") == "全科网格-baseline"
    assert safe_slug("é" * 300) == "é" * 40  # cut on a character boundary


def test_current_folder_and_parents_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenario.toml").write_text("x")
    for out in (".", "..", str(tmp_path), "./"):
        with pytest.raises(ConfigError, match="current folder"):
            check_target(out, OWNER)
    assert (tmp_path / "scenario.toml").read_text() == "x"


def test_foreign_folder_is_refused_without_suggesting_fresh(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    with pytest.raises(ConfigError) as err:
        claim(out, OWNER)
    msg = str(err.value)
    assert "did not write" in msg and "--fresh" not in msg and "\n" not in msg
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]


def test_file_symlink_and_other_experiment_are_refused(tmp_path):
    (tmp_path / "f").write_text("data")
    with pytest.raises(ConfigError, match="is a file"):
        check_target(tmp_path / "f", OWNER)
    with pytest.raises(ConfigError, match="not a folder"):
        check_target(tmp_path / "f" / "sub", OWNER)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(ConfigError, match="symbolic link"):
        check_target(tmp_path / "link", OWNER)
    claim(tmp_path / "other", {**OWNER, "name": "other"}).release()
    with pytest.raises(ConfigError, match="'other'"):
        claim(tmp_path / "other", OWNER)


def test_marker_is_written_first_and_remove_ours_keeps_foreign_files(tmp_path):
    out = tmp_path / "r"
    with claim(out, OWNER) as folder:
        assert [p.name for p in out.iterdir()] == [MARKER]
        folder.write("runs/part-1.parquet", b"1")
        folder.write("summary.json", b"{}")
        (out / "runs" / "notes.txt").write_text("mine")  # the user's file
        (out / "README.md").write_text("mine too")
        (out / "runs" / f".part-1.parquet.{'ab' * 16}.tmp").write_bytes(b"")  # our crash leftover
        assert folder.remove_ours() == 2
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == [
        MARKER, "README.md", "runs", "runs/notes.txt",
    ]  # fmt: skip
    assert read_marker(out)["files"] == []
    # Empty folders we made go away; an empty folder is accepted as new.
    (out / "runs" / "notes.txt").unlink()
    with claim(out, OWNER) as folder:
        folder.write("runs/a", b"a")
        folder.remove_ours()
    assert not (out / "runs").exists()
    assert check_target(tmp_path / "empty", OWNER) == "new"
    (tmp_path / "empty").mkdir()
    assert check_target(tmp_path / "empty", OWNER) == "empty"


def test_a_hand_edited_marker_cannot_remove_files_outside(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    with claim(tmp_path / "r", OWNER) as folder:
        folder.marker["files"] = ["../victim.txt"]
        folder.remove_ours()
    assert victim.read_text() == "keep"


HOLD = """
import sys, time
from simulation.folders import claim
f = claim(sys.argv[1], {"tool": "t", "kind": "sweep", "name": "exp", "fingerprint": ""})
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_second_writer_is_refused_naming_the_holder_and_a_dead_holders_lock_is_taken(tmp_path):
    out = tmp_path / "r"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out), "60"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ConfigError, match=f"pid {holder.pid}"):
            claim(out, OWNER)
        holder.kill()  # SIGKILL: no clean-up, the kernel drops the lock
        holder.wait(timeout=10)
        t0 = time.monotonic()
        with claim(out, OWNER) as folder:
            assert folder.marker["writer"]["pid"] == os.getpid()
        assert time.monotonic() - t0 < 2
    finally:
        holder.kill()
        holder.wait(timeout=10)


# -- `gridgov run` -------------------------------------------------------------------------
FAST = ["--days", "3", "--set", "burn_in_days=2", "--set", "households_per_grid=20"]


def gridgov(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "simulation.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )  # fmt: skip


@pytest.mark.slow
def test_run_out_dot_is_refused_and_the_folder_untouched(tmp_path):
    scenario = tmp_path / "mine.toml"
    scenario.write_text(BASELINE.read_text())
    (tmp_path / "thesis.docx").write_text("years of work")
    for out in (".", ".."):
        r = gridgov("run", scenario, "--out", out, *FAST, cwd=tmp_path)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "current folder" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml", "thesis.docx"]


@pytest.mark.slow
def test_run_into_a_foreign_folder_is_refused_even_with_overwrite(tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    r = gridgov("run", BASELINE, "--out", out, "--overwrite", *FAST, cwd=tmp_path)
    assert r.returncode == 2 and "did not write" in r.stderr and "--overwrite" not in r.stderr
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


@pytest.mark.slow
def test_run_name_from_file_stays_under_results(tmp_path):
    (tmp_path / "evil.toml").write_text(f'name = "../../x"\nextends = "{BASELINE}"\n')
    (tmp_path / "nul.toml").write_text(f'name = "a\\u0000b{"é" * 300}"\nextends = "{BASELINE}"\n')
    work = tmp_path / "work"
    work.mkdir()
    for f in ("evil.toml", "nul.toml"):
        r = gridgov("run", tmp_path / f, *FAST, cwd=work)
        assert r.returncode == 0, r.stderr
    made = sorted(p.name for p in (work / "results").iterdir())
    assert made == ["a-b" + "é" * 38 + "-seed1", "x-seed1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.toml", "nul.toml", "work"]


@pytest.mark.slow
def test_run_again_needs_overwrite_which_replaces_only_our_files(tmp_path):
    out = tmp_path / "r"
    assert gridgov("run", BASELINE, "--out", out, "--figure", *FAST, cwd=tmp_path).returncode == 0
    assert sorted(read_marker(out)["files"]) == ["figure.png", "summary.json", "timeseries.parquet"]
    (out / "my-notes.txt").write_text("keep")
    again = gridgov("run", BASELINE, "--out", out, "--seed", "2", *FAST, cwd=tmp_path)
    assert again.returncode == 2 and "--overwrite" in again.stderr
    r = gridgov("run", BASELINE, "--out", out, "--seed", "2", "--overwrite", *FAST, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert '"seed": 2' in (out / "summary.json").read_text()
    assert (out / "my-notes.txt").read_text() == "keep"
    # The earlier run's figure goes too: this run drew none (no --figure), and a folder never
    # mixes two runs' files.
    assert sorted(p.name for p in out.iterdir()) == [
        MARKER, "my-notes.txt", "summary.json", "timeseries.parquet",
    ]  # fmt: skip
    assert sorted(read_marker(out)["files"]) == ["summary.json", "timeseries.parquet"]
    # Another scenario's run folder is not ours to replace.
    other = gridgov("run", ROOT / "scenarios/full.toml", "--out", out, "--overwrite", *FAST,
                    cwd=tmp_path)  # fmt: skip
    assert other.returncode == 2 and "'baseline'" in other.stderr


@pytest.mark.slow
def test_run_out_that_is_a_file_or_symlink_is_one_line(tmp_path):
    (tmp_path / "f").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path)
    for out in ("f", "link", "f/sub"):
        r = gridgov("run", BASELINE, "--out", out, *FAST, cwd=tmp_path)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert (tmp_path / "f").read_text() == "x"


def test_results_of_an_older_gridgov_without_a_marker_are_refused_not_adopted(tmp_path):
    out = tmp_path / "old"
    (out / "runs").mkdir(parents=True)
    (out / "manifest.json").write_text("{}")
    with pytest.raises(ConfigError, match="older gridgov") as err:
        claim(out, OWNER)
    assert "--fresh" not in str(err.value)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs"]
