"""gridgov: an agent-based simulation of generalist-grid community governance."""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import Any

# The version is written once, in pyproject.toml; the installed distribution's metadata carries it.
try:
    __version__ = metadata.version("gridgov")
except metadata.PackageNotFoundError:  # a source tree on the path that was never installed
    __version__ = "0+unknown"

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


def __getattr__(name: str) -> Any:
    """Import a lazily exported function on first access."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulation' has no attribute {name!r}")
