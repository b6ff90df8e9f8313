"""Hypotheses of an experiment file (``[[hypotheses]]``): parsing and validation at load time.

Two forms::

    [[hypotheses]]                      # A vs B on an outcome
    name = "F1 full vs baseline: lower resolution time"
    metric = "resolution_days_rmst"     # a summary outcome of simulation.core.outcomes
    a = { identity = true, connection = true, interaction = true }   # or a scenario label
    b = { identity = false, connection = false, interaction = false }
    direction = "less"                  # A < B ("greater": A > B)
    family = "F1"                       # Holm family (default: the name's first word)
    scale = "log"                       # optional: effects as ratios (positive metrics)
    min_effect = 0.5                    # optional: smallest effect worth detecting (power)
    alpha = 0.05
    gate = true                         # false: reported, does not set the exit code

    [[hypotheses]]                      # the sign of a factorial interaction term
    name = "F2 identity x connection complements: resolution time"
    metric = "resolution_days_rmst"
    interaction = ["identity", "connection"]
    sign = "negative"

Every problem (an unknown outcome, a run column like ``seed`` that is not an outcome, a term
naming a factor twice or a factor the design does not vary) is one `ConfigError` naming the
file and the field, before anything runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.config import check_field, config_error, unknown_keys
from simulation.core import outcomes

SCALES = ("linear", "log")
_KEYS = {
    "name", "metric", "a", "b", "direction", "interaction", "sign", "alpha", "gate", "family",
    "scale", "min_effect",
}  # fmt: skip
#: Columns of the per-run table that are not outcomes (named in the error for a clear hint).
RUN_COLUMNS = ("run_id", "point", "replication", "scenario", "seed", "status", "error",
               "elapsed_s")  # fmt: skip


@dataclass(frozen=True)
class Hypothesis:
    """One testable statement about the results.

    Attributes:
        name: Human-readable statement.
        metric: Per-run summary outcome the statement is about.
        kind: ``"compare"`` (A vs B) or ``"interaction"`` (sign of a factorial term).
        a: Selector of group A: a scenario label or a mapping column -> value.
        b: Selector of group B.
        direction: For compare: ``"less"`` (A < B) or ``"greater"`` (A > B).
        factors: For interaction: the factors whose interaction term is tested.
        sign: For interaction: ``"positive"`` or ``"negative"``.
        alpha: Significance level of the two-sided test (after Holm within the family).
        gate: Whether a failure makes `gridgov check` exit 1.
        family: Holm family; default the first word of the name (``F1``, ``F2``, ...).
        scale: ``linear`` or ``log`` (effects as ratios).
        min_effect: Smallest effect worth detecting, for the power calculation (metric units;
            on the log scale a relative change, 0.1 = 10%); None when not stated.
    """

    name: str
    metric: str
    kind: str
    a: Any = None
    b: Any = None
    direction: str | None = None
    factors: tuple[str, ...] = ()
    sign: str | None = None
    alpha: float = 0.05
    gate: bool = True
    family: str = ""
    scale: str = "linear"
    min_effect: float | None = None

    @property
    def wants_negative(self) -> bool:
        """True when the statement claims a negative effect (A < B, or a negative term)."""
        return self.direction == "less" if self.kind == "compare" else self.sign == "negative"


def _err(file, where, message):

    return config_error(file, where, message)


def _metric(file, where: str, metric: Any) -> str:
    if not isinstance(metric, str) or not metric:
        raise _err(file, where, "must name a summary outcome")
    if metric in outcomes.SUMMARY:
        return metric
    known = ", ".join(outcomes.SUMMARY)
    if metric in RUN_COLUMNS or metric in outcomes.DAILY:
        what = "a run column" if metric in RUN_COLUMNS else "a daily series column"
        raise _err(file, where, f"{metric!r} is {what}, not a summary outcome; outcomes: {known}")
    raise _err(file, where, f"unknown outcome {metric!r}; outcomes: {known}")


def _selector(file, where, value):

    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and value:
        for k, v in value.items():
            check_field(file, f"{where}.{k}", k, v)
        return dict(value)
    raise _err(file, where, "must be a scenario label or a table of parameter values")


def _interaction(file, where: str, terms: Any, design: dict) -> tuple[str, ...]:
    if design["kind"] != "factorial":
        raise _err(file, where, "interaction terms need a factorial design")
    factors = list(design["factors"])
    if not isinstance(terms, list) or len(terms) < 2:
        raise _err(file, where, f"must list two or more design factors ({', '.join(factors)})")
    seen = set()
    for t in terms:
        if t not in factors:
            raise _err(file, where, f"{t!r} is not a factor of the design ({', '.join(factors)})")
        if t in seen:
            raise _err(file, where, f"names {t!r} twice; a term lists distinct factors")
        seen.add(t)
    return tuple(terms)


def _common(file, where: str, h: dict, metric: str) -> dict[str, Any]:
    alpha = h.get("alpha", 0.05)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise _err(file, f"{where}.alpha", f"must be in (0, 1), got {alpha!r}")
    gate = h.get("gate", True)
    if not isinstance(gate, bool):
        raise _err(file, f"{where}.gate", "must be true or false")
    family = h.get("family", str(h["name"]).split()[0])
    if not isinstance(family, str) or not family.strip():
        raise _err(file, f"{where}.family", "must be a non-empty string")
    scale = h.get("scale", "linear")
    if scale not in SCALES:
        raise _err(file, f"{where}.scale", f"must be one of {', '.join(SCALES)}")
    if scale == "log" and outcomes.get(metric).kind == "censored":
        raise _err(file, f"{where}.scale", f"{metric} is censored: its log-rank test has no scale")
    eff = h.get("min_effect")
    if eff is not None and (
        isinstance(eff, bool) or not isinstance(eff, (int, float)) or not math.isfinite(eff)
        or eff <= 0
    ):  # fmt: skip
        raise _err(file, f"{where}.min_effect", f"must be a positive number, got {eff!r}")
    return {"alpha": float(alpha), "gate": gate, "family": family, "scale": scale,
            "min_effect": None if eff is None else float(eff)}  # fmt: skip


def parse_hypotheses(file: Path, raw: Any, design: dict) -> list[Hypothesis]:
    """Validate the ``[[hypotheses]]`` array of an experiment file.

    Args:
        file: The experiment file (for error messages).
        raw: The parsed array (None when the file states none).
        design: The validated design table.

    Returns:
        The hypotheses, in file order.

    Raises:
        ConfigError: One line naming the file and the field.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _err(file, "hypotheses", "must be an array of tables ([[hypotheses]])")
    out = []
    names = set()
    for i, h in enumerate(raw):
        where = f"hypotheses[{i}]"
        if not isinstance(h, dict):
            raise _err(file, where, "must be a table")
        unknown_keys(file, where, h, _KEYS)
        name = h.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _err(file, f"{where}.name", "must be a non-empty string")
        if name in names:
            raise _err(file, f"{where}.name", f"duplicate hypothesis name {name!r}")
        names.add(name)
        metric = _metric(file, f"{where}.metric", h.get("metric"))
        common = _common(file, where, h, metric)
        if "interaction" in h:
            terms = _interaction(file, f"{where}.interaction", h["interaction"], design)
            sign = h.get("sign")
            if sign not in ("positive", "negative"):
                raise _err(file, f"{where}.sign", "must be 'positive' or 'negative'")
            for k in ("a", "b", "direction"):
                if k in h:
                    raise _err(file, f"{where}.{k}", "not allowed with interaction")
            out.append(Hypothesis(name, metric, "interaction", factors=terms, sign=sign, **common))
            continue
        for k in ("a", "b"):
            if k not in h:
                raise _err(file, f"{where}.{k}", "missing (or give interaction = [...])")
        a = _selector(file, f"{where}.a", h["a"])
        b = _selector(file, f"{where}.b", h["b"])
        direction = h.get("direction")
        if direction not in ("less", "greater"):
            raise _err(file, f"{where}.direction", "must be 'less' or 'greater'")
        if "sign" in h:
            raise _err(file, f"{where}.sign", "only allowed with interaction")
        out.append(Hypothesis(name, metric, "compare", a=a, b=b, direction=direction, **common))
    return out


def select(runs: pd.DataFrame, selector: str | dict[str, Any]) -> pd.DataFrame:
    """Rows matching a hypothesis selector: a scenario label or a mapping column -> value."""
    if isinstance(selector, str):
        return runs[runs["scenario"] == selector]
    mask = np.ones(len(runs), dtype=bool)
    for col, val in selector.items():
        if col not in runs.columns:
            return runs.iloc[0:0]
        if isinstance(val, float):
            mask &= np.isclose(runs[col].astype(float), val)
        else:
            mask &= (runs[col] == val).to_numpy()
    return runs[mask]
