"""Figures on another division: why a region has no figure of an indicator, and where it is.

The health monitor follows the division of 2020, the KWB that of 2023. A region whose code
exists in only one of them has figures of only one source; the profile says so and points to
the regions of the other division that cover the same ground.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurtbeeld.store.cube import Cube, RegionRow

LEVEL_WORDS = {"land": "Nederland", "gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"}


@dataclass(frozen=True)
class DivisionNote:
    """Why a region has no figure of an indicator that follows another division."""

    text: str
    division_year: int
    links: tuple[RegionRow, ...] = ()


def _gemeente_of(cube: Cube, region: RegionRow) -> RegionRow | None:
    if region.level == "gemeente":
        return region
    return next((r for r in cube.ancestors(region.code) if r.level == "gemeente"), None)


def predecessors(cube: Cube, gemeente: RegionRow, division_year: int) -> list[RegionRow]:
    """Gemeenten of ``division_year`` that no longer exist and lay inside ``gemeente``.

    "Inside": most of their buurten (the centres of their polygons' bounding boxes) lie in the
    gemeente's polygon (Uden and Landerd for Maashorst; not neighbouring Grave). Computed once
    per workspace and gemeente.
    """
    key = ("predecessors", gemeente.code, division_year)
    if key not in cube.memo:
        cube.memo[key] = _predecessors(cube, gemeente, division_year)
    found = cube.memo[key]
    assert isinstance(found, list)
    return found


def _predecessors(cube: Cube, gemeente: RegionRow, division_year: int) -> list[RegionRow]:
    geometry = cube.geometries([gemeente.code], "gemeente").get(gemeente.code)
    if geometry is None:
        return []
    import shapely  # lazy: only profiles of redrawn gemeenten need it

    shape = shapely.prepared.prep(shapely.from_geojson(geometry))
    out = []
    for old in cube.regions_of_division(division_year):
        if old.level != "gemeente" or cube.in_division(old.code, cube.division_year):
            continue
        codes = [r.code for r in cube.children(old.code, "buurt", division_year)]
        centres = [
            shapely.Point((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
            for b in (cube.bbox([c], "buurt") for c in codes)
            if b is not None
        ]
        if centres and 2 * sum(shape.contains(p) for p in centres) > len(centres):
            out.append(old)
    return out


def division_note(cube: Cube, region: RegionRow, indicator_id: str) -> DivisionNote | None:
    """Why ``region`` has no figure of ``indicator_id``, if the reason is the division."""
    divisions = cube.indicator_divisions(indicator_id)
    own = region.division_year or cube.division_year
    if not divisions or any(cube.in_division(region.code, d) for d in divisions):
        return None
    year = divisions[-1]
    what = LEVEL_WORDS[region.level]
    if year > own:
        return DivisionNote(
            f"Dit cijfer volgt de indeling {year}; deze {what} ({region.code}) bestaat daarin "
            f"niet meer. De cijfers van deze {what} volgen de indeling {own}.",
            year,
        )
    gemeente = _gemeente_of(cube, region)
    text = (
        f"Dit cijfer volgt de indeling {year}; code {region.code} bestond toen nog niet."
        if region.level != "gemeente"
        else f"Dit cijfer volgt de indeling {year}; {region.name} bestond toen nog niet."
    )
    links: tuple[RegionRow, ...] = ()
    if gemeente is not None and cube.in_division(gemeente.code, year):
        text += f" {gemeente.name} heeft de wijk- en buurtindeling na {year} gewijzigd."
        links = (cube.region_in(gemeente.code, year),)
    elif gemeente is not None:
        links = tuple(predecessors(cube, gemeente, year))
        text += f" {gemeente.name} is na {year} ontstaan door een gemeentelijke herindeling."
    if links:
        text += f" Cijfers van de indeling {year}:"
    return DivisionNote(text, year, links)


def division_notes(
    cube: Cube, region: RegionRow, indicator_ids: list[str]
) -> dict[str, DivisionNote]:
    """``division_note`` for each indicator that has one (computed once per set of divisions)."""
    by_divisions: dict[tuple[int, ...], DivisionNote | None] = {}
    out = {}
    for indicator_id in indicator_ids:
        key = tuple(cube.indicator_divisions(indicator_id))
        if key not in by_divisions:
            by_divisions[key] = division_note(cube, region, indicator_id)
        note = by_divisions[key]
        if note is not None:
            out[indicator_id] = note
    return out
