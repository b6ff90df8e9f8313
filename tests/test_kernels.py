"""The compiled daily kernels give the same results, bit for bit, run after run.

`tests/data/reference_outputs_numpy_wide.json` holds, for 20 seeds of each of four scenarios,
every summary value exactly (`float.hex`) and a SHA-256 of every daily column; the kernels
must reproduce all of them. The pieces that make this possible (NumPy's summation order,
`np.lexsort`'s queue order, the shared random stream, the disk cache) are checked on their
own below.
"""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from numba import njit
from reference_outputs import SCENARIOS, WIDE_SEEDS, fingerprint

from simulation.kernels import CallSite, generator_addresses, generator_at, stale_modules
from simulation.kernels import casework as kc
from simulation.kernels import ledger as kl
from simulation.kernels import records as kr
from simulation.kernels.recording import numpy_masked_sum, numpy_sum

ROOT = Path(__file__).resolve().parent.parent
WIDE = Path(__file__).parent / "data" / "reference_outputs_numpy_wide.json"


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_twenty_seeds_are_byte_identical_to_their_fingerprints(scenario):
    want = json.loads(WIDE.read_text())
    assert len(WIDE_SEEDS) >= 20
    for seed in WIDE_SEEDS:
        got = fingerprint(scenario, seed)
        ref = want[f"{scenario}/{seed}"]
        assert got["summary"] == ref["summary"], (scenario, seed)
        assert got["timeseries"] == ref["timeseries"], (scenario, seed)


def test_sums_follow_numpys_order_bit_for_bit():
    rng = np.random.default_rng(7)
    for n in [*range(0, 260), 1000, 3600, 8191, 8192, 8193, 40_001]:
        a = rng.random(n) * rng.choice([1e-3, 1.0, 1e3])
        mask = rng.random(n) < rng.random()
        assert numpy_sum(a) == np.add.reduce(a), n
        assert numpy_masked_sum(a, mask) == np.add.reduce(a, where=mask), n
    # A plain running sum differs from NumPy's: the test can tell the two apart.
    a = rng.random(3600)
    assert sum(a.tolist()) != np.add.reduce(a)


@pytest.mark.slow
def test_queue_order_is_np_lexsorts():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n, n_grids = int(rng.integers(1, 500)), int(rng.integers(1, 15))
        cols = {f: np.zeros(n) for f in kl.LedgerColumns._fields}
        cols["grid"] = rng.integers(0, n_grids, n).astype(np.int32)
        cols["severity"] = np.round(rng.random(n), 1)  # many ties
        cols["t_arise"] = rng.integers(0, 20, n).astype(np.int32)
        led = kl.LedgerColumns(**cols)
        queued = rng.permutation(n)[: int(rng.integers(1, n + 1))].astype(np.int64)
        keys = (led.t_arise[queued], -led.severity[queued], led.grid[queued])
        np.testing.assert_array_equal(
            kc._queue_order(led, queued, n_grids), queued[np.lexsort(keys)]
        )


@pytest.mark.slow
def test_kernel_draws_share_the_models_numpy_stream():
    @njit  # not cached: a test's own kernel
    def draw(addresses, n):
        rng = generator_at(addresses)  # as the casework kernel gets the model's generator
        out = np.empty(n)
        for i in range(n):
            out[i] = rng.random()
        return out, rng.integers(0, 300), rng.normal(0.0, 0.15), rng.poisson(2.5)

    a, b = np.random.default_rng(11), np.random.default_rng(11)
    addresses = generator_addresses(a)
    for _ in range(3):
        got = draw(addresses, 5)
        np.testing.assert_array_equal(got[0], b.random(5))
        want = (b.integers(0, 300), b.normal(0, 0.15), b.poisson(2.5))
        assert (got[1], got[2], got[3]) == want
        assert a.random() == b.random()  # and the generator moved on in step


def catches(proc: subprocess.Popen, sig: int) -> bool:
    """Whether a running process has a handler for `sig` (Linux: SigCgt in /proc/PID/status)."""
    if proc.poll() is not None:
        return False
    with open(f"/proc/{proc.pid}/status") as status:
        mask = next(line for line in status if line.startswith("SigCgt:")).split()[1]
    return bool(int(mask, 16) >> (sig - 1) & 1)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
def test_a_sweep_stopped_by_signals_at_any_moment_exits_cleanly(tmp_path):
    """Numba's unboxing of a `Generator` runs Python code; a signal there crashed the process.

    The kernels get the generator's addresses instead. Stop a serial sweep (model code in
    the main thread) with SIGTERM at staggered moments: every stop must be the clean 130.
    """
    exp = tmp_path / "slow.toml"
    exp.write_text(
        f'[experiment]\nname = "slow"\nscenario = "{ROOT / "scenarios" / "baseline.toml"}"\n'
        # 200 runs: far more than a sweep finishes in the second before it is stopped.
        "replications = 50\nseed = 7\ndays = 3000\n[parameters]\ngrids_per_street = 2\n"
        'households_per_grid = 30\nburn_in_days = 5\n[design]\nkind = "factorial"\n'
        "factors = { identity = [false, true], connection = [false, true] }\n"
    )
    codes = []
    for i in range(8):
        out = tmp_path / f"out{i}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulation.cli", "sweep", str(exp), "--out", str(out),
             "--executor", "serial", "--no-progress"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        # Once the sweep catches SIGTERM (its stop handler is in place, runs start), stop it a
        # little later each time. Its folder appears a moment before: too early under load.
        deadline = time.monotonic() + 120
        while not catches(proc, signal.SIGTERM) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1 + 0.15 * i)
        proc.send_signal(signal.SIGTERM)
        codes.append(proc.wait(timeout=120))
    assert codes == [130] * 8, codes  # a lost stop (0) or a crash fails


def test_a_call_site_goes_to_the_compiled_entry_after_the_first_call():
    site = CallSite(kc.acceptance)
    params = kr.Acceptance(0.0, 0.0, 0.0, 0.0)
    assert site.entry is None
    first = site(params, 0.5, 0.6, True)
    assert site.entry is not None
    assert site(params, 0.5, 0.6, True) == first == 0.5


def test_changed_ledger_codes_mark_the_cached_kernels_stale(monkeypatch):
    assert stale_modules() == []
    monkeypatch.setattr(kl, "CODES", (*kl.CODES[:4], 9, *kl.CODES[5:]))
    assert stale_modules() == ["casework", "recording"]


@pytest.mark.slow
def test_cached_kernels_load_in_a_fresh_process_with_the_same_results():
    """This process compiled (or loaded) the kernels; a new one loads them from the cache."""
    code = (
        "import sys, json; sys.path.insert(0, 'tests');"
        "from reference_outputs import fingerprint;"
        "print(json.dumps(fingerprint('full', 5)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == fingerprint("full", 5)


@pytest.mark.slow
def test_a_copied_or_pickled_model_runs_on_its_own_generator():
    import copy
    import pickle

    from simulation.core.model import GridGovernanceModel

    def street():
        model = GridGovernanceModel(
            rng=4, identity=True, connection=True, interaction=True, burn_in_days=5,
            scored_days=60,
        )  # fmt: skip
        model.run(25)  # before the first identity event and meeting
        return model

    twin, original = street(), street()
    copies = [copy.deepcopy(original), pickle.loads(pickle.dumps(original))]
    for other in copies:
        other.run(10)  # draws from its own generator, not from the original's
    original.run()
    twin.run()
    assert original.timeseries().equals(twin.timeseries())
    for other in copies:
        other.run()
        assert other.timeseries().equals(twin.timeseries())
