"""The metric registry: every outcome's name, labels, unit, direction, definition and formula.

The entries live in `outcomes.toml` next to this module, one table of keyword fields per
outcome (what each field means is written at the top of that file); this module loads and
checks them at import and is what everything that names, plots, tests or documents an outcome
reads: the model's recorder (which columns exist and how each is computed), `gridgov run`, the
experiment pipeline (per-run columns, hypothesis checks, reports), the dashboard and
`docs/outputs.md`.

- `DAILY`: the columns of a run's daily series (besides `day` and `scored`).
- `SUMMARY`: one value per run over the scored period; `computed_by` says whether the model's
  `summary()` or the experiment pipeline (shock recovery, from the daily series) computes it.

`kind` tells the analysis which test suits the metric across runs: "level" (roughly normal),
"share" (a proportion), "skewed" (durations, costs, counts: rank-based), "censored" (a duration
that may not have ended by the end of the run).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any

HIGHER, LOWER, NEUTRAL = 1, -1, 0
KINDS = ("level", "share", "skewed", "censored")
GROUPS = ("efficiency", "quality", "community", "calibration", "flow", "shock")
#: The words a registry entry uses for its direction.
DIRECTIONS = {"higher": HIGHER, "lower": LOWER, "neutral": NEUTRAL}
#: Where the entries are written.
SOURCE = Path(__file__).with_name("outcomes.toml")

_REQUIRED = (
    "label", "label_zh", "unit", "unit_zh", "direction", "group", "kind", "fmt", "compute",
    "definition", "definition_zh",
)  # fmt: skip
_DOTTED = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+")


@dataclass(frozen=True)
class Outcome:
    """One outcome metric.

    Attributes:
        name: Column name in every output.
        label: Short English label (plots, tables).
        label_zh: Short Chinese label.
        unit: Unit in English ("share" for proportions in [0, 1]).
        unit_zh: Unit in Chinese.
        direction: +1 higher is better, -1 lower is better, 0 neutral.
        definition: Exact definition, in English.
        definition_zh: The definition in Chinese.
        frequency: "daily" (a time-series column) or "summary" (one value per run).
        group: efficiency, quality, community, calibration, flow or shock.
        kind: level, share, skewed or censored (see the module docstring).
        fmt: Display format for one value (a `str.format` pattern).
        computed_by: "model" or "experiment" (summary outcomes derived by the pipeline).
        compute: For the model's outcomes, the NumPy expression that computes the value over
            the names `simulation.core.metrics` provides; for the pipeline's, the dotted path
            of the function that returns it.
    """

    name: str
    label: str
    label_zh: str
    unit: str
    unit_zh: str
    direction: int
    definition: str
    definition_zh: str
    frequency: str
    group: str
    kind: str
    fmt: str = "{:.2f}"
    computed_by: str = "model"
    compute: str = ""
    #: `compute` compiled (None for the pipeline's outcomes); checked when the registry loads.
    code: CodeType | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.computed_by == "model" and self.compute:
            code = compile(self.compute, f"<outcome {self.frequency}.{self.name}>", "eval")
            object.__setattr__(self, "code", code)

    @property
    def better(self) -> str:
        """Which way is better, in words ("" for a neutral outcome)."""
        return {HIGHER: "higher is better", LOWER: "lower is better"}.get(self.direction, "")

    @property
    def inputs(self) -> frozenset[str]:
        """The names the formula reads (empty for the pipeline's outcomes)."""
        if self.code is None:
            return frozenset()
        tree = ast.parse(self.compute, mode="eval")
        return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))

    def evaluate(self, names: Mapping[str, Any]) -> Any:
        """The value of the formula with `names` bound (no built-ins but those in `names`).

        Raises:
            ValueError: The outcome is computed by the experiment pipeline, not by a formula.
        """
        if self.code is None:
            raise ValueError(f"{self.name} is computed by {self.compute}, not by a formula")
        return eval(self.code, {"__builtins__": {}}, names)  # noqa: S307 - the registry's own text

    def format(self, value: float) -> str:
        """`value` in this outcome's display format ("–" for NaN)."""
        return "–" if value != value else self.fmt.format(value)


