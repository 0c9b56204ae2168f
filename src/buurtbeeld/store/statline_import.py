"""Import a CBS StatLine table (OData folder or CSV export) with definitions from CBS's metadata."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from buurtbeeld.catalog.load import Catalog, builtin_catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.opendata.files import read_text_table
from buurtbeeld.opendata.health import looks_like_health
from buurtbeeld.opendata.kwb import looks_like_kwb
from buurtbeeld.opendata.statline import read_statline, statline_folder
from buurtbeeld.opendata.statline_csv import looks_like_statline_csv, read_statline_csv
from buurtbeeld.opendata.statline_values import StatlineData
from buurtbeeld.store.defined_import import DefinedBatch, import_defined
from buurtbeeld.store.importer import ImportReport, import_file
from buurtbeeld.store.kwb_columns import kwb_columns, kwb_indicators
from buurtbeeld.store.statline_definitions import (
    DEFINITIONS_FILE,
    apply_override,
    definition_for,
    read_overrides,
)
from buurtbeeld.store.workspace import Workspace

KWB_TITLE = "Kerncijfers wijken en buurten"


def is_statline(path: Path, *, encoding: str | None = None) -> bool:
    """Whether ``path`` is a StatLine OData download (folder or its data file) or CSV export."""
    if statline_folder(path) is not None:
        return True
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    table = read_text_table(path, encoding=encoding)
    return (
        looks_like_statline_csv(table)
        and not looks_like_kwb(table)
        and not looks_like_health(table)
    )


def import_path(
    workspace: Workspace,
    path: Path,
    *,
    year: int | None = None,
    encoding: str | None = None,
    table_id: str | None = None,
    overrides: Path | None = None,
    replace_hidden: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """``buurtbeeld importeer``: a StatLine table, or a KWB / Gezondheidsmonitor file."""
    if is_statline(path, encoding=encoding):
        return import_statline(
            workspace,
            path,
            table_id=table_id,
            year=year,
            overrides=overrides,
            replace_hidden=replace_hidden,
            progress=progress,
        )
    return import_file(
        workspace,
        path,
        year=year,
        encoding=encoding,
        progress=progress,
        replace_hidden=replace_hidden,
    )


def read_any(path: Path, *, table_id: str | None = None, year: int | None = None) -> StatlineData:
    """A StatLine OData folder or a "CSV met statistische symbolen"."""
    if path.suffix.lower() == ".csv":
        return read_statline_csv(read_text_table(path), path=path, table_id=table_id, year=year)
    return read_statline(path)


def definitions(
    data: StatlineData, overrides: Path | None = None
) -> tuple[list[Indicator], dict[str, str]]:
    """The table's indicators (with a user's overrides) and every column's fate."""
    meta = data.meta
    fields = read_overrides(overrides) if overrides is not None else {}
    titles = {d.key: d.titles for d in meta.dimensions}
    out: list[Indicator] = []
    columns: dict[str, str] = {}
    for key in data.text_topics:
        columns[key] = "tekst (naam of code), geen cijfer"
    for key, (topic, categories) in data.columns.items():
        indicator = definition_for(
            topic,
            table_id=meta.table_id,
            table_title=meta.title,
            categories=categories,
            category_titles=titles,
        )
        chosen = fields.get(key)
        if chosen is not None and chosen.get("weglaten"):
            columns[key] = "weggelaten in het definitiebestand"
            continue
        if chosen:
            indicator = apply_override(indicator, chosen, overrides.name if overrides else "")
        out.append(indicator)
        columns[key] = indicator.id
    return out, columns


def as_kwb(
    data: StatlineData, indicators: list[Indicator], columns: dict[str, str], catalog: Catalog
) -> tuple[list[Indicator], list[Indicator]]:
    """A KWB table in StatLine form (85984NED …) fills the same indicators as the KWB file.

    Topics the KWB column dictionary knows become the curated catalogue's indicators or
    ``kwb_<kolom>``; the table's other topics keep their ``cbs_<tabel>_…`` definitions.
    Returns (indicators to define, catalogue indicators filled); ``columns`` is updated.
    """
    short = kwb_columns().odata_to_short()
    mapped = {key: short[key] for key in data.columns if key in short}
    for frame in data.frames:
        for key, name in mapped.items():
            if key in frame.columns:
                frame.columns[name] = frame.columns.pop(key)
            for masks in (frame.notes, frame.missing):
                if key in masks:
                    masks[name] = masks.pop(key)
    made, fate = kwb_indicators(list(mapped.values()), catalog)
    builtin = {i.id: i for i in catalog.indicators}
    catalogue = [builtin[fate[name]] for name in mapped.values() if fate[name] in builtin]
    own = [i for i in indicators if i.source is None or i.source.column not in mapped]
    for key, name in mapped.items():
        columns[key] = fate[name]
    return own + made, catalogue


def digest_of(path: Path, extra: Path | None) -> str:
    """SHA-256 over the data files (a folder: every JSON file in it) and the overrides."""
    digest = hashlib.sha256()
    folder = statline_folder(path)
    files = sorted(folder.glob("*.json")) if folder is not None else [path]
    for file in [*files, *([extra] if extra is not None and extra.is_file() else [])]:
        digest.update(file.name.encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def import_statline(
    workspace: Workspace,
    path: Path,
    *,
    table_id: str | None = None,
    year: int | None = None,
    overrides: Path | None = None,
    replace_hidden: bool = False,
    progress: Callable[[str], None] | None = None,
    catalog: Catalog | None = None,
) -> ImportReport:
    """Import a StatLine table; its indicators are defined from CBS's description of it.

    ``overrides``: a definitions file; by default ``definities.yaml`` beside the download.

    Raises
    ------
    ImportFileError, RegionCodeError
        Coded Dutch errors (``BB-STL-…``, ``BB-IMP-…``, ``BB-GEO-003``); nothing is changed.
    """
    say = progress or (lambda _m: None)
    say(f"Controleren: {path.name}")
    data = read_any(path, table_id=table_id, year=year)
    folder = statline_folder(path)
    if overrides is None and folder is not None and (folder / DEFINITIONS_FILE).is_file():
        overrides = folder / DEFINITIONS_FILE
    indicators, columns = definitions(data, overrides)
    catalogue: list[Indicator] = []
    if data.meta.title.startswith(KWB_TITLE):
        indicators, catalogue = as_kwb(data, indicators, columns, catalog or builtin_catalog())
    name = (folder.name if folder is not None else path.name) or path.name
    report = ImportReport(file_name=name, dataset=f"statline:{data.meta.table_id}")
    report.columns = columns
    report.markers = data.markers
    report.skipped_regions = data.skipped_regions
    batch = DefinedBatch(
        dataset=report.dataset,
        source_label=f"CBS, {data.meta.title}",
        file_name=name,
        digest=digest_of(path, overrides),
        frames=data.frames,
        indicators=indicators,
        catalogue=catalogue,
    )
    return import_defined(
        workspace, batch, report, replace_hidden=replace_hidden, progress=say, catalog=catalog
    )
