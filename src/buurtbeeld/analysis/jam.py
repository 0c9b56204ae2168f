"""Jam-wijken: regions that stay problem hotspots over the periods of several indicators.

For every chosen indicator with two or more periods, Gi* is run per period
(``analysis.hotspot_map``, the same settings and FDR correction), and each region's trajectory is
classified (``analysis.trajectories``). A *jam-wijk* is a region whose trajectory is persistent
(``aanhoudend``, ``toenemend`` or ``afnemend``) on at least ``MIN_INDICATORS`` indicators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from buurtbeeld.analysis.hotspot_map import HotspotMap
from buurtbeeld.analysis.hotspots import HotspotError
from buurtbeeld.analysis.trajectories import PERSISTENT, Trend, classify
from buurtbeeld.catalog.models import Indicator, Polarity

MIN_INDICATORS = 2


@dataclass(frozen=True)
class Trajectory:
    """One region and one indicator over the periods."""

    code: str
    indicator: Indicator
    periods: tuple[str, ...]
    problem: tuple[bool, ...]
    intensity: tuple[float | None, ...]  # Gi* z in the unfavourable direction; None: not tested
    kind: str  # a key of CLASS_LABELS, or 'onvolledig' (not tested in every period)
    trend: Trend | None


@dataclass(frozen=True)
class IndicatorTrajectories:
    """All regions for one indicator, or why the indicator could not be used."""

    indicator: Indicator
    periods: tuple[str, ...]
    rows: dict[str, Trajectory]
    skipped: str | None = None  # Dutch reason


@dataclass(frozen=True)
class JamView:
    """Per indicator the trajectories; the jam-wijken with their evidence."""

    names: dict[str, str]
    per_indicator: list[IndicatorTrajectories]

    def persistent(self, code: str) -> list[Trajectory]:
        """The indicators on which ``code`` is a persistent problem hotspot."""
        out = []
        for item in self.per_indicator:
            row = item.rows.get(code)
            if row is not None and row.kind in PERSISTENT:
                out.append(row)
        return out

    @property
    def jam(self) -> list[tuple[str, list[Trajectory]]]:
        """Jam-wijken, most indicators first: (code, the persistent trajectories)."""
        found = [(c, self.persistent(c)) for c in self.names]
        found = [(c, ev) for c, ev in found if len(ev) >= MIN_INDICATORS]
        return sorted(found, key=lambda x: (-len(x[1]), x[0]))


def unfavourable(indicator: Indicator) -> str:
    """The Gi* class that is a problem for this indicator ('hoog' or 'laag')."""
    return "laag" if indicator.polarity is Polarity.HIGHER_IS_BETTER else "hoog"


def trajectories(
    indicator: Indicator, periods: list[str], run: Callable[[str], HotspotMap]
) -> IndicatorTrajectories:
    """Classify every region's trajectory; ``run(period)`` gives that period's Gi* result."""
    results: list[HotspotMap] = []
    for period in periods:
        try:
            results.append(run(period))
        except HotspotError as error:
            return IndicatorTrajectories(indicator, tuple(periods), {}, error.message)
    bad = unfavourable(indicator)
    sign = -1.0 if bad == "laag" else 1.0
    by_period = [{r.code: r for r in m.result.rows} for m in results]
    rows: dict[str, Trajectory] = {}
    for code in by_period[-1]:
        seen = [p.get(code) for p in by_period]
        problem = tuple(bool(r and r.gi_class == bad) for r in seen)
        intensity = tuple(None if r is None or r.gi_z is None else sign * r.gi_z for r in seen)
        if any(v is None for v in intensity):
            rows[code] = Trajectory(
                code, indicator, tuple(periods), problem, intensity, "onvolledig", None
            )
            continue
        kind, trend = classify(list(problem), [float(v or 0.0) for v in intensity])
        rows[code] = Trajectory(code, indicator, tuple(periods), problem, intensity, kind, trend)
    return IndicatorTrajectories(indicator, tuple(periods), rows)
