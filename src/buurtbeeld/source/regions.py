"""The target region division: buurt → wijk → gemeente (→ land) of a given year."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.geo.registry import DIVISION_YEARS, bundled_codes
from buurtbeeld.source.errors import SpecError


@dataclass(frozen=True)
class Division:
    """The regions of the target area in one division year (shared between callers: read-only).

    Attributes
    ----------
    buurten
        Buurt code → (wijk code, gemeente code).
    hierarchy
        Parent → children (gemeente → wijken, wijk → buurten; ``NL00`` → gemeenten for the
        whole country), parents listed top-down.
    """

    year: int
    area: tuple[str, ...]
    buurten: dict[str, tuple[str, str]]
    hierarchy: dict[str, list[str]]

    @property
    def national(self) -> bool:
        """Whether the target area is the whole country."""
        return self.area == (COUNTRY_CODE,)

    @property
    def top_codes(self) -> list[str]:
        """Roots: ``NL00``, or the gemeenten."""
        return [COUNTRY_CODE] if self.national else list(self.area)

    def all_codes(self) -> list[str]:
        """Every region code, parents first."""
        out: list[str] = []

        def visit(code: str) -> None:
            out.append(code)
            for child in self.hierarchy.get(code, []):
                visit(child)

        for root in self.top_codes:
            visit(root)
        return out


@lru_cache(maxsize=8)
def _year_regions(year: int) -> tuple[tuple[str, str], ...]:
    return tuple(bundled_codes(year))


def available_years() -> list[int]:
    """Division years bundled with Buurtbeeld."""
    return sorted(DIVISION_YEARS)


def load_division(area: list[str] | tuple[str, ...], year: int) -> Division:
    """The division of ``year`` for the gemeenten in ``area`` (or ``["NL00"]``).

    Raises
    ------
    SpecError
        When the year is not bundled or a gemeente does not exist in it.
    """
    return _division(tuple(area), year)


@lru_cache(maxsize=16)
def _division(area: tuple[str, ...], year: int) -> Division:
    # one shared, read-only Division per (area, year): several deliveries in one process
    regions = _year_regions(year)
    if not regions:
        raise SpecError(
            f"Indelingsjaar {year} is niet beschikbaar.",
            hint=f"Kies een van: {', '.join(str(y) for y in available_years())}.",
        )
    gemeenten = {c for c, level in regions if level == "gemeente"}
    national = tuple(area) == (COUNTRY_CODE,)
    wanted = gemeenten if national else set(area)
    unknown = sorted(wanted - gemeenten)
    if unknown:
        raise SpecError(
            f"Gemeente {', '.join(unknown)} bestaat niet in de indeling {year}.",
            hint="Controleer de gemeentecode en het indelingsjaar (gemeenten fuseren).",
        )
    hierarchy: dict[str, list[str]] = {}
    if national:
        hierarchy[COUNTRY_CODE] = sorted(wanted)
    for gm in sorted(wanted):
        hierarchy[gm] = []
    buurten: dict[str, tuple[str, str]] = {}
    for code, level in sorted(regions):
        gm = "GM" + code[2:6]
        if gm not in wanted:
            continue
        if level == "wijk":
            hierarchy[gm].append(code)
            hierarchy.setdefault(code, [])
        elif level == "buurt":
            wk = "WK" + code[2:8]
            hierarchy.setdefault(wk, []).append(code)
            buurten[code] = (wk, gm)
    # a wijk without buurten is not a parent; a gemeente without wijken neither
    hierarchy = {p: kids for p, kids in hierarchy.items() if kids}
    return Division(year, area, buurten, hierarchy)
