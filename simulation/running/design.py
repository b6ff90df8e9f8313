"""Design: turn a validated experiment into design points and seeded runs.

Samplers come from libraries: `scipy.stats.qmc` (Latin hypercube) and SALib (Sobol/Saltelli,
Morris). Every run's seed derives from the experiment's root seed with NumPy's `SeedSequence`
keyed by (design point, replication), so adding replications never changes existing runs.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from simulation.config import ConfigError, config_error, load_scenario, validate_parameters
from simulation.core.parameters import MECHANISMS, PARAMETERS, default_parameters
from simulation.running.hypotheses import Hypothesis, select
from simulation.running.spec import Experiment


@dataclass
class Design:
    """Design points and the runs over them.

    Attributes:
        experiment: The experiment this design realises.
        points: One row per design point: ``point``, ``scenario`` (label) and every parameter.
        factors: Names of the varied parameters.
        runs: One row per run: ``run_id``, ``point``, ``replication``, ``seed``.
        problem: SALib problem dict for Sobol/Morris designs, else None.
        sample: The raw sample matrix (points × factors) for Sobol/Morris/LHS, else None.
    """

    experiment: Experiment
    points: pd.DataFrame
    factors: list[str]
    runs: pd.DataFrame
    problem: dict | None = None
    sample: np.ndarray | None = None

    @property
    def n_runs(self) -> int:
        """Number of runs (points × replications)."""
        return len(self.runs)

    def digest(self) -> str:
        """Hash of everything that determines the runs' results (points, seeds, model)."""
        h = hashlib.sha256()
        h.update(self.experiment.model.encode())
        h.update(pd.util.hash_pandas_object(self.points, index=False).values.tobytes())
        h.update(pd.util.hash_pandas_object(self.runs, index=False).values.tobytes())
        return h.hexdigest()

    def task(self, run_id: int) -> dict[str, Any]:
        """Everything a worker needs to execute one run (picklable)."""
        run = self.runs.iloc[run_id]
        point = int(run["point"])
        row = self.points.iloc[point]
        params = {name: _py(row[name]) for name in PARAMETERS}
        return {
            "run_id": int(run["run_id"]),
            "point": point,
            "replication": int(run["replication"]),
            "scenario": str(row["scenario"]),
            "seed": int(run["seed"]),
            "params": params,
            "model": self.experiment.model,
        }


def _py(value: Any) -> Any:
    """NumPy scalar to the matching Python scalar."""
    return value.item() if hasattr(value, "item") else value


def run_seed(root: int, point: int, replication: int) -> int:
    """Derive one run's seed from the root seed.

    Args:
        root: The experiment's root seed.
        point: Design point index.
        replication: Replication index.

    Returns:
        A non-negative 63-bit integer seed.
    """
    ss = np.random.SeedSequence(root, spawn_key=(point, replication))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def _factorial_label(values: dict[str, Any]) -> str:
    parts = []
    for name, v in values.items():
        if isinstance(v, bool):
            if v:
                parts.append(name)
        else:
            parts.append(f"{name}={v:g}" if isinstance(v, float) else f"{name}={v}")
    return "+".join(parts) if parts else "baseline"


def _base_params(exp: Experiment, scenario: str | None) -> dict[str, Any]:

    params = dict(load_scenario(scenario).params) if scenario else default_parameters()
    params.update(exp.parameters)
    if exp.days is not None:
        params["scored_days"] = exp.days
    return params


def _cast(name: str, value: float) -> Any:
    """A sampled value as the parameter's type.

    Integers are sampled on [low, high + 1) and floored, so each integer gets an equal share
    of the unit interval and a Latin hypercube's strata stay strata (rounding on [low, high]
    would give the two end values half the weight of the others). Switches are sampled on
    [0, 1) and are on from 0.5.
    """
    p = PARAMETERS[name]
    if p.kind is bool:
        return bool(value >= 0.5)
    if p.kind is int:
        return int(np.clip(np.floor(float(value)), p.low, p.high))
    return float(value)


def _sample_bounds(exp: Experiment, names: list[str]) -> list[list[float]]:
    bounds = exp.design["factors"]
    out = []
    for n in names:
        lo, hi = bounds[n]
        if PARAMETERS[n].kind is int:
            hi = np.nextafter(hi + 1, -np.inf)  # [low, high + 1): floored to low..high
        out.append([float(lo), float(hi)])
    return out


