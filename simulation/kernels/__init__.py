"""Compiled kernels of the daily step (Numba), one module per owner of the day's rules.

`casework` runs the grids' case system of one day (the hours before casework, reporting, patrol,
waiting, triage and hand-offs, resolution, closing) over the records of `records`;
`households` the households' side (neighbours helping, feedback, volunteering, identity events,
decay); `recording` the end-of-day stocks; `ledger` declares the need ledger's codes and
columns. The Python owners (`simulation.core.casework.Casework`,
`simulation.core.attitudes.Attitudes`, `simulation.core.metrics.DailyRecorder`) keep the state
and call them with arrays and records of arrays. This package imports nothing of the model.

The results are fixed to the byte: `tests/test_kernels.py` holds fingerprints of every daily
column and summary value over 20 seeds × 4 scenarios, `tests/test_reference_outputs.py` those
of the reference runs. What keeps them:

- Random numbers come from the model's own NumPy `Generator`, in a fixed order and with
  NumPy's methods: the casework kernel is given the generator (Numba draws from its
  bit generator with NumPy's algorithms, so the stream is shared with the NumPy draws made
  between kernel calls); a fixed-size draw (one uniform per household) is made by NumPy and
  passed in.
- Arithmetic is written operation by operation as NumPy evaluates it (no fast-math, no
  reassociation). A NumPy fancy-index update (`a[rows] += f(a[rows])`) reads every old value
  before writing, so a household listed twice moves once; the kernels gather, then scatter.
- Products that NumPy hands to BLAS (the attitude weightings) stay NumPy calls outside the
  kernels: BLAS sums in its own order, which a loop cannot reproduce bit for bit.

Compiled code is cached on disk (`cache=True`, next to this package or under
`NUMBA_CACHE_DIR`), so only the first run on a machine compiles (see docs/performance.md);
importing the CLI compiles nothing. Numba's cache is keyed on each kernel module's own source
file only, so the ledger codes the kernels take from `ledger` are checked at first use
(`check_constants`) and the kernels recompiled if they changed.
"""

from __future__ import annotations

import ctypes
import importlib
from collections.abc import Callable, Mapping
from typing import Any, cast, get_type_hints

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from simulation.kernels import ledger


def kernel[F: Callable[..., Any]](function: F) -> F:
    """Compile `function` as every kernel is: no Python objects, cached on disk, IEEE arithmetic.

    (Typed as the function itself: a type checker reads the Python signature.)
    """
    return cast(F, njit(cache=True, nogil=True)(function))


class CallSite:
    """One place that calls a kernel, always with arguments of the same types.

    The first call goes through Numba's dispatcher (which compiles, or loads the cached
    machine code); later calls go straight to the compiled entry point, skipping the
    dispatcher's type inference (~10 µs a call, mostly for the NumPy `Generator`; the day
    makes several such calls). The arguments must keep the types of the first call, or they
    would be misread: the model builds them itself, and arrays that may come from outside are
    converted to the exact types first (see `simulation.core.attitudes.Attitudes.feel`).
    """

    __slots__ = ("dispatcher", "entry")

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self.entry = None

    def __reduce__(self):
        # A copied or pickled model finds its entry point again (compiled code is not copied).
        return (CallSite, (self.dispatcher,))

    def __call__(self, *args):
        """Call the kernel (through the dispatcher the first time, then its entry point)."""
        try:
            if self.entry is not None:
                return self.entry(*args)
            result = self.dispatcher(*args)
        except SystemError as exc:
            # A signal handler that raised inside the Python code Numba runs around a call
            # (Ctrl-C, the sweep's SIGTERM) comes back wrapped in SystemErrors: pass it on.
            raise _interruption(exc) from None
        types = tuple(self.dispatcher.typeof_pyval(a) for a in args)
        self.entry = self.dispatcher.overloads[types].entry_point
        return result


