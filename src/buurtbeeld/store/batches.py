"""Import bookkeeping shared by the open-data import and the package intake.

Both write inside their own transaction through this module: the next import id, the
replacement of exactly the observations a batch covers (indicator × period × region, never
more), and what that replacement did (cells replaced per earlier import, published cells that
would become hidden, stored cells of the same indicators and periods left untouched).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from buurtbeeld.errors import ImportFileError

NEW = "new_observations"
_KEY_ORDER = "ORDER BY indicator_id, period, region_code"
_SAME_KEY = (
    "o.indicator_id = n.indicator_id AND o.region_code = n.region_code AND o.period = n.period"
)


@dataclass
class Replaced:
    """Stored cells an import replaced, per earlier import batch."""

    import_id: int
    file_name: str
    cells: int


@dataclass
class ReplaceSummary:
    """What replacing a batch's observations did."""

    written: int = 0
    replaced: list[Replaced] = field(default_factory=list)
    became_hidden: int = 0
    """Stored published cells the batch turns into hidden ones."""
    untouched: int = 0
    """Stored cells of the batch's indicators and periods that the batch does not cover."""

    def add(self, other: ReplaceSummary) -> None:
        """Fold another summary (e.g. of the next period) into this one."""
        self.written += other.written
        self.became_hidden += other.became_hidden
        self.untouched += other.untouched
        by_id = {r.import_id: r for r in self.replaced}
        for r in other.replaced:
            if r.import_id in by_id:
                by_id[r.import_id].cells += r.cells
            else:
                self.replaced.append(Replaced(r.import_id, r.file_name, r.cells))
        self.replaced.sort(key=lambda r: r.import_id)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    """The id the next import batch gets."""
    row = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_batch").fetchone()
    return int(row[0]) if row else 1


def find_batch(con: duckdb.DuckDBPyConnection, dataset: str, sha256: str) -> int | None:
    """The import id of a batch with these bytes for this dataset, if already imported."""
    row = con.execute(
        "SELECT import_id FROM import_batch WHERE dataset = ? AND file_sha256 = ?",
        [dataset, sha256],
    ).fetchone()
    return int(row[0]) if row else None


@dataclass(frozen=True)
class Batch:
    """One row of the import log (``import_batch``)."""

    import_id: int
    dataset: str
    source_label: str
    file_name: str
    sha256: str
    periods: str
    observations: int
    report_json: str


def record_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """Log an import batch (inside the caller's transaction), stamped with the UTC time."""
    con.execute(
        "INSERT INTO import_batch VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch.import_id,
            batch.dataset,
            batch.source_label,
            batch.file_name,
            batch.sha256,
            datetime.now(UTC).replace(tzinfo=None),
            batch.periods,
            batch.observations,
            batch.report_json,
        ],
    )


def observation_table(
    columns: Mapping[str, Sequence[object]], *, division_year: int, import_id: int
) -> pa.Table:
    """Observation rows from lists ``indicator_id``, ``region_code``, ``period``, ``value``,
    ``status`` and ``status_note`` (one division year and import for all)."""
    n = len(columns["indicator_id"])
    return pa.table(
        {
            "indicator_id": pa.array(columns["indicator_id"], pa.string()),
            "region_code": pa.array(columns["region_code"], pa.string()),
            "period": pa.array(columns["period"], pa.string()),
            "division_year": pa.array([division_year] * n, pa.int32()),
            "value": pa.array(columns["value"], pa.float64()),
            "status": pa.array(columns["status"], pa.string()),
            "status_note": pa.array(columns["status_note"], pa.string()),
            "import_id": pa.array([import_id] * n, pa.int32()),
        }
    )


def duplicate_key(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str] | None:
    """A key (indicator, region, period) the registered batch holds twice, if any."""
    row = con.execute(
        f"""SELECT indicator_id, region_code, period FROM {NEW}
            GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT 1"""
    ).fetchone()
    return (str(row[0]), str(row[1]), str(row[2])) if row else None


def refuse_duplicate(key: tuple[str, str, str], file_name: str = "") -> None:
    """Refuse a batch that would store one figure twice (``BB-STL-030``).

    Names the indicator, region and period (codes, never a value).
    """
    indicator, region, period = key
    source = f"'{file_name}' zou" if file_name else "Deze import zou"
    raise ImportFileError(
        f"{source} hetzelfde cijfer twee keer opslaan: indicator {indicator}, regio {region}, "
        f"periode {period}. Er is niets gewijzigd.",
        code="BB-STL-030",
        hint="Twee kolommen krijgen dezelfde indicatorcode, of een regio staat twee keer in het "
        "bestand. Geef elke kolom een eigen id in het definitiebestand en elke regio één rij per "
        "periode.",
    )


def _stored_rows(con: duckdb.DuckDBPyConnection, table: pa.Table) -> int:
    """Stored cells of the batch's indicators and periods (0: no key of the batch is stored).

    Constant lists, so DuckDB prunes the observation table by its zone maps; the batch's own
    keys are never joined against the whole table when nothing can match (a first import).
    """
    indicators = pc.unique(table["indicator_id"]).to_pylist()
    periods = pc.unique(table["period"]).to_pylist()
    row = con.execute(
        f"""SELECT count(*) FROM observation
            WHERE indicator_id IN ({", ".join("?" * len(indicators))})
              AND period IN ({", ".join("?" * len(periods))})""",
        [*indicators, *periods],
    ).fetchone()
    return int(row[0]) if row else 0


