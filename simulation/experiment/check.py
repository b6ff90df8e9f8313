"""Check: test an experiment's hypotheses against its stored results (`gridgov check`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulation.experiment.analyse import compare, interaction_test, select
from simulation.experiment.spec import Hypothesis, config_error, load_experiment
from simulation.experiment.store import load_manifest, load_results


@dataclass
class CheckResult:
    """Outcome of `check`.

    Attributes:
        table: One row per hypothesis: ``hypothesis``, ``metric``, ``test``, ``estimate``,
            ``ci_low``, ``ci_high``, ``p``, ``alpha``, ``n``, ``passed``.
        passed: True when every gating hypothesis holds (``gate = false`` ones are reported
            but do not count).
    """

    table: pd.DataFrame
    passed: bool

    @property
    def exit_code(self) -> int:
        """0 if every hypothesis holds, 1 otherwise."""
        return 0 if self.passed else 1


def _describe(sel) -> str:
    if isinstance(sel, str):
        return sel
    return ",".join(f"{k}={v}" for k, v in sel.items())


def evaluate(h: Hypothesis, runs: pd.DataFrame, factors: list[str], source: str) -> dict:
    """Test one hypothesis.

    Args:
        h: The hypothesis.
        runs: Per-run table (failed runs are ignored).
        factors: The design's factors.
        source: File name for error messages.

    Returns:
        A row of the check table.

    Raises:
        ConfigError: The metric or a selected group does not exist in the results.
    """
    ok = runs[runs["status"] == "ok"]
    if h.metric not in ok.columns or ok[h.metric].isna().all():
        raise config_error(source, f"hypothesis {h.name!r}: metric", f"no metric {h.metric!r}")
    if h.kind == "interaction":
        r = interaction_test(ok, list(h.factors), factors, h.metric, h.sign)
        test = f"{' x '.join(h.factors)} term {h.sign}"
        n = int(ok[h.metric].notna().sum())
    else:
        a, b = select(ok, h.a), select(ok, h.b)
        for side, grp, sel in (("a", a, h.a), ("b", b, h.b)):
            if grp.empty:
                raise config_error(
                    source, f"hypothesis {h.name!r}: {side}", f"no runs match {_describe(sel)!r}"
                )
        r = compare(a[h.metric], b[h.metric], h.direction)
        op = "<" if h.direction == "less" else ">"
        test = f"[{_describe(h.a)}] {op} [{_describe(h.b)}]"
        n = r["n_a"] + r["n_b"]
    p = r["p"]
    return {
        "hypothesis": h.name,
        "metric": h.metric,
        "test": test,
        "estimate": r["estimate"],
        "ci_low": r["ci_low"],
        "ci_high": r["ci_high"],
        "p": p,
        "alpha": h.alpha,
        "n": n,
        "passed": bool(p == p and p < h.alpha),
        "gate": h.gate,
    }


def check(results_dir: str | Path, experiment: str | Path | None = None) -> CheckResult:
    """Test the hypotheses of an experiment against its results.

    Args:
        results_dir: Results folder of a sweep.
        experiment: Experiment file whose hypotheses to test (default: the copy stored with the
            results).

    Returns:
        A `CheckResult`.

    Raises:
        ConfigError: Not a results folder, a bad experiment file, no hypotheses, or a
            hypothesis naming a metric or group that is not in the results.
    """
    root = Path(results_dir)
    manifest = load_manifest(root)
    path = Path(experiment) if experiment else root / "experiment.toml"
    exp = load_experiment(path, resolve=experiment is not None)
    if not exp.hypotheses:
        raise config_error(path, "hypotheses", "the experiment states no hypotheses")
    runs = load_results(root)
    if runs.empty or not (runs["status"] == "ok").any():
        raise config_error(root, "runs", "no finished runs to test")
    factors = manifest.get("factors", [])
    rows = [evaluate(h, runs, factors, str(path)) for h in exp.hypotheses]
    table = pd.DataFrame(rows)
    return CheckResult(table, bool(table.loc[table["gate"], "passed"].all()))


def format_table(table: pd.DataFrame) -> str:
    """Plain-text table of a check result (what `gridgov check` prints)."""
    lines = []
    head = f"{'result':6}  {'hypothesis':52}  {'estimate':>10}  {'95% CI':>23}  {'p':>8}"
    lines.append(head)
    lines.append("-" * len(head))
    for r in table.itertuples():
        ci = f"[{r.ci_low:.4g}, {r.ci_high:.4g}]"
        name = r.hypothesis if len(r.hypothesis) <= 52 else r.hypothesis[:49] + "..."
        verdict = ("PASS" if r.passed else "FAIL") + ("" if r.gate else "*")
        lines.append(f"{verdict:6}  {name:52}  {r.estimate:>10.4g}  {ci:>23}  {r.p:>8.2g}")
    n_pass = int(table["passed"].sum())
    lines.append(f"{n_pass}/{len(table)} hypotheses hold")
    if not table["gate"].all():
        lines.append("* reported only (gate = false): does not affect the exit code")
    return "\n".join(lines)
