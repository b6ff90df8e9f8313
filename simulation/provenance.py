"""Provenance: what produced a folder of results (code version and fingerprint, packages).

`code_fingerprint` hashes the source files that determine a run's results; a resume under
another fingerprint is refused unless the user allows it (see `simulation.running.store`).
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from simulation import __version__

_PACKAGES = ("gridgov", "mesa", "numpy", "pandas", "pyarrow", "scipy", "networkx", "SALib",
             "distributed")  # fmt: skip


def code_version() -> str:
    """The package version plus the git commit (and ``-dirty``) when run from a checkout."""
    here = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return f"{__version__}+{commit}"


def package_versions() -> dict[str, str]:
    """Versions of the packages that determine results."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


#: What determines a run's results: the model core and its kernels, and the modules that turn a
#: scenario or a design point into a run. Presentation, reading and analysis code is left out:
#: editing a report must not block a resume.
_MODEL_PACKAGES = ("core", "kernels")
_RESULT_MODULES = ("config.py", "run.py", "running/design.py", "running/execute.py")


def _determines_results(rel: Path) -> bool:
    return rel.parts[0] in _MODEL_PACKAGES or rel.as_posix() in _RESULT_MODULES


def code_fingerprint(package: Path | None = None) -> str:
    """A hash of the `simulation` source files that determine results (model, design, runs).

    Resuming under another fingerprint would put two models' runs in one table.

    Args:
        package: The package folder to hash (default: this installed `simulation`).

    Returns:
        16 hex digits.
    """
    pkg = package or Path(__file__).resolve().parent
    h = hashlib.sha256()
    # The model's tables (parameters, outcomes) are data files: a changed default changes runs.
    sources = [*pkg.rglob("*.py"), *pkg.rglob("*.toml")]
    for path in sorted(sources):
        rel = path.relative_to(pkg)
        if _determines_results(rel):
            h.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]
