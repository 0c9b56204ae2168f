"""Stapeling in the cube: the combination cells of a linked package (issue 11).

A package with a ``koppeling`` (made by the linking party with ``buurtbeeld koppel``) counts
units per combination of provisions: each table (``personen``, ``huishoudens``) has one binary
dimension per provision (``ja``/``nee``, and ``totaal`` for "either"). Its cells per region (the
exclusive combinations, the marginals and the total; all 3^k in packages made before
2026-12-04) do not become catalogue indicators; they land in the table ``stapeling`` (docs/architecture.md):
per cell the provisions marked ``ja`` (``combination``, sorted and ``+``-joined), those left
open as a total (``unrestricted``), the others ``nee``. The provisions of every import are in
``stapeling_voorziening``.

An import replaces what it covers, like :mod:`buurtbeeld.store.batches`: every stored cell of
the same dataset, unit, period and region (all combinations of a region come together), and
nothing else. Cells of the same dataset and period must combine the same provisions; a package
that would mix two sets is refused (``BB-STP-010``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format.model import (
    PUBLISHED_STATUSES,
    TOTAL,
    Linkage,
    PackageContents,
    PublishedTable,
)
from buurtbeeld.store.batches import Replaced, ReplaceSummary
from buurtbeeld.store.intake_audit import EarlierFigures, earlier_view

YES, NO = "ja", "nee"
UNITS = ("huishoudens", "personen")
NEW = "new_overlap_cells"
_REGION_KEY = "o.dataset = n.dataset AND o.unit = n.unit AND o.period = n.period AND o.region_code = n.region_code"
_CELL_KEY = f"{_REGION_KEY} AND o.combination = n.combination AND o.unrestricted = n.unrestricted"


class OverlapError(ImportFileError):
    """A linked package does not fit the stapeling table."""

    code = "BB-STP-011"
    default_hint = (
        "Maak het pakket opnieuw met 'buurtbeeld koppel'; wijzig pakketten nooit met de hand."
    )


def join(names: Iterable[str]) -> str:
    """The stored form of a set of provisions: sorted names joined by ``+`` ('' when empty)."""
    return "+".join(sorted(names))


def split(text: str) -> frozenset[str]:
    """The set of provisions of a stored ``combination`` or ``unrestricted``."""
    return frozenset(text.split("+")) if text else frozenset()


def cell_sets(dimensions: Sequence[str], combo: Sequence[str]) -> tuple[str, str]:
    """``(combination, unrestricted)`` of a cell: its ``ja`` provisions and its open ones."""
    yes = [d for d, v in zip(dimensions, combo, strict=True) if v == YES]
    unrestricted = [d for d, v in zip(dimensions, combo, strict=True) if v == TOTAL]
    return join(yes), join(unrestricted)


def combo_of(dimensions: Sequence[str], combination: str, unrestricted: str) -> tuple[str, ...]:
    """The package cell (one value per dimension) of a stored cell."""
    yes, anything = split(combination), split(unrestricted)
    return tuple(YES if d in yes else TOTAL if d in anything else NO for d in dimensions)


def check_linked(contents: PackageContents, linkage: Linkage) -> None:
    """Every table of a linked package counts units over exactly the linkage's provisions.

    Raises
    ------
    OverlapError
        ``BB-STP-011`` (names the table, never a value).
    """
    names = [p.name for p in linkage.provisions]
    if len(names) < 2 or len(set(names)) != len(names):
        raise OverlapError(
            f"Pakket geweigerd: de koppeling in '{contents.file_name}' noemt niet twee of meer "
            "verschillende voorzieningen."
        )
    for table in contents.tables:
        dims = [d.name for d in table.dimensions]
        unit = table.unit or contents.unit
        # a persons table counts only the extracts with persons: a subset of two or more
        if (
            len(dims) < 2
            or len(set(dims)) != len(dims)
            or not set(dims) <= set(names)
            or table.measure != "aantal"
            or unit not in UNITS
        ):
            raise OverlapError(
                f"Pakket geweigerd: tabel '{table.name}' van '{contents.file_name}' telt geen "
                "personen of huishoudens naar twee of meer van de gekoppelde voorzieningen."
            )
        if any(v not in (YES, NO, TOTAL) for _region, combo in table.keys for v in combo):
            raise OverlapError(
                f"Pakket geweigerd: tabel '{table.name}' van '{contents.file_name}' heeft andere "
                "categorieën dan 'ja', 'nee' en 'totaal'."
            )


def _unit(contents: PackageContents, table: PublishedTable) -> str:
    return table.unit or contents.unit


def overlap_table(contents: PackageContents, import_id: int) -> pa.Table:
    """The package's cells as rows of the ``stapeling`` table (hidden cells without a value)."""
    cols: dict[str, list[object]] = {
        k: []
        for k in (
            "dataset",
            "period",
            "region_code",
            "unit",
            "combination",
            "unrestricted",
            "value",
            "status",
        )
    }
    for table in contents.tables:
        dims = [d.name for d in table.dimensions]
        unit = _unit(contents, table)
        for (region, combo), value, status in zip(
            table.keys, table.values, table.statuses, strict=True
        ):
            combination, unrestricted = cell_sets(dims, combo)
            published = status in PUBLISHED_STATUSES
            cols["dataset"].append(contents.dataset)
            cols["period"].append(table.period)
            cols["region_code"].append(region)
            cols["unit"].append(unit)
            cols["combination"].append(combination)
            cols["unrestricted"].append(unrestricted)
            cols["value"].append(value if published else None)
            cols["status"].append("value" if published else "hidden")
    n = len(cols["dataset"])
    return pa.table(
        {
            **{k: pa.array(v, pa.string()) for k, v in cols.items() if k != "value"},
            "division_year": pa.array([contents.division_year] * n, pa.int32()),
            "value": pa.array(cols["value"], pa.float64()),
            "import_id": pa.array([import_id] * n, pa.int32()),
        }
    ).select(
        [
            "dataset",
            "period",
            "region_code",
            "unit",
            "combination",
            "unrestricted",
            "division_year",
            "value",
            "status",
            "import_id",
        ]
    )


