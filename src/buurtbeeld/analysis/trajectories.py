"""Trajectories of hotspots over periods, as an emerging hotspot analysis does.

Per region and period the input is whether it was a *problem spot* (a significant Gi* cluster in
the unfavourable direction: hot for "hoger is ongunstiger", cold for "hoger is gunstiger") and its
intensity (the Gi* z-score, sign turned so that higher is more unfavourable). The rules, in order
(``n`` periods, ``share`` = problem periods / n, ``last`` = problem in the last period):

1. ``aanhoudend`` (persistent): last, and share >= 90 %, and no significant trend.
2. ``toenemend`` (intensifying): as 1, with a significant increasing Mann-Kendall trend of the
   intensity (two-sided p < 0.05).
3. ``afnemend`` (diminishing): as 1, with a significant decreasing trend.
4. ``nieuw`` (new): last, and never before (at least two periods).
5. ``opkomend`` (consecutive): last, an unbroken run of two or more periods at the end, never
   before that run, share < 90 %.
6. ``sporadisch`` (sporadic): last, share < 90 %, on and off before.
7. ``verdwenen`` (historical): not last, but a problem spot in at least 90 % of the earlier
   periods.
8. ``geen``: anything else (never, or now and then but not now).

A trajectory needs two periods at least. With fewer than ``MIN_TREND_PERIODS`` periods no trend can be significant and rule 1 applies.
The Mann-Kendall test is Kendall's tau between time and the series: ``scipy.stats.kendalltau``
(exact distribution for short series without ties, normal approximation with tie correction
otherwise). We use SciPy instead of a Mann-Kendall package: SciPy is maintained, already a
dependency, and gives the exact p-value that series of 2-10 periods need (pymannkendall only
offers the normal approximation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

PERSISTENT_SHARE = 0.9
TREND_ALPHA = 0.05
MIN_TREND_PERIODS = 4

CLASS_LABELS = {
    "aanhoudend": "aanhoudende hotspot",
    "toenemend": "toenemende hotspot",
    "afnemend": "afnemende hotspot",
    "nieuw": "nieuwe hotspot",
    "opkomend": "opkomende hotspot (aaneengesloten in de laatste perioden)",
    "sporadisch": "sporadische hotspot (af en aan)",
    "verdwenen": "verdwenen hotspot (eerder aanhoudend, nu niet)",
    "geen": "geen patroon",
}
PERSISTENT = ("aanhoudend", "toenemend", "afnemend")


@dataclass(frozen=True)
class Trend:
    """Mann-Kendall: Kendall's tau of the series against time, its S and two-sided p."""

    tau: float
    s: int
    p: float

    @property
    def direction(self) -> int:
        """+1 significant increase, -1 significant decrease, 0 none."""
        if self.p >= TREND_ALPHA:
            return 0
        return 1 if self.s > 0 else -1


def mann_kendall(series: list[float]) -> Trend:
    """The Mann-Kendall trend test of a series in time order (no trend below 4 periods)."""
    y = np.asarray(series, dtype=float)
    n = len(y)
    s = int(sum(np.sign(y[j] - y[i]) for i in range(n) for j in range(i + 1, n)))
    if n < MIN_TREND_PERIODS or np.ptp(y) == 0:
        return Trend(0.0, s, 1.0)
    result = stats.kendalltau(np.arange(n), y)
    return Trend(float(result.statistic), s, float(result.pvalue))


def classify(problem: list[bool], intensity: list[float]) -> tuple[str, Trend]:
    """The trajectory class of one region (rules in the module docstring)."""
    n = len(problem)
    trend = mann_kendall(intensity)
    if n < 2:  # a trajectory needs two periods at least
        return "geen", trend
    count = sum(problem)
    last = problem[-1]
    if last and count >= PERSISTENT_SHARE * n:
        return {1: "toenemend", -1: "afnemend", 0: "aanhoudend"}[trend.direction], trend
    if last and n >= 2 and count == 1:
        return "nieuw", trend
    if last:
        run = n - next(i for i in range(n - 1, -1, -1) if not problem[i]) - 1
        if run >= 2 and run == count:
            return "opkomend", trend
        return "sporadisch", trend
    earlier = problem[:-1]
    if earlier and sum(earlier) >= PERSISTENT_SHARE * len(earlier):
        return "verdwenen", trend
    return "geen", trend
