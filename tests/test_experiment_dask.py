"""Dask execution for real: a LocalCluster, and `dask scheduler` + `dask worker` processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pandas as pd
import pytest
from test_experiment_helpers import (
    ROOT,
    comparable,
    dask_bin,
    factorial_toml,
    free_port,
    kill_group,
    popen_cli,
    run_cli,
    write,
)

from simulation import load_results, load_timeseries, run_experiment

distributed = pytest.importorskip("distributed", reason="dask extra not installed")
pytestmark = pytest.mark.dask


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dref")
    path = write(tmp, factorial_toml(reps=4, days=40))
    run_experiment(path, out=tmp / "serial", executor="serial", progress=False)
    return path, tmp / "serial"


class Cluster:
    """`dask scheduler` and `dask worker` processes on loopback, each in its own group."""

    def __init__(self, n_workers: int):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'tests'}{os.pathsep}{ROOT}"}
        common = dict(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                      start_new_session=True)  # fmt: skip
        self.scheduler = subprocess.Popen(
            [dask_bin("dask"), "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
             "--no-dashboard"], **common,
        )  # fmt: skip
        self.workers = [
            subprocess.Popen(
                [
                    dask_bin("dask"),
                    "worker",
                    self.address,
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                ],
                **common,
            )  # fmt: skip
            for _ in range(n_workers)
        ]
        with distributed.Client(self.address, timeout="60s") as client:
            if n_workers:
                client.wait_for_workers(n_workers, timeout=90)

    def close(self):
        for p in [*self.workers, self.scheduler]:
            kill_group(p, signal.SIGTERM)
        for p in [*self.workers, self.scheduler]:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                kill_group(p, signal.SIGKILL)
                p.wait(timeout=20)


@pytest.fixture
def cluster():
    c = Cluster(2)
    yield c
    c.close()


def test_local_cluster_gives_the_identical_table(reference, tmp_path):
    path, serial = reference
    res = run_experiment(path, out=tmp_path / "d", executor="dask", workers=2, progress=False)
    assert res.exit_code == 0
    pd.testing.assert_frame_equal(
        comparable(load_results(tmp_path / "d")), comparable(load_results(serial))
    )
    pd.testing.assert_frame_equal(load_timeseries(tmp_path / "d"), load_timeseries(serial))


def test_sweep_on_scheduler_and_worker_processes(reference, cluster, tmp_path):
    path, serial = reference
    proc = run_cli("sweep", path, "--executor", "dask", "--scheduler", cluster.address,
                   "--out", tmp_path / "d", "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(
        comparable(load_results(tmp_path / "d")), comparable(load_results(serial))
    )


def test_killed_worker_loses_nothing(reference, cluster, tmp_path):
    path, serial = reference
    out = tmp_path / "d"
    proc = popen_cli("sweep", path, "--executor", "dask", "--scheduler", cluster.address,
                     "--out", out, "--chunk-size", "1", "--no-progress")  # fmt: skip
    t0 = time.time()
    while len(list((out / "runs").glob("part-*.parquet")) if (out / "runs").exists() else []) < 4:
        assert proc.poll() is None, proc.stderr.read()
        assert time.time() - t0 < 120
        time.sleep(0.01)
    kill_group(cluster.workers[0], signal.SIGKILL)  # the worker and its nanny, mid-task
    assert len(list((out / "runs").glob("part-*.parquet"))) < 32, "kill must land mid-sweep"
    cluster.workers[0].wait(timeout=20)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    raw = pd.read_parquet(out / "runs")
    assert len(raw) == 32 and raw["run_id"].is_unique
    assert (raw["status"] == "ok").all()
    pd.testing.assert_frame_equal(comparable(load_results(out)), comparable(load_results(serial)))


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:{free}", "garbage", "tcp://x:notaport"])
def test_unreachable_or_garbage_scheduler_is_one_line_fast_and_writes_nothing(
    reference, tmp_path, address
):
    path, _ = reference
    out = tmp_path / "d"
    t0 = time.monotonic()
    r = run_cli("sweep", path, "--executor", "dask", "--scheduler",
                address.format(free=free_port()), "--out", out, "--no-progress")  # fmt: skip
    assert time.monotonic() - t0 < 20  # connect timeout 5 s plus interpreter start
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "--scheduler" in r.stderr
    assert not out.exists()


def _wait_for_parts(out, n, proc, limit=120):
    t0 = time.monotonic()
    while len(list((out / "runs").glob("part-*.parquet")) if (out / "runs").exists() else []) < n:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() - t0 < limit
        time.sleep(0.05)


def test_killed_scheduler_ends_the_sweep_with_one_line_and_keeps_finished_runs(cluster, tmp_path):
    path = write(tmp_path, factorial_toml(reps=4, days=1000))  # long enough to kill mid-sweep
    out = tmp_path / "d"
    proc = popen_cli("sweep", path, "--executor", "dask", "--scheduler", cluster.address,
                     "--out", out, "--chunk-size", "1", "--no-progress")  # fmt: skip
    try:
        _wait_for_parts(out, 3, proc)
        kill_group(cluster.scheduler, signal.SIGKILL)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=60)
        assert time.monotonic() - t0 < 15, "a lost scheduler must be noticed within seconds"
    finally:
        kill_group(proc)
    assert proc.returncode == 2 and "Traceback" not in err, err
    advice, error = err.strip().splitlines()  # the loopback advice on connecting, the error
    assert "runs any code" in advice and "lost the Dask scheduler" in error
    kept = load_results(out)
    assert 3 <= len(kept) < 32 and (kept["status"] == "ok").all()
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    r = run_cli("sweep", path, "--out", out, "--executor", "serial", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "from before" in r.stderr and list(load_results(out)["run_id"]) == list(range(32))


def test_no_workers_is_one_line_not_a_silent_hang(reference, tmp_path, monkeypatch):
    path, _ = reference
    monkeypatch.setenv("GRIDGOV_DASK_NO_WORKERS_S", "3")
    lonely = Cluster(0)
    try:
        t0 = time.monotonic()
        r = run_cli("sweep", path, "--executor", "dask", "--scheduler", lonely.address,
                    "--out", tmp_path / "d", "--no-progress")  # fmt: skip
        assert time.monotonic() - t0 < 30
    finally:
        lonely.close()
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    advice, error = r.stderr.strip().splitlines()
    assert "runs any code" in advice and "no Dask worker" in error


def test_local_cluster_listens_on_loopback_only(capsys):
    import psutil

    from simulation.running.cluster import open_dask

    with open_dask(None, 2) as (_, n):
        me = psutil.Process()
        listening = [
            c.laddr
            for p in [me, *me.children(recursive=True)]
            for c in p.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
    assert n == 2 and len(listening) >= 3  # scheduler and two workers at least
    assert all(addr.ip in ("127.0.0.1", "::1") for addr in listening), listening
    assert "loopback only" in capsys.readouterr().err
