"""Compiled kernels of the daily step (Numba), one module per owner of the day's rules.

`casework` runs the grids' case system of one day (the hours before casework, reporting,
patrol, waiting, triage and hand-offs, resolution, closing); `households` the households' side
(neighbours helping, feedback, volunteering, identity events, decay); `recording` the
end-of-day stocks. The Python owners (`simulation.casework.Casework`,
`simulation.attitudes.Attitudes`, `simulation.metrics.DailyRecorder`) keep the state and call
them with plain arrays.

Same seed, same result, byte for byte, as the NumPy implementation they replaced (commit
f9db633; `tests/test_kernels.py` holds the proof, over 20 seeds × 4 scenarios). For that:

- Random numbers come from the model's own NumPy `Generator`, in the same order and with the
  same methods as before: the casework kernel is given the generator (Numba draws from its
  bit generator with NumPy's algorithms, so the stream is shared with the NumPy draws made
  between kernel calls); a fixed-size draw (one uniform per household) is made by NumPy and
  passed in.
- Arithmetic is written operation by operation as NumPy evaluated it (no fast-math, no
  reassociation). A NumPy fancy-index update (`a[rows] += f(a[rows])`) reads every old value
  before writing, so a household listed twice moves once; the kernels gather, then scatter.
- Products that NumPy hands to BLAS (the attitude weightings) stay NumPy calls outside the
  kernels: BLAS sums in its own order, which a loop cannot reproduce bit for bit.

Compiled code is cached on disk (`cache=True`, next to this package or under
`NUMBA_CACHE_DIR`), so only the first run on a machine compiles (see docs/performance.md);
importing the CLI compiles nothing. Numba's cache is keyed on this package's source files
only, so the constants the kernels take from `simulation.needs` are checked at first use
(`check_constants`) and the kernels recompiled if they changed.
"""

from __future__ import annotations

import importlib
from functools import partial

from numba import njit

#: How every kernel is compiled: no Python objects, cached on disk, IEEE arithmetic.
kernel = partial(njit, cache=True, nogil=True)


class CallSite:
    """One place that calls a kernel, always with arguments of the same types.

    The first call goes through Numba's dispatcher (which compiles, or loads the cached
    machine code); later calls go straight to the compiled entry point, skipping the
    dispatcher's type inference (~10 µs a call, mostly for the NumPy `Generator`; the day
    makes several such calls). The arguments must keep the types of the first call, or they
    would be misread: the model builds them itself, and arrays that may come from outside are
    converted to the exact types first (see `simulation.attitudes.Attitudes.feel`).
    """

    __slots__ = ("dispatcher", "entry")

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self.entry = None

    def __call__(self, *args):
        """Call the kernel (through the dispatcher the first time, then its entry point)."""
        if self.entry is not None:
            return self.entry(*args)
        result = self.dispatcher(*args)
        types = tuple(self.dispatcher.typeof_pyval(a) for a in args)
        self.entry = self.dispatcher.overloads[types].entry_point
        return result


_MODULES = ("casework", "households", "recording")
_checked = False


def stale_modules() -> list[str]:
    """Kernel modules whose compiled ledger codes differ from `simulation.needs` today."""
    from simulation import needs

    stale = []
    for name in _MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        frozen = getattr(module, "frozen_constants", None)
        if frozen is not None:
            if tuple(frozen()) != tuple(getattr(needs, c) for c in module.CONSTANT_NAMES):
                stale.append(name)
    return stale


def check_constants() -> None:
    """Recompile the kernels if the ledger codes they were cached with have changed.

    Numba's disk cache is keyed on each kernel module's own source file only; the status and
    resolver codes come from `simulation.needs`. Called once per process, before the first day.
    """
    global _checked
    if _checked:
        return
    for name in stale_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        for value in vars(module).values():
            if hasattr(value, "recompile") and hasattr(value, "py_func"):
                value.recompile()
    _checked = True
