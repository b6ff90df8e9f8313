"""Refactorings change no result: outputs equal the fingerprints stored for model v2.

A change that is meant to change results regenerates the reference file with
`python tests/reference_outputs.py tests/data/reference_outputs_<name>.json` and says so in its
commit; any other change must leave every fingerprint as it is.
"""

import json
from pathlib import Path

import pytest
from reference_outputs import SCENARIOS, SEEDS, fingerprint

REFERENCE = Path(__file__).parent / "data" / "reference_outputs_model_v2.json"


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("seed", SEEDS)
def test_outputs_byte_identical_to_reference(scenario, seed):
    want = json.loads(REFERENCE.read_text())[f"{scenario}/{seed}"]
    got = fingerprint(scenario, seed)
    assert got["summary"] == want["summary"]
    assert got["timeseries"] == want["timeseries"]
