"""`gridgov` starts fast: help and validation load no numerical stack, and `run` no Matplotlib.

Each case runs the CLI in a fresh interpreter (a module imported by an earlier test would hide
a slow import) and lists the modules it loaded. Times are measured by hand, not here (see
README); what keeps them low is which modules load, and that is what these tests pin.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulation.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
#: Packages that take tenths of a second each to import.
HEAVY = {"numpy", "pandas", "pyarrow", "scipy", "mesa", "networkx", "matplotlib", "numba"}
FAST = ["--days", "20", "--set", "burn_in_days=5", "--set", "grids_per_street=2",
        "--set", "households_per_grid=60"]  # fmt: skip
# Runs `simulation.cli.main(argv)` and prints the loaded modules as the last line of stdout.
WRAPPER = """\
import json, sys
from simulation.cli import main
try:
    rc = main(json.loads(sys.argv[1]))
except SystemExit as exc:
    rc = exc.code
print(json.dumps({"rc": rc, "modules": sorted(sys.modules)}))
"""


def gridgov(*args, cwd=ROOT):
    """Run `gridgov ARGS` in a fresh interpreter; returns (exit code, heavy modules, result)."""
    r = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps([str(a) for a in args])],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )  # fmt: skip
    assert r.stdout, r.stderr
    report = json.loads(r.stdout.splitlines()[-1])
    heavy = sorted({m.split(".")[0] for m in report["modules"]} & HEAVY)
    return report["rc"], heavy, r


def subcommands() -> list[str]:
    """Every subcommand `gridgov --help` lists (so a new one is covered without editing here)."""
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a.choices, dict)]
    return sorted(action.choices)


def test_every_subcommand_is_covered():
    assert {"run", "validate", "sweep", "report", "check", "bench", "demo"} <= set(subcommands())


@pytest.mark.parametrize(
    "argv",
    [[], ["--help"], *([name, "--help"] for name in subcommands())],
    ids=lambda argv: " ".join(argv) or "no-arguments",
)
def test_help_loads_no_numerical_stack(argv):
    rc, heavy, r = gridgov(*argv)
    assert heavy == []
    assert rc == (2 if not argv else 0)
    assert "usage: gridgov" in r.stdout


def test_validate_every_shipped_scenario_loads_no_numerical_stack():
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    rc, heavy, r = gridgov("validate", *files)
    assert (rc, heavy) == (0, [])
    assert r.stdout.splitlines()[:-1] == [f"{f}: ok" for f in files]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[parameters]\nneed_rate = 40\n",
         "parameters: need_rate: must be a number in [0.1, 12] (needs/household/year), got 40.0"),
        ("[parameters]\nidentity = 1\n", "parameters: identity: must be true or false, got 1"),
        ("[parameters]\nno_such = 1\n", "parameters: no_such: unknown parameter"),
        ("need_rate = 2\n", "need_rate: unknown key; allowed: "),
        ("this is not toml", "malformed TOML"),
        (None, "file not found"),
    ],
    ids=["out-of-range", "wrong-type", "unknown-parameter", "outside-table", "malformed",
         "missing"],
)  # fmt: skip
def test_validate_bad_file_is_one_line_exit_2_and_loads_no_numerical_stack(
    tmp_path, content, message
):
    f = tmp_path / "bad.toml"
    if content is not None:
        f.write_text(content)
    rc, heavy, r = gridgov("validate", f, cwd=tmp_path)
    assert (rc, heavy) == (2, [])
    assert r.stderr.startswith(f"gridgov: error: {f}: {message}")
    assert len(r.stderr.splitlines()) == 1
    assert r.stdout.splitlines()[:-1] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == (["bad.toml"] if content else [])


@pytest.mark.slow
def test_run_draws_no_figure_unless_asked(tmp_path):
    rc, heavy, r = gridgov("run", ROOT / "scenarios/full.toml", "--out", "a", *FAST, cwd=tmp_path)
    assert rc == 0, r.stderr
    assert "matplotlib" not in heavy and "mesa" in heavy
    assert "wrote a/ (timeseries.parquet, summary.json)\n" in r.stdout
    assert not (tmp_path / "a" / "figure.png").exists()

    rc, heavy, r = gridgov(
        "run", ROOT / "scenarios/full.toml", "--out", "b", "--figure", *FAST, cwd=tmp_path
    )
    assert rc == 0, r.stderr
    assert "wrote b/ (timeseries.parquet, summary.json, figure.png)\n" in r.stdout
    assert (tmp_path / "b" / "figure.png").read_bytes()[:4] == b"\x89PNG"
