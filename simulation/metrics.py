"""Outcome metrics: daily indicators (collected every step) and the scored-period summary.

Daily flows (arrivals, resolutions, hours, costs, ratings) are counted into preallocated
arrays as the day runs; stocks (backlog, attitudes, volunteering) are read at the day's end.
Rolling indicators use the last 30 days so a dashboard line is readable. The summary scores
only days after the burn-in and only needs that arose then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulation import needs as nd

if TYPE_CHECKING:
    from simulation.model import GridGovernanceModel

WINDOW = 30

FLOW_COUNTERS = (
    "arrivals", "reported", "discovered", "handled", "escalated", "worker_fixes", "attempts",
    "reopened", "rated", "satisfied", "lost", "cost", "hours_used", "hours_capacity",
    "n_resolved", "resolution_days_sum", "report_days_sum", "volunteer_hours",
)  # fmt: skip
STOCKS = (
    "backlog", "hidden", "mean_trust", "mean_identity", "mean_efficacy", "mean_satisfaction",
    "volunteers_30d", "mean_worker_tie", "mean_partner_tie",
)  # fmt: skip

#: Daily time-series columns, with their meaning.
DAILY_METRICS: dict[str, str] = {
    "arrivals": "needs that arose today",
    "reported": "needs reported by households today",
    "discovered": "hidden needs discovered by patrol today",
    "entered": "needs that entered the case system today (reported + discovered)",
    "resolved": "needs resolved today",
    "escalated": "needs escalated to the line department today",
    "backlog": "open needs in the case system (queued or in hand) at day end",
    "hidden": "open needs nobody has reported yet at day end",
    "mean_resolution_days": "mean days from arising to resolution, last 30 days",
    "satisfaction_rate": "share of ratings with S > 0.6, last 30 days",
    "escalation_rate": "escalations per handled case, last 30 days",
    "worker_utilisation": "worker hours used / paid, today",
    "cost": "money spent today (worker hours, fees, escalations, mechanism costs), yuan",
    "mean_trust": "mean trust T",
    "mean_identity": "mean identity I",
    "mean_efficacy": "mean self-efficacy E",
    "mean_satisfaction": "mean satisfaction S of households with any experience",
    "volunteers_30d": "households that volunteered in the last 30 days",
    "volunteer_hours_30d": "volunteering hours in the last 30 days",
    "mean_worker_tie": "mean worker-household tie",
    "mean_partner_tie": "mean worker-partner tie (same street)",
}

#: Scored-period summary metrics: name -> (direction, meaning). Direction +1 means higher is
#: better, -1 lower is better, 0 neutral.
SUMMARY_METRICS: dict[str, tuple[int, str]] = {
    # efficiency
    "resolution_days_mean": (-1, "mean days from arising to resolution"),
    "resolution_days_median": (-1, "median days from arising to resolution"),
    "report_to_resolution_days_mean": (-1, "mean days from report/discovery to resolution"),
    "report_to_resolution_days_median": (-1, "median days from report/discovery to resolution"),
    "resolved_within_7d": (1, "share of cases resolved within 7 days of entering"),
    "backlog_mean": (-1, "mean daily backlog of open cases"),
    "throughput_per_worker": (1, "resolved needs per worker per day"),
    "worker_utilisation": (0, "worker hours used / paid"),
    "cost_per_resolved": (-1, "total cost / resolved needs, yuan"),
    "escalation_rate": (-1, "share of cases escalated to the line department"),
    "resolved_in_grid_share": (1, "share of resolutions made inside the grid (not department)"),
    # quality
    "resolution_rate": (1, "share of cases resolved (cases entering ≥15 days before the end)"),
    "mean_fit": (1, "mean fit of resolutions"),
    "satisfaction_rate": (1, "share of ratings with S > 0.6"),
    "reopen_rate": (-1, "share of fixes that failed and reopened"),
    "hidden_share": (-1, "share of needs never reported nor resolved"),
    "elderly_gap_days": (-1, "mean resolution days, elderly minus other households"),
    # community
    "volunteers_30d": (1, "households volunteering in the last 30 days (mean)"),
    "volunteer_hours_30d": (1, "volunteering hours in the last 30 days (mean)"),
    "mean_trust": (1, "mean trust"),
    "mean_identity": (1, "mean identity"),
    "alliance_density": (1, "share of grid-partner pairs in the alliance with tie ≥ 0.5"),
    "alliance_tie_mean": (1, "mean grid-partner tie among alliance members"),
    # calibration
    "reported_per_grid_day": (0, "cases entering the system per grid per day"),
    "arrivals_per_grid_day": (0, "needs arising per grid per day"),
}


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
        led = self.model.ledger
        d = self.day
        self.flow["n_resolved"][d] += len(ids)
        self.flow["resolution_days_sum"][d] += float((d - led.t_arise[ids]).sum())
        reported = ids[led.t_report[ids] >= 0]
        self.flow["report_days_sum"][d] += float((d - led.t_report[reported]).sum())

    def end_day(self) -> None:
        """Snapshot today's stocks."""
        m, d = self.model, self.day
        hh, led = m.households, m.ledger
        # np.add.reduce / count_nonzero rather than .mean(): this runs every day and the
        # Python-level overhead of .mean() is most of its cost on arrays this size.
        by_status = np.bincount(led.status[m.open_ids], minlength=len(nd.STATUS_NAMES))
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
        s["mean_partner_tie"][d] = np.add.reduce(m.partner_tie, where=m.same_street, axis=None) / (
            m.n_same_street
        )
        self.flow["volunteer_hours"][d] = m.volunteer_hours_today

    def frame(self, upto: int | None = None) -> pd.DataFrame:
        """Daily indicators for days 1..`upto` (default: today) as a DataFrame."""
        n = self.day if upto is None else upto
        f = {k: v[1 : n + 1] for k, v in self.flow.items()}

        def rolling(x):
            c = np.concatenate([[0.0], np.cumsum(x)])
            lo = np.maximum(np.arange(1, len(x) + 1) - WINDOW, 0)
            return c[1:] - c[lo]

        def ratio(a, b):
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)

        day = np.arange(1, n + 1)
        out = {
            "day": day,
            "scored": day > self.model.p["burn_in_days"],
            "arrivals": f["arrivals"],
            "reported": f["reported"],
            "discovered": f["discovered"],
            "entered": f["reported"] + f["discovered"],
            "resolved": f["n_resolved"],
            "escalated": f["escalated"],
            "backlog": self.stock["backlog"][1 : n + 1],
            "hidden": self.stock["hidden"][1 : n + 1],
            "mean_resolution_days": ratio(
                rolling(f["resolution_days_sum"]), rolling(f["n_resolved"])
            ),
            "satisfaction_rate": ratio(rolling(f["satisfied"]), rolling(f["rated"])),
            "escalation_rate": ratio(rolling(f["escalated"]), rolling(f["handled"])),
            "worker_utilisation": ratio(f["hours_used"], f["hours_capacity"]),
            "cost": f["cost"] + f["hours_capacity"] * self.model.p["hour_cost"],
        }
        for name in STOCKS[2:]:
            out[name] = self.stock[name][1 : n + 1]
        out["volunteer_hours_30d"] = rolling(f["volunteer_hours"])
        df = pd.DataFrame(out)
        return df[["day", "scored", *DAILY_METRICS]]

    def latest(self) -> dict[str, float]:
        """Today's indicators (same values as the last row of `frame()`), cheap every step."""
        d = self.day
        if d == 0:
            return {name: float("nan") for name in DAILY_METRICS}
        lo = max(1, d - WINDOW + 1)
        f = {k: v[d] for k, v in self.flow.items()}
        w = {k: v[lo : d + 1].sum() for k, v in self.flow.items()}

        def ratio(a, b):
            return float(a / b) if b > 0 else float("nan")

        out = {
            "arrivals": f["arrivals"],
            "reported": f["reported"],
            "discovered": f["discovered"],
            "entered": f["reported"] + f["discovered"],
            "resolved": f["n_resolved"],
            "escalated": f["escalated"],
            "backlog": self.stock["backlog"][d],
            "hidden": self.stock["hidden"][d],
            "mean_resolution_days": ratio(w["resolution_days_sum"], w["n_resolved"]),
            "satisfaction_rate": ratio(w["satisfied"], w["rated"]),
            "escalation_rate": ratio(w["escalated"], w["handled"]),
            "worker_utilisation": ratio(f["hours_used"], f["hours_capacity"]),
            "cost": f["cost"] + f["hours_capacity"] * self.model.p["hour_cost"],
            "volunteer_hours_30d": w["volunteer_hours"],
        }
        out.update({name: self.stock[name][d] for name in STOCKS[2:]})
        return {name: float(out[name]) for name in DAILY_METRICS}


