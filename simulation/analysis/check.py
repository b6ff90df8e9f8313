"""Check: test an experiment's hypotheses against its stored results (`gridgov check`).

Inference rules (stated in every output):

- Every test is two-sided at the hypothesis's ``alpha``; its interval is the ``1 - alpha``
  interval of the same test (`inference`). The test follows the metric's kind in
  `simulation.core.outcomes`; A-B comparisons whose selectors leave other design factors free are
  made within strata of those factors; interaction terms come from the factorial regression
  with HC3 standard errors.
- Holm's correction runs within each family (``family`` key, default the first word of the
  hypothesis name, e.g. ``F1``), over every hypothesis of the family, gating or not.
- A hypothesis holds when its Holm-adjusted p is below alpha *and* its interval lies entirely
  on the stated side of zero. So no hypothesis can hold with an interval that contains zero.
- With runs missing, a hypothesis whose groups lack runs reads "incomplete", never FAIL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.analysis.analyse import ab_test, interaction_test, on_scale
from simulation.analysis.inference import holm, power_replications
from simulation.config import config_error
from simulation.core import outcomes
from simulation.running.hypotheses import Hypothesis, select
from simulation.running.spec import load_experiment
from simulation.running.store import load_manifest, load_results

PASS, FAIL, INCOMPLETE = "PASS", "FAIL", "INCOMPLETE"


@dataclass
class CheckResult:
    """Outcome of `check`.

    Attributes:
        table: One row per hypothesis: ``hypothesis``, ``family``, ``metric``, ``statement``,
            ``method``, ``effect``, ``estimate``, ``ci_low``, ``ci_high``, ``relative``, ``p``,
            ``p_holm``, ``family_size``, ``alpha``, ``n``, ``verdict``, ``passed``, ``gate``.
        passed: True when every gating hypothesis holds (``gate = false`` ones are reported
            but do not count; an incomplete gating hypothesis does not hold).
        experiment: Experiment name.
        finished: Finished (ok) runs in the folder.
        expected: Runs the design has.
    """

    table: pd.DataFrame
    passed: bool
    experiment: str = ""
    finished: int = 0
    expected: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every run of the design finished."""
        return self.finished >= self.expected

    @property
    def exit_code(self) -> int:
        """0 if every gating hypothesis holds, 1 otherwise."""
        return 0 if self.passed else 1


def _describe(sel) -> str:
    if isinstance(sel, str):
        return sel
    return ",".join(f"{k}={v}" for k, v in sel.items())


def statement(h: Hypothesis) -> str:
    """The hypothesis as a short formula, e.g. ``[full] < [baseline]``."""
    if h.kind == "interaction":
        return f"{' x '.join(h.factors)} term {h.sign}"
    op = "<" if h.direction == "less" else ">"
    return f"[{_describe(h.a)}] {op} [{_describe(h.b)}]"


def evaluate(
    h: Hypothesis,
    runs: pd.DataFrame,
    factors: list[str],
    source: str,
    where: str,
    incomplete: bool = False,
):
    """Test one hypothesis (before the Holm correction).

    Args:
        h: The hypothesis.
        runs: Per-run table of finished runs.
        factors: The design's factors.
        source: File name for error messages.
        where: Field of the hypothesis (``hypotheses[3]``) for error messages.
        incomplete: Runs are missing (a thin cell is then awaited, not an error).

    Returns:
        A row of the check table without ``p_holm`` and the verdict.

    Raises:
        ConfigError: The metric has no values, a group matches no run, or the log scale meets
            a non-positive value.
    """
    if h.metric not in runs.columns or runs[h.metric].isna().all():
        raise config_error(source, f"{where}.metric", f"no values of {h.metric!r} in the results")
    if h.kind == "interaction":
        cells = runs.groupby(list(factors))[h.metric].count()
        if len(cells) and cells.min() < 2 and not incomplete:
            raise config_error(source, f"{where}.interaction", "needs at least 2 finished runs "
                               "per design point; grow the sweep (more replications)")  # fmt: skip
    try:
        if h.kind == "interaction":
            r = interaction_test(runs, list(h.factors), factors, h.metric, scale=h.scale,
                                 level=1 - h.alpha)  # fmt: skip
            r["effect"] = "regression coefficient" + (" (log scale)" if h.scale == "log" else "")
        else:
            for side, sel in (("a", h.a), ("b", h.b)):
                if select(runs, sel).empty:
                    raise config_error(source, f"{where}.{side}",
                                       f"no runs match {_describe(sel)!r}")  # fmt: skip
            r = ab_test(runs, h.a, h.b, h.metric, factors, level=1 - h.alpha, scale=h.scale)
    except ValueError as exc:
        raise config_error(source, f"{where}.scale", str(exc)) from None
    return {"hypothesis": h.name, "family": h.family, "metric": h.metric,
            "statement": statement(h), "method": r["method"], "effect": r.get("effect", ""),
            "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
            "relative": r.get("relative", math.nan), "p": r["p"], "alpha": h.alpha,
            "n": int(r["n"]), "gate": h.gate,
            "needed_replications": needed_replications(h, runs)}  # fmt: skip


