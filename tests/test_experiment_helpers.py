"""Shared helpers for the experiment tests (importable by pool workers as a module).

`flaky_simulate` is a model entry point (``model = "test_experiment_helpers:flaky_simulate"``)
that runs the real model but raises for one parameter value, so the tests can watch a real
sweep record a failing run and carry on.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
GRIDGOV = [sys.executable, "-m", "simulation.cli"]
POISON_NEED_RATE = 7.25
# Experiment files may only name models inside `simulation`; the runner opts in to this test
# module's stand-ins (inherited by the subprocesses and pool workers the tests start).
os.environ["GRIDGOV_MODEL_MODULES"] = "test_experiment_helpers"

TINY = """
grids_per_street = 2
households_per_grid = 30
burn_in_days = 5
"""


def factorial_toml(name="tiny", reps=2, days=15, seed=7, extra="", hypotheses=""):
    return f"""
[experiment]
name = "{name}"
scenario = "{BASELINE}"
replications = {reps}
seed = {seed}
days = {days}
{extra}

[parameters]
{TINY}

[design]
kind = "factorial"
factors = {{ identity = [false, true], connection = [false, true], interaction = [false, true] }}
{hypotheses}
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def flaky_simulate(params, seed):
    """The real model, except that one need rate raises (a stand-in for a model bug)."""
    if params["need_rate"] == POISON_NEED_RATE:
        raise ValueError(f"poisoned need rate {POISON_NEED_RATE}")
    from simulation.run import simulate

    return simulate(params, seed)


CRASH_NEED_RATE = 6.5


def crashing_simulate(params, seed):
    """The real model, except that one need rate kills the worker process outright."""
    if params["need_rate"] == CRASH_NEED_RATE:
        os._exit(3)  # like a segfault or the OOM killer: no exception, the process is gone
    from simulation.run import simulate

    return simulate(params, seed)


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    """A per-run table without the timing column, sorted by run id."""
    return df.drop(columns=["elapsed_s"]).sort_values("run_id").reset_index(drop=True)


def run_cli(*args, cwd=None, timeout=240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    return subprocess.run(
        [*GRIDGOV, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def popen_cli(*args, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    return subprocess.Popen(
        [*GRIDGOV, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
        **kw,
    )


def kill_group(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    """Signal the process group this test started (the process and its workers)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_bin(name: str) -> str:
    exe = Path(sys.executable).parent / name
    return str(exe) if exe.exists() else shutil.which(name) or name


def assert_refused_at_load(tmp_path: Path, capsys, text: str, field: str, words: str) -> None:
    """`gridgov sweep` on this text: exit 2, one line naming file and field, nothing written."""
    from simulation.cli import main

    path = write(tmp_path, text)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert str(path) in err and field in err and words in err, err
    assert "Traceback" not in err and not out.exists()
