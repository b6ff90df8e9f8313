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
    metric = "resolution_days_rmst"
    interaction = ["identity", "connection"]
    sign = "negative"
    alpha = 0.05
"""

from __future__ import annotations

import hashlib
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.config import check_field, config_error, unknown_keys
from simulation.core.parameters import PARAMETERS
from simulation.running.hypotheses import Hypothesis, parse_hypotheses

# One module for the whole file format (~450 lines): every key's rule and its error message sit
# together, and it imports nothing heavy, so `gridgov validate` stays fast. Hypotheses have
# their own module (hypotheses.py); building the design is design.py.

DESIGN_KINDS = ("factorial", "list", "lhs", "sobol", "morris")
DEFAULT_MODEL = "simulation.run:simulate"
#: Most runs one experiment may ask for; beyond it the file is refused before anything is
#: allocated (the design tables alone would need gigabytes).
MAX_RUNS = 1_000_000
#: Environment variable listing extra modules (comma-separated) whose functions may serve as
#: `model`; set by whoever runs the sweep, never by the file.
MODEL_MODULES_ENV = "GRIDGOV_MODEL_MODULES"
_EXPERIMENT_KEYS = {
    "name",
    "title",
    "title_zh",
    "description",
    "description_zh",
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


def _shipped_scenarios() -> Path:
    """The project's own ``scenarios/`` folder (next to the package in a checkout)."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def resolve_scenario(file: Path, value: Any, where: str) -> Path:
    """Find a scenario by name or path, relative to the experiment file (never the cwd).

    A path ending in ``.toml`` is taken relative to the experiment file's folder. A name is
    looked up as ``NAME.toml`` in the experiment's folder, its ``scenarios/`` subfolder, the
    ``scenarios/`` folder beside it (``experiments/`` and ``scenarios/`` side by side), and
    finally the project's shipped scenarios.

    Args:
        file: The experiment file.
        value: A scenario name or a path to a TOML file.
        where: Field path for the error message.

    Returns:
        The path of an existing scenario file.

    Raises:
        ConfigError: When no such scenario exists.
    """
    if not isinstance(value, str) or not value:
        raise config_error(file, where, f"must be a scenario name or path, got {value!r}")
    here = Path(file).resolve().parent
    if value.endswith(".toml"):
        candidates = [here / Path(value).expanduser()]
    else:
        candidates = [here / f"{value}.toml", here / "scenarios" / f"{value}.toml",
                      here.parent / "scenarios" / f"{value}.toml",
                      _shipped_scenarios() / f"{value}.toml"]  # fmt: skip
    for c in candidates:
        if c.is_file():
            return c.resolve()
    looked = ", ".join(str(c) for c in dict.fromkeys(candidates))
    raise config_error(file, where, f"no scenario {value!r} (looked for {looked})")


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


def _list_points(file: Path, points: Any, resolve: bool) -> list[dict[str, Any]]:
    """Validate ``[[design.points]]``: labelled points, each with parameters and a scenario."""
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
                item[k] = check_field(file, f"{where}.{k}", k, v)
        clean.append(item)
    return clean


def _sampled_design(file: Path, kind: str, d: dict, factors: Any, out: dict) -> dict:
    """Validate the factors and options of an lhs, sobol or morris design."""
    # Continuous designs: factors = ["a", "b"] (full ranges) or {a = [low, high], ...}.
    if isinstance(factors, list):
        factors = {name: None for name in factors}
    factors = _table(file, "design.factors", factors)
    if len(factors) < 2:
        raise config_error(file, "design.factors", "needs at least two factors")
    bounds: dict[str, list[float]] = {}
    switches = []
    for name, b in factors.items():
        where = f"design.factors.{name}"
        if name not in PARAMETERS:
            raise config_error(file, where, f"unknown parameter {name!r}")
        p = PARAMETERS[name]
        if p.kind is bool:
            # A switch: crossed with the sample (lhs) or sampled as 0/1 (sobol, morris).
            if b not in (None, [False, True], [True, False]):
                raise config_error(file, where, "a switch takes both values: [false, true]")
            switches.append(name)
            bounds[name] = [0.0, 1.0]
            continue
        if b is None:
            b = [p.low, p.high]
        if not isinstance(b, list) or len(b) != 2:
            raise config_error(file, where, "must be [low, high]")
        lo = check_field(file, where, name, b[0])
        hi = check_field(file, where, name, b[1])
        if not lo < hi:
            raise config_error(file, where, f"low must be below high, got [{lo}, {hi}]")
        bounds[name] = [float(lo), float(hi)]
    if len(switches) == len(bounds):
        raise config_error(file, "design.factors", f"{kind} designs need a numeric factor")
    out["factors"] = bounds
    out["switches"] = switches
    out["samples"] = _int(file, "design.samples", d.get("samples"), low=2, high=MAX_RUNS)
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


def _design(file: Path, raw: Any, resolve: bool = True) -> dict:
    d = _table(file, "design", raw)
    kind = d.get("kind")
    if kind not in DESIGN_KINDS:
        raise config_error(file, "design.kind", f"must be one of {', '.join(DESIGN_KINDS)}")
    unknown_keys(file, "design", d, _DESIGN_KEYS[kind])
    out: dict[str, Any] = {"kind": kind}
    if kind == "list":
        out["points"] = _list_points(file, d.get("points"), resolve)
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
            vals = [check_field(file, where, name, v) for v in levels]
            if len(set(vals)) != len(vals):
                raise config_error(file, where, "levels must be distinct")
            clean_f[name] = vals
        out["factors"] = clean_f
        return out
    return _sampled_design(file, kind, d, factors, out)


