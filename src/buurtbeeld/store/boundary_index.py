"""Which polygon a region is drawn with: one boundary year per region and level.

A workspace holds boundary layers of several years (the bundled gemeenten and wijken 2022 and
buurten 2019, and any wijk- en buurtkaart a user imported). CBS keeps a code only while the
region keeps its shape, so for each region the index picks the **newest boundary year not after
the division year** that has its code, or, when only later years have it, the **nearest later**
year. The choice is made per level, once, when the ``Cube`` opens (a served workspace cannot
change); geometry text is read lazily per level.
"""

from __future__ import annotations

import threading

import duckdb

Box = tuple[float, float, float, float]

_CHOSEN = """
    SELECT level, code, boundary_year, min_x, min_y, max_x, max_y FROM boundary
    WHERE NOT isnan(min_x)  -- an empty polygon (collapsed in simplification) is no polygon
    QUALIFY row_number() OVER (
        PARTITION BY level, code
        ORDER BY boundary_year > $year,
                 CASE WHEN boundary_year <= $year THEN -boundary_year ELSE boundary_year END
    ) = 1
"""


class BoundaryIndex:
    """Per level: the chosen boundary year and bounding box of every code with a polygon."""

    def __init__(self, con: duckdb.DuckDBPyConnection, division_year: int) -> None:
        self._con = con
        self.division_year = division_year
        self._years: dict[str, dict[str, int]] = {}
        self._bounds: dict[str, dict[str, Box]] = {}
        for level, code, year, *box in con.execute(_CHOSEN, {"year": division_year}).fetchall():
            self._years.setdefault(level, {})[code] = int(year)
            self._bounds.setdefault(level, {})[code] = (
                float(box[0]),
                float(box[1]),
                float(box[2]),
                float(box[3]),
            )
        self._geometry: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def _layer(self, level: str) -> dict[str, str]:
        layer = self._geometry.get(level)
        if layer is None:
            with self._lock:
                layer = self._geometry.get(level)
                if layer is None:
                    rows = (
                        self._con.cursor()
                        .execute(
                            f"""SELECT b.code, b.geometry FROM boundary b
                                JOIN ({_CHOSEN}) c USING (level, code, boundary_year)
                                WHERE b.level = $level""",
                            {"year": self.division_year, "level": level},
                        )
                        .fetchall()
                    )
                    layer = self._geometry[level] = dict(rows)
        return layer

    def geometries(self, codes: list[str], level: str) -> dict[str, str]:
        """GeoJSON geometry text per code that has a polygon."""
        layer = self._layer(level)
        return {c: layer[c] for c in codes if c in layer}

    def years(self, codes: list[str], level: str) -> dict[str, int]:
        """The boundary year drawn for each code that has a polygon."""
        chosen = self._years.get(level, {})
        return {c: chosen[c] for c in codes if c in chosen}

    def polygon_codes(self, codes: list[str], level: str) -> set[str]:
        """The subset of ``codes`` that has a polygon."""
        return set(codes) & self._years.get(level, {}).keys()

    def bbox(self, codes: list[str], level: str) -> Box | None:
        """West, south, east, north of the polygons of ``codes`` (WGS84), or None."""
        layer = self._bounds.get(level, {})
        boxes = [layer[c] for c in codes if c in layer]
        if not boxes:
            return None
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def newest_year(self, level: str) -> int | None:
        """The newest boundary year drawn for any region of ``level``."""
        years = self._years.get(level)
        return max(years.values()) if years else None
