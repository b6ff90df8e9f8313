"""The code fingerprint changes with the model's code, not with presentation code."""

from __future__ import annotations

import shutil
from pathlib import Path

from simulation.provenance import code_fingerprint, code_version, package_versions

PACKAGE = Path(__file__).resolve().parents[1] / "simulation"


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
    assert code_version().startswith("0.")
    versions = package_versions()
    assert {"python", "mesa", "numpy", "pyarrow"} <= set(versions)