def needed_replications(h: Hypothesis, runs: pd.DataFrame) -> float:
    """Replications the hypothesis's `min_effect` needs, from the spread seen in the results.

    The same planning figure as `gridgov sweep --dry-run`, but from the finished runs' own
    within-point spread, so a FAIL of a scaled-down sweep can be told from a regression.
    NaN without a ``min_effect``.
    """
    if h.min_effect is None or "point" not in runs:
        return math.nan
    if h.kind == "interaction":
        used, n_points = runs, max(1, runs["point"].nunique() // 2)
    else:
        a, b = select(runs, h.a), select(runs, h.b)
        used = pd.concat([a, b])
        n_points = max(1, min(a["point"].nunique(), b["point"].nunique()))
    try:
        values = used.assign(v=on_scale(used[h.metric], h.scale))
    except ValueError:
        return math.nan
    var = values.groupby("point")["v"].var(ddof=1).dropna()
    if var.empty:
        return math.nan
    effect = math.log1p(h.min_effect) if h.scale == "log" else h.min_effect
    kind = outcomes.get(h.metric).kind
    per_group = power_replications(kind, math.sqrt(var.mean()), effect, h.alpha, 0.8)
    return float(math.ceil(per_group / n_points))


def holds(h: Hypothesis, row: dict) -> bool:
    """The pass rule: adjusted p below alpha and the interval wholly on the stated side of 0."""
    lo, hi = row["ci_low"], row["ci_high"]
    if not (row["p_holm"] < h.alpha) or math.isnan(lo) or math.isnan(hi):
        return False
    negative = h.wants_negative
    if h.kind == "compare" and outcomes.get(h.metric).kind == "censored":
        negative = not negative  # log hazard ratio of the event: > 0 means A's comes sooner
    return hi < 0 if negative else lo > 0


def _affected(h: Hypothesis, design: pd.DataFrame, missing_points: set[int]) -> bool:
    """Whether runs are missing from the design points the hypothesis compares."""
    if not missing_points:
        return False
    if h.kind == "interaction":
        return True
    pts = set(select(design, h.a)["point"]) | set(select(design, h.b)["point"])
    return bool(pts & missing_points)


def comparison_factors(manifest: dict) -> list[str]:
    """Factors an A-B comparison may stratify on (and a regression may code).

    Factorial and list designs: all their factors (each has a few levels). Sampled designs:
    only the switches an lhs is crossed with; a sampled numeric factor has a new value in
    every point, and the sample balances it between the groups already.
    """
    kind = manifest.get("design_kind")
    factors = list(manifest.get("factors", []))
    if kind in ("lhs", "sobol", "morris"):
        return [f for f in (manifest.get("design") or {}).get("switches", []) if kind == "lhs"]
    return factors


def _missing_points(root: Path, manifest: dict, runs: pd.DataFrame) -> set[int]:
    """Design points with fewer finished runs than the manifest's replications.

    Counted per point rather than derived from run ids, so it holds however a grown folder
    numbered its runs.
    """
    done = runs.loc[runs["status"] == "ok"].groupby("point")["run_id"].count()
    reps = int(manifest["replications"])
    return {p for p in range(int(manifest["n_points"])) if done.get(p, 0) < reps}


def _finished_runs(
    root: Path, manifest: dict[str, Any], allow_incomplete: bool
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """``(all runs, finished runs, runs the design asked for)``; refuse too few finished.

    Raises:
        ConfigError: No run finished, or some are missing without `allow_incomplete`.
    """
    runs = load_results(root)
    ok = runs[runs["status"] == "ok"] if not runs.empty else runs
    expected = int(manifest["n_runs"])
    if ok.empty:
        raise config_error(root, "runs", f"0 of {expected} runs finished; nothing to test")
    if len(ok) < expected and not allow_incomplete:
        raise config_error(
            root, "runs", f"{len(ok)} of {expected} runs finished; run the sweep again to finish "
            "it, or pass --allow-incomplete to test what is there",
        )  # fmt: skip
    return runs, ok, expected


def _holm_by_family(table: pd.DataFrame) -> None:
    """Add ``p_holm`` (Holm-corrected within each family) and ``family_size`` to `table`."""
    table["p_holm"] = np.nan
    table["family_size"] = 0
    for _, idx in table.groupby("family", sort=False).groups.items():
        table.loc[idx, "p_holm"] = holm(table.loc[idx, "p"].tolist())
        table.loc[idx, "family_size"] = len(idx)


def check(
    results_dir: str | Path,
    experiment: str | Path | None = None,
    *,
    allow_incomplete: bool = False,
) -> CheckResult:
    """Test the hypotheses of an experiment against its results.

    Args:
        results_dir: Results folder of a sweep.
        experiment: Experiment file whose hypotheses to test (default: the copy stored with the
            results).
        allow_incomplete: Test a folder with missing runs; hypotheses that need the missing
            runs read "incomplete".

    Returns:
        A `CheckResult`.

    Raises:
        ConfigError: Not a results folder, a bad experiment file, no hypotheses, a folder with
            missing runs (without `allow_incomplete`), or a hypothesis naming a group that
            is not in the results.
    """
    root = Path(results_dir)
    manifest = load_manifest(root)
    path = Path(experiment) if experiment else root / "experiment.toml"
    exp = load_experiment(path, resolve=experiment is not None)
    if not exp.hypotheses:
        raise config_error(path, "hypotheses", "the experiment states no hypotheses")
    runs, ok, expected = _finished_runs(root, manifest, allow_incomplete)
    missing = _missing_points(root, manifest, runs) if len(ok) < expected else set()
    design = pd.read_parquet(root / "design.parquet") if missing else None
    factors = comparison_factors(manifest)
    rows = [evaluate(h, ok, factors, str(path), f"hypotheses[{i}]", bool(missing))
            for i, h in enumerate(exp.hypotheses)]  # fmt: skip
    table = pd.DataFrame(rows)
    if manifest.get("design_kind") in ("lhs", "sobol", "morris"):
        compare = [h.kind == "compare" for h in exp.hypotheses]
        table.loc[compare, "method"] += (
            ", pooled over the sampled factors (the sample balances them)"
        )
    _holm_by_family(table)
    verdicts = []
    for h, row in zip(exp.hypotheses, table.to_dict("records"), strict=True):
        if _affected(h, design, missing):
            verdicts.append(INCOMPLETE)
        else:
            verdicts.append(PASS if holds(h, row) else FAIL)
    table["verdict"] = verdicts
    table["replications"] = int(manifest.get("replications", 0))
    table["passed"] = table["verdict"] == PASS
    passed = bool(table.loc[table["gate"], "passed"].all())
    return CheckResult(table, passed, exp.name, len(ok), expected)


def _num(x: float) -> str:
    return "nan" if x is None or x != x else f"{x:.4g}"


def detail(r) -> str:
    """One line of figures for a hypothesis: estimate, interval, p, Holm p, test, n."""
    rel = f" ({r['relative']:+.1%})" if r["relative"] == r["relative"] else ""
    conf = f"{1 - r['alpha']:.0%}"
    ci = f"{conf} CI [{_num(r['ci_low'])}, {_num(r['ci_high'])}]{rel}"
    tests = f"{r['family_size']} test" + ("s" if r["family_size"] != 1 else "")
    holm_p = f"Holm p = {_num(r['p_holm'])} (family {r['family']}, {tests})"
    power = ""
    needed, have = r.get("needed_replications", math.nan), r.get("replications", math.nan)
    if r.get("verdict") != PASS and needed == needed and have == have and needed > have:
        power = f"; UNDERPOWERED: min_effect needs ~{needed:.0f} replications, the sweep has {have}"
    return (
        f"{r['metric']}: {_num(r['estimate'])} {ci}, p = {_num(r['p'])}, {holm_p}; "
        f"{r['method']}; n = {r['n']}{power}"
    )


def format_table(table: pd.DataFrame) -> str:
    """Plain text of a check result (what `gridgov check` prints); names are never cut."""
    lines = []
    for r in table.to_dict("records"):
        verdict = r["verdict"] + ("" if r["gate"] else "*")
        lines.append(f"{verdict:<11} {r['hypothesis']}")
        lines.append(f"{'':11} {r['statement']} | {detail(r)}")
    counts = table["verdict"].value_counts()
    lines.append(
        f"{int(counts.get(PASS, 0))}/{len(table)} hypotheses hold"
        + (f", {int(counts.get(INCOMPLETE, 0))} incomplete" if INCOMPLETE in counts else "")
    )
    if not table["gate"].all():
        lines.append("* reported only (gate = false): does not affect the exit code")
    lines.append(
        "Two-sided tests; a hypothesis holds when its Holm-adjusted p (within its family) is "
        "below alpha and its interval excludes zero on the stated side."
    )
    return "\n".join(lines)
