"""Inference: two-group tests whose interval and p-value come from the same two-sided test.

Every test here is two-sided. Its ``1 - alpha`` confidence interval is the inversion of the
same test, so a p-value below alpha and an interval that excludes zero always go together; a
one-sided hypothesis ("A < B") holds when the two-sided test rejects *and* the estimate has the
stated sign (`check` applies that rule, after a Holm correction within each family).

The test follows the metric's declared kind (`simulation.core.outcomes`), never the user:

========  =====================================================================================
kind      test
========  =====================================================================================
level     Welch t on the difference in means (Satterthwaite df)
share     Welch t on the difference in means
skewed    Mann-Whitney U; estimate and interval: the Hodges-Lehmann shift, by inverting the test
censored  log-rank; estimate and interval: Peto's log hazard ratio of the event (A vs B)
========  =====================================================================================

Each test takes *strata*: a list of ``(a, b)`` pairs, one per combination of the design's other
factors. With one stratum it is the plain test; with several, the comparison is made within
strata and combined with equal weights (stratified Welch, van Elteren's stratified rank test,
stratified log-rank), so A and B are compared like with like.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

Stratum = tuple[np.ndarray, np.ndarray]


def _clean(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[~np.isnan(x)]


def _nan(n_a: int, n_b: int, test: str, effect: str) -> dict:
    return {"estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p": math.nan,
            "n_a": n_a, "n_b": n_b, "test": test, "effect": effect}  # fmt: skip


def welch(strata: Sequence[Stratum], level: float = 0.95) -> dict:
    """Difference in means A - B by Welch's t, averaged with equal weights over strata.

    The variance of the stratified estimate is ``sum(s_i^2 / n_i) / k^2`` over every group of
    every stratum, its degrees of freedom from Satterthwaite's formula (with one stratum this is
    exactly Welch's test).

    Args:
        strata: ``(a, b)`` value arrays per stratum (NaN ignored).
        level: Confidence level of the two-sided interval.

    Returns:
        ``estimate``, ``ci_low``, ``ci_high``, ``p`` (two-sided), ``n_a``, ``n_b``, ``df``,
        ``test`` and ``effect`` (what the estimate is).
    """
    pairs = [(_clean(a), _clean(b)) for a, b in strata]
    pairs = [(a, b) for a, b in pairs if len(a) >= 2 and len(b) >= 2]
    n_a = sum(len(a) for a, _ in pairs)
    n_b = sum(len(b) for _, b in pairs)
    test = "Welch t" if len(pairs) == 1 else f"stratified Welch t ({len(pairs)} strata)"
    effect = "difference in means (A - B)"
    if not pairs:
        return _nan(n_a, n_b, test, effect)
    k = len(pairs)
    est = sum(a.mean() - b.mean() for a, b in pairs) / k
    comps = [(g.var(ddof=1) / len(g) / k**2, len(g) - 1) for pair in pairs for g in pair]
    var = sum(c for c, _ in comps)
    out = {"n_a": n_a, "n_b": n_b, "test": test, "effect": effect, "estimate": float(est)}
    if var == 0:  # no spread at all: the difference is exact
        p = 1.0 if est == 0 else 0.0
        return {**out, "ci_low": float(est), "ci_high": float(est), "p": p, "df": math.inf}
    df = var**2 / sum(c**2 / d for c, d in comps)
    se = math.sqrt(var)
    half = stats.t.ppf(0.5 + level / 2, df) * se
    p = 2 * stats.t.sf(abs(est) / se, df)
    return {**out, "ci_low": float(est - half), "ci_high": float(est + half), "p": float(p),
            "df": float(df)}  # fmt: skip


def _rank_z(pairs: list[Stratum], shift: float) -> float:
    """Van Elteren's standardised statistic for A shifted by -shift vs B (MW with one stratum)."""
    num = den = 0.0
    for a, b in pairs:
        x = np.concatenate([a - shift, b])
        n_a, n_b = len(a), len(b)
        n = n_a + n_b
        ranks = stats.rankdata(x)
        _, counts = np.unique(x, return_counts=True)
        ties = float(((counts**3) - counts).sum())
        var = n_a * n_b / 12 * ((n + 1) - ties / (n * (n - 1)))
        w = 1.0 / (n + 1)  # van Elteren's weight: strata of any size count alike
        num += w * (ranks[:n_a].sum() - n_a * (n + 1) / 2)
        den += w * w * var
    return num / math.sqrt(den) if den > 0 else 0.0


def _bisect(pairs, lo: float, hi: float, pred, iters: int = 40) -> float:
    """Smallest shift in [lo, hi] where `pred(Z(shift))` holds (Z decreases with the shift)."""
    for _ in range(iters):
        mid = (lo + hi) / 2
        if pred(_rank_z(pairs, mid)):
            hi = mid
        else:
            lo = mid
    return hi