def _check_same_provisions(
    con: duckdb.DuckDBPyConnection, contents: PackageContents, linkage: Linkage
) -> None:
    """Refuse a package whose provisions differ from those stored for its dataset and periods."""
    periods = sorted({t.period for t in contents.tables})
    new = join(p.name for p in linkage.provisions)
    rows = con.execute(
        """SELECT s.period, list(v.name ORDER BY v.name) AS names
           FROM (SELECT DISTINCT period, import_id FROM stapeling
                 WHERE dataset = ? AND list_contains(?, period)) s
           JOIN stapeling_voorziening v USING (import_id)
           GROUP BY s.period, s.import_id""",
        [contents.dataset, periods],
    ).fetchall()
    for period, names in rows:
        if join(names) != new:
            raise ImportFileError(
                f"Pakket geweigerd: '{contents.file_name}' koppelt andere voorzieningen "
                f"({', '.join(sorted(split(new)))}) dan de stapeling van dataset "
                f"'{contents.dataset}' die al in de werkmap staat voor periode {period} "
                f"({', '.join(names)}).",
                code="BB-STP-010",
                hint="Geef een koppeling van andere voorzieningen een eigen datasetnaam in de "
                "koppelspecificatie (bijvoorbeeld 'dataset: stapeling-schulden').",
            )


def write_overlap(
    con: duckdb.DuckDBPyConnection, contents: PackageContents, linkage: Linkage, import_id: int
) -> ReplaceSummary:
    """Store a linked package's cells (inside the caller's transaction), replacing every stored
    cell of the same dataset, unit, period and region, and nothing else."""
    check_linked(contents, linkage)
    _check_same_provisions(con, contents, linkage)
    table = overlap_table(contents, import_id)
    summary = ReplaceSummary(written=table.num_rows)
    con.register(NEW, table)
    try:
        regions = f"(SELECT DISTINCT dataset, unit, period, region_code FROM {NEW})"
        for earlier, file_name, cells in con.execute(
            f"""SELECT o.import_id, coalesce(b.file_name, '?'), count(*)
                FROM stapeling o SEMI JOIN {regions} n ON {_REGION_KEY}
                LEFT JOIN import_batch b ON b.import_id = o.import_id
                GROUP BY ALL ORDER BY 1"""
        ).fetchall():
            summary.replaced.append(Replaced(int(earlier), str(file_name), int(cells)))
        summary.became_hidden = _count(
            con,
            f"""SELECT count(*) FROM stapeling o JOIN {NEW} n ON {_CELL_KEY}
                WHERE o.status = 'value' AND n.status = 'hidden'""",
        )
        summary.untouched = _count(
            con,
            f"""SELECT count(*) FROM stapeling o
                WHERE (o.dataset, o.unit, o.period) IN (SELECT DISTINCT dataset, unit, period FROM {NEW})
                  AND NOT EXISTS (SELECT 1 FROM {regions} n WHERE {_REGION_KEY})""",
        )
        con.execute(
            f"""UPDATE stapeling o SET division_year = n.division_year, value = n.value,
                    status = n.status, import_id = n.import_id
                FROM {NEW} n WHERE {_CELL_KEY}"""
        )
        con.execute(
            f"""DELETE FROM stapeling o WHERE EXISTS (SELECT 1 FROM {regions} n WHERE {_REGION_KEY})
                AND NOT EXISTS (SELECT 1 FROM {NEW} n WHERE {_CELL_KEY})"""
        )
        con.execute(
            f"""INSERT INTO stapeling SELECT * FROM {NEW} n
                WHERE NOT EXISTS (SELECT 1 FROM stapeling o WHERE {_CELL_KEY})
                ORDER BY dataset, unit, period, region_code"""
        )
    finally:
        con.unregister(NEW)
    for position, p in enumerate(linkage.provisions):
        # '' for a provision protected against no partner table (the demo's yearly bijstand;
        # the column is NOT NULL since schema 3)
        con.execute(
            "INSERT INTO stapeling_voorziening VALUES (?, ?, ?, ?, ?, ?, ?)",
            [import_id, position, p.name, p.title, p.source, p.dataset, p.table or ""],
        )
    return summary


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def earlier_overlap(
    con: duckdb.DuckDBPyConnection, contents: PackageContents, linkage: Linkage
) -> EarlierFigures:
    """What the cube published for the same dataset, unit, period and regions as this linked
    package (the figures it replaces), as tables the intake audit adds as an earlier release.

    First checks that the package fits the stapeling table (``BB-STP-010``/``011``), so a
    package of other provisions is refused for that, not compared with cells it cannot match.
    """
    check_linked(contents, linkage)
    _check_same_provisions(con, contents, linkage)
    found = EarlierFigures()
    imports: set[int] = set()
    for table in contents.tables:
        dims = [d.name for d in table.dimensions]
        regions = sorted({k[0] for k in table.keys})
        rows = con.execute(
            """SELECT region_code, combination, unrestricted, value, import_id FROM stapeling
               WHERE dataset = ? AND unit = ? AND period = ? AND list_contains(?, region_code)
               ORDER BY region_code, combination, unrestricted""",
            [contents.dataset, _unit(contents, table), table.period, regions],
        ).fetchall()
        known = set(dims)
        rows = [r for r in rows if split(r[1]) | split(r[2]) <= known]
        if not rows:
            continue
        imports.update(int(r[4]) for r in rows)
        found.views.append(
            earlier_view(
                contents,
                table,
                tuple((str(r[0]), combo_of(dims, r[1], r[2])) for r in rows),
                tuple(None if r[3] is None else float(r[3]) for r in rows),
            )
        )
    found.import_ids = sorted(imports)
    return found