def make_record[R](cls: type[R], values: Mapping[str, Any]) -> R:
    """The `NamedTuple` `cls` of `values`, each field converted to its declared type.

    One compiled specialisation per record: an int given for a float field (or a NumPy
    scalar for a bool) would otherwise make Numba compile the kernels again. A value that
    already is of its declared type (a nested record) is taken as it is.
    """
    types = get_type_hints(cls)
    fields = cls._fields  # type: ignore[attr-defined]
    return cls(**{f: _as(types[f], values[f]) for f in fields})


def _as(kind: type, value: Any) -> Any:
    return value if type(value) is kind else kind(value)


def _interruption(exc: SystemError) -> BaseException:
    """The KeyboardInterrupt (or other non-Exception) a chain of SystemErrors wraps, else it."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        inner = todo.pop()
        if inner is None or id(inner) in seen:
            continue
        seen.add(id(inner))
        if not isinstance(inner, Exception):
            return inner
        todo += [inner.__cause__, inner.__context__]
    return exc


_MODULES = ("casework", "households", "recording")
_checked = False


def stale_modules() -> list[str]:
    """Kernel modules whose compiled ledger codes differ from `ledger.CODES` today."""
    stale = []
    for name in _MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        frozen = getattr(module, "frozen_codes", None)
        if frozen is not None and tuple(frozen()) != tuple(ledger.CODES):
            stale.append(name)
    return stale


def check_constants() -> None:
    """Recompile the kernels if the ledger codes they were cached with have changed.

    Numba's disk cache is keyed on each kernel module's own source file only; the status,
    complexity and resolver codes come from `simulation.kernels.ledger`. Called once per
    process, before the first day.
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


def generator_addresses(rng) -> np.ndarray:
    """Where a NumPy `Generator`'s bit generator keeps its state and its draw functions.

    Passing these five integers into a kernel instead of the `Generator` itself spares the
    ~5 µs Numba spends unboxing a `Generator` on every call; more importantly, that unboxing
    runs Python code (`ctypes.cast`) in which a signal handler can raise (Ctrl-C, or the
    sweep's SIGTERM), and Numba 0.68 then reads a null pointer and the process segfaults.
    Keep a reference to `rng` for as long as the addresses are used.
    """
    bits = rng.bit_generator.ctypes
    fn = [ctypes.cast(getattr(bits, f), ctypes.c_void_p).value for f in _DRAWS]
    return np.array([bits.state_address, bits.state.value, *fn], dtype=np.uint64)


_DRAWS = ("next_uint64", "next_uint32", "next_double")


@intrinsic
def generator_at(typingctx, addresses):
    """The `Generator` whose bit generator lives at `addresses` (`generator_addresses`).

    Numba's own Generator methods (`random`, `integers`, `normal`, `poisson`, …) work on it:
    they only use the bit generator's state and its three draw functions.
    """
    sig = types.NumPyRandomGeneratorType("rng")(addresses)

    def codegen(context, builder, signature, args):
        (arr,) = args
        array = context.make_array(signature.args[0])(context, builder, arr)

        def word(i):
            ptr = cgutils.gep_inbounds(builder, array.data, i)
            return builder.load(ptr)

        bits = cgutils.create_struct_proxy(types.NumPyRandomBitGeneratorType("bit_generator"))(
            context, builder
        )
        bits.parent = cgutils.get_null_value(bits.parent.type)
        bits.state_address = word(0)
        bits.state = word(1)
        bits.fnptr_next_uint64 = word(2)
        bits.fnptr_next_uint32 = word(3)
        bits.fnptr_next_double = word(4)
        bits.bit_generator = context.get_constant(types.uintp, 0)
        gen = cgutils.create_struct_proxy(signature.return_type)(context, builder)
        gen.bit_generator = bits._getvalue()
        gen.meminfo = cgutils.get_null_value(gen.meminfo.type)
        gen.parent = cgutils.get_null_value(gen.parent.type)
        return gen._getvalue()

    return sig, codegen
