"""The results store verifies itself: damaged parts are named and repaired, nothing mixes."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess

import pandas as pd
import pytest
from test_experiment_helpers import GRIDGOV, ROOT, comparable, factorial_toml, run_cli, write

from simulation import load_results, load_timeseries, run_experiment
from simulation.config import ConfigError
from simulation.running.store import StoreDamaged, completeness, verify

pytestmark = pytest.mark.slow  # real sweeps, seconds each: `make test` runs them, not `make check`

HYPOTHESIS = """
[[hypotheses]]
name = "connection lowers escalation"
metric = "escalation_rate"
a = { connection = true }
b = { connection = false }
direction = "less"
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sref")
    path = write(tmp, factorial_toml(reps=2, hypotheses=HYPOTHESIS))
    run_experiment(path, out=tmp / "ref", executor="serial", chunk_size=4, progress=False)
    return path, tmp / "ref"


def sweep(path, out, *extra):
    return run_cli("sweep", path, "--out", out, "--executor", "serial", "--chunk-size", "4",
                   "--no-progress", *extra)  # fmt: skip


def fresh_copy(reference, tmp_path):
    path, _ = reference
    out = tmp_path / "r"
    run_experiment(path, out=out, executor="serial", chunk_size=4, progress=False)
    return path, out


def parts(out, kind="runs"):
    return sorted((out / kind).glob("part-*.parquet"))


def test_manifest_lists_every_part_with_rows_and_checksum(reference):
    _, out = reference
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["parts"]) == [p.name for p in parts(out)]
    entry = manifest["parts"][parts(out)[0].name]
    assert entry["runs_rows"] == 4 and len(entry["runs_sha256"]) == 64
    assert entry["timeseries_rows"] == 4 * 20
    assert completeness(out) == (16, 16, [])


@pytest.mark.parametrize(
    ("kind", "damage"), [("runs", "truncate"), ("timeseries", "delete"), ("timeseries", "truncate")]
)
def test_damaged_part_is_named_by_every_reader_and_repair_reruns_exactly_its_runs(
    reference, tmp_path, kind, damage
):
    path, out = fresh_copy(reference, tmp_path)
    victim = parts(out, kind)[1]
    if damage == "truncate":
        victim.write_bytes(victim.read_bytes()[:100])
    else:
        victim.unlink()
    for reader in (load_results, load_timeseries):
        with pytest.raises(StoreDamaged, match=victim.name):
            reader(out)
    assert completeness(out).damaged == [f"runs/{victim.name}"]
    # A plain resume refuses and says how to repair; report and check see the same error.
    r = sweep(path, out)
    assert r.returncode == 2 and victim.name in r.stderr and "--repair" in r.stderr
    assert "re-runs their 4 runs" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    for cmd in ("report", "check"):
        r = run_cli(cmd, out)
        assert r.returncode == 2 and victim.name in r.stderr and "Traceback" not in r.stderr
    r = sweep(path, out, "--repair")
    assert r.returncode == 0, r.stderr
    assert "12 from before, 4 now" in r.stderr  # exactly the damaged part's runs
    pd.testing.assert_frame_equal(
        comparable(load_results(out)), comparable(load_results(reference[1]))
    )
    pd.testing.assert_frame_equal(load_timeseries(out), load_timeseries(reference[1]))
    assert json.loads((out / "manifest.json").read_text())["repairs"][0]["parts"] == {
        victim.name: f"{kind}/{victim.name} is "
        + ("truncated or changed" if damage == "truncate" else "missing")
    }


def test_manifest_that_is_not_json_is_one_line(reference, tmp_path):
    path, out = fresh_copy(reference, tmp_path)
    (out / "manifest.json").write_text('{"experiment": "tiny", "parts": {')
    with pytest.raises(ConfigError, match="damaged manifest"):
        load_results(out)
    for args in (("sweep", path, "--out", out, "--executor", "serial"), ("report", out)):
        r = run_cli(*args)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "manifest" in r.stderr


def test_uncommitted_part_is_ignored_by_readers_and_removed_on_resume(reference, tmp_path):
    path, out = fresh_copy(reference, tmp_path)
    # A part renamed into place but never listed: the writer was killed before committing.
    stray = out / "runs" / "part-00000000-deadbeef.parquet"
    stray.write_bytes(parts(out)[0].read_bytes())
    assert len(load_results(out)) == 16
    manifest = json.loads((out / "manifest.json").read_text())
    marker = json.loads((out / ".gridgov-folder.json").read_text())
    marker["files"].append("runs/" + stray.name)  # recorded before it was written
    (out / ".gridgov-folder.json").write_text(json.dumps(marker))
    assert sweep(path, out).returncode == 0
    assert not stray.exists() and len(load_results(out)) == 16
    assert sorted(json.loads((out / "manifest.json").read_text())["parts"]) == sorted(
        manifest["parts"]
    )


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (70_000, 70_000))


def test_disk_full_is_one_line_no_empty_parts_interrupted_and_resumable(reference, tmp_path):
    path, ref = reference
    out = tmp_path / "full"
    # A real write failure: the kernel refuses any file over 70 kB (a runs part), like a full disk.
    r = subprocess.run(
        [*GRIDGOV, "sweep", str(path), "--out", str(out), "--executor", "serial",
         "--chunk-size", "4", "--no-progress"],
        capture_output=True, text=True, cwd=ROOT, preexec_fn=_limit_file_size, timeout=240,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'tests'}{os.pathsep}{ROOT}"},
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "disk" in r.stderr and "kept" in r.stderr
    assert not [p for p in out.rglob("*") if p.is_file() and p.stat().st_size == 0]
    assert not list(out.rglob("*.tmp"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    verify(out, raise_on_damage=True)
    assert sweep(path, out).returncode == 0
    pd.testing.assert_frame_equal(comparable(load_results(out)), comparable(load_results(ref)))


def test_completeness_of_a_half_finished_sweep(reference, tmp_path):
    path, out = fresh_copy(reference, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    for name in sorted(manifest["parts"])[2:]:
        for kind in ("runs", "timeseries"):
            (out / kind / name).unlink()
        del manifest["parts"][name]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert completeness(out) == (8, 16, [])
    assert set(load_timeseries(out)["run_id"]) == set(load_results(out)["run_id"])