# --- reading (for store.cube.Cube) ----------------------------------------------------------


@dataclass(frozen=True)
class StoredProvision:
    """A provision of a stored stapeling: its dimension name and the partner it came from."""

    name: str
    title: str
    source: str
    dataset: str
    table: str
    """The partner's table protected against; '' when none."""


@dataclass(frozen=True)
class OverlapSet:
    """The stapeling of one dataset and period as stored (provisions in the package's order)."""

    dataset: str
    period: str
    source: str
    provisions: tuple[StoredProvision, ...]


StoredCell = tuple[float | None, str]
"""``(value, status)``: ``value`` is None for a hidden cell (status ``hidden``)."""


class OverlapCells:
    """Read access to the ``stapeling`` table (the workspace is read-only while served)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        rows = con.execute(
            """SELECT s.dataset, s.period, any_value(b.source_label), max(s.import_id)
               FROM (SELECT DISTINCT dataset, period, import_id FROM stapeling) s
               LEFT JOIN import_batch b USING (import_id)
               GROUP BY s.dataset, s.period ORDER BY s.dataset, s.period"""
        ).fetchall()
        self.sets: list[OverlapSet] = []
        for dataset, period, source, import_id in rows:
            provisions = tuple(
                StoredProvision(*p)
                for p in con.execute(
                    """SELECT name, title, source, dataset, table_name FROM stapeling_voorziening
                       WHERE import_id = ? ORDER BY position""",
                    [import_id],
                ).fetchall()
            )
            label = str(source or dataset).removesuffix(" (beveiligd pakket)")
            self.sets.append(OverlapSet(str(dataset), str(period), label, provisions))

    def find(
        self, dataset: str | None, period: str | None, among: Sequence[OverlapSet] | None = None
    ) -> OverlapSet | None:
        """The set of ``dataset`` and ``period`` (default: the first dataset, its latest period)
        among ``among`` (default: all)."""
        chosen = [
            s for s in (self.sets if among is None else among) if dataset in (None, s.dataset)
        ]
        if dataset is None and chosen:
            chosen = [s for s in chosen if s.dataset == chosen[0].dataset]
        if period is not None:
            chosen = [s for s in chosen if s.period == period]
        return chosen[-1] if chosen else None

    def sets_for(self, code: str) -> list[OverlapSet]:
        """The stored sets with cells for region ``code`` (oldest period first per dataset)."""
        found = {
            (str(r[0]), str(r[1]))
            for r in self._con.cursor()
            .execute("SELECT DISTINCT dataset, period FROM stapeling WHERE region_code = ?", [code])
            .fetchall()
        }
        return [s for s in self.sets if (s.dataset, s.period) in found]

    def cells(
        self, chosen: OverlapSet, codes: Sequence[str]
    ) -> dict[tuple[str, str], dict[tuple[str, str], StoredCell]]:
        """Per ``(unit, region)``: every stored cell ``(combination, unrestricted) -> cell``."""
        out: dict[tuple[str, str], dict[tuple[str, str], StoredCell]] = {}
        for unit, region, combination, unrestricted, value, status in (
            self._con.cursor()
            .execute(
                """SELECT unit, region_code, combination, unrestricted, value, status
                   FROM stapeling WHERE dataset = ? AND period = ?
                     AND region_code IN (SELECT unnest(?::VARCHAR[]))""",
                [chosen.dataset, chosen.period, list(codes)],
            )
            .fetchall()
        ):
            cell = (None if value is None else float(value), str(status))
            out.setdefault((str(unit), str(region)), {})[(combination, unrestricted)] = cell
        return out
