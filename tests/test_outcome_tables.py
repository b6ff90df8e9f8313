"""Facts about an outcome live in its registry entry only: no module keeps a second table of them.

A dict keyed by outcome names (labels, units, formats, formulas, ...) outside
`simulation/core/outcomes.toml` is a second copy that drifts; a tuple of outcome names (which
indicators a plot shows) is a choice, not a fact, and is allowed when listed below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simulation.core import outcomes

ROOT = Path(__file__).resolve().parents[1]
NAMES = set(outcomes.DAILY) | set(outcomes.SUMMARY)
MODULES = sorted(
    p
    for folder in ("simulation", "benchmarks")
    for p in (ROOT / folder).rglob("*.py")
    if p != ROOT / "simulation/core/outcomes.py"  # the registry itself
)

#: Sequences of outcome names that are choices, not facts: (file, owner) -> why.
NAME_LISTS = {
    ("simulation/analysis/regime.py", "HEADLINE"): "the outcomes the regime map shows",
    ("simulation/analysis/report.py", "KEY_METRICS"): "the outcomes a report tabulates",
    ("simulation/dashboard/session.py", "RECORDED"): "the daily outcomes a street records",
    ("simulation/dashboard/views.py", "PLOTS"): "the indicators drawn in each live plot",
    ("simulation/core/metrics.py", "FLOW_COUNTERS"): "recorder counters; some share a name",
    ("simulation/kernels/recording.py", "STOCK_COLUMNS"): "recorder stocks; some share a name",
    ("simulation/kernels/ledger.py", "STATUS_NAMES"): "need statuses 'hidden', 'resolved'",
}
#: Dicts keyed by outcome names that hold no fact about the outcome: (file, owner) -> why.
NOT_FACTS = {
    ("simulation/running/execute.py", "shock_metrics"): "the values the registry's function "
    "computes for recovery_days and shock_peak_backlog",
    ("simulation/dashboard/i18n.py", "TERMS"): "the official-terms glossary, keyed by term; "
    "test_dashboard_i18n checks the registry's labels use its words",
}


def outcome_tables(source: str) -> list[tuple[str, str, int, list[str]]]:
    """Dicts keyed by an outcome name, and sequences of two or more, in Python `source`.

    Returns:
        ``(what, owner, line, names)`` per finding: `what` is "dict" or "names"; `owner` the
        module-level name assigned or the function (``Class.method``) it sits in.
    """
    found = []

    def visit(node: ast.AST, owner: str) -> None:
        for child in ast.iter_child_nodes(node):
            here = owner
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                here = f"{owner}.{child.name}" if owner else child.name
            elif isinstance(child, ast.Assign | ast.AnnAssign) and not owner:
                target = child.targets[0] if isinstance(child, ast.Assign) else child.target
                here = ast.unparse(target)
            keys, what = [], "dict"
            if isinstance(child, ast.Dict):
                keys = [k.value for k in child.keys if isinstance(k, ast.Constant)]
            elif isinstance(child, ast.Call) and getattr(child.func, "id", "") == "dict":
                keys = [k.arg for k in child.keywords]
            elif isinstance(child, ast.Tuple | ast.List | ast.Set):
                keys, what = [e.value for e in child.elts if isinstance(e, ast.Constant)], "names"
            named = [k for k in keys if isinstance(k, str) and k in NAMES]
            if len(named) >= (1 if what == "dict" else 2):
                found.append((what, here, child.lineno, named))
            visit(child, here)

    visit(ast.parse(source), "")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_keeps_a_second_table_of_outcome_facts(path):
    rel = str(path.relative_to(ROOT))
    for what, owner, line, names in outcome_tables(path.read_text(encoding="utf-8")):
        allowed = NAME_LISTS if what == "names" else NOT_FACTS
        assert (rel, owner) in allowed, (
            f"{rel}:{line} {owner} is a {what} keyed by outcome names {names[:4]}: put the "
            "facts in simulation/core/outcomes.toml, or list a plain name list in NAME_LISTS"
        )


def test_the_allow_lists_name_only_what_exists():
    # A stale entry would let a new table of the same name slip through unseen.
    found = {
        (str(p.relative_to(ROOT)), owner)
        for p in MODULES
        for _, owner, _, _ in outcome_tables(p.read_text(encoding="utf-8"))
    }
    assert set(NAME_LISTS) | set(NOT_FACTS) <= found


def test_a_dashboard_table_of_labels_units_and_formats_is_caught():
    # What the dashboard's session once declared next to the registry.
    source = """
METRICS: dict[str, tuple[str, str, str]] = {
    "backlog": ("Backlog", "open needs", "{:.0f}"),
    "resolution_days_30d": ("Mean resolution time", "days", "{:.1f}"),
}
class Recorder:
    def indicators(self, f):
        return {"entered": f["reported"] + f["discovered"], "resolved": f["n_resolved"]}
"""
    found = {(what, owner) for what, owner, _, _ in outcome_tables(source)}
    assert found == {("dict", "METRICS"), ("dict", "Recorder.indicators")}
    # One label kept aside in the page's texts is a second copy too.
    texts = 'TEXTS = {"cost_per_resolved": ("Cost per resolved need", "每件办结成本")}'
    assert [f[:2] for f in outcome_tables(texts)] == [("dict", "TEXTS")]
    assert ("simulation/dashboard/session.py", "METRICS") not in NOT_FACTS
