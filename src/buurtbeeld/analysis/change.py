"""The change of an indicator between two periods, per wijk or buurt of a gemeente.

Only where both periods' figures follow the same division: a code of division 2023 and the same
code of division 2024 can be different areas (a gemeente redrew its buurten), so figures of
different divisions are not subtracted; the view says so instead (``ChangeView.refusal``).
A region gets a change only where both figures are published; otherwise it shows which period
lacks a figure and why. A hidden figure never becomes a number here either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import NotFoundError
from buurtbeeld.store.cube import Cell, Cube, RegionRow

# Diverging, colour-blind safe (ColorBrewer BrBG), the middle class darker than the map's
# background (#f7f7f7) so that "about the same" stays visible.
COLOURS = ("#8c510a", "#d8b365", "#c7c7c7", "#5ab4ac", "#01665e")


@dataclass(frozen=True)
class ChangeClass:
    """One legend class of changes (``lower`` exclusive except for the first)."""

    lower: float
    upper: float
    colour: str
    label: str  # sterke daling, daling, ongeveer gelijk, stijging, sterke stijging
    count: int = 0


@dataclass(frozen=True)
class ChangeRow:
    """One region: both figures and their difference (or why there is none)."""

    region: RegionRow
    before: Cell
    after: Cell
    change: float | None
    colour: str | None
    has_polygon: bool

    @property
    def status(self) -> str:
        """'value' with a change; 'hidden' when a figure is hidden; else 'missing'."""
        if self.change is not None:
            return "value"
        return "hidden" if "hidden" in (self.before.status, self.after.status) else "missing"

    @property
    def reason(self) -> str:
        """Why there is no change ('' when there is one)."""
        if self.change is not None:
            return ""
        lacking = [c for c in (self.before, self.after) if c.value is None]
        return " ".join(f"{c.period}: {c.explanation}" for c in lacking)


@dataclass(frozen=True)
class ChangeView:
    """The change of ``indicator`` from ``before`` to ``after`` for the regions of an area."""

    indicator: Indicator
    area: RegionRow
    level: str
    before: str
    after: str
    divisions: dict[str, list[int]]  # period → the divisions of its figures here
    rows: list[ChangeRow]
    classes: list[ChangeClass]
    geometries: dict[str, str]
    bbox: tuple[float, float, float, float] | None

    @property
    def refusal(self) -> str:
        """Dutch reason why the periods are not compared ('' when they are)."""
        a, b = self.divisions.get(self.before, []), self.divisions.get(self.after, [])
        if a and b and (len(a) > 1 or len(b) > 1 or a != b):
            years = " en ".join(str(y) for y in sorted(set(a) | set(b)))
            return (
                f"De cijfers van {self.before} en {self.after} volgen verschillende gemeentelijke "
                f"indelingen ({years}). Dezelfde code kan in die indelingen een ander gebied zijn; "
                "Buurtbeeld vergelijkt deze perioden daarom niet. Bekijk de perioden elk apart."
            )
        return ""

    def counts(self) -> dict[str, int]:
        """Regions per status (value, hidden, missing)."""
        out = {"value": 0, "hidden": 0, "missing": 0}
        for r in self.rows:
            out[r.status] += 1
        return out

    @cached_property
    def geojson(self) -> str:
        """A FeatureCollection for the map script (``waarde`` is the change)."""
        parts = []
        for row in self.rows:
            geometry = self.geometries.get(row.region.code)
            if geometry is None:
                continue
            props = {
                "code": row.region.code,
                "naam": row.region.name,
                "waarde": row.change,
                "status": row.status,
                "kleur": row.colour,
            }
            parts.append(
                f'{{"type":"Feature","geometry":{geometry},"properties":{json.dumps(props, ensure_ascii=False)}}}'
            )
        return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _divisions(
    cube: Cube, indicator_id: str, periods: list[str], codes: list[str]
) -> dict[str, list[int]]:
    rows = (
        cube.cursor()
        .execute(
            """SELECT period, list(DISTINCT division_year ORDER BY division_year) FROM observation
               SEMI JOIN (SELECT unnest(?::VARCHAR[]) AS code) c ON region_code = c.code
               WHERE indicator_id = ? AND period IN (SELECT unnest(?::VARCHAR[])) GROUP BY period""",
            [codes, indicator_id, periods],
        )
        .fetchall()
    )
    return {str(r[0]): [int(y) for y in r[1]] for r in rows}


LABELS = ("sterke daling", "daling", "ongeveer gelijk", "stijging", "sterke stijging")


def _classes(changes: list[float], decimals: int) -> list[ChangeClass]:
    top = max((abs(c) for c in changes), default=0.0)
    if top == 0:
        return [ChangeClass(0.0, 0.0, COLOURS[2], "geen verandering", len(changes))]
    t1, t2 = round(top / 5, decimals), round(top * 3 / 5, decimals)
    t1 = t1 or 10.0**-decimals
    t2 = max(t2, t1)
    bounds = [(-top, -t2), (-t2, -t1), (-t1, t1), (t1, t2), (t2, top)]
    counts = [0] * 5
    for c in changes:
        counts[class_of(c, t1, t2)] += 1
    return [
        ChangeClass(lo, hi, COLOURS[i], LABELS[i], counts[i]) for i, (lo, hi) in enumerate(bounds)
    ]


def class_of(change: float, t1: float, t2: float) -> int:
    """The class index of a change given the inner and outer thresholds."""
    if change < -t2:
        return 0
    if change < -t1:
        return 1
    if change <= t1:
        return 2
    if change <= t2:
        return 3
    return 4


def build_change(
    cube: Cube, area_code: str, indicator: Indicator, *, level: str, before: str, after: str
) -> ChangeView:
    """The change view; NotFoundError for an unknown area, level or period."""
    area = cube.region(area_code)
    if area.level not in ("gemeente", "land") or level not in ("wijk", "buurt"):
        raise NotFoundError(
            f"Geen kaart van {level} in {area.code}.",
            code="BB-NF-005",
            hint="Kies een gemeente en het niveau 'wijk' of 'buurt'.",
        )
    periods = cube.periods(indicator.id)
    for p in (before, after):
        if p not in periods:
            raise NotFoundError(
                f"Voor {indicator.label} is er geen periode {p}.",
                code="BB-NF-006",
                hint=f"Beschikbare perioden: {', '.join(periods) or 'geen'}.",
            )
    regions = cube.children(area.code, level)
    codes = [r.code for r in regions]
    first = cube.cells(indicator.id, before, codes)
    second = cube.cells(indicator.id, after, codes)
    divisions = _divisions(cube, indicator.id, [before, after], codes)
    draft = ChangeView(indicator, area, level, before, after, divisions, [], [], {}, None)
    comparable = not draft.refusal
    changes = {
        c: second[c].value - first[c].value  # type: ignore[operator]
        for c in codes
        if comparable and first[c].value is not None and second[c].value is not None
    }
    classes = _classes(list(changes.values()), indicator.decimals) if changes else []
    t1 = classes[2].upper if len(classes) == 5 else 0.0
    t2 = classes[3].upper if len(classes) == 5 else 0.0
    geometries = cube.geometries(codes, level) if comparable else {}
    rows = []
    for r in regions:
        change = changes.get(r.code)
        colour = None
        if change is not None:
            colour = classes[class_of(change, t1, t2)].colour if len(classes) == 5 else COLOURS[2]
        rows.append(
            ChangeRow(r, first[r.code], second[r.code], change, colour, r.code in geometries)
        )
    return ChangeView(
        indicator,
        area,
        level,
        before,
        after,
        divisions,
        rows,
        classes,
        geometries,
        cube.bbox(codes, level) if comparable else None,
    )
