"""One record per parameter: no module of the package keeps a second table keyed by its names.

Everything known about a parameter lives in its record (`simulation/core/parameters.toml`, served
as `PARAMETERS`). A table elsewhere keyed by parameter names (a label, a source, a range per
name) or grouping them (these names belong to that mechanism) drifts from the record; add a
field to the record instead. What may be keyed by names is a *parameter set*: values a scenario,
a preset or `default_parameters()` gives the parameters (each a valid value of its parameter),
or the records themselves. Lists of names (which parameters get a slider) say nothing about a
parameter and are not tables.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Mapping
from typing import Any

import pytest

import simulation
from simulation.core.mechanisms import MECHANISMS
from simulation.core.parameters import PARAMETERS, Param, ParameterError, check_value

#: Top-level modules of the optional extras (pyproject): a module needing a missing one is skipped.
OPTIONAL = {"solara", "ipyvue", "ipyvuetify", "segno", "SALib", "dask", "distributed", "psutil"}
#: The three switches' names also name the mechanisms: a table keyed by them (a colour or an
#: official term per mechanism) describes the mechanisms (home: `simulation.core.mechanisms`).
SWITCHES = set(MECHANISMS)
MIN_NAMES = 3  # one or two shared names can be a coincidence, three make a table


def _is_parameter_set(table: Mapping[str, Any]) -> bool:
    """True if every value is a valid value of its parameter, or the parameter's own record."""
    for name, value in table.items():
        if isinstance(value, Param) and value is PARAMETERS.get(name):
            continue
        try:
            check_value(name, value)
        except (ParameterError, TypeError):
            return False
    return True


def _names_in(values: Any) -> set[str]:
    """Parameter names held by a collection of strings (empty for anything else)."""
    if isinstance(values, str | bytes) or not isinstance(values, list | tuple | set | frozenset):
        return set()
    return {v for v in values if isinstance(v, str) and v in PARAMETERS}


def second_tables(namespace: Mapping[str, Any], module: str) -> list[str]:
    """The objects in a module's namespace that are tables of facts about parameters.

    Looks at the module's globals, the attributes of the classes it defines, and what those hold
    (dicts, lists, tuples, dataclass instances), a few levels deep.
    """
    found: list[str] = []
    seen: set[int] = set()

    def visit(obj: Any, path: str, depth: int) -> None:
        if id(obj) in seen or depth > 3:
            return
        seen.add(id(obj))
        if isinstance(obj, Mapping):
            keyed = {k: v for k, v in obj.items() if isinstance(k, str) and k in PARAMETERS}
            grouped = set().union(*(_names_in(v) for v in obj.values())) if obj else set()
            if len(set(keyed) - SWITCHES) >= MIN_NAMES and not _is_parameter_set(keyed):
                found.append(f"{module}:{path} (keyed by parameter names)")
            elif len(grouped) >= MIN_NAMES:
                found.append(f"{module}:{path} (groups parameter names)")
            children = obj.items()
        elif isinstance(obj, list | tuple | set | frozenset):
            children = enumerate(obj)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            children = ((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj))
        elif isinstance(obj, type) and obj.__module__ == module:
            children = ((k, v) for k, v in vars(obj).items() if not k.startswith("__"))
        else:
            return
        for key, child in children:
            visit(child, f"{path}.{key}", depth + 1)

    for name, obj in namespace.items():
        if not name.startswith("__"):
            visit(obj, name, 0)
    return found


def package_modules() -> list[str]:
    """Every module of the package (`__main__` modules run the CLI when imported)."""
    return sorted(
        m.name
        for m in pkgutil.walk_packages(simulation.__path__, "simulation.")
        if not m.name.endswith(".__main__")
    )


@pytest.mark.parametrize("module", package_modules())
def test_no_module_keeps_a_second_table_keyed_by_parameter_names(module):
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in OPTIONAL:
            pytest.skip(f"{module} needs the optional {exc.name}")
        raise
    tables = second_tables(vars(mod), module)
    assert not tables, (
        f"{tables}: facts about a parameter belong in its record in "
        "simulation/core/parameters.toml (add a field to Param), not in a table of names"
    )


def test_the_scan_finds_the_tables_the_records_replaced():
    # The three side tables the records replaced, as they were; the scan must name each one.
    namespace = {
        "PROVENANCE": {name: ("assumption", "Assumed; sweep 1-2.") for name in PARAMETERS},
        "PARAM_NAMES_ZH": {"households_per_grid": ("每格户数", "户"), "need_rate": ("诉求发生率",
                           "件/户/年"), "admin_hours": ("网格员行政事务工时", "小时/日")},
        "_ONLY_WITH": {"identity": ("event_gain", "event_cost"), "connection": ("coordination",)},
        "PLAUSIBLE": {"need_rate": (0.5, 3.0), "tie_decay": (0.002, 0.01), "fix_hours": (1, 3)},
    }  # fmt: skip
    assert second_tables(namespace, "m") == [
        "m:PROVENANCE (keyed by parameter names)",
        "m:PARAM_NAMES_ZH (keyed by parameter names)",
        "m:_ONLY_WITH (groups parameter names)",
        "m:PLAUSIBLE (keyed by parameter names)",
    ]


def test_the_scan_leaves_parameter_sets_records_and_name_lists_alone():
    class Presets:
        DISTRICT = {"n_streets": 10, "grids_per_street": 12, "households_per_grid": 300}

    namespace = {
        "DEFAULTS": {name: p.default for name, p in PARAMETERS.items()},
        "RECORDS": dict(PARAMETERS),
        "Presets": Presets,
        "SLIDERS": ("households_per_grid", "need_rate", "admin_hours", "meeting_interval"),
        "COLOURS": {"identity": "#1b9e77", "connection": "#d95f02", "interaction": "#7570b3"},
    }
    Presets.__module__ = "m"
    assert second_tables(namespace, "m") == []
    # ...but a preset hidden in a class is still found when it holds something other than values.
    Presets.LABELS = {"n_streets": "街道数", "grids_per_street": "网格数", "need_rate": "诉求"}
    assert second_tables(namespace, "m") == ["m:Presets.LABELS (keyed by parameter names)"]
