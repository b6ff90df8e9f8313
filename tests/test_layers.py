"""The model core stands on its own: importing it loads no pipeline, CLI or dashboard module."""

import json
import subprocess
import sys

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
