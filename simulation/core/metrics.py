"""Computing the outcomes: daily indicators (collected every step) and the scored summary.

Each outcome's formula is written in its registry entry (`compute` in
`simulation/core/outcomes.toml`), next to what it means; this module provides what the formulas
read. Daily flows (arrivals, resolutions, hours, costs, ratings) are counted into preallocated
arrays as the day runs; stocks (backlog, attitudes, volunteering) are read at the day's end.
A daily formula is evaluated once over a span of days, vectorised (`DAILY_NAMES`); rolling
indicators use the last 30 days so a dashboard line is readable. The summary (`SUMMARY_NAMES`)
scores only days after the burn-in and only needs that arose then.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from simulation.core import needs as nd
from simulation.core.outcomes import DAILY, SUMMARY, Outcome
from simulation.kernels import CallSite
from simulation.kernels.recording import STOCK_COLUMNS, snapshot_stocks
from simulation.kernels.records import StockSources

if TYPE_CHECKING:
    from simulation.core.model import GridGovernanceModel

WINDOW = 30

FLOW_COUNTERS = (
    "arrivals", "reported", "discovered", "handled", "escalated", "worker_fixes", "attempts",
    "reopened", "rated", "satisfied", "lost", "cost", "hours_used", "hours_capacity",
    "n_resolved", "resolution_days_sum", "report_days_sum", "volunteer_hours",
    "rereported", "recovered", "gave_up", "escalated_overdue", "disappointed", "admin_hours",
    "dispatched",
)  # fmt: skip
STOCKS = STOCK_COLUMNS  # read at the day's end (`simulation.kernels.recording`)
#: The model's own summary outcomes, in column order.
_MODEL_SUMMARY = tuple(o for o in SUMMARY.values() if o.computed_by == "model")


def total_cost(flow: Any, p: dict[str, Any]) -> Any:
    """Money spent: worker hours paid plus partner fees, escalations and mechanism costs.

    The one cost formula: the daily `cost` column and the summary `cost_per_resolved` both use
    it (over a day's counters or the scored period's sums).

    Args:
        flow: Flow counters with `cost` (money other than wages) and `hours_capacity` (worker
            hours paid), as arrays or as sums.
        p: The model's parameters (`hour_cost`, yuan per worker hour).
    """
    return flow.cost + flow.hours_capacity * p["hour_cost"]


def _rolling(x: np.ndarray) -> np.ndarray:
    """Sum of each day and the `WINDOW` - 1 days before it (fewer at the start)."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    lo = np.maximum(np.arange(1, len(x) + 1) - WINDOW, 0)
    return c[1:] - c[lo]


def _day_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Day by day a / b, NaN where b is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


#: What a daily formula may read; each array covers the span of days asked for.
DAILY_NAMES = {
    "flow": "the day's flow counters (`FLOW_COUNTERS`) as attributes: flow.n_resolved",
    "stock": "the day-end stocks (`STOCKS`) as attributes: stock.backlog",
    "p": "the model's parameters",
    "rolling": "rolling(x): the sum over the last 30 days (`WINDOW`)",
    "ratio": "ratio(a, b): a / b day by day, NaN where b is 0",
    "total_cost": "total_cost(flow, p): money spent (`total_cost`)",
}


