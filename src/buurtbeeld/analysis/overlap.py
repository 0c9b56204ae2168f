"""Stapeling of provisions: combinations per area, "k or more", shares and CBS's layout.

Everything here is derived from *published* cells of a linked package only (a hidden cell is
never an input, so no output can carry it):

- the exclusive combinations (2^k - 1: exactly these provisions and none of the others) are
  published cells themselves;
- "k or more provisions" is a published cell of its own where the package has one (the table
  ``<unit>_minstens`` of packages made since 2026-12-05, for 2 <= k < n: protected with the
  combinations, so a hidden one is not derivable from them either); otherwise the sum of
  the exclusive combinations of size >= k when all of them are published, else the total
  minus the combinations of size < k when those and the total are published (of the two,
  the one that adds up fewer rounded counts), else hidden; for k = n, "n or more" is the one
  combination of all n itself, so it is hidden when that cell is (the total minus the others
  would estimate a hidden cell);
- the share of households with k or more provisions divides that count by the KWB households
  of the same area (CBS's rule: only for a denominator of at least 100);
- CBS StatLine 85637NED's seven categories (only Jeugd, ..., all three) are jeugdhulp, Wmo and
  bijstand at ja/nee and any other provision open: with three provisions the exclusive
  combinations themselves; with more, the cell with the others ``totaal`` where the package has
  it (the ``3^k`` cross tables made before 2026-12-04), else the sum of the published exclusive
  combinations it covers (hidden when one of them is).

The functions on cells are pure; :func:`overlap_view` and :func:`region_overlap` read the cube.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from buurtbeeld.store.cube import Cell, Cube, RegionRow
from buurtbeeld.store.overlap_read import (
    OverlapSet,
    StoredCell,
    StoredProvision,
    at_least_key,
    join,
    split,
)

UNITS = ("huishoudens", "personen")
UNIT_LABELS = {"huishoudens": "Huishoudens", "personen": "Personen"}
DENOMINATOR = "huishoudens"
"""KWB indicator of the households of an area: the denominator of the shares."""
DENOMINATOR_SOURCE = "CBS, Kerncijfers wijken en buurten"
MIN_DENOMINATOR = 100
CBS_NAMES = {
    "jeugdhulp": "Jeugd",
    "jeugd": "Jeugd",
    "jeugdzorg": "Jeugd",
    "wmo": "Wmo",
    "bijstand": "P-wet",
    "participatiewet": "P-wet",
    "pwet": "P-wet",
}
CBS_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Alleen Jeugd", ("Jeugd",)),
    ("Alleen Wmo", ("Wmo",)),
    ("Alleen P-wet", ("P-wet",)),
    ("Jeugd en Wmo", ("Jeugd", "Wmo")),
    ("Jeugd en P-wet", ("Jeugd", "P-wet")),
    ("Wmo en P-wet", ("Wmo", "P-wet")),
    ("Jeugd, Wmo en P-wet", ("Jeugd", "Wmo", "P-wet")),
)
"""CBS StatLine 85637NED, 'Gebruik voorzieningen sociaal domein; aantal voorzieningen, wijken'."""
Cells = Mapping[tuple[str, str], StoredCell]


@dataclass(frozen=True)
class Figure:
    """A published or derived count (or share), or why there is none."""

    value: float | None
    status: str
    """``value``, ``hidden`` or ``missing``."""
    note: str = ""
    """Dutch: how it was derived, or why it is hidden."""


MISSING = Figure(None, "missing", "Geen cijfers van deze koppeling voor dit gebied.")


@dataclass(frozen=True)
class Combination:
    """An exclusive combination: exactly these provisions, none of the others."""

    names: tuple[str, ...]
    label: str
    figure: Figure


@dataclass
class UnitOverlap:
    """One unit's (households' or persons') stapeling in one area."""

    unit: str
    names: tuple[str, ...]
    """The provisions this unit's table counts (persons: only extracts with persons)."""
    total: Figure
    combinations: list[Combination]
    at_least: dict[int, Figure]
    cbs: list[tuple[str, Figure]] | None
    """CBS 85637NED's seven categories (None: jeugdhulp, Wmo and bijstand are not all linked)."""


@dataclass
class AreaOverlap:
    """The stapeling of one area: per unit, and the shares of households."""

    region: RegionRow
    units: dict[str, UnitOverlap]
    households: Figure
    """The KWB households of the area (the denominator)."""
    shares: dict[int, Figure] = field(default_factory=dict)
    """Per k (2, 3, ...): percentage of the households with k or more provisions."""

    def names(self, unit: str) -> tuple[str, ...]:
        """The provisions ``unit``'s table counts."""
        return self.units[unit].names

    @property
    def has_figures(self) -> bool:
        """Whether the linkage has cells for this area."""
        return any(u.total.status != "missing" for u in self.units.values())


def _published(cell: StoredCell | None) -> float | None:
    return cell[0] if cell is not None and cell[1] == "value" else None


