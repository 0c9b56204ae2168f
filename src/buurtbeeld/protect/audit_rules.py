"""What every hidden cell's attacker interval must satisfy, for many cells at once."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from buurtbeeld.protect.audit import AuditInput

EPS = 1e-6
Problem = Literal["exact", "hidden-range", "narrowed", "protection-level"]


class Rules:
    """What every hidden cell's interval must satisfy, as arrays (many cells at once) and lists
    (one cell at a time, cheaper than numpy for a single value)."""

    def __init__(self, data: AuditInput) -> None:
        n = data.n_cells
        self.integer = data.integer
        self.known = np.zeros(n, dtype=bool)
        self.known[list(data.known)] = True
        self.has_range = np.zeros(n, dtype=bool)
        self.hmin = np.zeros(n)
        self.hmax = np.zeros(n)
        self.upper = np.zeros(n)
        self.lower = np.zeros(n)
        self.truth = np.full(n, np.nan)
        self.has_span = np.zeros(n, dtype=bool)
        self.smin = np.zeros(n)
        self.smax = np.zeros(n)
        for c, req in data.requirements.items():
            if req.hidden_min is not None and req.hidden_max is not None:
                self.has_range[c] = True
                self.hmin[c], self.hmax[c] = req.hidden_min, req.hidden_max
            if req.span_min is not None and req.span_max is not None:
                self.has_span[c] = True
                self.smin[c], self.smax[c] = req.span_min, req.span_max
            self.upper[c], self.lower[c] = req.upper, req.lower
        for c, value in data.truth.items():
            self.truth[c] = value
        self.has_level = ~np.isnan(self.truth) & ((self.upper > 0) | (self.lower > 0))
        # the batch LPs' goals: a value the cell must be able to reach (nan: none)
        step = 1.0 if data.integer else EPS * 10
        has_truth = ~np.isnan(self.truth)
        with np.errstate(invalid="ignore"):
            self.up_goal = np.where(
                self.has_range,
                self.hmax + 1.0,
                np.where(has_truth, self.truth + np.maximum(self.upper, step), np.nan),
            )
            down = np.where(
                self.has_range,
                np.where(self.hmin >= 1, self.hmin - 1.0, np.nan),
                self.truth - np.maximum(self.lower, step),
            )
            self.up_goal = np.where(self.has_span, self.smax, self.up_goal)
            down = np.where(self.has_span, self.smin, down)
        self.down_goal = down
        self.fixed_goal = self.has_range | self.has_span
        self.step = step
        self._lists = (
            self.has_range.tolist(),
            self.hmin.tolist(),
            self.hmax.tolist(),
            self.has_level.tolist(),
            self.truth.tolist(),
            self.upper.tolist(),
            self.lower.tolist(),
            self.has_span.tolist(),
            self.smin.tolist(),
            self.smax.tolist(),
        )

    def goals(self, direction: str, wmin: np.ndarray, wmax: np.ndarray) -> np.ndarray:
        """Per cell a value to push it to in a batch LP (nan: none).

        From the requirements and true values; for a cell with neither (a secondary in a
        package, whose true values the platform does not know) one step beyond what the
        witnesses have shown so far: reaching it shows the cell is not exact.
        """
        with np.errstate(invalid="ignore"):
            if direction == "up":
                low = np.ceil(wmin - EPS) if self.integer else wmin  # counts: whole numbers
                seen = np.where(np.isfinite(wmin), low + self.step, np.nan)
                return np.where(np.isnan(self.up_goal) & ~self.fixed_goal, seen, self.up_goal)
            high = np.floor(wmax + EPS) if self.integer else wmax
            seen = np.where(np.isfinite(wmax) & (high >= self.step), high - self.step, np.nan)
            return np.where(np.isnan(self.down_goal) & ~self.fixed_goal, seen, self.down_goal)

    def goal_one(self, c: int, direction: str, wmin: float, wmax: float) -> float:
        """:meth:`goals` for one cell (``nan``: none)."""
        if direction == "up":
            goal = float(self.up_goal[c])
            if math.isnan(goal) and not self.fixed_goal[c] and math.isfinite(wmin):
                goal = (math.ceil(wmin - EPS) if self.integer else wmin) + self.step
            return goal
        goal = float(self.down_goal[c])
        if math.isnan(goal) and not self.fixed_goal[c] and math.isfinite(wmax):
            high = math.floor(wmax + EPS) if self.integer else wmax
            goal = high - self.step if high >= self.step else math.nan
        return goal

    def failing(self, cells: np.ndarray, low: np.ndarray, up: np.ndarray) -> np.ndarray:
        """Whether each cell fails with interval ``[low, up]`` (vectorised :meth:`problem`)."""
        finite = np.isfinite(up)
        scale = np.maximum(1.0, np.where(finite, np.abs(np.where(finite, up, 0.0)), 1.0))
        if self.integer:
            lo_i = np.ceil(low - EPS)
            up_i = np.where(finite, np.floor(np.where(finite, up, 0.0) + EPS), np.inf)
            exact = up_i - lo_i < 1
        else:
            lo_i, up_i = low, up
            exact = up - low <= EPS * scale
        in_range = self.has_range[cells] & (lo_i >= self.hmin[cells]) & (up_i <= self.hmax[cells])
        narrowed = self.has_span[cells] & ((lo_i > self.smin[cells]) | (up_i < self.smax[cells]))
        truth = self.truth[cells]
        with np.errstate(invalid="ignore"):
            level = self.has_level[cells] & (
                (up < truth + self.upper[cells] - EPS * scale)
                | (low > truth - self.lower[cells] + EPS * scale)
            )
        return np.asarray(exact | in_range | narrowed | level)

    def proven(self, cells: np.ndarray, wmin: np.ndarray, wmax: np.ndarray) -> np.ndarray:
        """Whether witnesses alone show each cell is safe (the true interval contains them)."""
        seen = np.isfinite(wmin) & np.isfinite(wmax)
        safe = np.zeros(len(cells), dtype=bool)
        if seen.any():
            safe[seen] = ~self.failing(cells[seen], wmin[seen], wmax[seen])
        return safe

    def proven_one(self, c: int, wmin: float, wmax: float) -> bool:
        """:meth:`proven` for one cell."""
        if not (math.isfinite(wmin) and math.isfinite(wmax)):
            return False
        return self.problem(c, float(wmin), float(wmax)) is None

    def problem(self, c: int, low: float, up: float) -> Problem | None:
        """How the interval ``[low, up]`` of hidden cell ``c`` fails, if it does."""
        has_range, hmin, hmax, has_level, truth, upper, lower, has_span, smin, smax = (
            x[c] for x in self._lists
        )
        scale = max(1.0, abs(up) if math.isfinite(up) else 1.0)
        lo_i: float = low
        up_i: float = up
        if self.integer:
            lo_i = math.ceil(low - EPS)
            up_i = math.floor(up + EPS) if math.isfinite(up) else up
            if up_i - lo_i < 1:
                return "exact"
        elif up - low <= EPS * scale:
            return "exact"
        if has_range and lo_i >= hmin and up_i <= hmax:
            return "hidden-range"
        if has_span and (lo_i > smin or up_i < smax):
            return "narrowed"
        if has_level and (up < truth + upper - EPS * scale or low > truth - lower + EPS * scale):
            return "protection-level"
        return None
