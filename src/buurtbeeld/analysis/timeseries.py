"""Development over time: one region's figures of an indicator over every period it has.

A series lists every period of the indicator (oldest first). A period this region has no
published figure for stays in the series as a gap with its reason (hidden by the source,
suppressed by a partner's protection, not computed, or missing) — never as 0. Figures of
different divisions (health monitor 2020, KWB 2023) are not joined: a code of another division
can mean another area, so the series says so and the chart breaks its line there.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.store.cube import MISSING_NOTE, Cell, Cube, RegionRow


@dataclass(frozen=True)
class Point:
    """One period of a series: a published figure, or a gap with its reason."""

    period: str
    cell: Cell

    @property
    def value(self) -> float | None:
        """The published figure (None for a gap)."""
        return self.cell.value

    @property
    def reason(self) -> str:
        """Why this period has no figure ('' when it has one)."""
        if self.cell.value is not None:
            return ""
        return self.cell.explanation or MISSING_NOTE


@dataclass(frozen=True)
class Series:
    """The figures of one indicator for one region over time."""

    indicator: Indicator
    region: RegionRow
    points: list[Point]

    @property
    def divisions(self) -> list[int]:
        """The divisions of the figures present, oldest first."""
        return sorted({p.cell.division_year for p in self.points if p.cell.division_year})

    @property
    def segments(self) -> list[list[Point]]:
        """Runs of consecutive published figures of one division (what a line may join)."""
        out: list[list[Point]] = []
        run: list[Point] = []
        for p in self.points:
            joins = run and p.cell.division_year == run[-1].cell.division_year
            if p.value is None or (run and not joins):
                if run:
                    out.append(run)
                run = []
            if p.value is not None:
                run.append(p)
        if run:
            out.append(run)
        return out

    @property
    def gaps(self) -> list[Point]:
        """Periods without a published figure."""
        return [p for p in self.points if p.value is None]

    @property
    def division_note(self) -> str:
        """Dutch note when the figures follow different divisions ('' otherwise)."""
        years = self.divisions
        if len(years) < 2:
            return ""
        listed = " en ".join(str(y) for y in years)
        return (
            f"De cijfers volgen verschillende gemeentelijke indelingen ({listed}). Dezelfde code "
            "kan in een andere indeling een ander gebied zijn; de lijn is daarom onderbroken "
            "waar de indeling wisselt."
        )


def region_series(cube: Cube, region: RegionRow, indicator: Indicator) -> Series | None:
    """The series of ``indicator`` for ``region``, or None when the region has figures (or
    hidden cells) for fewer than two periods."""
    periods = cube.periods(indicator.id)
    own = {
        c.period: c
        for c in cube.series_for_region(region.code).get(indicator.id, [])
        if c.period is not None
    }
    if len(periods) < 2 or len(own) < 2:
        return None  # one period here (a newer file covers other gemeenten only): no series
    # from this region's first to its last period; a period between them without a figure
    # (published for other regions) stays in as a gap, "ontbreekt"
    first, last = periods.index(min(own)), periods.index(max(own))
    points = [
        Point(p, own.get(p) or Cell(region.code, None, "missing", None, p))
        for p in periods[first : last + 1]
    ]
    return Series(indicator, region, points)


def profile_series(cube: Cube, region: RegionRow, catalog: Catalog) -> dict[str, Series]:
    """Every indicator with several periods that this region has a figure or gap for."""
    out = {}
    for indicator in catalog.indicators:
        series = region_series(cube, region, indicator)
        if series is not None:
            out[indicator.id] = series
    return out
