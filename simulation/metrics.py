"""Computing the outcomes: daily indicators (collected every step) and the scored summary.

What each outcome means, its unit and direction live in `simulation.outcomes`; this module
computes them. Daily flows (arrivals, resolutions, hours, costs, ratings) are counted into
preallocated arrays as the day runs; stocks (backlog, attitudes, volunteering) are read at
the day's end. Rolling indicators use the last 30 days so a dashboard line is readable. The
summary scores only days after the burn-in and only needs that arose then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulation import needs as nd
from simulation.outcomes import DAILY, MODEL_SUMMARY

if TYPE_CHECKING:
    from simulation.model import GridGovernanceModel

WINDOW = 30

FLOW_COUNTERS = (
    "arrivals", "reported", "discovered", "handled", "escalated", "worker_fixes", "attempts",
    "reopened", "rated", "satisfied", "lost", "cost", "hours_used", "hours_capacity",
    "n_resolved", "resolution_days_sum", "report_days_sum", "volunteer_hours",
    "rereported", "recovered", "gave_up", "escalated_overdue", "disappointed", "admin_hours",
)  # fmt: skip
STOCKS = (
    "backlog", "hidden", "mean_trust", "mean_identity", "mean_efficacy", "mean_satisfaction",
    "volunteers_30d", "mean_worker_tie", "mean_partner_tie",
)  # fmt: skip


class DailyRecorder:
    """Counts the day's flows and snapshots the day's stocks into growing arrays."""

    def __init__(self, model: GridGovernanceModel):
        self.model = model
        size = model.total_days + 1
        self.flow = {name: np.zeros(size) for name in FLOW_COUNTERS}
        self.stock = {name: np.zeros(size) for name in STOCKS}
        self.day = 0

    def _ensure(self, day: int) -> None:
        size = len(self.flow["arrivals"])
        if day < size:
            return
        for table in (self.flow, self.stock):
            for name, arr in table.items():
                table[name] = np.concatenate([arr, np.zeros(max(size, day + 1 - size))])

    def begin_day(self) -> None:
        """Start counting a new day."""
        self.day = self.model.day
        self._ensure(self.day)

    def count(self, name: str, value: float) -> None:
        """Add `value` to today's flow `name`."""
        self.flow[name][self.day] += value

    def resolved(self, ids: np.ndarray) -> None:
        """Record needs resolved today."""
        led = self.model.casework.ledger
        d = self.day
        self.flow["n_resolved"][d] += len(ids)
        self.flow["resolution_days_sum"][d] += float((d - led.t_arise[ids]).sum())
        reported = ids[led.t_first_report[ids] >= 0]
        self.flow["report_days_sum"][d] += float((d - led.t_first_report[reported]).sum())

    def end_day(self) -> None:
        """Snapshot today's stocks."""
        m, d = self.model, self.day
        hh, led, alliance = m.households, m.casework.ledger, m.alliance
        # np.add.reduce / count_nonzero rather than .mean(): this runs every day and the
        # Python-level overhead of .mean() is most of its cost on arrays this size.
        by_status = np.bincount(led.status[m.casework.open_ids], minlength=len(nd.STATUS_NAMES))
        s = self.stock
        s["backlog"][d] = by_status[nd.QUEUED] + by_status[nd.IN_HAND]
        s["hidden"][d] = by_status[nd.HIDDEN]
        att = np.add.reduce(hh.attitudes, axis=1) / hh.n
        s["mean_identity"][d], s["mean_trust"][d], s["mean_efficacy"][d] = att
        n_rated = np.count_nonzero(hh.rated)
        s["mean_satisfaction"][d] = (
            np.add.reduce(hh.satisfaction, where=hh.rated) / n_rated if n_rated else np.nan
        )
        s["volunteers_30d"][d] = np.count_nonzero(d - hh.last_volunteered < WINDOW)
        s["mean_worker_tie"][d] = np.add.reduce(hh.worker_tie) / hh.n
        s["mean_partner_tie"][d] = np.add.reduce(
            alliance.partner_tie, where=alliance.same_street, axis=None
        ) / (alliance.n_same_street)

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
        """Every daily outcome of `simulation.outcomes.DAILY` over `days`, in its order.

        Rolling indicators sum the last `WINDOW` days within `days`, so `days` must start on
        day 1 or at least `WINDOW - 1` days before the last day wanted.
        """
        f = {k: v[days] for k, v in self.flow.items()}
        stock = {k: v[days] for k, v in self.stock.items()}

        def rolling(x):
            c = np.concatenate([[0.0], np.cumsum(x)])
            lo = np.maximum(np.arange(1, len(x) + 1) - WINDOW, 0)
            return c[1:] - c[lo]

        def ratio(a, b):
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)

        out = {
            "arrivals": f["arrivals"],
            "reported": f["reported"],
            "discovered": f["discovered"],
            "entered": f["reported"] + f["discovered"],
            "resolved": f["n_resolved"],
            "escalated": f["escalated"],
            "backlog": stock["backlog"],
            "hidden": stock["hidden"],
            "resolution_days_30d": ratio(
                rolling(f["resolution_days_sum"]), rolling(f["n_resolved"])
            ),
            "satisfaction_rate_30d": ratio(rolling(f["satisfied"]), rolling(f["rated"])),
            "escalated_per_handled_30d": ratio(rolling(f["escalated"]), rolling(f["handled"])),
            "worker_utilisation": ratio(f["hours_used"], f["hours_capacity"]),
            "cost": f["cost"] + f["hours_capacity"] * self.model.p["hour_cost"],
            "volunteer_hours_30d": rolling(f["volunteer_hours"]),
        }
        out.update({name: stock[name] for name in STOCKS[2:]})
        return {name: out[name] for name in DAILY}