def check_model(file: Path, model: Any) -> str:
    """Check ``experiment.model``: ``module:function`` inside the `simulation` package.

    A file must not make the sweep import and call arbitrary code (``"os:system"``); other
    modules are allowed only when whoever runs the sweep lists them in the environment
    variable ``GRIDGOV_MODEL_MODULES``.

    Raises:
        ConfigError: Not ``module:function``, or a module outside the allowed ones.
    """
    where = "experiment.model"
    if not isinstance(model, str) or model.count(":") != 1:
        raise config_error(file, where, "must be 'module:function'")
    module, attr = model.split(":")
    if not (all(p.isidentifier() for p in module.split(".")) and attr.isidentifier()):
        raise config_error(file, where, f"must be 'module:function', got {model!r}")
    extra = [m.strip() for m in os.environ.get(MODEL_MODULES_ENV, "").split(",") if m.strip()]
    if not (module == "simulation" or module.startswith("simulation.") or module in extra):
        raise config_error(
            file, where, f"{model!r} is outside the simulation package; list its module in "
            f"{MODEL_MODULES_ENV} to allow it",
        )  # fmt: skip
    return model


def design_points(design: dict) -> int:
    """Number of design points a validated design table yields (computed, not sampled)."""
    kind = design["kind"]
    if kind == "factorial":
        return math.prod(len(v) for v in design["factors"].values())
    if kind == "list":
        return len(design["points"])
    n, switches = design["samples"], design.get("switches", [])
    if kind == "lhs":
        return n * 2 ** len(switches)
    names = design["factors"]
    d = len({PARAMETERS[f].group for f in names}) if design.get("groups") else len(names)
    if kind == "sobol":
        return n * (2 * d + 2 if design["second_order"] else d + 2)
    return n * (d + 1)


def check_size(file: Path, design: dict, replications: int, days: int | None) -> int:
    """Refuse an experiment beyond `MAX_RUNS` before anything is sampled or allocated.

    Returns:
        The number of runs.

    Raises:
        ConfigError: With the size and a rough memory and time estimate.
    """
    runs = design_points(design) * replications
    if runs <= MAX_RUNS:
        return runs
    n_days = days or PARAMETERS["scored_days"].default
    # Rough costs measured on the default street: ~25 daily columns of 8 bytes per day stored
    # and ~1 s of one core per 365 simulated days.
    gib = runs * (n_days * 25 * 8 + 2_000) / 2**30
    core_days = runs * n_days / 365 / 86_400
    field = "experiment.replications" if replications > 1 else "design.samples"
    raise config_error(
        file, field, f"{design_points(design):,} points x {replications:,} replications = "
        f"{runs:,} runs (~{gib:,.0f} GiB of results, ~{core_days:,.1f} core-days); the limit "
        f"is {MAX_RUNS:,} runs",
    )  # fmt: skip


def _text_fields(path: Path, exp: dict) -> tuple[str, str]:
    """The experiment's name and description; titles must be strings."""
    name = exp.get("name", path.stem)
    if not isinstance(name, str) or not name or any(c in name for c in "/\\ "):
        raise config_error(path, "experiment.name", "must be a name without spaces or slashes")
    for key in ("description", "title", "title_zh", "description_zh"):
        if not isinstance(exp.get(key, ""), str):
            raise config_error(path, f"experiment.{key}", "must be a string")
    return name, exp.get("description", "")


def _run_settings(path: Path, exp: dict, replications, days) -> tuple[int, int, int | None]:
    """Replications, root seed and scored days (command-line overrides win)."""
    reps = _int(path, "experiment.replications", exp.get("replications", 1))
    if replications is not None:
        reps = _int(path, "--replications", replications)
    seed = exp.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise config_error(path, "experiment.seed", f"must be a non-negative integer, got {seed!r}")
    n_days = exp.get("days")
    if n_days is not None:
        n_days = check_field(path, "experiment.days", "scored_days", n_days)
    if days is not None:
        n_days = check_field(path, "--days", "scored_days", days)
    return reps, seed, n_days


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes (for its checksum) and its TOML tables."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise config_error(path, "file", f"cannot read ({exc.strerror or exc})") from None
    try:
        return data, tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise config_error(path, "syntax", str(exc).splitlines()[0]) from None


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
    data, raw = _read(path)
    unknown_keys(path, "<top>", raw, {"experiment", "parameters", "design", "hypotheses"})
    exp = _table(path, "experiment", raw.get("experiment", {}))
    unknown_keys(path, "experiment", exp, _EXPERIMENT_KEYS)
    name, description = _text_fields(path, exp)
    scenario = None
    if "scenario" in exp and not resolve:
        scenario = Path(str(exp["scenario"]))
    elif "scenario" in exp:
        scenario = resolve_scenario(path, exp["scenario"], "experiment.scenario")
    reps, seed, n_days = _run_settings(path, exp, replications, days)
    model = check_model(path, exp.get("model", DEFAULT_MODEL))
    params_raw = _table(path, "parameters", raw.get("parameters", {}))
    params = {k: check_field(path, f"parameters.{k}", k, v) for k, v in params_raw.items()}
    if "design" not in raw:
        raise config_error(path, "design", "missing [design] table")
    design = _design(path, raw["design"], resolve)
    for k in params:
        if k in (design.get("factors") or {}):
            raise config_error(path, f"parameters.{k}", "is also a design factor; set it once")
    check_size(path, design, reps, n_days)
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
    hyps = parse_hypotheses(path, raw.get("hypotheses"), design)
    return Experiment(**{**exp_obj.__dict__, "hypotheses": hyps})
