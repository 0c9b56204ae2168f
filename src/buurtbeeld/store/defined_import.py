"""Write frames whose indicators the import itself defines (StatLine tables, own tables).

Same rules as the CBS import (docs/architecture.md): everything is validated before the
workspace is touched, then written in one transaction (definitions in ``indicator_def``,
observations through :mod:`buurtbeeld.store.batches`, the batch with its report); a file whose
SHA-256 is recorded for its dataset is a no-op; published figures that would become hidden are
refused unless allowed. A hidden cell keeps its reason (``bron``, ``geheim``, ``klein_aantal``);
a cell the source leaves empty is *missing* and not stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from buurtbeeld.catalog.load import Catalog, builtin_catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import CatalogError, ImportFileError
from buurtbeeld.opendata.frames import SourceFrame
from buurtbeeld.store.batches import (
    Batch,
    ReplaceSummary,
    find_batch,
    missing_boundaries,
    next_import_id,
    record_batch,
    refuse_duplicate,
    refuse_hiding,
    replace_observations,
)
from buurtbeeld.store.derive import derive_for_import
from buurtbeeld.store.importer import (
    ImportReport,
    IndicatorCount,
    check_regions,
    insert_regions,
)
from buurtbeeld.store.plausibility import check_ranges, check_relations
from buurtbeeld.store.workspace import Workspace

NOTE_SOURCE = "bron"


@dataclass
class DefinedBatch:
    """What one import of self-defining data writes."""

    dataset: str
    source_label: str
    file_name: str
    digest: str
    frames: list[SourceFrame]
    indicators: list[Indicator]
    """Each with ``source.column`` = the frame column key it reads."""
    catalogue: list[Indicator] = field(default_factory=list)
    """Built-in catalogue indicators the frames also fill (a KWB table in StatLine form)."""


def _first_twice(names: list[str]) -> str | None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def observations_for(frame: SourceFrame, indicators: list[Indicator], import_id: int) -> pa.Table:
    """Observation rows of a frame; hidden cells with their note, missing cells left out.

    Rows come in key order (indicator, region; one period) with unique keys — checked here on
    the indicator ids and region codes, not per row — so the writer neither sorts nor checks
    two million rows again (``replace_observations(..., unique_sorted=True)``). Built from
    numpy index arrays and Arrow dictionaries: Python lists per cell would dominate the import.

    Raises
    ------
    ImportFileError
        ``BB-STL-030`` when two indicators share an id or a region code occurs twice.
    """
    n = len(frame.codes)
    used = sorted(
        (i for i in indicators if i.source is not None and i.source.column in frame.columns),
        key=lambda i: i.id,
    )  # derived ones are computed in SQL after their inputs are written
    if not used or not n:
        return pa.table({})
    twice = _first_twice([i.id for i in used])
    if twice is not None:
        refuse_duplicate((twice, frame.codes[0], frame.period), frame.file_name)
    twice = _first_twice(frame.codes)
    if twice is not None:
        refuse_duplicate((used[0].id, twice, frame.period), frame.file_name)
    order = np.argsort(np.array(frame.codes, dtype=object), kind="stable")
    codes = [frame.codes[i] for i in order]
    keep, hidden, values, note_index = [], [], [], []
    note_values: dict[str, int] = {}
    for indicator in used:
        assert indicator.source is not None
        key = indicator.source.column
        column = frame.columns[key]
        present = ~frame.missing[key][order] if key in frame.missing else np.ones(n, dtype=bool)
        hide = column.hidden[order] & present
        notes = np.full(n, -1, dtype=np.int32)
        note = frame.notes.get(key)
        if note is None:
            notes[hide] = note_values.setdefault(NOTE_SOURCE, len(note_values))
        else:
            where, texts = np.flatnonzero(hide), note[order][hide]
            for text in set(texts.tolist()):  # a few reasons: bron, geheim, klein_aantal
                notes[where[texts == text]] = note_values.setdefault(str(text), len(note_values))
        keep.append(present)
        hidden.append(hide[present])
        values.append(column.values[order][present])
        note_index.append(notes[present])
    kept = [int(k.sum()) for k in keep]
    hidden_all = np.concatenate(hidden)
    rows = len(hidden_all)
    notes_all = np.concatenate(note_index)
    return pa.table(
        {
            "indicator_id": pa.DictionaryArray.from_arrays(
                pa.array(np.repeat(np.arange(len(used), dtype=np.int32), kept)),
                pa.array([i.id for i in used], pa.string()),
            ).cast(pa.string()),
            "region_code": pa.DictionaryArray.from_arrays(
                pa.array(np.concatenate([np.flatnonzero(k).astype(np.int32) for k in keep])),
                pa.array(codes, pa.string()),
            ).cast(pa.string()),
            "period": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(rows, dtype=np.int32)), pa.array([frame.period], pa.string())
            ).cast(pa.string()),
            "division_year": pa.array(np.full(rows, frame.division_year, dtype=np.int32)),
            "value": pa.array(
                np.where(hidden_all, np.nan, np.concatenate(values)),
                pa.float64(),
                from_pandas=True,
            ),
            "status": pa.DictionaryArray.from_arrays(
                pa.array(hidden_all.astype(np.int32)), pa.array(["value", "hidden"])
            ).cast(pa.string()),
            "status_note": pa.DictionaryArray.from_arrays(
                pa.array(notes_all, mask=notes_all < 0),
                pa.array(list(note_values) or [NOTE_SOURCE], pa.string()),
            ).cast(pa.string()),
            "import_id": pa.array(np.full(rows, import_id, dtype=np.int32)),
        }
    )


def check_definitions(
    con: duckdb.DuckDBPyConnection, batch: DefinedBatch, catalog: Catalog
) -> None:
    """Refuse ids that are the catalogue's or another source's (``BB-STL-012``)."""
    builtin = {i.id for i in catalog.indicators}
    clash = sorted({i.id for i in batch.indicators} & builtin)
    stored = {
        r[0]: Indicator.model_validate_json(r[1])
        for r in con.execute("SELECT id, definition_json FROM indicator_def").fetchall()
    }
    for indicator in batch.indicators:
        before = stored.get(indicator.id)
        if (
            before is not None
            and before.source is not None
            and indicator.source is not None
            and (before.source.dataset, before.source.table)
            != (indicator.source.dataset, indicator.source.table)
        ):
            clash.append(indicator.id)
    if clash:
        raise ImportFileError(
            f"{len(clash)} indicatorcodes van '{batch.file_name}' horen al bij de catalogus of een "
            f"andere bron ({', '.join(clash[:5])}).",
            code="BB-STL-012",
            hint="Geef de tabel een andere naam (--tabel) of andere id's in het definitiebestand.",
        )
    try:
        catalog.extended(
            [i for i in stored.values() if i.id not in {d.id for d in batch.indicators}]
            + batch.indicators
        )
    except CatalogError as err:
        raise ImportFileError(
            f"Met '{batch.file_name}' zou de catalogus van de werkmap niet meer laden ({err.message})",
            code="BB-STL-012",
            hint="Controleer de thema's en id's in het definitiebestand.",
        ) from err


def import_defined(
    workspace: Workspace,
    batch: DefinedBatch,
    report: ImportReport,
    *,
    replace_hidden: bool = False,
    progress: Callable[[str], None] | None = None,
    catalog: Catalog | None = None,
) -> ImportReport:
    """Write the batch in one transaction (or nothing), filling ``report``."""
    say = progress or (lambda _m: None)
    catalog = catalog or builtin_catalog()
    sourced = [i for i in batch.indicators + batch.catalogue if i.source is not None]
    for frame in batch.frames:
        check_ranges(frame, sourced)
        if batch.catalogue:
            check_relations(frame, catalog)
    with workspace.transaction() as con:
        previous = find_batch(con, batch.dataset, batch.digest)
        if previous is not None:
            report.already_imported, report.import_id = True, previous
            return report
        check_definitions(con, batch, catalog)
        import_id = next_import_id(con)
        report.import_id = import_id
        summary = ReplaceSummary()
        for indicator in batch.indicators:
            con.execute("DELETE FROM indicator_def WHERE id = ?", [indicator.id])
            con.execute(
                "INSERT INTO indicator_def VALUES (?, ?, ?)",
                [indicator.id, indicator.model_dump_json(), import_id],
            )
        report.defined_indicators = [i.id for i in batch.indicators]
        for frame in batch.frames:
            say(f"Schrijven: periode {frame.period}")
            new_regions = check_regions(con, frame)
            if new_regions:
                insert_regions(con, new_regions)
                report.new_regions += len(new_regions)
            table = observations_for(frame, sourced, import_id)
            summary.add(
                replace_observations(con, table, unique_sorted=True, file_name=batch.file_name)
            )
            if len(sourced) < len(batch.indicators) or batch.catalogue:
                report.derived_indicators = derive_for_import(
                    con,
                    catalog.extended(batch.indicators),
                    frame.period,
                    import_id,
                    {i.id for i in sourced},
                )
            report.rows += len(frame.codes)
            report.periods.append(frame.period)
        if not replace_hidden:
            refuse_hiding(summary.became_hidden, batch.file_name)
        report.replaced = summary.replaced
        report.became_hidden = summary.became_hidden
        report.untouched = summary.untouched
        for indicator_id, period, values, hidden in con.execute(
            """SELECT indicator_id, period, count(*) FILTER (status <> 'hidden'),
                      count(*) FILTER (status = 'hidden')
               FROM observation WHERE import_id = ? GROUP BY ALL ORDER BY ALL""",
            [import_id],
        ).fetchall():
            report.counts.append(IndicatorCount(indicator_id, period, int(values), int(hidden)))
        if batch.frames:
            division = batch.frames[0].division_year
            report.regions_without_boundary = missing_boundaries(con, division, import_id)
        record_batch(
            con,
            Batch(
                import_id,
                batch.dataset,
                batch.source_label,
                batch.file_name,
                batch.digest,
                ",".join(report.periods),
                report.observations,
                report.to_json(),
            ),
        )
    return report