class DailyRecorder:
    """Counts the day's flows and snapshots the day's stocks into growing arrays."""

    def __init__(self, model: GridGovernanceModel):
        self.model = model
        size = model.total_days + 1
        #: Column of each flow counter in `flows` (the compiled phases add to today's row).
        self.column = {name: i for i, name in enumerate(FLOW_COUNTERS)}
        self._flows = np.zeros((size, len(FLOW_COUNTERS)))
        self._stocks = np.zeros((size, len(STOCKS)))
        self.flow, self.stock = self._columns()
        self.day = 0
        self._snapshot = CallSite(snapshot_stocks)
        self._sources: StockSources | None = None  # the model's arrays, once it has them

    def __setstate__(self, state: dict) -> None:
        # A copy or an unpickled model: the named columns must be views of its tables again.
        self.__dict__.update(state)
        self.flow, self.stock = self._columns()

    def _columns(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        return (
            {name: self._flows[:, i] for name, i in self.column.items()},
            {name: self._stocks[:, i] for i, name in enumerate(STOCKS)},
        )

    def _ensure(self, day: int) -> None:
        size = len(self._flows)
        if day < size:
            return
        extra = max(size, day + 1 - size)
        self._flows = np.concatenate([self._flows, np.zeros((extra, len(FLOW_COUNTERS)))])
        self._stocks = np.concatenate([self._stocks, np.zeros((extra, len(STOCKS)))])
        self.flow, self.stock = self._columns()

    def begin_day(self) -> None:
        """Start counting a new day."""
        self.day = self.model.day
        self._ensure(self.day)

    @property
    def today(self) -> np.ndarray:
        """Today's row of flow counters (a view; columns as in `column`)."""
        return self._flows[self.day]

    def count(self, name: str, value: float) -> None:
        """Add `value` to today's flow `name`."""
        self._flows[self.day, self.column[name]] += value

    def end_day(self) -> None:
        """Snapshot today's stocks: backlog and hidden needs, mean attitudes and ties.

        Means are over all households (satisfaction: over those that have rated), and for
        the partner tie over the grid–partner pairs of the same street; compiled in
        `simulation.kernels.recording`, summed in NumPy's order.
        """
        m = self.model
        if self._sources is None:  # the households and the alliance are built after this
            hh, al = m.households, m.alliance
            self._sources = StockSources(
                attitudes=hh.attitudes,
                satisfaction=hh.satisfaction,
                rated=hh.rated,
                last_volunteered=hh.last_volunteered,
                window=WINDOW,
                worker_tie=hh.worker_tie,
                partner_tie=al.partner_tie,
                same_street=al.same_street,
                n_same_street=int(al.n_same_street),
            )
        led = m.casework.ledger
        self._snapshot(
            self._stocks[self.day], led.status, m.casework.open_ids, self.day, self._sources
        )

    def frame(self, upto: int | None = None) -> pd.DataFrame:
        """Daily indicators for days 1..`upto` (default: today) as a DataFrame."""
        n = self.day if upto is None else upto
        day = np.arange(1, n + 1)
        out = {"day": day, "scored": day > self.model.p["burn_in_days"]}
        out.update(self._indicators(slice(1, n + 1)))
        return pd.DataFrame(out)

    def latest(self) -> dict[str, float]:
        """Today's indicators (the last row of `frame()`), cheap enough for every step."""
        d = self.day
        if d == 0:
            return {name: float("nan") for name in DAILY}
        # Only the last WINDOW days enter today's rolling sums.
        window = self._indicators(slice(max(1, d - WINDOW + 1), d + 1))
        return {name: float(values[-1]) for name, values in window.items()}

    def _indicators(self, days: slice) -> dict[str, np.ndarray]:
        """Every daily outcome of `simulation.core.outcomes.DAILY` over `days`, in its order.

        Rolling indicators sum the last `WINDOW` days within `days`, so `days` must start on
        day 1 or at least `WINDOW - 1` days before the last day wanted.
        """
        names = self.names(days)
        return {name: o.evaluate(names) for name, o in DAILY.items()}

    def names(self, days: slice) -> dict[str, Any]:
        """The names a daily formula reads (`DAILY_NAMES`), bound over `days`."""
        return {
            "flow": SimpleNamespace(**{k: v[days] for k, v in self.flow.items()}),
            "stock": SimpleNamespace(**{k: v[days] for k, v in self.stock.items()}),
            "p": self.model.p,
            "rolling": _rolling,
            "ratio": _day_ratio,
            "total_cost": total_cost,
        }


def kaplan_meier(events: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival curve: its distinct times and S(t) at each.

    S(t) = Π over distinct times u ≤ t of (at risk at u − events at u) / at risk at u, the
    same operations in the same order as SciPy's `stats.ecdf` for right-censored data (tested
    equal to the bit), without importing `scipy.stats` (a third of a second per process).

    Args:
        events: Durations that ended in the event (at least one).
        censored: Durations censored (right).
    """
    times = np.concatenate((events, censored))
    died = np.concatenate((np.ones(len(events), int), np.zeros(len(censored), int)))
    order = np.argsort(times)
    times, died = times[order], died[order]
    at_risk = np.arange(times.size, 0, -1)
    edge = np.diff(times, prepend=-np.inf, append=np.inf) > 0
    first, last = edge[:-1], edge[1:]  # first and last instance of each distinct time
    deaths = np.diff(np.cumsum(died)[last], prepend=0)
    n = at_risk[first]
    return times[first], np.cumprod((n - deaths) / n)


def km_summary(durations: np.ndarray, observed: np.ndarray, tau: float) -> tuple[float, float]:
    """Kaplan-Meier median and restricted mean of right-censored durations.

    The survival curve S(t) (the share whose event has not happened by t) is the
    Kaplan-Meier estimate (`kaplan_meier`, the same numbers as `scipy.stats.ecdf` of
    right-censored `scipy.stats.CensoredData`).

    Args:
        durations: Time to the event, or to censoring where `observed` is False (>= 0).
        observed: True where the event happened, False where the duration is censored.
        tau: Horizon of the restricted mean (> 0).

    Returns:
        ``(median, rmst)``: the first time with S(t) <= 0.5 (NaN when S never falls that low,
        e.g. most durations censored), and the integral of S from 0 to `tau`. Beyond the last
        observed time S is held at its last value (censored durations are not assumed to end),
        so the restricted mean is defined for any non-empty input. Both are NaN without data.
    """
    d = np.asarray(durations, dtype=float)
    obs = np.asarray(observed, dtype=bool)
    if len(d) == 0 or not tau > 0:
        return np.nan, np.nan
    if not obs.any():  # nothing ever happened: S stays 1 (SciPy needs one event)
        return np.nan, float(tau)
    times, surv = kaplan_meier(d[obs], d[~obs])
    below = np.flatnonzero(surv <= 0.5)
    median = float(times[below[0]]) if len(below) else np.nan
    # S is a right-continuous step: 1 on [0, t_0), surv[i] on [t_i, t_{i+1}), surv[-1] to tau.
    knots = np.minimum(np.concatenate([[0.0], times, [tau]]), tau)
    rmst = float(np.dot(np.concatenate([[1.0], surv]), np.diff(knots)))
    return median, rmst


def backlog_overload(backlog: np.ndarray) -> tuple[float, float]:
    """Trend of a scored daily backlog series and whether it is saturating.

    Args:
        backlog: Backlog at the end of each scored day, in day order.

    Returns:
        ``(trend, saturated)``: the least-squares slope over the second half of the days (the
        later half when the count is odd), in cases per 100 days; and 1.0 when that slope times
        the second half's length exceeds ``max(10, 0.5 * mean backlog of the first half)``,
        else 0.0. Both NaN with fewer than four days.
    """
    y = np.asarray(backlog, dtype=float)
    n = len(y)
    if n < 4:
        return np.nan, np.nan
    first, second = y[: n // 2], y[n // 2 :]
    x = np.arange(len(second)) - (len(second) - 1) / 2
    slope = float(np.dot(x, second - second.mean()) / np.dot(x, x))
    growth = slope * len(second)
    saturated = float(growth > max(10.0, 0.5 * float(first.mean())))
    return slope * 100.0, saturated


class KM(NamedTuple):
    """Kaplan-Meier figures of one group of needs (`km_summary`)."""

    median: float
    rmst: float


class Overload(NamedTuple):
    """Whether the scored backlog keeps growing (`backlog_overload`)."""

    trend: float
    saturated: float


def _share(mask_num: np.ndarray, mask_den: np.ndarray) -> float:
    den = np.count_nonzero(mask_den)
    return np.count_nonzero(mask_num & mask_den) / den if den else np.nan


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else np.nan


def _median(x: np.ndarray) -> float:
    return float(np.median(x)) if len(x) else np.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b else np.nan


#: What a summary formula may read, over the scored period (days after the burn-in).
SUMMARY_NAMES = {
    "flow": "the flow counters summed over the scored days, as attributes: flow.n_resolved",
    "scored": "the daily series' scored rows (a DataFrame): scored.backlog",
    "day_backlog": "the day-end backlog of every day (index = day)",
    "led": "the need ledger: one entry per need (status, t_arise, t_resolve, fit, ...)",
    "t_arise": "day each need arose",
    "t_first": "day each need was first reported or discovered (-1: never)",
    "is_resolved": "needs resolved",
    "abandoned": "needs their households gave up",
    "arisen": "needs that arose in the scored period",
    "first_entered": "needs that first entered the queue (reported or found) in the scored period",
    "km": "km(start, mask): Kaplan-Meier median and rmst from `start` to resolution of the "
    "needs in `mask`, censored at giving up or at the end (`km_summary`, tau = `days`)",
    "overload": "the scored backlog's trend and saturation (`backlog_overload`)",
    "member_ties": "ties of same-street grid-partner pairs whose partner is an alliance member",
    "same_street_pairs": "number of same-street grid-partner pairs",
    "DEPARTMENT": "the resolver code of the line department",
    "end": "the last day run",
    "days": "scored days (at least 1)",
    "n_grids": "grids in the street",
    "n_workers": "grid workers in the street",
    "p": "the model's parameters",
    "share": "share(num, den): share of the needs in mask `den` also in `num` (NaN if none)",
    "mean": "mean(x), NaN when empty",
    "median": "median(x), NaN when empty",
    "ratio": "ratio(a, b): a / b, NaN where b is 0",
    "count": "count(mask): how many are True",
    "total_cost": "total_cost(flow, p): money spent (`total_cost`)",
    "float": "float(x)",
    "len": "len(x)",
}


def _durations(start, stop, observed, abandoned, t_abandon, end):
    """Durations from `start` to the event (`stop`), to giving up, or to the end (censored)."""
    until = np.where(observed, stop, np.where(abandoned, t_abandon, end))
    return until - start


def scored_names(model: GridGovernanceModel) -> dict[str, Any]:
    """The names a summary formula reads (`SUMMARY_NAMES`), bound for a model that has run."""
    p, led, rec, alliance = model.p, model.casework.ledger, model.recorder, model.alliance
    burn, end = p["burn_in_days"], model.day
    days = max(end - burn, 1)
    ts = rec.frame()
    t_arise, t_first = led.t_arise, led.t_first_report
    is_resolved = led.status == nd.RESOLVED
    abandoned = led.status == nd.ABANDONED

    fitted: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, KM]] = {}

    def km(start: np.ndarray, mask: np.ndarray) -> KM:
        # A group's median and rmst are two formulas: fit the group once. The cache holds the
        # arrays themselves, so no id in a key can be reused by a later temporary array.
        key = (id(start), id(mask))
        if key not in fitted:
            d = _durations(start[mask], led.t_resolve[mask], is_resolved[mask], abandoned[mask],
                           led.t_abandon[mask], end)  # fmt: skip
            fitted[key] = (start, mask, KM(*km_summary(d, is_resolved[mask], days)))
        return fitted[key][2]

    member_pairs = alliance.same_street & alliance.partner_member[None, :]
    return {
        "flow": SimpleNamespace(**{k: v[burn + 1 : end + 1].sum() for k, v in rec.flow.items()}),
        "scored": ts[ts["scored"]],
        "day_backlog": rec.stock["backlog"],
        "led": led,
        "t_arise": t_arise,
        "t_first": t_first,
        "is_resolved": is_resolved,
        "abandoned": abandoned,
        "arisen": t_arise > burn,
        "first_entered": (t_first > burn) & (t_first <= end),
        "km": km,
        "overload": Overload(*backlog_overload(rec.stock["backlog"][burn + 1 : end + 1])),
        "member_ties": alliance.partner_tie[member_pairs],
        "same_street_pairs": alliance.same_street.sum(),
        "DEPARTMENT": nd.DEPARTMENT,
        "end": end,
        "days": days,
        "n_grids": model.n_grids,
        "n_workers": model.n_grids * p["workers_per_grid"],
        "p": p,
        "share": _share,
        "mean": _mean,
        "median": _median,
        "ratio": _ratio,
        "count": np.count_nonzero,
        "total_cost": total_cost,
        "float": float,
        "len": len,
    }


def summarise(model: GridGovernanceModel) -> dict[str, float]:
    """Scored-period summary metrics of a model that has been run.

    Times to resolution are Kaplan-Meier estimates with needs still open at the end censored
    there and needs given up censored on that day (a competing-risk simplification: giving up
    is treated as if it hid a resolution still to come), so an overloaded street's unresolved
    needs count against it rather than dropping out. The horizon of the restricted means is
    the scored period's length.

    Args:
        model: A stepped model.

    Returns:
        One value per name of `simulation.core.outcomes.MODEL_SUMMARY` (NaN where undefined, e.g.
        nothing resolved).
    """
    names = scored_names(model)
    return {o.name: o.evaluate(names) for o in _MODEL_SUMMARY}


def check_inputs(daily: Iterable[Outcome], summary: Iterable[Outcome]) -> None:
    """Check that each formula reads only names this module binds (`DAILY_NAMES`, ...).

    Raises:
        ValueError: Naming the first outcome whose formula reads an unknown name.
    """
    for formulas, known in ((daily, DAILY_NAMES), (summary, SUMMARY_NAMES)):
        for o in formulas:
            unknown = sorted(o.inputs - set(known))
            if unknown:
                raise ValueError(
                    f"outcomes.toml: [{o.frequency}.{o.name}] compute reads unknown "
                    f"{', '.join(unknown)}; known: {', '.join(known)}"
                )


check_inputs(DAILY.values(), _MODEL_SUMMARY)  # a typo in a formula fails at import