def provision_label(p: StoredProvision) -> str:
    """The provision as a reader knows it (its title)."""
    return p.title or p.name


def exclusive(cells: Cells, names: Sequence[str], titles: Mapping[str, str]) -> list[Combination]:
    """The 2^k - 1 exclusive combinations, by size and then in the provisions' order."""
    if not cells:
        return [
            Combination(c, " + ".join(titles[n] for n in c), MISSING)
            for k in range(1, len(names) + 1)
            for c in combinations(names, k)
        ]
    out = []
    for k in range(1, len(names) + 1):
        for combo in combinations(names, k):
            cell = cells.get((join(combo), ""))
            value = _published(cell)
            figure = (
                Figure(value, "value")
                if value is not None
                else Figure(None, "hidden", "Verborgen door de beveiliging bij de koppelpartij.")
            )
            out.append(Combination(combo, " + ".join(titles[n] for n in combo), figure))
    return out


def at_least(cells: Cells, names: Sequence[str], k: int) -> Figure:
    """Units with ``k`` or more of the provisions, from published cells only (module doc)."""
    if not cells:
        return MISSING
    own = cells.get(at_least_key(k))
    if own is not None:
        value = _published(own)
        if value is None:
            return Figure(None, "hidden", "Verborgen door de beveiliging bij de koppelpartij.")
        return Figure(value, "value", "Gepubliceerd door de koppelpartij.")
    subsets = [c for size in range(1, len(names) + 1) for c in combinations(names, size)]
    values = {c: _published(cells.get((join(c), ""))) for c in subsets}
    big = [c for c in subsets if len(c) >= k]
    small = [c for c in subsets if len(c) < k]
    total = _published(cells.get(("", join(names))))
    options: list[tuple[int, float, str]] = []
    if all(values[c] is not None for c in big):
        options.append(
            (
                len(big),
                sum(values[c] or 0.0 for c in big),
                "één gepubliceerde combinatie"
                if len(big) == 1
                else f"som van {len(big)} gepubliceerde combinaties",
            )
        )
    # With one combination of size >= k (k = n), "k or more" IS that cell: when it is hidden,
    # the total minus the others would only estimate a hidden cell, so it stays hidden.
    if total is not None and len(big) > 1 and all(values[c] is not None for c in small):
        options.append(
            (
                1 + len(small),
                total - sum(values[c] or 0.0 for c in small),
                "het gepubliceerde totaal"
                if not small
                else f"totaal min {len(small)} gepubliceerde combinaties",
            )
        )
    if not options:
        return Figure(
            None,
            "hidden",
            "Verborgen: niet af te leiden uit gepubliceerde cijfers (een of meer combinaties "
            "zijn verborgen).",
        )
    terms, value, how = min(options, key=lambda o: o[0])
    note = f"Berekend als {how}" + (" (afgeronde aantallen)." if terms > 1 else ".")
    return Figure(max(value, 0.0), "value", note)


def cbs_layout(cells: Cells, names: Sequence[str]) -> list[tuple[str, Figure]] | None:
    """CBS 85637NED's seven categories, or None when Jeugd, Wmo and P-wet are not all linked."""
    by_cbs = {CBS_NAMES[n]: n for n in names if n in CBS_NAMES}
    if len(by_cbs) != 3:
        return None
    others = [n for n in names if n not in by_cbs.values()]
    out = []
    for label, wanted in CBS_CATEGORIES:
        if not cells:
            out.append((label, MISSING))
            continue
        yes = [by_cbs[w] for w in wanted]
        cell = cells.get((join(yes), join(others)))
        if cell is not None or not others:
            value = _published(cell)
            figure = Figure(value, "value") if value is not None else _HIDDEN
        else:
            figure = _covered(cells, yes, others)
        out.append((label, figure))
    return out


_HIDDEN = Figure(None, "hidden", "Verborgen door de beveiliging bij de koppelpartij.")


def _covered(cells: Cells, yes: Sequence[str], others: Sequence[str]) -> Figure:
    """``yes`` with any of ``others``: the sum of the exclusive combinations it covers."""
    parts = [
        _published(cells.get((join([*yes, *extra]), "")))
        for size in range(len(others) + 1)
        for extra in combinations(others, size)
    ]
    if any(v is None for v in parts):
        return Figure(
            None,
            "hidden",
            "Verborgen: een of meer combinaties met de andere voorzieningen zijn verborgen.",
        )
    return Figure(
        sum(v or 0.0 for v in parts),
        "value",
        f"Berekend als som van {len(parts)} gepubliceerde combinaties (afgeronde aantallen).",
    )


