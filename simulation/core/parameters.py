"""Every model parameter, one record each, and the one validator every caller uses.

A parameter is declared once, in `parameters.toml` next to this module: name, default, unit,
allowed range, group, meaning, Chinese label, where the default comes from (a public figure,
the literature or an assumption, with the sweep range an assumption should cover) and the
mechanism it belongs to exclusively. This module loads that file once at import, refuses a
malformed record there, and serves it as `PARAMETERS`: the defaults, the checks of scenario
files, the dashboard's slider labels, the sensitivity designs and the tables of `docs/model.md`
all read it. `docs/model.md` explains how the defaults were set against the calibration figures
of the specification.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulation.core.mechanisms import MECHANISMS

#: The three kinds of source of a default, strongest first.
KINDS: tuple[str, ...] = ("public figure", "literature", "assumption")


class ParameterError(ValueError):
    """A parameter value or combination that cannot describe a street.

    Attributes:
        field: The parameter at fault.
        message: What is wrong and what is allowed; `str()` is `"field: message"`.
    """

    def __init__(self, field: str, message: str):
        """Create the error for parameter `field`."""
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Source:
    """Where one parameter's default comes from.

    Attributes:
        kind: One of `KINDS`: a published number, a published model or study, or an assumption
            (which includes values the project's specification suggested without a source).
        detail: One sentence: the figure and its publisher, the reference and what it says, or
            why the assumed value is plausible and what range to sweep.
        plausible_low: Low end of the sweep range `detail` names (None where it names none).
        plausible_high: High end of that range.
    """

    kind: str
    detail: str
    plausible_low: float | None = None
    plausible_high: float | None = None

    def __post_init__(self) -> None:
        """Reject an unknown kind, an empty detail or half a plausible range."""
        if self.kind not in KINDS:
            raise ValueError(f"unknown source kind {self.kind!r}; use one of {KINDS}")
        if not self.detail.strip():
            raise ValueError("a source needs a detail")
        if (self.plausible_low is None) != (self.plausible_high is None):
            raise ValueError("give both plausible_low and plausible_high, or neither")


@dataclass(frozen=True)
class Param:
    """One model parameter.

    Attributes:
        name: Key used in scenario files and the model constructor.
        default: Default value; its Python type (bool, int, float) is the parameter's type.
        unit: Unit of measurement, for tables and axis labels.
        low: Smallest allowed value (None for booleans).
        high: Largest allowed value (None for booleans).
        group: Which part of the model the parameter belongs to.
        doc: One-line meaning.
        source: Where the default comes from.
        only_with: The mechanism switch this parameter belongs to exclusively (None if it acts
            in every scenario); with that switch off it must change nothing (tested).
        label_zh: Chinese name ("" where none is given: the dashboard shows the English one).
        unit_zh: Chinese unit ("" exactly when `label_zh` is).
    """

    name: str
    default: bool | int | float
    unit: str
    low: float | None
    high: float | None
    group: str
    doc: str
    source: Source
    only_with: str | None = None
    label_zh: str = ""
    unit_zh: str = ""

    @property
    def kind(self) -> type:
        """The Python type values must have (bool, int or float)."""
        return type(self.default)

    def describe(self) -> str:
        """What values are allowed, in words (used in every error message)."""
        if self.kind is bool:
            return "true or false"
        kind = "an integer" if self.kind is int else "a number"
        return f"{kind} in [{self.low:g}, {self.high:g}] ({self.unit})"

    def check(self, value: Any) -> bool | int | float:
        """Return `value` as this parameter's type, or raise if its type or range is wrong.

        Raises:
            ParameterError: Wrong type, not finite, or outside [low, high].
        """
        if self.kind is bool:
            # numpy.bool_ is accepted (Mesa's batch_run and sweeps pass array values).
            if not isinstance(value, bool) and not _is_numpy(value, "b"):
                raise ParameterError(self.name, f"must be true or false, got {value!r}")
            return bool(value)
        if isinstance(value, bool) or not (
            isinstance(value, int | float) or _is_numpy(value, "iuf")
        ):
            raise ParameterError(self.name, f"must be {self.describe()}, got {value!r}")
        if self.kind is int:
            if not float(value).is_integer():
                raise ParameterError(self.name, f"must be {self.describe()}, got {value!r}")
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ParameterError(self.name, f"must be {self.describe()}, got {value!r}")
        if not self.low <= value <= self.high:
            raise ParameterError(self.name, f"must be {self.describe()}, got {value!r}")
        return value


def _is_numpy(value: Any, kinds: str) -> bool:
    """True for a NumPy scalar whose dtype kind is one of `kinds` (without importing NumPy)."""
    dtype = getattr(value, "dtype", None)
    return type(value).__module__ == "numpy" and dtype is not None and dtype.kind in kinds


#: The file every parameter is declared in (shipped as package data).
TABLE_FILE = Path(__file__).with_name("parameters.toml")
_REQUIRED = {"name", "default", "unit", "group", "doc", "source_kind", "source_detail"}
_OPTIONAL = {"low", "high", "only_with", "label_zh", "unit_zh", "plausible_low", "plausible_high"}


def load(path: Path = TABLE_FILE) -> dict[str, Param]:
    """Read and check a parameter file; return its records by name, in file order.

    Raises:
        ValueError: The file is not TOML, or a record has an unknown or missing key, a
            duplicate name, a bad source kind, a range that does not hold its default, or an
            `only_with` that is not a mechanism; the message names the file and the record.
    """
    try:
        records = tomllib.loads(path.read_text(encoding="utf-8"))["parameter"]
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise ValueError(f"{path}: not a parameter file ({exc})") from None
    table: dict[str, Param] = {}
    for i, record in enumerate(records, start=1):
        name = record.get("name", f"#{i}")
        try:
            param = _record(record)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: parameter {name}: {exc}") from None
        if param.name in table:
            raise ValueError(f"{path}: parameter {name}: declared twice")
        table[param.name] = param
    return table


def _record(r: dict[str, Any]) -> Param:
    """One `[[parameter]]` table as a checked `Param` (raises ValueError naming the problem)."""
    if unknown := sorted(set(r) - _REQUIRED - _OPTIONAL):
        raise ValueError(f"unknown keys {unknown}")
    if missing := sorted(_REQUIRED - set(r)):
        raise ValueError(f"missing keys {missing}")
    for key in ("name", "unit", "group", "doc", "label_zh", "unit_zh"):
        if key in r and not (isinstance(r[key], str) and r[key].strip()):
            raise ValueError(f"{key} must be a non-empty string, got {r[key]!r}")
    default = r["default"]
    if not isinstance(default, bool | int | float):
        raise ValueError(f"default must be true/false or a number, got {default!r}")
    bounds = {"low", "high"} & set(r)
    if isinstance(default, bool) and bounds:
        raise ValueError("a switch has no low/high")
    if not isinstance(default, bool) and bounds != {"low", "high"}:
        raise ValueError("a number needs both low and high")
    for key in bounds:
        if isinstance(r[key], bool) or not isinstance(r[key], int | float):
            raise ValueError(f"{key} must be a number, got {r[key]!r}")
    if r.get("only_with", MECHANISMS[0]) not in MECHANISMS:
        raise ValueError(f"only_with {r['only_with']!r} is not one of {MECHANISMS}")
    if ("label_zh" in r) != ("unit_zh" in r):
        raise ValueError("give both label_zh and unit_zh, or neither")
    param = Param(
        name=r["name"],
        default=default,
        unit=r["unit"],
        low=r.get("low"),
        high=r.get("high"),
        group=r["group"],
        doc=r["doc"],
        source=Source(
            r["source_kind"], r["source_detail"], r.get("plausible_low"), r.get("plausible_high")
        ),
        only_with=r.get("only_with"),
        label_zh=r.get("label_zh", ""),
        unit_zh=r.get("unit_zh", ""),
    )
    lo, hi = param.source.plausible_low, param.source.plausible_high
    for key, value in {"default": default, "plausible_low": lo, "plausible_high": hi}.items():
        try:
            if value is not None:
                param.check(value)
        except ParameterError as exc:
            raise ValueError(f"{key} {exc.message}") from None
    if lo is not None and hi is not None and not lo <= default <= hi:
        # A sweep range that leaves out the default would screen some other street.
        raise ValueError(f"default {default!r} outside plausible_low/high [{lo:g}, {hi:g}]")
    return param


PARAMETERS: dict[str, Param] = load()


def default_parameters() -> dict[str, Any]:
    """Return a fresh dict of every parameter at its default."""
    return {name: p.default for name, p in PARAMETERS.items()}


def check_value(name: str, value: Any) -> bool | int | float:
    """Check one parameter value; return it as the parameter's type.

    Raises:
        ParameterError: Unknown name, wrong type or out of range.
    """
    spec = PARAMETERS.get(name)
    if spec is None:
        raise ParameterError(name, "unknown parameter (see docs/model.md for the list)")
    return spec.check(value)


def validate(params: Mapping[str, Any]) -> dict[str, Any]:
    """Check a (partial) parameter mapping; return the complete dict with defaults filled in.

    This is the one validator: scenario files, `--set`, experiment designs, the dashboard and
    the model constructor all call it and only translate its error into their own form.

    Raises:
        ParameterError: Unknown name, wrong type, out-of-range value or impossible combination.
    """
    full = default_parameters()
    for name, value in params.items():
        full[name] = check_value(name, value)
    check_combination(full)
    return full


def check_combination(p: Mapping[str, Any]) -> None:
    """Reject complete parameter sets whose values are each valid but cannot go together.

    Raises:
        ParameterError: Naming the first parameter of the offending pair.
    """
    for low, high in (
        ("department_delay_min", "department_delay_max"),
        ("competence_min", "competence_max"),
    ):
        if p[low] > p[high]:
            raise ParameterError(low, f"must not exceed {high}")
    if p["share_partner_needs"] + p["share_department_needs"] > 1:
        raise ParameterError(
            "share_partner_needs", "share_partner_needs + share_department_needs > 1"
        )
    if p["admin_hours"] >= p["worker_hours"]:
        raise ParameterError(
            "admin_hours", "must be below worker_hours (no time left for casework)"
        )
    if p["neighbour_ties"] >= p["households_per_grid"]:
        raise ParameterError("neighbour_ties", "must be below households_per_grid")
    if p["resident_reps"] > p["households_per_grid"]:
        raise ParameterError("resident_reps", "must not exceed households_per_grid")
    households = p["n_streets"] * p["grids_per_street"] * p["households_per_grid"]
    if households > MAX_HOUSEHOLDS:
        # Each household costs ~1 kB with its Mesa agent; refuse before allocating.
        raise ParameterError(
            "households_per_grid",
            f"{households:,} households in all (n_streets × grids_per_street × "
            f"households_per_grid) is above the limit of {MAX_HOUSEHOLDS:,}",
        )


#: Largest street/district the model builds (the district preset is 36,000 households).
MAX_HOUSEHOLDS = 200_000


def markdown_table() -> str:
    """The parameter table in Markdown (docs/model.md embeds it; a test keeps them in step).

    The last column is the kind of source of the default (`Param.source`).
    """
    lines = [
        "| parameter | default | unit | range | group | meaning | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS.values():
        rng = "true/false" if p.kind is bool else f"{p.low:g} – {p.high:g}"
        default = str(p.default).lower() if p.kind is bool else f"{p.default:g}"
        lines.append(
            f"| `{p.name}` | {default} | {p.unit} | {rng} | {p.group} | {p.doc} | {p.source.kind} |"
        )
    return "\n".join(lines)
