"""Compiled end-of-day snapshot of the stocks, summed exactly as NumPy sums.

`simulation.core.metrics.DailyRecorder` owns the daily table; this kernel fills one row of its
stocks. Means divide sums that follow NumPy's own order (`np.add.reduce`: pairwise
summation in blocks of eight, halves above 128 values; with `where=`, one pairwise sum per
run of selected values), so the series are the same to the last bit as NumPy's.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels import kernel
from simulation.kernels.ledger import CODES, HIDDEN, IN_HAND, QUEUED

# Columns of the stock row (the order of `simulation.core.metrics.STOCKS`, checked there).
STOCK_COLUMNS = (
    "backlog", "hidden", "mean_trust", "mean_identity", "mean_efficacy", "mean_satisfaction",
    "volunteers_30d", "mean_worker_tie", "mean_partner_tie",
)  # fmt: skip


@kernel
def _block_sum(a, lo, n):
    """NumPy's sum of at most 128 values: eight running sums, combined in pairs, then the rest."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@kernel
def pairwise_sum(a, lo, n):
    """Sum of `a[lo:lo + n]` in NumPy's pairwise order (without its leading 0.0 +).

    Above 128 values NumPy sums the two halves (the first a multiple of eight) and adds
    them. The recursion runs on an explicit stack: Numba cannot cache a function that
    calls itself.
    """
    if n <= 128:
        return _block_sum(a, lo, n)
    depth = 64
    los = np.empty(depth, np.int64)
    ns = np.empty(depth, np.int64)
    right_next = np.zeros(depth, np.bool_)  # the frame's first half is summed
    first = np.empty(depth)
    top = 0
    los[0], ns[0] = lo, n
    while True:
        if ns[top] > 128:
            half = ns[top] // 2
            half -= half % 8
            los[top + 1], ns[top + 1], right_next[top + 1] = los[top], half, False
            top += 1
            continue
        res = _block_sum(a, los[top], ns[top])
        top -= 1
        while top >= 0 and right_next[top]:
            res = first[top] + res
            top -= 1
        if top < 0:
            return res
        first[top] = res
        right_next[top] = True
        half = ns[top] // 2
        half -= half % 8
        los[top + 1], ns[top + 1], right_next[top + 1] = los[top] + half, ns[top] - half, False
        top += 1


@kernel
def numpy_sum(a):
    """`np.add.reduce(a)` of a contiguous 1-D float array, bit for bit."""
    return 0.0 + pairwise_sum(a, 0, len(a))


@kernel
def numpy_masked_sum(a, mask):
    """`np.add.reduce(a, where=mask)` of contiguous 1-D arrays, bit for bit."""
    out = 0.0
    n = len(a)
    i = 0
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]:
                j += 1
            if j - i < 8:  # NumPy sums a short run in order, from 0.0
                run = 0.0
                for k in range(i, j):
                    run += a[k]
                out += run
            else:
                out += pairwise_sum(a, i, j - i)
            i = j
        else:
            i += 1
    return out


@kernel
def snapshot_stocks(row, status, open_ids, day, src):
    """Fill `row` (columns of `STOCK_COLUMNS`) with today's stocks.

    Args:
        row: Today's row of the recorder's stocks.
        status: The need ledger's status column.
        open_ids: The needs not yet resolved or given up.
        day: Today.
        src: The households' and partners' arrays (`simulation.kernels.records.StockSources`).
    """
    hidden = waiting = 0
    for nid in open_ids:
        s = status[nid]
        if s == HIDDEN:
            hidden += 1
        elif s == QUEUED or s == IN_HAND:
            waiting += 1
    attitudes, rated = src.attitudes, src.rated
    n = attitudes.shape[1]
    row[0] = waiting
    row[1] = hidden
    row[2] = numpy_sum(attitudes[1]) / n
    row[3] = numpy_sum(attitudes[0]) / n
    row[4] = numpy_sum(attitudes[2]) / n
    n_rated = 0
    for h in range(n):
        n_rated += rated[h]
    row[5] = numpy_masked_sum(src.satisfaction, rated) / n_rated if n_rated else np.nan
    active = 0
    for h in range(n):
        active += day - src.last_volunteered[h] < src.window
    row[6] = active
    row[7] = numpy_sum(src.worker_tie) / n
    total = numpy_masked_sum(src.partner_tie.ravel(), src.same_street.ravel())
    row[8] = total / src.n_same_street if src.n_same_street else np.nan


@kernel
def frozen_codes():
    """The ledger codes compiled into this module (`simulation.kernels.ledger.CODES`)."""
    return CODES