def rank_shift(strata: Sequence[Stratum], level: float = 0.95) -> dict:
    """Mann-Whitney (van Elteren over strata) test with the Hodges-Lehmann shift and its interval.

    The p-value is two-sided from the normal approximation with tie correction. The estimate is
    the shift of A that makes the statistic zero and the interval the shifts the test does not
    reject, so interval and p-value always agree. With one stratum the estimate is the median of
    all pairwise differences A - B (Hodges-Lehmann).

    Args:
        strata: ``(a, b)`` value arrays per stratum (NaN ignored).
        level: Confidence level.

    Returns:
        ``estimate``, ``ci_low``, ``ci_high``, ``p``, ``n_a``, ``n_b``, ``test``, ``effect``.
    """
    pairs = [(_clean(a), _clean(b)) for a, b in strata]
    pairs = [(a, b) for a, b in pairs if len(a) and len(b)]
    n_a = sum(len(a) for a, _ in pairs)
    n_b = sum(len(b) for _, b in pairs)
    test = "Mann-Whitney U" if len(pairs) == 1 else f"van Elteren ({len(pairs)} strata)"
    effect = "Hodges-Lehmann shift (A - B)"
    if not pairs or n_a < 2 or n_b < 2:
        return _nan(n_a, n_b, test, effect)
    z0 = _rank_z(pairs, 0.0)
    p = float(2 * stats.norm.sf(abs(z0)))
    zc = stats.norm.ppf(0.5 + level / 2)
    lo = min(a.min() - b.max() for a, b in pairs) - 1.0
    hi = max(a.max() - b.min() for a, b in pairs) + 1.0
    below = _bisect(pairs, lo, hi, lambda z: z < 0)  # first shift with Z < 0
    above = _bisect(pairs, lo, hi, lambda z: z <= 0)  # first shift with Z <= 0
    est = (below + above) / 2
    ci_low = _bisect(pairs, lo, hi, lambda z: z <= zc)
    ci_high = _bisect(pairs, lo, hi, lambda z: z < -zc)
    return {"estimate": float(est), "ci_low": float(ci_low), "ci_high": float(ci_high), "p": p,
            "n_a": n_a, "n_b": n_b, "test": test, "effect": effect}  # fmt: skip


def logrank(
    strata: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], level: float = 0.95
) -> dict:
    """Log-rank test (stratified when given several strata) with Peto's log hazard ratio.

    Args:
        strata: ``(time_a, event_a, time_b, event_b)`` per stratum; ``event`` is 1 when the
            event (e.g. recovery) was seen and 0 when the value is censored.
        level: Confidence level.

    Returns:
        ``estimate`` (log hazard ratio of the event, A vs B: > 0 means A's events come sooner),
        ``ci_low``, ``ci_high``, ``p``, ``n_a``, ``n_b``, ``test``, ``effect``, ``events``.
    """
    o_minus_e = var = 0.0
    n_a = n_b = events = 0
    for ta, ea, tb, eb in strata:
        t = np.concatenate([np.asarray(ta, float), np.asarray(tb, float)])
        e = np.concatenate([np.asarray(ea, bool), np.asarray(eb, bool)])
        g = np.r_[np.ones(len(ta), bool), np.zeros(len(tb), bool)]
        n_a, n_b, events = n_a + len(ta), n_b + len(tb), events + int(e.sum())
        for time in np.unique(t[e]):
            at_risk = t >= time
            n, na = at_risk.sum(), (at_risk & g).sum()
            d = (e & (t == time)).sum()
            da = (e & (t == time) & g).sum()
            o_minus_e += da - d * na / n
            if n > 1:
                var += d * (na / n) * (1 - na / n) * (n - d) / (n - 1)
    test = "log-rank" if len(strata) == 1 else f"stratified log-rank ({len(strata)} strata)"
    effect = "log hazard ratio of the event, A vs B (Peto; > 0: A sooner)"
    if var <= 0:
        return {**_nan(n_a, n_b, test, effect), "events": events}
    z = o_minus_e / math.sqrt(var)
    est = o_minus_e / var
    half = stats.norm.ppf(0.5 + level / 2) / math.sqrt(var)
    return {"estimate": float(est), "ci_low": float(est - half), "ci_high": float(est + half),
            "p": float(2 * stats.norm.sf(abs(z))), "n_a": n_a, "n_b": n_b, "test": test,
            "effect": effect, "events": events}  # fmt: skip


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (NaN stays NaN and does not count).

    Args:
        p_values: Raw p-values of one family.

    Returns:
        Adjusted p-values in the input order: ``min(1, max_{j <= i} (m - j + 1) p_(j))``.
    """
    p = np.asarray(p_values, dtype=float)
    ok = np.flatnonzero(~np.isnan(p))
    out = np.full(len(p), math.nan)
    m = len(ok)
    order = ok[np.argsort(p[ok], kind="stable")]
    running = 0.0
    for j, i in enumerate(order):
        running = max(running, min(1.0, (m - j) * p[i]))
        out[i] = running
    return out.tolist()


def power_replications(kind: str, sd: float, min_effect: float, alpha: float, power: float) -> int:
    """Replications per group a two-sided two-group test needs to detect `min_effect`.

    Normal approximation ``n = 2 ((z_{1-alpha/2} + z_power) sd / effect)^2``, plus one for the t
    distribution; rank tests are inflated by the Mann-Whitney efficiency 3/pi (normal data)
    and log-rank by two (censoring loses information). A planning figure, not a guarantee.

    Args:
        kind: The metric's kind (level, share, skewed, censored).
        sd: Run-to-run standard deviation of the metric (from a calibration run).
        min_effect: The smallest difference worth detecting, in the metric's unit.
        alpha: Two-sided significance level.
        power: Wanted power.

    Returns:
        Replications per group (at least 2; 2 when the metric does not vary).
    """
    if sd <= 0 or not math.isfinite(sd):
        return 2
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    n = 2 * (z * sd / abs(min_effect)) ** 2
    if kind == "skewed":
        n /= 3 / math.pi
    elif kind == "censored":
        n *= 2
    return max(2, math.ceil(n) + 1)
