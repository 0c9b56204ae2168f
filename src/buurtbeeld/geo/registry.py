"""The region registry: every gemeente, wijk and buurt of a division year, with names.

Built from the bundled CBS files: the KWB 2023 rows define the 2023 division, the health
monitor rows the 2020 division. Names come from CBS's 2024 names (``geo/names.py``); a wijk
code CBS no longer has in 2024 takes its name from the 2022 wijk boundaries (ASCII, as tmap
publishes them); any other region without a name shows its code, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from buurtbeeld.geo.codes import level_of, normalize_code, parent_of
from buurtbeeld.geo.names import fallback_name, name_for

CBS_DIR = Path(__file__).resolve().parents[1] / "data" / "cbs"
GEO_DIR = Path(__file__).resolve().parents[1] / "data" / "geo"


@dataclass(frozen=True)
class Region:
    """A region in one division year."""

    code: str
    division_year: int
    level: str
    name: str
    parent_code: str | None
    name_note: str | None = None  # why the name is not CBS's own (geo.names.NAME_NOTES)


def _wijk_names() -> dict[str, str]:
    table = pq.read_table(GEO_DIR / "wijken_2022.parquet", columns=["code", "name"])
    return dict(zip(table["code"].to_pylist(), table["name"].to_pylist(), strict=True))


def _regions(
    codes: list[str], gm_names: dict[str, str], year: int, wijk_names: dict[str, str]
) -> list[Region]:
    out = []
    for code in codes:
        level = level_of(code)
        # a gemeente carries its own name in the file of its division
        name, note = (gm_names[code], None) if code in gm_names else name_for(code, year)
        if name is None and code in wijk_names:
            name, note = wijk_names[code], "naam_2022"
        out.append(
            Region(code, year, level.value, name or fallback_name(code), parent_of(code), note)
        )
    return out


def _division_codes(year: int) -> tuple[list[str], dict[str, str]]:
    """The region codes of the 2023 (KWB) or 2020 (health monitor) division, and the names of
    its gemeenten (from the same file)."""
    if year == 2023:
        kwb = pq.read_table(CBS_DIR / "kwb2023.parquet", columns=["gwb_code_10", "gm_naam"])
        codes = [normalize_code(c) for c in kwb["gwb_code_10"].to_pylist()]
        gm_names = {
            c: n
            for c, n in zip(codes, kwb["gm_naam"].to_pylist(), strict=True)
            if c.startswith("GM")
        }
        return codes, gm_names
    health = pq.read_table(
        CBS_DIR / "gezondheidsmonitor_2016_2020.parquet",
        columns=["WijkenEnBuurten", "Gemeentenaam_1", "Perioden"],
    )
    health = health.filter(pc.equal(health["Perioden"], "2020JJ00"))
    seen: dict[str, str] = {}
    for raw, name in zip(
        health["WijkenEnBuurten"].to_pylist(),
        health["Gemeentenaam_1"].to_pylist(),
        strict=True,
    ):
        seen.setdefault(normalize_code(raw), name)
    return sorted(seen), {c: n for c, n in seen.items() if c.startswith("GM")}


DIVISION_YEARS = (2023, 2020)


def bundled_regions(year: int | None = None) -> list[Region]:
    """All regions of the 2023 (KWB) and 2020 (health monitor) divisions, or of one year."""
    wijk_names = _wijk_names()
    regions: list[Region] = []
    for division_year in DIVISION_YEARS:
        if year in (None, division_year):
            codes, gm_names = _division_codes(division_year)
            regions += _regions(codes, gm_names, division_year, wijk_names)
    return regions


def bundled_codes(year: int) -> list[tuple[str, str]]:
    """(code, level) of every region of a bundled division year, as :func:`bundled_regions`
    lists them, without their names (much cheaper); empty for a year that is not bundled."""
    if year not in DIVISION_YEARS:
        return []
    codes, _ = _division_codes(year)
    return [(code, level_of(code).value) for code in codes]
