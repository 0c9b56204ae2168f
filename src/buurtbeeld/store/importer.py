"""Transactional, idempotent import of open data into the cube.

An import reads and validates the whole file before it touches the workspace, then writes
everything in one DuckDB transaction: a failure leaves the workspace exactly as it was.
Importing a file whose SHA-256 is already recorded for that dataset changes nothing.
A new file replaces exactly the figures it covers (indicator × period × region) and nothing
else (CBS revises KWB files over time; a gemeente's extract leaves the other regions alone);
lineage keeps which file every figure came from. A file that would turn published figures into
hidden ones (an older or partial download) is refused unless the caller allows it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from buurtbeeld.catalog.load import Catalog, builtin_catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import ImportFileError, RegionCodeError
from buurtbeeld.geo.codes import level_of, parent_of
from buurtbeeld.geo.names import fallback_name, name_for
from buurtbeeld.opendata.files import read_text_table
from buurtbeeld.opendata.frames import SourceFrame
from buurtbeeld.opendata.health import looks_like_health, read_health
from buurtbeeld.opendata.kwb import looks_like_kwb, read_kwb
from buurtbeeld.store.batches import (
    Batch,
    Replaced,
    ReplaceSummary,
    file_sha256,
    find_batch,
    missing_boundaries,
    next_import_id,
    record_batch,
    refuse_hiding,
    replace_observations,
)
from buurtbeeld.store.derive import derive_for_import
from buurtbeeld.store.kwb_columns import kwb_indicators
from buurtbeeld.store.plausibility import check_ranges, check_relations
from buurtbeeld.store.workspace import Workspace

SOURCE_LABELS = {
    "kwb": "CBS, Kerncijfers wijken en buurten",
    "gezondheidsmonitor": "RIVM/CBS, Gezondheidsmonitor",
}
BUNDLED_DIR = Path(__file__).resolve().parents[1] / "data" / "cbs"
COVERAGE_WARNING = 0.5
"""Warn when a file covers fewer than this share of the regions already stored for its table."""
BUNDLED_FILES = (
    BUNDLED_DIR / "kwb2023.parquet",
    BUNDLED_DIR / "gezondheidsmonitor_2016_2020.parquet",
)


@dataclass
class IndicatorCount:
    """Observations written for one indicator and period."""

    indicator_id: str
    period: str
    values: int
    hidden: int


@dataclass
class ImportReport:
    """What an import did; also stored as JSON with the import batch."""

    file_name: str
    dataset: str
    already_imported: bool = False
    import_id: int | None = None
    rows: int = 0
    periods: list[str] = field(default_factory=list)
    counts: list[IndicatorCount] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)
    new_regions: int = 0
    regions_without_boundary: dict[str, list[str]] = field(default_factory=dict)
    replaced: list[Replaced] = field(default_factory=list)
    """Stored figures this import replaced, per earlier import (derived figures not counted)."""
    became_hidden: int = 0
    """Published figures that became hidden (only with ``replace_hidden``)."""
    untouched: int = 0
    """Stored figures of the same indicators and periods that the file does not cover."""
    derived_indicators: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    defined_indicators: list[str] = field(default_factory=list)
    """Indicators this import defined in the workspace (StatLine, all KWB columns, own tables)."""
    columns: dict[str, str] = field(default_factory=dict)
    """Every column of the file: the indicator it became, or why it did not (issue 17)."""
    markers: dict[str, int] = field(default_factory=dict)
    """CBS symbols met ('.', 'x', '-', 'leeg') and how often."""
    skipped_regions: dict[str, int] = field(default_factory=dict)
    """Regions of other kinds left out (provincies, COROP-gebieden), per kind."""
    visibility: dict[str, str] = field(default_factory=dict)
    """Own tables: the visibility the definition asks per indicator (intern/openbaar)."""

    @property
    def observations(self) -> int:
        """Total number of observations written."""
        return sum(c.values + c.hidden for c in self.counts)

    def to_json(self) -> str:
        """JSON text for the import log."""
        return json.dumps(asdict(self), ensure_ascii=False)


def wanted_keys(catalog: Catalog, dataset: str) -> set[str]:
    """Source column keys the catalogue reads from ``dataset``."""
    return {i.source.key for i in catalog.indicators if i.source and i.source.dataset == dataset}


@dataclass
class Frames:
    """A file read into frames, with the catalogue to import them by."""

    frames: list[SourceFrame]
    catalog: Catalog
    defined: list[Indicator] = field(default_factory=list)
    """Indicators the file brings that the catalogue lacks (all KWB columns: issue 17)."""
    columns: dict[str, str] = field(default_factory=dict)
    """Every column: the indicator it becomes, or why none."""


def read_frames(
    path: Path, *, year: int | None = None, encoding: str | None = None, catalog: Catalog
) -> Frames:
    """Read and parse a CBS/RIVM file into source frames, or raise a Dutch error."""
    table = read_text_table(path, encoding=encoding)
    if looks_like_kwb(table):
        defined, columns = kwb_indicators(table.column_names, catalog)
        full = catalog.extended(defined)
        frame = read_kwb(table, path=path, year=year, wanted=wanted_keys(full, "kwb"))
        return Frames([frame], full, defined, columns)
    if looks_like_health(table):
        wanted = wanted_keys(catalog, "gezondheidsmonitor")
        return Frames(read_health(table, path=path, wanted=wanted), catalog)
    shown = ", ".join(table.column_names[:5]) or "(geen)"
    raise ImportFileError(
        f"'{path.name}' is geen herkend CBS-bestand: kolommen {shown} … bevatten geen "
        "regiocodes (gwb_code_10) en ook geen Gezondheidsmonitor-kolommen (WijkenEnBuurten, Perioden).",
        code="BB-IMP-020",
        hint="Importeer 'Kerncijfers wijken en buurten' (kwb-JJJJ.xlsx of .csv), de "
        "Gezondheidsmonitor per wijk en buurt of een StatLine-tabel, zoals CBS ze publiceert.",
    )


def check_regions(
    con: duckdb.DuckDBPyConnection, frame: SourceFrame
) -> list[tuple[str, int, str, str, str | None, str | None]]:
    """Codes must be unique and known for the division; returns new regions to register."""
    seen: set[str] = set()
    dupes = sorted({c for c in frame.codes if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    if dupes:
        raise ImportFileError(
            f"Regiocodes komen meer dan één keer voor in '{frame.file_name}' ({', '.join(dupes[:3])}).",
            code="BB-IMP-012",
            hint="Elke regio hoort één rij per periode te hebben. Gebruik het originele CBS-bestand.",
        )
    known = {
        r[0]
        for r in con.execute(
            "SELECT code FROM region WHERE division_year = ?", [frame.division_year]
        ).fetchall()
    }
    if not known:
        # A KWB file of a year we have no division for defines that division itself.
        return [_new_region(c, frame) for c in frame.codes]
    unknown = [c for c in frame.codes if c not in known]
    if unknown:
        raise RegionCodeError(
            f"{len(unknown)} regiocodes in '{frame.file_name}' bestaan niet in de indeling "
            f"{frame.division_year} ({', '.join(unknown[:5])}).",
            code="BB-GEO-003",
            hint=f"Controleer of het bestand de gemeentelijke indeling {frame.division_year} volgt "
            "en of de codes niet zijn bewerkt.",
        )
    return []


def _new_region(code: str, frame: SourceFrame) -> tuple[str, int, str, str, str | None, str | None]:
    """A region of a division the file defines: the file's name, else CBS's (geo.names)."""
    name, note = frame.names.get(code), None
    if not name:
        name, note = name_for(code, frame.division_year)
    return (
        code,
        frame.division_year,
        level_of(code).value,
        name or fallback_name(code),
        parent_of(code),
        note,
    )


def insert_regions(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str, int, str, str, str | None, str | None]]
) -> None:
    """Register regions of a division the file defines (one Arrow insert, not row by row)."""
    table = pa.table(
        {
            name: pa.array([r[i] for r in rows], kind)
            for i, (name, kind) in enumerate(
                (
                    ("code", pa.string()),
                    ("division_year", pa.int32()),
                    ("level", pa.string()),
                    ("name", pa.string()),
                    ("parent_code", pa.string()),
                    ("name_note", pa.string()),
                )
            )
        }
    )
    con.register("new_regions", table)
    try:
        con.execute(
            "INSERT INTO region (code, division_year, level, name, parent_code, name_note) "
            "SELECT * FROM new_regions"
        )
    finally:
        con.unregister("new_regions")


def _observations(frame: SourceFrame, indicators: list[Indicator], import_id: int) -> pa.Table:
    parts = []
    n = len(frame.codes)
    for indicator in indicators:
        assert indicator.source is not None
        column = frame.columns.get(indicator.source.key)
        if column is None:
            continue
        hidden = column.hidden
        parts.append(
            pa.table(
                {
                    "indicator_id": pa.array([indicator.id] * n, pa.string()),
                    "region_code": pa.array(frame.codes, pa.string()),
                    "period": pa.array([frame.period] * n, pa.string()),
                    "division_year": pa.array(np.full(n, frame.division_year, dtype=np.int32)),
                    "value": pa.array(
                        np.where(hidden, np.nan, column.values), pa.float64(), from_pandas=True
                    ),
                    "status": pa.array(np.where(hidden, "hidden", "value"), pa.string()),
                    "status_note": pa.array(
                        ["bron" if h else None for h in hidden.tolist()], pa.string()
                    ),
                    "import_id": pa.array(np.full(n, import_id, dtype=np.int32)),
                }
            )
        )
    return pa.concat_tables(parts) if parts else pa.table({})


def _coverage_warning(
    con: duckdb.DuckDBPyConnection, frame: SourceFrame, indicator_ids: list[str]
) -> str | None:
    """A Dutch warning when the file covers far fewer regions than stored for its table."""
    row = con.execute(
        f"""SELECT count(DISTINCT region_code) FROM observation
            WHERE period = ? AND indicator_id IN ({", ".join("?" * len(indicator_ids))})""",
        [frame.period, *indicator_ids],
    ).fetchone()
    stored = int(row[0]) if row else 0
    if not stored or len(frame.codes) >= COVERAGE_WARNING * stored:
        return None
    return (
        f"Dit bestand bevat {_nl(len(frame.codes))} regio's; in de werkmap staan voor "
        f"{frame.period} {_nl(stored)} regio's van deze tabel. Alleen de regio's in het bestand "
        "zijn bijgewerkt; de andere houden hun cijfers."
    )


def _nl(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def import_file(
    workspace: Workspace,
    path: Path,
    *,
    year: int | None = None,
    encoding: str | None = None,
    catalog: Catalog | None = None,
    progress: Callable[[str], None] | None = None,
    replace_hidden: bool = False,
) -> ImportReport:
    """Import a CBS KWB or Gezondheidsmonitor file into the workspace cube.

    Only the stored figures the file covers (indicator × period × region) are replaced.
    ``replace_hidden`` allows the file to turn published figures into hidden ones
    (``buurtbeeld importeer --vervang``); without it such a file is refused (``BB-IMP-030``).

    Raises
    ------
    ImportFileError, RegionCodeError
        For unreadable or non-CBS files, bad codes or bad cells; the workspace is unchanged.
    """
    catalog = catalog or builtin_catalog()
    say = progress or (lambda _msg: None)
    say(f"Controleren: {path.name}")
    digest = file_sha256(path) if path.is_file() else ""
    read = read_frames(path, year=year, encoding=encoding, catalog=catalog)
    frames, catalog = read.frames, read.catalog
    dataset = frames[0].dataset
    sourced = [i for i in catalog.indicators if i.source and i.source.dataset == dataset]
    for frame in frames:
        check_ranges(frame, sourced)
        check_relations(frame, catalog)
    report = ImportReport(file_name=path.name, dataset=dataset)
    con = workspace.connect(read_only=True)  # a file imported before: no new generation
    try:
        previous = find_batch(con, dataset, digest)
    finally:
        con.close()
    if previous is not None:
        report.already_imported, report.import_id = True, previous
        return report
    with workspace.transaction(notes=report.warnings) as con:
        previous = find_batch(con, dataset, digest)
        if previous is not None:
            report.already_imported = True
            report.import_id = previous
            return report
        import_id = next_import_id(con)
        report.import_id = import_id
        report.columns = read.columns
        for indicator in read.defined:
            con.execute("DELETE FROM indicator_def WHERE id = ?", [indicator.id])
            con.execute(
                "INSERT INTO indicator_def VALUES (?, ?, ?)",
                [indicator.id, indicator.model_dump_json(), import_id],
            )
            report.defined_indicators.append(indicator.id)
        summary = ReplaceSummary()
        derived: set[str] = set()
        for frame in frames:
            say(f"Schrijven: periode {frame.period}")
            new_regions = check_regions(con, frame)
            if new_regions:
                insert_regions(con, new_regions)
                report.new_regions += len(new_regions)
            table = _observations(frame, sourced, import_id)
            if table.num_rows == 0:
                raise ImportFileError(
                    f"'{path.name}' bevat geen van de kolommen die de indicatoren gebruiken.",
                    code="BB-IMP-021",
                    hint="Controleer of het bestand de CBS-kolomnamen heeft (bijvoorbeeld a_inw).",
                )
            ids = sorted(set(table["indicator_id"].to_pylist()))
            warning = _coverage_warning(con, frame, [i.id for i in sourced])
            if warning:
                report.warnings.append(warning)
            summary.add(replace_observations(con, table))
            derived.update(derive_for_import(con, catalog, frame.period, import_id, set(ids)))
            report.rows += len(frame.codes)
            report.periods.append(frame.period)
            report.unused_columns = sorted(set(report.unused_columns) | set(frame.unused_columns))
        if not replace_hidden:
            refuse_hiding(summary.became_hidden, path.name)
        report.replaced = summary.replaced
        report.became_hidden = summary.became_hidden
        report.untouched = summary.untouched
        report.derived_indicators = sorted(derived)
        say("Samenvatten")
        for indicator_id, period, values, hidden in con.execute(
            """SELECT indicator_id, period, count(*) FILTER (status <> 'hidden'), count(*) FILTER (status = 'hidden')
               FROM observation WHERE import_id = ? GROUP BY ALL ORDER BY ALL""",
            [import_id],
        ).fetchall():
            report.counts.append(IndicatorCount(indicator_id, period, int(values), int(hidden)))
        report.regions_without_boundary = missing_boundaries(
            con, frames[0].division_year, import_id
        )
        record_batch(
            con,
            Batch(
                import_id,
                dataset,
                SOURCE_LABELS[dataset],
                path.name,
                digest,
                ",".join(report.periods),
                report.observations,
                report.to_json(),
            ),
        )
    return report