def summarise(model: GridGovernanceModel) -> dict[str, float]:  # long: one line per outcome
    """Scored-period summary metrics of a model that has been run.

    Args:
        model: A stepped model.

    Returns:
        One value per name of `simulation.outcomes.MODEL_SUMMARY` (NaN where undefined, e.g.
        nothing resolved).
    """
    p, led, rec, alliance = model.p, model.casework.ledger, model.recorder, model.alliance
    burn, end = p["burn_in_days"], model.day
    days = max(end - burn, 1)
    ts = rec.frame()
    scored = ts[ts["scored"]]
    flow = {k: v[burn + 1 : end + 1].sum() for k, v in rec.flow.items()}

    arisen = led.t_arise > burn
    resolved = arisen & (led.status == nd.RESOLVED)
    entered = arisen & (led.t_first_report >= 0)
    res_days = (led.t_resolve - led.t_arise)[resolved]
    rep_res = resolved & (led.t_first_report >= 0)
    rep_days = (led.t_resolve - led.t_first_report)[rep_res]

    def share(mask_num, mask_den):
        den = np.count_nonzero(mask_den)
        return np.count_nonzero(mask_num & mask_den) / den if den else np.nan

    def mean(x):
        return float(np.mean(x)) if len(x) else np.nan

    def median(x):
        return float(np.median(x)) if len(x) else np.nan

    within7 = resolved & ((led.t_resolve - led.t_first_report) <= 7)
    elderly_days = (led.t_resolve - led.t_arise)[resolved & led.elderly]
    other_days = (led.t_resolve - led.t_arise)[resolved & ~led.elderly]
    n_workers = model.n_grids * p["workers_per_grid"]
    total_cost = flow["cost"] + flow["hours_capacity"] * p["hour_cost"]
    member_pairs = alliance.same_street & alliance.partner_member[None, :]
    ties = alliance.partner_tie[member_pairs]
    values = {
        "resolution_days_mean": mean(res_days),
        "resolution_days_median": median(res_days),
        "report_to_resolution_days_mean": mean(rep_days),
        "report_to_resolution_days_median": median(rep_days),
        "resolved_within_7d": share(within7, entered & (led.t_first_report <= end - 7)),
        "backlog_mean": float(scored["backlog"].mean()),
        "throughput_per_worker": flow["n_resolved"] / (n_workers * days),
        "worker_utilisation": flow["hours_used"] / flow["hours_capacity"]
        if flow["hours_capacity"]
        else np.nan,
        "cost_per_resolved": total_cost / flow["n_resolved"] if flow["n_resolved"] else np.nan,
        "escalation_rate": share(led.escalated, entered),
        "resolved_in_grid_share": share(led.resolver != nd.DEPARTMENT, resolved),
        "resolution_rate": share(
            led.status == nd.RESOLVED, entered & (led.t_first_report <= end - 15)
        ),
        "mean_fit": mean(led.fit[resolved]),
        "satisfaction_rate": flow["satisfied"] / flow["rated"] if flow["rated"] else np.nan,
        "reopen_rate": flow["reopened"] / flow["attempts"] if flow["attempts"] else np.nan,
        "hidden_share": share(
            (led.t_first_report < 0) & (led.status != nd.RESOLVED),
            arisen & (led.t_arise <= end - 30),
        ),
        "elderly_gap_days": mean(elderly_days) - mean(other_days),
        "volunteers_30d": float(scored["volunteers_30d"].mean()),
        "volunteer_hours_30d": float(scored["volunteer_hours_30d"].mean()),
        "mean_trust": float(scored["mean_trust"].mean()),
        "mean_identity": float(scored["mean_identity"].mean()),
        "alliance_density": float((ties >= 0.5).sum() / alliance.same_street.sum()),
        "alliance_tie_mean": float(ties.mean()) if len(ties) else 0.0,
        "reported_per_grid_day": (flow["reported"] + flow["discovered"]) / (model.n_grids * days),
        "arrivals_per_grid_day": flow["arrivals"] / (model.n_grids * days),
    }
    return {name: values[name] for name in MODEL_SUMMARY}
