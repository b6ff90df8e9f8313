"""Output folders: refused unless ours, only our files removed, one writer, safe slugs."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from simulation.config import ConfigError
from simulation.folders import MARKER, check_target, claim, read_marker, safe_slug

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
        (out / "runs" / ".part-1.parquet.0123.tmp").write_bytes(b"")  # our crash leftover
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
