"""The model core stands on its own: importing it loads no pipeline, CLI or dashboard module."""

import json
import subprocess
import sys

import grimp  # comes with import-linter (the dev extra)
from test_experiment_helpers import ROOT


def test_importing_the_model_loads_nothing_above_the_core():
    code = (
        "import json, sys; from simulation.core.model import GridGovernanceModel;"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('simulation'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out.splitlines()[-1])
    above = [m for m in loaded if not m.startswith(("simulation.core", "simulation.kernels"))]
    assert above == ["simulation"], above


def test_no_module_of_the_package_is_in_an_import_circle():
    """Type-only imports (under TYPE_CHECKING) aside, as the import contracts count them."""
    graph = grimp.build_graph("simulation", exclude_type_checking_imports=True)
    circles = [
        (module, other)
        for module in sorted(graph.modules)
        for other in sorted(graph.find_modules_directly_imported_by(module))
        if graph.find_shortest_chain(importer=other, imported=module)
    ]
    assert circles == [], circles
