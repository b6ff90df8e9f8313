"""Provenance: the code fingerprint follows the model's code only; one version, from pyproject."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import simulation
from simulation.provenance import code_fingerprint, code_version, package_versions

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulation"


def test_fingerprint_follows_model_code_only(tmp_path):
    copy = tmp_path / "simulation"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    base = code_fingerprint(copy)
    assert base == code_fingerprint(copy) and len(base) == 16
    (copy / "analysis" / "report.py").write_text("# presentation only\n")
    (copy / "dashboard" / "app.py").write_text("# presentation only\n")
    assert code_fingerprint(copy) == base
    model = copy / "core" / "casework.py"
    model.write_text(model.read_text() + "\n# a changed model\n")
    assert code_fingerprint(copy) != base
    model.write_text((PACKAGE / "core" / "casework.py").read_text())
    assert code_fingerprint(copy) == base
    table = copy / "core" / "parameters.toml"
    table.write_text(table.read_text().replace("default = 0.3", "default = 0.31", 1))
    assert code_fingerprint(copy) != base  # a changed default changes runs
    table.write_text((PACKAGE / "core" / "parameters.toml").read_text())
    (copy / "running" / "design.py").write_text("# seeds drawn differently\n")
    assert code_fingerprint(copy) != base


def test_versions_name_the_package_and_its_dependencies():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert simulation.__version__ == version  # written once, in pyproject.toml
    assert code_version().startswith(f"{version}+")
    versions = package_versions()
    assert {"python", "mesa", "numpy", "pyarrow"} <= set(versions)


def test_version_says_unknown_when_the_distribution_is_not_installed():
    # A fresh interpreter in which the package metadata cannot be found.
    code = (
        "from importlib import metadata\n"
        "def missing(name):\n"
        "    raise metadata.PackageNotFoundError(name)\n"
        "metadata.version = missing\n"
        "import simulation, simulation.provenance as p\n"
        "print(simulation.__version__, p.code_version())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    version, provenance = done.stdout.split()
    assert version == "0+unknown" and provenance.startswith("0+unknown+")