def share(count: Figure, households: Cell | None) -> Figure:
    """``count`` as a percentage of the households (rounded count; denominator >= 100)."""
    if count.status != "value" or count.value is None:
        return Figure(None, count.status, "Teller verborgen." if count.status == "hidden" else "")
    if households is None or households.value is None:
        return Figure(None, "missing", "Geen aantal huishoudens van CBS voor dit gebied.")
    if households.value < MIN_DENOMINATOR:
        return Figure(
            None,
            "hidden",
            f"Niet berekend: minder dan {MIN_DENOMINATOR} huishoudens (CBS-regel voor "
            "verhoudingscijfers).",
        )
    if count.value > households.value:
        return Figure(
            None,
            "missing",
            "Niet berekend: meer huishoudens met voorzieningen dan huishoudens volgens CBS "
            "(andere peildatum of indeling).",
        )
    return Figure(100.0 * count.value / households.value, "value")


def unit_names(cells: Cells, provisions: Sequence[StoredProvision]) -> list[str]:
    """The provisions a unit's table counts, in the linkage's order.

    A persons table counts only the extracts with persons (a household-only register, such as
    debt signals, is in the households table alone); the cells say which: every provision of
    the table is ``ja`` or open in some cell. Without cells: all provisions.
    """
    seen = {n for key in cells for part in key for n in split(part)}
    return [p.name for p in provisions if p.name in seen] or [p.name for p in provisions]


def unit_overlap(unit: str, cells: Cells, provisions: Sequence[StoredProvision]) -> UnitOverlap:
    """Combinations, k-or-more and the CBS layout of one unit in one area."""
    names = unit_names(cells, provisions)
    titles = {p.name: provision_label(p) for p in provisions}
    return UnitOverlap(
        unit=unit,
        names=tuple(names),
        total=at_least(cells, names, 1),
        combinations=exclusive(cells, names, titles),
        at_least={k: at_least(cells, names, k) for k in range(1, len(names) + 1)},
        cbs=cbs_layout(cells, names),
    )


def area_overlap(
    region: RegionRow,
    cells: Mapping[tuple[str, str], Cells],
    provisions: Sequence[StoredProvision],
    households: Cell | None,
) -> AreaOverlap:
    """The stapeling of one area from its stored cells (keyed by unit and region)."""
    units = {
        unit: unit_overlap(unit, cells.get((unit, region.code), {}), provisions) for unit in UNITS
    }
    result = AreaOverlap(region, units, _cell_figure(households))
    counts = units[DENOMINATOR].at_least
    result.shares = {k: share(counts[k], households) for k in counts if k >= 2}
    return result


def _cell_figure(cell: Cell | None) -> Figure:
    if cell is None or cell.status == "missing":
        return MISSING
    return Figure(cell.value, "value" if cell.value is not None else "hidden")


# --- reading the cube ------------------------------------------------------------------------


def denominator_period(cube: Cube, period: str) -> str | None:
    """The KWB period of the households beside a linkage period: the latest up to its year."""
    periods = cube.periods(DENOMINATOR)
    year = period[:4]
    earlier = [p for p in periods if p[:4] <= year]
    return earlier[-1] if earlier else (periods[0] if periods else None)


@dataclass
class OverlapView:
    """The stapeling page of one gemeente: the gemeente itself and its wijken or buurten."""

    chosen: OverlapSet
    area: AreaOverlap
    level: str
    rows: list[AreaOverlap]
    denominator_period: str | None

    @property
    def provisions(self) -> tuple[StoredProvision, ...]:
        """The linked provisions, in the package's order."""
        return self.chosen.provisions


def _areas(
    cube: Cube, chosen: OverlapSet, regions: Sequence[RegionRow], kwb: str | None
) -> list[AreaOverlap]:
    codes = [r.code for r in regions]
    cells = cube.overlap.cells(chosen, codes)
    households = cube.cells(DENOMINATOR, kwb, codes) if kwb else {}
    return [area_overlap(r, cells, chosen.provisions, households.get(r.code)) for r in regions]


def overlap_view(cube: Cube, chosen: OverlapSet, gemeente: RegionRow, *, level: str) -> OverlapView:
    """The gemeente's stapeling with that of each of its wijken or buurten (``level``)."""
    kwb = denominator_period(cube, chosen.period)
    regions = sorted(cube.children(gemeente.code, level), key=lambda r: r.code)
    areas = _areas(cube, chosen, [gemeente, *regions], kwb)
    return OverlapView(chosen, areas[0], level, areas[1:], kwb)


def area_of(cube: Cube, view: OverlapView, region: RegionRow) -> AreaOverlap:
    """The stapeling of one more area of the view's gemeente (a wijk on a buurt page)."""
    for row in [view.area, *view.rows]:
        if row.region.code == region.code:
            return row
    return _areas(cube, view.chosen, [region], view.denominator_period)[0]


def region_overlap(cube: Cube, region: RegionRow) -> tuple[OverlapSet, list[AreaOverlap]] | None:
    """For a profile: the latest stapeling of the region and its wider areas (None: no figures)."""
    for chosen in reversed(cube.overlap.sets):
        if not cube.overlap.cells(chosen, [region.code]):
            continue
        columns = [region, *(a for a in cube.ancestors(region.code) if a.level != "land")]
        kwb = denominator_period(cube, chosen.period)
        return chosen, _areas(cube, chosen, columns, kwb)
    return None