def parse(text: str, source: str = SOURCE.name) -> dict[str, dict[str, Outcome]]:
    """Read and check registry entries written as in `outcomes.toml`.

    Args:
        text: The TOML text.
        source: File name for the error messages.

    Returns:
        ``{"daily": {name: Outcome}, "summary": {name: Outcome}}`` in the file's order.

    Raises:
        ValueError: One line naming the file, the entry and the field at fault.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: {exc}") from None
    extra = set(data) - {"daily", "summary"}
    if extra:
        raise ValueError(f"{source}: unknown table(s) {sorted(extra)}; expected daily, summary")
    return {freq: _entries(data.get(freq, {}), freq, source) for freq in ("daily", "summary")}


def _entries(table: dict[str, Any], frequency: str, source: str) -> dict[str, Outcome]:
    out = {}
    for name, entry in table.items():
        where = f"{source}: [{frequency}.{name}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} must be a table of fields")
        fields = dict(entry)
        by = fields.pop("computed_by", "model")
        missing = [k for k in _REQUIRED if k not in fields]
        unknown = sorted(set(fields) - set(_REQUIRED))
        if missing or unknown:
            problem = f"missing {missing}" if missing else f"unknown field(s) {unknown}"
            raise ValueError(f"{where}: {problem}")
        bad = [k for k, v in fields.items() if not isinstance(v, str) or not v]
        if bad:
            raise ValueError(f"{where}: {bad[0]} must be a non-empty string")
        for key, allowed in (("direction", DIRECTIONS), ("group", GROUPS), ("kind", KINDS)):
            if fields[key] not in allowed:
                raise ValueError(f"{where}: {key} {fields[key]!r} is not one of {list(allowed)}")
        if by not in ("model", "experiment") or (frequency == "daily" and by != "model"):
            raise ValueError(f"{where}: computed_by {by!r} is not 'model' or 'experiment'")
        try:
            fields["fmt"].format(0.5)
        except (ValueError, IndexError, KeyError) as exc:
            msg = f"{where}: fmt {fields['fmt']!r} does not format a number: {exc}"
            raise ValueError(msg) from None
        if by == "experiment" and not _DOTTED.fullmatch(fields["compute"]):
            raise ValueError(f"{where}: compute must be the dotted path of the pipeline function")
        fields["direction"] = DIRECTIONS[fields["direction"]]
        try:
            out[name] = Outcome(name=name, frequency=frequency, computed_by=by, **fields)
        except SyntaxError as exc:
            raise ValueError(f"{where}: compute is not an expression: {exc.msg}") from None
    return out


_REGISTRY = parse(SOURCE.read_text(encoding="utf-8"))

#: Daily time-series columns (besides `day` and `scored`), in column order.
DAILY: dict[str, Outcome] = _REGISTRY["daily"]
#: Per-run outcomes over the scored period, in column order.
SUMMARY: dict[str, Outcome] = _REGISTRY["summary"]
#: Summary outcomes the model itself computes (`GridGovernanceModel.summary()`).
MODEL_SUMMARY: tuple[str, ...] = tuple(n for n, o in SUMMARY.items() if o.computed_by == "model")
#: The six daily indicators that tell a run's story (run figure, reports, dashboard plots).
KEY_DAILY: tuple[str, ...] = (
    "backlog",
    "resolution_days_30d",
    "satisfaction_rate_30d",
    "escalated_per_handled_30d",
    "mean_trust",
    "volunteers_30d",
)
#: Columns of the daily series that are not outcomes.
DAILY_INDEX = {"day": "day of the run (1 = first day)", "scored": "day after the burn-in"}


def get(name: str, frequency: str | None = None) -> Outcome:
    """The outcome called `name` (a summary outcome first, then a daily one).

    Args:
        name: Outcome name.
        frequency: "daily" or "summary" to look in one table only.

    Raises:
        KeyError: With the list of known names.
    """
    tables = {"summary": SUMMARY, "daily": DAILY}
    for freq in (frequency,) if frequency else ("summary", "daily"):
        if name in tables[freq]:
            return tables[freq][name]
    known = sorted(SUMMARY) if frequency != "daily" else sorted(DAILY)
    raise KeyError(f"unknown outcome {name!r}; known: {', '.join(known)}")


def direction(name: str) -> int:
    """+1 if higher is better, -1 if lower is better, 0 if neutral or not an outcome."""
    try:
        return get(name).direction
    except KeyError:
        return NEUTRAL
