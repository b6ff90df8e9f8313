"""Experiment files (`experiments/*.toml`): parsing and validation.

An experiment names a base scenario, fixed parameter overrides, a design over factors,
replications, days, a root seed and hypotheses. Every problem is raised as one `ConfigError`
naming the file and the field, before anything is run or written.

Example::

    [experiment]
    name = "mechanisms"
    scenario = "baseline"          # scenarios/baseline.toml, or a path; optional
    replications = 30
    seed = 20240501
    days = 730                     # scored days (optional)

    [parameters]                   # fixed overrides for every run (optional)
    burn_in_days = 90

    [design]
    kind = "factorial"             # factorial | list | lhs | sobol | morris
    factors = { identity = [false, true], connection = [false, true] }

    [[hypotheses]]
    name = "identity and connection are complements"
    metric = "resolution_days_mean"
    interaction = ["identity", "connection"]
    sign = "negative"
    alpha = 0.05
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.parameters import PARAMETERS

DESIGN_KINDS = ("factorial", "list", "lhs", "sobol", "morris")
CONTINUOUS_KINDS = ("lhs", "sobol", "morris")
DEFAULT_MODEL = "simulation.run:simulate"
_EXPERIMENT_KEYS = {
    "name",
    "description",
    "scenario",
    "replications",
    "seed",
    "days",
    "model",
}
_DESIGN_KEYS = {
    "factorial": {"kind", "factors"},
    "list": {"kind", "points"},
    "lhs": {"kind", "factors", "samples"},
    "sobol": {"kind", "factors", "samples", "second_order", "groups"},
    "morris": {"kind", "factors", "samples", "levels", "groups"},
}
_HYPOTHESIS_KEYS = {
    "name", "metric", "a", "b", "direction", "interaction", "sign", "alpha", "gate",
}  # fmt: skip


def config_error(file: str | Path, where: str, message: str) -> Exception:
    """Build the project's one-line input error (``FILE: FIELD: message``).

    Args:
        file: The file the problem is in.
        where: The field, e.g. ``design.factors.need_rate``.
        message: What is wrong and what is allowed.

    Returns:
        A `simulation.config.ConfigError` (exit code 2 on the command line).
    """
    from simulation.config import ConfigError

    return ConfigError(str(file), where, message)


@dataclass(frozen=True)
class Hypothesis:
    """One testable statement about the results.

    Attributes:
        name: Human-readable statement.
        metric: Per-run summary metric the statement is about.
        kind: ``"compare"`` (A vs B) or ``"interaction"`` (sign of a factorial term).
        a: Selector of group A: a scenario label or a mapping column -> value.
        b: Selector of group B.
        direction: For compare: ``"less"`` (A < B) or ``"greater"`` (A > B).
        factors: For interaction: the factors whose interaction term is tested.
        sign: For interaction: ``"positive"`` or ``"negative"``.
        alpha: Significance level of the one-sided test.
        gate: Whether a failure makes `gridgov check` exit 1 (False: reported only, e.g. a
            stylised fact the current model is known to refute).
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


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file.

    Attributes:
        name: Experiment name (the default results folder name).
        path: The file it was read from.
        sha256: Hash of the file's bytes (a changed file is refused on resume).
        description: Free text.
        scenario: Path of the base scenario file, or None for the model defaults.
        replications: Runs per design point.
        seed: Root seed all run seeds derive from.
        days: Scored days per run (None keeps the scenario's value).
        model: ``module:function`` with the `simulate(params, seed)` signature.
        parameters: Fixed overrides applied to every run.
        design: The design table from the file (kind, factors, ...).
        hypotheses: Statements `gridgov check` tests.
    """

    name: str
    path: Path
    sha256: str
    description: str
    scenario: Path | None
    replications: int
    seed: int
    days: int | None
    model: str
    parameters: dict[str, Any]
    design: dict[str, Any]
    hypotheses: list[Hypothesis] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """The design kind (factorial, list, lhs, sobol or morris)."""
        return self.design["kind"]

    @property
    def factor_names(self) -> list[str]:
        """Names of the parameters the design varies."""
        if self.kind == "list":
            names: list[str] = []
            for point in self.design["points"]:
                names += [k for k in point if k not in ("label", "scenario") and k not in names]
            return names
        return list(self.design["factors"])


def check_value(file: str | Path, where: str, name: str, value: Any) -> Any:
    """Check one parameter value against its entry in `PARAMETERS`.

    Args:
        file: File for the error message.
        where: Field path for the error message.
        name: Parameter name.
        value: Value from the file.

    Returns:
        The value, converted to the parameter's type (int to float where allowed).

    Raises:
        ConfigError: Unknown parameter, wrong type or outside the allowed range.
    """
    if name not in PARAMETERS:
        raise config_error(file, where, f"unknown parameter {name!r}")
    p = PARAMETERS[name]
    kind = p.kind
    if kind is bool:
        if not isinstance(value, bool):
            raise config_error(file, where, f"must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise config_error(file, where, f"must be a number, got {value!r}")
    if kind is int and not (isinstance(value, int) or float(value).is_integer()):
        raise config_error(file, where, f"must be an integer, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise config_error(file, where, f"must be finite, got {value!r}")
    if not (p.low <= value <= p.high):
        raise config_error(
            file, where, f"{value!r} is outside the allowed range [{p.low}, {p.high}] ({p.unit})"
        )
    return int(value) if kind is int else float(value)


def resolve_scenario(file: Path, value: Any, where: str) -> Path:
    """Find a scenario by name (``scenarios/NAME.toml``) or by path.

    Args:
        file: The experiment file (relative paths and names are looked up near it).
        value: A scenario name or a path to a TOML file.
        where: Field path for the error message.

    Returns:
        The path of an existing scenario file.

    Raises:
        ConfigError: When no such scenario exists.
    """
    if not isinstance(value, str) or not value:
        raise config_error(file, where, f"must be a scenario name or path, got {value!r}")
    candidates = []
    if value.endswith(".toml"):
        candidates += [file.parent / value, Path(value)]
    else:
        candidates += [
            file.parent.parent / "scenarios" / f"{value}.toml",
            file.parent / "scenarios" / f"{value}.toml",
            Path("scenarios") / f"{value}.toml",
        ]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    raise config_error(file, where, f"no scenario {value!r} (looked for {candidates[0]})")


def _int(file, where, value, low=1, high=None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise config_error(file, where, f"must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        hi = "" if high is None else f" and <= {high}"
        raise config_error(file, where, f"must be >= {low}{hi}, got {value}")
    return value


def _table(file, where, value) -> dict:
    if not isinstance(value, dict):
        raise config_error(file, where, "must be a table")
    return value


def _unknown(file, where, table: dict, allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            allowed_list = ", ".join(sorted(allowed))
            raise config_error(file, f"{where}.{key}", f"unknown key (allowed: {allowed_list})")


def _design(file: Path, raw: Any, resolve: bool = True) -> dict:
    d = _table(file, "design", raw)
    kind = d.get("kind")
    if kind not in DESIGN_KINDS:
        raise config_error(file, "design.kind", f"must be one of {', '.join(DESIGN_KINDS)}")
    _unknown(file, "design", d, _DESIGN_KEYS[kind])
    out: dict[str, Any] = {"kind": kind}
    if kind == "list":
        points = d.get("points")
        if not isinstance(points, list) or not points:
            raise config_error(file, "design.points", "must be a non-empty array of tables")
        labels = set()
        clean = []
        for i, pt in enumerate(points):
            where = f"design.points[{i}]"
            pt = _table(file, where, pt)
            label = pt.get("label")
            if not isinstance(label, str) or not label:
                raise config_error(file, f"{where}.label", "each point needs a label (string)")
            if label in labels:
                raise config_error(file, f"{where}.label", f"duplicate label {label!r}")
            labels.add(label)
            item: dict[str, Any] = {"label": label}
            if "scenario" in pt and not resolve:
                item["scenario"] = str(pt["scenario"])
            elif "scenario" in pt:
                item["scenario"] = str(resolve_scenario(file, pt["scenario"], f"{where}.scenario"))
            for k, v in pt.items():
                if k not in ("label", "scenario"):
                    item[k] = check_value(file, f"{where}.{k}", k, v)
            clean.append(item)
        out["points"] = clean
        return out
    factors = d.get("factors")
    if kind == "factorial":
        factors = _table(file, "design.factors", factors)
        if not factors:
            raise config_error(file, "design.factors", "needs at least one factor")
        clean_f = {}
        for name, levels in factors.items():
            where = f"design.factors.{name}"
            if not isinstance(levels, list) or len(levels) < 2:
                raise config_error(file, where, "must list at least two levels")
            vals = [check_value(file, where, name, v) for v in levels]
            if len(set(vals)) != len(vals):
                raise config_error(file, where, "levels must be distinct")
            clean_f[name] = vals
        out["factors"] = clean_f
        return out
    # Continuous designs: factors = ["a", "b"] (full ranges) or {a = [low, high], ...}.
    if isinstance(factors, list):
        factors = {name: None for name in factors}
    factors = _table(file, "design.factors", factors)
    if len(factors) < 2:
        raise config_error(file, "design.factors", "needs at least two factors")
    bounds = {}
    for name, b in factors.items():
        where = f"design.factors.{name}"
        if name not in PARAMETERS:
            raise config_error(file, where, f"unknown parameter {name!r}")
        p = PARAMETERS[name]
        if p.kind is bool:
            raise config_error(file, where, f"{kind} designs need numeric factors, not a switch")
        if b is None:
            b = [p.low, p.high]
        if not isinstance(b, list) or len(b) != 2:
            raise config_error(file, where, "must be [low, high]")
        lo = check_value(file, where, name, b[0])
        hi = check_value(file, where, name, b[1])
        if not lo < hi:
            raise config_error(file, where, f"low must be below high, got [{lo}, {hi}]")
        bounds[name] = [float(lo), float(hi)]
    out["factors"] = bounds
    out["samples"] = _int(file, "design.samples", d.get("samples"), low=2)
    if kind == "sobol":
        n = out["samples"]
        if n & (n - 1):
            raise config_error(file, "design.samples", f"must be a power of two, got {n}")
        so = d.get("second_order", False)
        if not isinstance(so, bool):
            raise config_error(file, "design.second_order", "must be true or false")
        out["second_order"] = so
    if kind == "morris":
        out["levels"] = _int(file, "design.levels", d.get("levels", 4), low=2, high=20)
    if kind in ("sobol", "morris"):
        g = d.get("groups", False)
        if not isinstance(g, bool):
            raise config_error(file, "design.groups", "must be true or false")
        out["groups"] = g
    return out


def _selector(file, where, value, factor_names):
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and value:
        for k, v in value.items():
            check_value(file, f"{where}.{k}", k, v)
        return dict(value)
    raise config_error(file, where, "must be a scenario label or a table of parameter values")


def _hypotheses(file: Path, raw: Any, design: dict, factor_names: list[str]) -> list[Hypothesis]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise config_error(file, "hypotheses", "must be an array of tables ([[hypotheses]])")
    out = []
    for i, h in enumerate(raw):
        where = f"hypotheses[{i}]"
        h = _table(file, where, h)
        _unknown(file, where, h, _HYPOTHESIS_KEYS)
        name = h.get("name")
        if not isinstance(name, str) or not name:
            raise config_error(file, f"{where}.name", "must be a non-empty string")
        metric = h.get("metric")
        if not isinstance(metric, str) or not metric:
            raise config_error(file, f"{where}.metric", "must name a summary metric")
        alpha = h.get("alpha", 0.05)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
            raise config_error(file, f"{where}.alpha", f"must be in (0, 1), got {alpha!r}")
        gate = h.get("gate", True)
        if not isinstance(gate, bool):
            raise config_error(file, f"{where}.gate", "must be true or false")
        if "interaction" in h:
            if design["kind"] != "factorial":
                raise config_error(
                    file, f"{where}.interaction", "interaction terms need a factorial design"
                )
            terms = h["interaction"]
            if (
                not isinstance(terms, list)
                or len(terms) < 2
                or any(t not in design["factors"] for t in terms)
            ):
                raise config_error(
                    file,
                    f"{where}.interaction",
                    f"must list two or more design factors ({', '.join(design['factors'])})",
                )
            sign = h.get("sign")
            if sign not in ("positive", "negative"):
                raise config_error(file, f"{where}.sign", "must be 'positive' or 'negative'")
            for k in ("a", "b", "direction"):
                if k in h:
                    raise config_error(file, f"{where}.{k}", "not allowed with interaction")
            out.append(
                Hypothesis(
                    name,
                    metric,
                    "interaction",
                    factors=tuple(terms),
                    sign=sign,
                    alpha=alpha,
                    gate=gate,
                )
            )
            continue
        for k in ("a", "b"):
            if k not in h:
                raise config_error(file, f"{where}.{k}", "missing (or give interaction = [...])")
        a = _selector(file, f"{where}.a", h["a"], factor_names)
        b = _selector(file, f"{where}.b", h["b"], factor_names)
        direction = h.get("direction")
        if direction not in ("less", "greater"):
            raise config_error(file, f"{where}.direction", "must be 'less' or 'greater'")
        if "sign" in h:
            raise config_error(file, f"{where}.sign", "only allowed with interaction")
        out.append(
            Hypothesis(
                name, metric, "compare", a=a, b=b, direction=direction, alpha=alpha, gate=gate
            )
        )
    return out


def load_experiment(
    path: str | Path,
    *,
    replications: int | None = None,
    days: int | None = None,
    resolve: bool = True,
) -> Experiment:
    """Read and validate an experiment file.

    Args:
        path: The TOML file.
        replications: Override the file's replications (e.g. a quicker demo).
        days: Override the file's scored days.
        resolve: Look up the scenario files it names (False for the copy kept with results,
            which only needs its hypotheses).

    Returns:
        An `Experiment`.

    Raises:
        ConfigError: One line naming the file and the field.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise config_error(path, "file", f"cannot read ({exc.strerror or exc})") from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise config_error(path, "syntax", str(exc).splitlines()[0]) from None
    _unknown(path, "<top>", raw, {"experiment", "parameters", "design", "hypotheses"})
    exp = _table(path, "experiment", raw.get("experiment", {}))
    _unknown(path, "experiment", exp, _EXPERIMENT_KEYS)
    name = exp.get("name", path.stem)
    if not isinstance(name, str) or not name or any(c in name for c in "/\\ "):
        raise config_error(path, "experiment.name", "must be a name without spaces or slashes")
    description = exp.get("description", "")
    if not isinstance(description, str):
        raise config_error(path, "experiment.description", "must be a string")
    scenario = None
    if "scenario" in exp and not resolve:
        scenario = Path(str(exp["scenario"]))
    elif "scenario" in exp:
        scenario = resolve_scenario(path, exp["scenario"], "experiment.scenario")
    reps = _int(path, "experiment.replications", exp.get("replications", 1))
    if replications is not None:
        reps = _int(path, "--replications", replications)
    seed = exp.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise config_error(path, "experiment.seed", f"must be a non-negative integer, got {seed!r}")
    n_days = exp.get("days")
    if n_days is not None:
        n_days = check_value(path, "experiment.days", "scored_days", n_days)
    if days is not None:
        n_days = check_value(path, "--days", "scored_days", days)
    model = exp.get("model", DEFAULT_MODEL)
    if not isinstance(model, str) or model.count(":") != 1:
        raise config_error(path, "experiment.model", "must be 'module:function'")
    params_raw = _table(path, "parameters", raw.get("parameters", {}))
    params = {k: check_value(path, f"parameters.{k}", k, v) for k, v in params_raw.items()}
    if "design" not in raw:
        raise config_error(path, "design", "missing [design] table")
    design = _design(path, raw["design"], resolve)
    for k in params:
        if k in (design.get("factors") or {}):
            raise config_error(path, f"parameters.{k}", "is also a design factor; set it once")
    exp_obj = Experiment(
        name=name,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        description=description,
        scenario=scenario,
        replications=reps,
        seed=seed,
        days=n_days,
        model=model,
        parameters=params,
        design=design,
    )
    hyps = _hypotheses(path, raw.get("hypotheses"), design, exp_obj.factor_names)
    return Experiment(**{**exp_obj.__dict__, "hypotheses": hyps})