def summarise(model: GridGovernanceModel) -> dict[str, float]:
    """Scored-period summary metrics of a model that has been run.

    Args:
        model: A stepped model.

    Returns:
        One value per key of `SUMMARY_METRICS` (NaN where undefined, e.g. nothing resolved).
    """
    p, led, rec = model.p, model.ledger, model.recorder
    burn, end = p["burn_in_days"], model.day
    days = max(end - burn, 1)
    ts = rec.frame()
    scored = ts[ts["scored"]]
    flow = {k: v[burn + 1 : end + 1].sum() for k, v in rec.flow.items()}

    arisen = led.t_arise > burn
    resolved = arisen & (led.status == nd.RESOLVED)
    entered = arisen & (led.t_report >= 0)
    res_days = (led.t_resolve - led.t_arise)[resolved]
    rep_res = resolved & (led.t_report >= 0)
    rep_days = (led.t_resolve - led.t_report)[rep_res]

    def share(mask_num, mask_den):
        den = np.count_nonzero(mask_den)
        return np.count_nonzero(mask_num & mask_den) / den if den else np.nan

    def mean(x):
        return float(np.mean(x)) if len(x) else np.nan

    def median(x):
        return float(np.median(x)) if len(x) else np.nan

    within7 = resolved & ((led.t_resolve - led.t_report) <= 7)
    elderly_days = (led.t_resolve - led.t_arise)[resolved & led.elderly]
    other_days = (led.t_resolve - led.t_arise)[resolved & ~led.elderly]
    n_workers = model.n_grids * p["workers_per_grid"]
    total_cost = flow["cost"] + flow["hours_capacity"] * p["hour_cost"]
    member_pairs = model.same_street & model.partner_member[None, :]
    ties = model.partner_tie[member_pairs]
    return {
        "resolution_days_mean": mean(res_days),
        "resolution_days_median": median(res_days),
        "report_to_resolution_days_mean": mean(rep_days),
        "report_to_resolution_days_median": median(rep_days),
        "resolved_within_7d": share(within7, entered & (led.t_report <= end - 7)),
        "backlog_mean": float(scored["backlog"].mean()),
        "throughput_per_worker": flow["n_resolved"] / (n_workers * days),
        "worker_utilisation": flow["hours_used"] / flow["hours_capacity"]
        if flow["hours_capacity"]
        else np.nan,
        "cost_per_resolved": total_cost / flow["n_resolved"] if flow["n_resolved"] else np.nan,
        "escalation_rate": share(led.escalated, entered),
        "resolved_in_grid_share": share(led.resolver != nd.DEPARTMENT, resolved),
        "resolution_rate": share(led.status == nd.RESOLVED, entered & (led.t_report <= end - 15)),
        "mean_fit": mean(led.fit[resolved]),
        "satisfaction_rate": flow["satisfied"] / flow["rated"] if flow["rated"] else np.nan,
        "reopen_rate": flow["reopened"] / flow["attempts"] if flow["attempts"] else np.nan,
        "hidden_share": share(
            (led.t_report < 0) & (led.status != nd.RESOLVED), arisen & (led.t_arise <= end - 30)
        ),
        "elderly_gap_days": mean(elderly_days) - mean(other_days),
        "volunteers_30d": float(scored["volunteers_30d"].mean()),
        "volunteer_hours_30d": float(scored["volunteer_hours_30d"].mean()),
        "mean_trust": float(scored["mean_trust"].mean()),
        "mean_identity": float(scored["mean_identity"].mean()),
        "alliance_density": float((ties >= 0.5).sum() / model.same_street.sum()),
        "alliance_tie_mean": float(ties.mean()) if len(ties) else 0.0,
        "reported_per_grid_day": (flow["reported"] + flow["discovered"]) / (model.n_grids * days),
        "arrivals_per_grid_day": flow["arrivals"] / (model.n_grids * days),
    }
