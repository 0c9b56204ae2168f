"""Stapeling in the cube: the combination cells of a linked package (issue 11).

A package with a ``koppeling`` (made by the linking party with ``buurtbeeld koppel``) counts
units per combination of provisions: each table (``personen``, ``huishoudens``) has one binary
dimension per provision (``ja``/``nee``, and ``totaal`` for "either"). Its cells per region (the
exclusive combinations, the marginals and the total; all 3^k in packages made before
2026-12-04; and, from a table ``<unit>_minstens``, the units with k or more provisions, stored
as :func:`at_least_key`) do not become catalogue indicators; they land in the table ``stapeling`` (docs/architecture.md):
per cell the provisions marked ``ja`` (``combination``, sorted and ``+``-joined), those left
open as a total (``unrestricted``), the others ``nee``. The provisions of every import are in
``stapeling_voorziening``.

An import replaces what it covers, like :mod:`buurtbeeld.store.batches`: every stored cell of
the same dataset, unit, period and region (all combinations of a region come together), and
nothing else. Cells of the same dataset and period must combine the same provisions; a package
that would mix two sets is refused (``BB-STP-010``).
"""

from __future__ import annotations

from collections.abc import Sequence

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
from buurtbeeld.store.overlap_read import AT_LEAST_MARK, at_least_key, join, split

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
        if table.at_least_of:
            _check_at_least(contents, table, names)
            continue
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


def _check_at_least(contents: PackageContents, table: PublishedTable, names: list[str]) -> None:
    """A "k or more" table counts units with k = 2 … n - 1 of three or more linked provisions."""
    n = len(table.at_least_of)
    if (
        n < 3
        or not set(table.at_least_of) <= set(names)
        or table.measure != "aantal"
        or (table.unit or contents.unit) not in UNITS
        or any(not (c[0].isdigit() and 2 <= int(c[0]) < n) for _r, c in table.keys)
    ):
        raise OverlapError(
            f"Pakket geweigerd: tabel '{table.name}' van '{contents.file_name}' telt geen "
            "personen of huishoudens met k of meer van de gekoppelde voorzieningen."
        )


def _stored_sets(table: PublishedTable, combo: Sequence[str]) -> tuple[str, str]:
    if table.at_least_of:
        return at_least_key(combo[0])
    return cell_sets([d.name for d in table.dimensions], combo)


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
        unit = _unit(contents, table)
        for (region, combo), value, status in zip(
            table.keys, table.values, table.statuses, strict=True
        ):
            combination, unrestricted = _stored_sets(table, combo)
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
        keys: tuple[tuple[str, tuple[str, ...]], ...]
        if table.at_least_of:
            rows = [r for r in rows if r[1] == "" and str(r[2]).startswith(AT_LEAST_MARK)]
            keys = tuple((str(r[0]), (str(r[2]).removeprefix(AT_LEAST_MARK),)) for r in rows)
        else:
            known = set(dims)
            rows = [r for r in rows if split(r[1]) | split(r[2]) <= known]
            keys = tuple((str(r[0]), combo_of(dims, r[1], r[2])) for r in rows)
        if not rows:
            continue
        imports.update(int(r[4]) for r in rows)
        found.views.append(
            earlier_view(
                contents,
                table,
                keys,
                tuple(None if r[3] is None else float(r[3]) for r in rows),
            )
        )
    found.import_ids = sorted(imports)
    return found
