"""Plan: what a sweep will cost and whether it can detect what its hypotheses claim.

`gridgov sweep --dry-run EXP.toml` and `gridgov validate EXP.toml` validate the experiment
(every factor, design point and hypothesis), then time a short calibration (a few runs of the
points the hypotheses compare, with seeds outside the design's), and print the number of runs,
the estimated wall time, and for each hypothesis with a ``min_effect`` the replications its
test needs to detect that effect at its alpha with the chosen power. Nothing is written.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field

import pandas as pd

from simulation.analysis.analyse import on_scale
from simulation.analysis.inference import power_replications
from simulation.core import outcomes
from simulation.running.design import Design, check_selectors, points_of, run_seed
from simulation.running.execute import run_one
from simulation.running.hypotheses import Hypothesis
from simulation.running.sweep import plan

#: Replications of each calibration point (their spread gives the metric's run-to-run sd).
CALIBRATION_REPLICATIONS = 4
#: Most design points calibrated (the ones the hypotheses compare come first).
CALIBRATION_POINTS = 3
POWER = 0.8


@dataclass
class Plan:
    """A validated experiment's size, time estimate and power analysis.

    Attributes:
        design: The design.
        workers: Workers the time estimate assumes.
        seconds_per_run: Mean wall time of one calibration run (NaN without calibration).
        calibration_runs: Runs timed.
        power: Rows per hypothesis: name, metric, kind, min_effect, sd, required, enough.
        power_level: The power the replications are computed for.
    """

    design: Design
    workers: int
    seconds_per_run: float = math.nan
    calibration_runs: int = 0
    power: list[dict] = field(default_factory=list)
    power_level: float = POWER

    @property
    def estimated_seconds(self) -> float:
        """Wall time of the whole sweep on `workers` workers (perfect sharing assumed)."""
        return self.seconds_per_run * self.design.n_runs / self.workers

    @property
    def underpowered(self) -> list[dict]:
        """Power rows whose hypothesis needs more replications than the sweep has."""
        return [r for r in self.power if not r["enough"]]


def _calibration_points(design: Design) -> list[int]:
    wanted: list[int] = []
    for h in design.experiment.hypotheses:
        if h.kind == "compare":
            wanted += points_of(design, h, h.b)[:1] + points_of(design, h, h.a)[:1]
    wanted += [0, len(design.points) - 1]
    return list(dict.fromkeys(wanted))[:CALIBRATION_POINTS]


def calibrate(design: Design, replications: int = CALIBRATION_REPLICATIONS):
    """Run a few replications of some design points in this process and time them.

    Seeds come from the root seed with replication indices far beyond the design's, so the
    calibration never reproduces (or replaces) a run of the sweep.

    Returns:
        ``(seconds per run, per-run rows)``.
    """
    rows, elapsed = [], []
    for point in _calibration_points(design):
        for r in range(replications):
            runs = design.runs
            first = (runs["point"] == point) & (runs["replication"] == 0)
            task = design.task(int(first.to_numpy().nonzero()[0][0]))
            task["seed"] = run_seed(design.experiment.seed, point, 1_000_000 + r)
            t0 = time.perf_counter()
            rows.append(run_one(task)["row"])
            elapsed.append(time.perf_counter() - t0)
    return sum(elapsed) / len(elapsed), rows


def _group_points(design: Design, h: Hypothesis) -> int:
    """Design points in the smaller compared group (a term: half the design)."""
    if h.kind == "interaction":
        return max(1, len(design.points) // 2)
    return max(1, min(len(points_of(design, h, h.a)), len(points_of(design, h, h.b))))


def power_rows(design: Design, rows: list[dict], power: float = POWER) -> list[dict]:
    """Replications each hypothesis with a ``min_effect`` needs, from calibration spread.

    The run-to-run sd is pooled over the calibration points; a group spanning several design
    points (e.g. ``a = {connection = true}`` in a 2^3 design) gets that many runs per
    replication. A planning figure from a handful of runs, not a guarantee.
    """
    table = pd.DataFrame(rows)
    out = []
    for h in design.experiment.hypotheses:
        if h.min_effect is None:
            continue
        kind = outcomes.get(h.metric).kind
        ok = table[(table["status"] == "ok") & table[h.metric].notna()]
        try:
            ok = ok.assign(v=on_scale(ok[h.metric], h.scale))
        except ValueError:
            ok = ok.assign(v=math.nan)
        var = ok.groupby("point")["v"].var(ddof=1).dropna()
        sd = math.sqrt(var.mean()) if len(var) else math.nan
        effect = math.log1p(h.min_effect) if h.scale == "log" else h.min_effect
        per_group = power_replications(kind, sd, effect, h.alpha, power)
        required = math.ceil(per_group / _group_points(design, h))
        enough = design.experiment.replications >= required
        out.append({"hypothesis": h.name, "metric": h.metric, "kind": kind,
                    "min_effect": h.min_effect, "scale": h.scale, "sd": sd,
                    "required": required, "enough": enough})  # fmt: skip
    return out


def dry_run(design: Design, *, workers: int | None = None, calibration: bool = True) -> Plan:
    """Validate a built design against its hypotheses and estimate time and power.

    Args:
        design: From `sweep.plan` (already validated and built).
        workers: Workers the sweep will use (default: the machine's cores).
        calibration: Time a few runs (False: size only).

    Returns:
        The `Plan`.
    """
    check_selectors(design)
    plan = Plan(design, workers or os.cpu_count() or 1)
    if calibration:
        plan.seconds_per_run, rows = calibrate(design)
        plan.calibration_runs = len(rows)
        plan.power = power_rows(design, rows)
    return plan


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def format_plan(plan: Plan) -> str:
    """What `--dry-run` prints: size, time, and power per hypothesis (with warnings)."""
    d, exp = plan.design, plan.design.experiment
    lines = [
        f"{exp.path}: ok",
        f"{exp.name}: {exp.kind} design, {len(d.points)} points x {exp.replications} "
        f"replications = {d.n_runs} runs",
    ]
    if plan.calibration_runs:
        lines.append(
            f"estimated time: ~{_duration(plan.estimated_seconds)} on {plan.workers} workers "
            f"({plan.seconds_per_run:.2f} s per run over {plan.calibration_runs} calibration runs)"
        )
    for r in plan.power:
        unit = " (relative)" if r["scale"] == "log" else ""
        flag = "ok" if r["enough"] else "WARNING: too few"
        lines.append(
            f"power {plan.power_level:.0%}: {r['hypothesis']}: min_effect {r['min_effect']:g}"
            f"{unit} on {r['metric']} (sd {r['sd']:.3g}, {r['kind']}) needs ~{r['required']} "
            f"replications; the sweep has {exp.replications}: {flag}"
        )
    stated = {r["hypothesis"] for r in plan.power}
    rest = [h.name for h in exp.hypotheses if h.name not in stated]
    if rest:
        lines.append(f"no min_effect (no power estimate): {'; '.join(rest)}")
    if exp.replications < 2 and any(h.kind == "interaction" for h in exp.hypotheses):
        # One run per cell: the full factorial model has no residual for a standard error.
        lines.append("WARNING: interaction hypotheses need replications >= 2; `check` refuses "
                     "them until the folder is grown")  # fmt: skip
    if plan.underpowered:
        lines.append(
            f"WARNING: {len(plan.underpowered)} hypotheses have too few replications to detect "
            "their min_effect: a FAIL there may be lack of power, not a regression"
        )
    return "\n".join(lines)


def validate_file(path: str, *, workers: int | None = None) -> str:
    """`gridgov validate EXP.toml`: validate an experiment file and format its plan.

    Raises:
        ConfigError: One line naming the file and the field.
    """
    return format_plan(dry_run(plan(path), workers=workers))
