"""Read access to the cube: the only way analysis and web reach the data.

Everything here returns published, aggregated figures with their status; hidden values are
never returned as numbers (the schema enforces ``value IS NULL`` for hidden cells).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

import duckdb
import numpy as np

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import NotFoundError
from buurtbeeld.geo.codes import COUNTRY_CODE, is_region_code, normalize_code
from buurtbeeld.geo.names import NAME_NOTES
from buurtbeeld.store.boundary_index import BoundaryIndex
from buurtbeeld.store.indicator_order import in_cbs_order
from buurtbeeld.store.overlap_read import OverlapCells
from buurtbeeld.store.region_index import RegionIndex
from buurtbeeld.store.region_search import RegionSearch, SearchResult
from buurtbeeld.store.risk_estimates import RiskEstimatesStore
from buurtbeeld.store.workspace import Workspace

STATUS_LABELS = {
    "value": "waarde",
    "provisional": "voorlopig",
    "hidden": "verborgen",
    "missing": "ontbreekt",
}
NOTE_LABELS = {
    "bron": "Geheim of onbekend bij de bron (CBS publiceert '.'): te weinig personen of huishoudens, of niet beschikbaar.",
    "geheim": "Geheim bij de bron (CBS publiceert 'x').",
    "klein_aantal": "Verborgen bij het importeren: een klein aantal personen of huishoudens (beveiligingsprofiel van de werkmap).",
    "invoer_verborgen": "Niet te berekenen: teller of noemer is door de bron verborgen.",
    "beveiligd": "Verborgen door de beveiliging bij de bron: te weinig personen of huishoudens, of nodig om een ander klein aantal te beschermen.",
    "noemer_te_klein": "Niet berekend: de noemer is kleiner dan de minimumgrens (CBS-regel voor verhoudingscijfers).",
    None: "",
}
MISSING_NOTE = "Geen gegevens: de bron levert geen cijfer voor deze regio en periode."


@dataclass(frozen=True)
class RegionRow:
    """A region of the current division."""

    code: str
    name: str
    level: str
    parent_code: str | None
    division_year: int | None = None  # the division the region belongs to
    name_note: str | None = None  # why the name is not CBS's own (geo.names.NAME_NOTES)

    @property
    def name_explanation(self) -> str:
        """Dutch note when the region shows its code or a name of another division ('' if none)."""
        return NAME_NOTES.get(self.name_note, "") if self.name_note else ""


@dataclass(frozen=True)
class Cell:
    """One published figure (or its absence) for a region."""

    region_code: str
    value: float | None
    status: str  # value | provisional | hidden | missing
    note: str | None
    period: str | None = None
    division_year: int | None = None  # division of the figure (health monitor: 2020)

    @property
    def explanation(self) -> str:
        """Dutch explanation of a hidden or missing cell."""
        if self.status == "missing":
            return MISSING_NOTE
        return NOTE_LABELS.get(self.note, "")


class Cube:
    """Queries over one workspace, on one read-only DuckDB connection (thread-safe cursors).

    A cube reads one generation of the workspace (store/generations.py), which never changes,
    so the region registry, periods and polygon lists are read once, at start. An import makes
    a new generation; ``generation`` says which one this cube reads (the web app opens a new
    ``Cube`` when the workspace's current generation differs).
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.division_year = workspace.config.division_year
        self._con, self.generation = workspace.open_generation()
        cur = self.cursor()
        rows = cur.execute(
            "SELECT code, name, level, parent_code, division_year, name_note FROM region "
            "ORDER BY division_year DESC, code"
        ).fetchall()
        # Other divisions (the health monitor's 2020, a KWB 2024 of one gemeente) stay reachable:
        # a region is shown on the division its figures belong to.
        self._divisions: dict[int, dict[str, RegionRow]] = {}
        for r in rows:
            self._divisions.setdefault(int(r[4]), {})[r[0]] = RegionRow(
                r[0], r[1], r[2], r[3], int(r[4]), r[5]
            )
        self._regions = self._divisions.get(self.division_year, {})
        self._periods: dict[str, list[str]] = {
            r[0]: list(r[1])
            for r in cur.execute(
                "SELECT indicator_id, list(DISTINCT period ORDER BY period) FROM observation GROUP BY 1"
            ).fetchall()
        }
        self._indicator_divisions: dict[str, list[int]] = {
            r[0]: [int(y) for y in r[1]]
            for r in cur.execute(
                "SELECT indicator_id, list(DISTINCT division_year ORDER BY division_year) FROM observation GROUP BY 1"
            ).fetchall()
        }
        self._boundaries = BoundaryIndex(self._con, self.division_year)
        # Results of analysis over this (unchanging) workspace, e.g. a gemeente's predecessors.
        self.memo: dict[tuple[object, ...], object] = {}
        self._by_region = RegionIndex(self._con)

    def catalog(self, builtin: Catalog) -> Catalog:
        """The built-in catalogue plus the indicators this workspace defines, as CBS orders them."""
        rows = self.cursor().execute("SELECT definition_json FROM indicator_def ORDER BY id")
        defined = [Indicator.model_validate_json(r[0]) for r in rows.fetchall()]
        return builtin.extended(in_cbs_order(defined))

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one request."""
        return self._con.cursor()

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    # --- regions -----------------------------------------------------------------------
    def region(self, code: str) -> RegionRow:
        """A region of the current division, or NotFoundError."""
        if not is_region_code(code.strip().upper()):
            raise NotFoundError(
                f"'{code}' is geen geldige CBS-regiocode.",
                code="BB-NF-003",
                hint="Gebruik bijvoorbeeld GM0505, WK050501 of BU05050101.",
            )
        code = normalize_code(code)
        row = self._regions.get(code)
        if row is None:
            row = next((d[code] for d in self._divisions.values() if code in d), None)
        if row is None:
            raise NotFoundError(
                f"Regio {code} bestaat niet in de indeling {self.division_year} en ook niet in "
                "een eerdere indeling met cijfers.",
                code="BB-NF-003",
            )
        return row

    def in_division(self, code: str, division_year: int) -> bool:
        """Whether ``code`` exists in the division of ``division_year``."""
        return code in self._divisions.get(division_year, {})

    def division_years(self) -> list[int]:
        """Every division with regions in this workspace, newest first."""
        return sorted(self._divisions, reverse=True)

    def region_in(self, code: str, division_year: int) -> RegionRow:
        """One region of a given division (KeyError if absent)."""
        return self._divisions[division_year][code]

    def regions_of_division(self, division_year: int) -> list[RegionRow]:
        """All regions of one division, by code."""
        return list(self._divisions.get(division_year, {}).values())

    def gemeenten(self) -> list[RegionRow]:
        """All gemeenten of the current division, by name."""
        return sorted(
            (r for r in self._regions.values() if r.level == "gemeente"),
            key=lambda r: r.name.lower(),
        )

    def children(
        self, gemeente: str, level: str, division_year: int | None = None
    ) -> list[RegionRow]:
        """Wijken or buurten of a gemeente (``level`` 'wijk' or 'buurt'), or all of NL00.

        ``division_year``: the division to take them from (default: the gemeente's own; for
        NL00 the current one).
        """
        if division_year is None:
            division_year = (
                self.division_year
                if gemeente == COUNTRY_CODE
                else self.region(gemeente).division_year or self.division_year
            )
        regions = self._divisions.get(division_year, {})
        prefix = ("WK" if level == "wijk" else "BU") + (
            "" if gemeente == COUNTRY_CODE else gemeente[2:6]
        )
        return [r for code, r in regions.items() if code.startswith(prefix)]

    def ancestors(self, code: str) -> list[RegionRow]:
        """The region's wijk, gemeente and the country (nearest first), in its own division."""
        out = []
        current = self.region(code)
        own = self._divisions.get(current.division_year or self.division_year, {})
        while current.parent_code:
            # a partial division (KWB 2024 of one gemeente) continues in the current one
            parent = own.get(current.parent_code) or self._regions.get(current.parent_code)
            if parent is None:
                break
            current = parent
            out.append(current)
        return out

    # --- observations ------------------------------------------------------------------
    def periods(self, indicator_id: str) -> list[str]:
        """Periods with observations for an indicator, oldest first."""
        return list(self._periods.get(indicator_id, []))

    def default_period(self, indicator_id: str, codes: list[str]) -> str | None:
        """The period a view of ``codes`` shows when the user chose none.

        The latest period with figures (published or hidden, not missing) for the regions
        shown, counting only periods that cover at least half as many of them as the
        best-covered period: a newer file for one gemeente (KWB 2024 for Utrecht) makes 2024
        Utrecht's default but leaves every other gemeente, and the national view, on 2023.
        """
        periods = self.periods(indicator_id)
        if len(periods) <= 1 or not codes:
            return periods[-1] if periods else None
        prefix = os.path.commonprefix(codes)  # noqa: RUF071 - character prefix wanted
        rows = (
            self.cursor()
            .execute(
                """SELECT o.period, count(*) FROM observation o
               SEMI JOIN (SELECT unnest(?::VARCHAR[]) AS code) c ON o.region_code = c.code
               WHERE o.indicator_id = ? AND o.region_code >= ? AND o.region_code <= ?
               GROUP BY o.period""",
                [codes, indicator_id, prefix, prefix + "\uffff"],
            )
            .fetchall()
        )
        covered = {str(r[0]): int(r[1]) for r in rows}
        if not covered:
            return periods[-1]
        enough = max(covered.values()) / 2
        return max(p for p, n in covered.items() if n >= enough)

    def indicator_divisions(self, indicator_id: str) -> list[int]:
        """The divisions an indicator's figures follow (health monitor: [2020]), oldest first."""
        return list(self._indicator_divisions.get(indicator_id, []))

    def cells(self, indicator_id: str, period: str, codes: list[str]) -> dict[str, Cell]:
        """Figures for ``codes``; regions without an observation are 'missing'."""
        # A code range (e.g. every BU0855… code) lets DuckDB prune on the sorted key.
        prefix = os.path.commonprefix(codes) if codes else ""  # noqa: RUF071 - character prefix wanted
        rows = (
            self.cursor()
            .execute(
                """SELECT region_code, value, status, status_note FROM observation
               WHERE indicator_id = ? AND period = ? AND region_code >= ? AND region_code <= ?""",
                [indicator_id, period, prefix, prefix + "\uffff"],
            )
            .fetchall()
        )
        found = {r[0]: r for r in rows}  # one Cell per region: national views ask for 14,000
        out = {}
        for c in codes:
            r = found.get(c)
            out[c] = (
                Cell(c, r[1], r[2], r[3], period) if r else Cell(c, None, "missing", None, period)
            )
        return out

    def published_values(self, indicator_id: str, period: str, codes: list[str]) -> np.ndarray:
        """The published numbers (no hidden, no missing) of ``codes``, as a float array.

        For distributions over many regions (the national reference of the stapelkaart):
        no ``Cell`` per region.
        """
        prefix = os.path.commonprefix(codes) if codes else ""  # noqa: RUF071 - character prefix wanted
        values = (
            self.cursor()
            .execute(
                """SELECT o.value FROM observation o
               SEMI JOIN (SELECT unnest(?::VARCHAR[]) AS code) c ON o.region_code = c.code
               WHERE o.indicator_id = ? AND o.period = ? AND o.region_code >= ? AND o.region_code <= ?
                 AND o.value IS NOT NULL""",
                [codes, indicator_id, period, prefix, prefix + "\uffff"],
            )
            .fetchnumpy()["value"]
        )
        return np.asarray(values, dtype=float)

    def cells_by_period(self, indicator_id: str, code: str) -> list[Cell]:
        """Time series of one region, oldest first."""
        rows = (
            self.cursor()
            .execute(
                """SELECT region_code, value, status, status_note, period, division_year FROM observation
               WHERE indicator_id = ? AND region_code = ? ORDER BY period""",
                [indicator_id, code],
            )
            .fetchall()
        )
        return [Cell(*r) for r in rows]

    def series_for_region(self, code: str) -> dict[str, list[Cell]]:
        """Every period of every indicator for one region (for indicators with a time series)."""
        out: dict[str, list[Cell]] = {}
        for o in self._by_region.observations(code):
            out.setdefault(o.indicator_id, []).append(
                Cell(code, o.value, o.status, o.note, o.period, o.division_year)
            )
        return out

    def latest_cells_for_region(self, code: str) -> dict[str, Cell]:
        """For every indicator, the figure of the latest period *this region* has a figure for.

        Published or hidden both count; a newer period that only other regions have (KWB 2024
        for one gemeente) never turns this region's figure into "missing".
        """
        # observations come by indicator and period, oldest first: the last one per indicator wins
        return {
            o.indicator_id: Cell(code, o.value, o.status, o.note, o.period, o.division_year)
            for o in self._by_region.observations(code)
        }

    def coverage(self, indicator_id: str) -> list[tuple[str, str, int, int, int]]:
        """Per period and level: (period, level, values, hidden, missing) for the current division."""
        rows = (
            self.cursor()
            .execute(
                """SELECT p.period, r.level,
                      count(*) FILTER (o.status IN ('value', 'provisional')),
                      count(*) FILTER (o.status = 'hidden'),
                      count(*) FILTER (o.status IS NULL)
               FROM region r CROSS JOIN (SELECT DISTINCT period FROM observation WHERE indicator_id = ?) p
               LEFT JOIN observation o ON o.region_code = r.code AND o.period = p.period AND o.indicator_id = ?
               WHERE r.division_year = ?
               GROUP BY p.period, r.level ORDER BY p.period, CASE r.level WHEN 'land' THEN 0 WHEN 'gemeente' THEN 1 WHEN 'wijk' THEN 2 ELSE 3 END""",
                [indicator_id, indicator_id, self.division_year],
            )
            .fetchall()
        )
        return [(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]

    # --- geometry (one boundary year per region: see store/boundary_index.py) -------------
    def geometries(self, codes: list[str], level: str) -> dict[str, str]:
        """GeoJSON geometry text per code, from the boundary year chosen for that region."""
        return self._boundaries.geometries(codes, level)

    def bbox(self, codes: list[str], level: str) -> tuple[float, float, float, float] | None:
        """West, south, east, north of the polygons of ``codes`` (WGS84), or None."""
        return self._boundaries.bbox(codes, level)

    def polygon_codes(self, codes: list[str], level: str) -> set[str]:
        """The subset of ``codes`` that has a polygon for ``level``."""
        return self._boundaries.polygon_codes(codes, level)

    def boundary_years(self, codes: list[str], level: str) -> dict[str, int]:
        """The boundary year each region of ``codes`` is drawn with (codes with a polygon)."""
        return self._boundaries.years(codes, level)

    def boundary_year(self, level: str) -> int | None:
        """Newest boundary year drawn for ``level``."""
        return self._boundaries.newest_year(level)

    @cached_property
    def overlap(self) -> OverlapCells:
        """The stapeling of linked packages (combinations of provisions; store/overlap.py)."""
        return OverlapCells(self.cursor())

    @cached_property
    def risk(self) -> RiskEstimatesStore:
        """Group-level risk estimates of risk-factor packages (store/risk_estimates.py)."""
        return RiskEstimatesStore(self.cursor())

    @cached_property
    def imports(self) -> list[tuple[int, str, str, str, str]]:
        """Import log: (id, source label, file, periods, imported at)."""
        rows = (
            self.cursor()
            .execute(
                "SELECT import_id, source_label, file_name, periods, strftime(imported_at, '%Y-%m-%d %H:%M') FROM import_batch ORDER BY import_id"
            )
            .fetchall()
        )
        return [(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]

    # --- search ------------------------------------------------------------------------
    @cached_property
    def _search(self) -> RegionSearch[RegionRow]:
        return RegionSearch.over(self._regions, list(self._divisions.values()))

    def search(self, query: str, limit: int = 25) -> SearchResult[RegionRow]:
        """Gemeenten, wijken and buurten by name or code, accent- and case-insensitive."""
        return self._search.search(query, limit)
