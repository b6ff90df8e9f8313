"""gridgov: an agent-based simulation of generalist-grid community governance."""

from __future__ import annotations

import importlib
from typing import Any

# The experiment pipeline's entry points, imported on first use so `import simulation` stays
# cheap (no Mesa, pandas or matplotlib until they are needed).
_LAZY = {
    "run_experiment": "simulation.running.sweep",
    "load_results": "simulation.running.store",
    "load_timeseries": "simulation.running.store",
    "report": "simulation.analysis.report",
    "check": "simulation.analysis.check",
}

__all__ = ["__version__", *_LAZY]


def _installed_version() -> str:
    """The version written once, in pyproject.toml, as the installed distribution carries it."""
    # importlib.metadata and its look-up cost ~0.2 s: read on first use, never for `--help`.
    from importlib import metadata

    try:
        return metadata.version("gridgov")
    except metadata.PackageNotFoundError:  # a source tree on the path that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    """Import a lazily exported function (or read the version) on first access."""
    if name == "__version__":
        globals()[name] = version = _installed_version()
        return version
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulation' has no attribute {name!r}")