def _continuous(exp: Experiment, base: dict) -> tuple[list, dict, np.ndarray]:
    """Points of an lhs, sobol or morris design: (label, params) rows, SALib problem, sample.

    Switches are crossed with a Latin hypercube over the numeric factors (every sampled point
    runs with every combination of switches), and sampled as 0/1 in Sobol and Morris designs
    (SALib needs one value per factor and row).
    """
    kind = exp.kind
    switches = exp.design.get("switches", [])
    names = list(exp.design["factors"])
    sampled = [n for n in names if n not in switches] if kind == "lhs" else names
    problem = {"num_vars": len(sampled), "names": sampled,
               "bounds": _sample_bounds(exp, sampled)}  # fmt: skip
    if exp.design.get("groups"):
        problem["groups"] = [PARAMETERS[n].group for n in sampled]
    n = exp.design["samples"]
    if kind == "lhs":
        unit = qmc.LatinHypercube(d=len(sampled), rng=np.random.default_rng(exp.seed)).random(n)
        b = np.array(problem["bounds"])
        sample = qmc.scale(unit, b[:, 0], b[:, 1])
    elif kind == "sobol":
        from SALib.sample import sobol as sobol_sample  # optional: the experiments extra

        sample = sobol_sample.sample(
            problem, n, calc_second_order=exp.design["second_order"], seed=exp.seed
        )
    else:
        from SALib.sample import morris as morris_sample  # optional: the experiments extra

        sample = morris_sample.sample(problem, n, num_levels=exp.design["levels"], seed=exp.seed)
    crossed = [s for s in switches if s not in sampled]
    rows = []
    for combo in itertools.product([False, True], repeat=len(crossed)):
        on = dict(zip(crossed, combo, strict=True))
        tag = "".join(f"-{k}" for k, v in on.items() if v)
        for i, x in enumerate(sample):
            values = {name: _cast(name, v) for name, v in zip(sampled, x, strict=True)}
            rows.append((f"p{i:05d}{tag}", {**base, **values, **on}))
    return rows, problem, sample


def build_design(exp: Experiment) -> Design:
    """Build the design points and runs of an experiment.

    Args:
        exp: A validated experiment.

    Returns:
        The `Design`, with every point's complete, validated parameter set.

    Raises:
        ConfigError: A design point's parameters are inconsistent (e.g. a minimum above a maximum).
    """
    base_default = _base_params(exp, str(exp.scenario) if exp.scenario else None)
    kind = exp.kind
    rows: list[tuple[str, dict[str, Any]]] = []  # (label, complete params)
    problem = None
    sample = None
    factors = exp.factor_names
    if kind == "factorial":
        levels = exp.design["factors"]
        for combo in itertools.product(*levels.values()):
            values = dict(zip(levels, combo, strict=True))
            rows.append((_factorial_label(values), {**base_default, **values}))
    elif kind == "list":
        for pt in exp.design["points"]:
            base = _base_params(exp, pt["scenario"]) if "scenario" in pt else base_default
            values = {k: v for k, v in pt.items() if k not in ("label", "scenario")}
            rows.append((pt["label"], {**base, **values}))
    else:
        rows, problem, sample = _continuous(exp, base_default)
    points = []
    for i, (label, params) in enumerate(rows):
        try:
            params = validate_parameters(params, str(exp.path))
        except ConfigError as exc:
            msg = str(exc).removeprefix(f"{exp.path}: ")
            raise config_error(exp.path, f"design point {label!r}", msg) from None
        points.append({"point": i, "scenario": label, **params})
    points_df = pd.DataFrame(points)
    for name in MECHANISMS:
        points_df[name] = points_df[name].astype(bool)
    n_points = len(points_df)
    reps = exp.replications
    runs = pd.DataFrame(
        {
            # Replication-major order: an interrupted sweep has whole replications of every point.
            "run_id": np.arange(n_points * reps, dtype=np.int64),
            "point": np.tile(np.arange(n_points, dtype=np.int64), reps),
            "replication": np.repeat(np.arange(reps, dtype=np.int64), n_points),
        }
    )
    runs["seed"] = [
        run_seed(exp.seed, p, r) for p, r in zip(runs["point"], runs["replication"], strict=True)
    ]
    runs["seed"] = runs["seed"].astype(np.int64)
    design = Design(exp, points_df, factors, runs, problem, sample)
    check_selectors(design)  # a hypothesis on a group with no runs: refused before any run
    return design


def points_of(design: Design, h: Hypothesis, side) -> list[int]:
    """The design points a hypothesis's group `side` (its selector ``a`` or ``b``) selects."""
    return [int(p) for p in select(design.points, side)["point"]]


def check_selectors(design: Design) -> None:
    """Refuse a hypothesis whose group A or B matches no design point (one line, exit 2).

    Raises:
        ConfigError: Naming the hypothesis's ``a`` or ``b`` field.
    """
    for i, h in enumerate(design.experiment.hypotheses):
        if h.kind != "compare":
            continue
        for side, sel in (("a", h.a), ("b", h.b)):
            if not points_of(design, h, sel):
                labels = ", ".join(list(dict.fromkeys(design.points["scenario"]))[:12])
                raise config_error(design.experiment.path, f"hypotheses[{i}].{side}",
                                   f"matches no design point (points: {labels})")  # fmt: skip