def replace_observations(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    *,
    summarize: bool = True,
    unique_sorted: bool = False,
    file_name: str = "",
) -> ReplaceSummary:
    """Write ``table``'s observations, replacing only stored cells with the same key.

    Cells of the same indicators and periods for other regions stay as they are, with their
    own lineage. Call inside the caller's transaction; refusing (see :func:`refuse_hiding`)
    rolls everything back. ``summarize=False`` skips counting what is replaced (derived
    figures, recomputed from inputs already counted).

    The observation table has no primary-key index (store/schema.py): this is where its key
    is kept unique. A batch holding a key twice is refused (``BB-STL-030``); a stored key is
    updated, never inserted again. ``unique_sorted``: the caller built the batch with unique
    keys in key order (:func:`buurtbeeld.store.defined_import.observations_for`), so neither
    the duplicate check nor the sort is repeated here.
    """
    summary = ReplaceSummary(written=table.num_rows)
    if table.num_rows == 0:
        return summary
    con.register(NEW, table)
    try:
        if not unique_sorted:
            duplicate = duplicate_key(con)
            if duplicate is not None:
                refuse_duplicate(duplicate, file_name)
        order = "" if unique_sorted else _KEY_ORDER
        if not _stored_rows(con, table):
            # no stored key is in the batch (a first import): append, without any join
            con.execute(f"INSERT INTO observation SELECT * FROM {NEW} {order}")
            return summary
        if summarize:
            _summarize(con, summary)
        if summary.replaced or not summarize:
            # UPDATE in place, then INSERT the new keys: deleting and re-inserting the same
            # keys in one DuckDB transaction is far slower (national revision: 179 s with
            # DELETE + INSERT, 9 s like this).
            con.execute(
                f"""UPDATE observation o SET division_year = n.division_year, value = n.value,
                        status = n.status, status_note = n.status_note, import_id = n.import_id
                    FROM {NEW} n WHERE {_SAME_KEY}"""
            )
        con.execute(
            f"""INSERT INTO observation SELECT * FROM {NEW} n
                WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE {_SAME_KEY})
                {order}"""
        )
    finally:
        con.unregister(NEW)
    return summary


def _summarize(con: duckdb.DuckDBPyConnection, summary: ReplaceSummary) -> None:
    """Count the stored cells the registered batch replaces, hides and leaves alone."""
    for import_id, file_name, cells, hiding in con.execute(
        f"""SELECT o.import_id, coalesce(b.file_name, '?'), count(*),
                   count(*) FILTER (o.status <> 'hidden' AND n.status = 'hidden')
            FROM observation o JOIN {NEW} n ON {_SAME_KEY}
            LEFT JOIN import_batch b ON b.import_id = o.import_id
            GROUP BY ALL ORDER BY 1"""
    ).fetchall():
        summary.replaced.append(Replaced(int(import_id), str(file_name), int(cells)))
        summary.became_hidden += int(hiding)
    row = con.execute(
        f"""SELECT count(*) FROM observation o
            WHERE (o.indicator_id, o.period) IN (SELECT DISTINCT indicator_id, period FROM {NEW})
              AND NOT EXISTS (SELECT 1 FROM {NEW} n WHERE {_SAME_KEY})"""
    ).fetchone()
    summary.untouched = int(row[0]) if row else 0


def refuse_hiding(count: int, file_name: str) -> None:
    """Refuse an import that would turn ``count`` published figures into hidden ones.

    The message gives the number only, never a value or a region.
    """
    if count <= 0:
        return
    shown = f"{count:,}".replace(",", ".")
    raise ImportFileError(
        f"'{file_name}' zou {shown} "
        f"{'gepubliceerd cijfer' if count == 1 else 'gepubliceerde cijfers'} in de werkmap "
        "vervangen door 'verborgen' "
        "(het bestand heeft daar '.' waar de werkmap een cijfer heeft).",
        code="BB-IMP-030",
        hint="Dit is meestal een oudere of onvolledige download. Download het nieuwste bestand "
        "bij CBS, of importeer met --vervang als de cijfers echt verborgen moeten worden.",
    )


def missing_boundaries(
    con: duckdb.DuckDBPyConnection, division_year: int, import_id: int
) -> dict[str, list[str]]:
    """Per level, the import's regions that have no polygon in any boundary layer."""
    rows = con.execute(
        """SELECT r.level, r.code FROM region r
           WHERE r.division_year = ? AND r.level <> 'land'
             AND r.code IN (SELECT region_code FROM observation WHERE import_id = ?)
             AND NOT EXISTS (SELECT 1 FROM boundary b WHERE b.code = r.code AND b.level = r.level)
           ORDER BY r.level, r.code""",
        [division_year, import_id],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for level, code in rows:
        out.setdefault(level, []).append(code)
    return out
