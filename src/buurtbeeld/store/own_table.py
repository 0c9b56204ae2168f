"""A gemeente's own table per buurt (``buurtbeeld importeer-tabel``, issue 17 item 3).

A CSV/XLSX/Parquet with a region column (CBS code with or without prefix, a buurt/wijk name
matched accent- and case-insensitively, or a postcode with the user's lookup table), an
optional period column and value columns, described by a definition file
(:mod:`buurtbeeld.store.own_table_definition`). Counts of people (``telt``) are checked against
the workspace's disclosure profile (``beveiligingsprofiel`` in buurtbeeld.toml, default
``cbs-zorg``): small counts are hidden on import with the reason ``klein_aantal``; with
``--strikt`` a file whose counts are not protected at the source is refused. Writing follows
the CBS import's rules (one transaction, idempotent, nothing lost). Messages never show a
value of the file, only columns, rows and region keys.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from buurtbeeld.catalog.models import UNIT_LABELS, Derivation, Indicator, Polarity, SourceRef
from buurtbeeld.errors import ImportFileError
from buurtbeeld.opendata.cbs_values import ParsedColumn
from buurtbeeld.opendata.files import read_text_table
from buurtbeeld.opendata.frames import SourceFrame
from buurtbeeld.opendata.statline_values import parse_period
from buurtbeeld.protect import get_profile
from buurtbeeld.store.defined_import import DefinedBatch, import_defined
from buurtbeeld.store.importer import ImportReport
from buurtbeeld.store.own_table_definition import OwnIndicator, OwnTableDefinition, read_definition
from buurtbeeld.store.own_table_regions import (
    Regions,
    fold,
    load_regions,
    match_regions,
    tab_error,
)
from buurtbeeld.store.workspace import CONFIG_FILE, Workspace

DEFAULT_PROFILE = "cbs-zorg"
SMALL = "klein_aantal"
MARKERS = {".", "x", "-", "?"}


def workspace_profile(workspace: Workspace) -> str:
    """``[werkmap] beveiligingsprofiel`` of buurtbeeld.toml (default ``cbs-zorg``)."""
    try:
        data = tomllib.loads((workspace.root / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_PROFILE
    return str(data.get("werkmap", {}).get("beveiligingsprofiel", DEFAULT_PROFILE))


def _numbers(column: pa.ChunkedArray, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, hidden by the source, empty) of a value column; text refused by row only."""
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string())).fill_null("")
    cells = [str(c) for c in text.to_pylist()]
    values = np.full(len(cells), np.nan)
    hidden = np.zeros(len(cells), dtype=bool)
    empty = np.zeros(len(cells), dtype=bool)
    bad = []
    for i, cell in enumerate(cells):
        if cell == "":
            empty[i] = True
        elif cell in MARKERS:
            hidden[i] = True
        else:
            try:
                values[i] = float(cell.replace(",", "."))
            except ValueError:
                bad.append(i + 2)
            else:
                if not np.isfinite(values[i]):
                    bad.append(i + 2)
    if bad:
        rows = ", ".join(str(r) for r in bad[:5])
        raise tab_error(
            "BB-TAB-008",
            f"Kolom '{name}' bevat tekst die geen getal is in {len(bad)} rijen (rij {rows}).",
            "Een waardekolom bevat getallen; een lege cel of '.' betekent onbekend.",
        )
    return values, hidden, empty


def indicator_for(
    definition: OwnTableDefinition, entry: OwnIndicator, ids: dict[str, str]
) -> Indicator:
    """The cube indicator of one entry (``eigen_<tabel>_<kolom>`` or its own ``id``)."""
    unit = entry.eenheid if entry.eenheid in UNIT_LABELS else "anders"
    ident = ids[entry.kolom or entry.id or ""]
    derived = None
    if entry.teller and entry.noemer:
        derived = Derivation(
            numerator=ids.get(entry.teller, entry.teller),
            denominator=ids.get(entry.noemer, entry.noemer),
            factor=entry.factor,
            min_denominator=entry.minimale_noemer,
        )
    return Indicator(
        id=ident,
        name=entry.titel,
        definition=entry.definitie or f"{entry.titel} (bron: {definition.bron}).",
        unit=unit,  # type: ignore[arg-type]
        unit_text=None if unit != "anders" else entry.eenheid,
        decimals=entry.decimalen,
        polarity=Polarity(entry.richting),
        theme=entry.thema,
        source=None
        if derived
        else SourceRef(dataset="tabel", column=entry.kolom or "", table=definition.tabel),
        derived=derived,
        source_label=definition.bron,
        licence=definition.licentie,
        note="Kleine aantallen zijn bij het importeren verborgen." if entry.telt else None,
    )


@dataclass
class OwnTable:
    """The file read, matched and checked: frames and indicators to write."""

    frames: list[SourceFrame]
    indicators: list[Indicator]
    columns: dict[str, str]
    small: int = 0
    visibility: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)


def read_own_table(
    path: Path,
    definition: OwnTableDefinition,
    regions: Regions,
    *,
    profile: str,
    strict: bool = False,
    skip_unknown: bool = False,
) -> OwnTable:
    """Read the file into one frame per period (every check before anything is written)."""
    table = read_text_table(path)
    wanted = [definition.regio.kolom, definition.periode.kolom] + [
        e.kolom for e in definition.indicatoren
    ]
    missing = [c for c in wanted if c and c not in table.column_names]
    if missing:
        raise tab_error(
            "BB-TAB-002",
            f"Kolommen uit de definitie staan niet in '{path.name}': {', '.join(missing)}.",
            f"Kolommen in het bestand: {', '.join(table.column_names[:12])}.",
        )
    raw_regions = [str(v or "") for v in table[definition.regio.kolom].to_pylist()]
    codes, bad = match_regions(raw_regions, definition, regions, path.parent)
    if bad and not skip_unknown:
        code = "BB-TAB-003" if definition.regio.soort != "naam" else "BB-TAB-004"
        raise tab_error(
            code,
            f"{len(bad)} regio's uit '{path.name}' zijn niet gevonden in de indeling "
            f"{regions.year}: {'; '.join(bad[:8])}.",
            "Controleer de codes of namen (de indeling van de werkmap), of importeer alleen de "
            "gevonden regio's: --sla-onbekende-over op de opdrachtregel, 'Onbekende regio's "
            "overslaan' in Beheer → Imports.",
        )
    periods = _periods(table, definition, path.name)
    ids = {
        (e.kolom or e.id or ""): e.id or f"eigen_{definition.tabel}_{_slug(e.kolom or '')}"
        for e in definition.indicatoren
    }
    indicators = [indicator_for(definition, e, ids) for e in definition.indicatoren]
    rule = get_profile(profile).frequency
    if (
        strict
        and definition.aantallen == "onbeveiligd"
        and any(e.telt for e in definition.indicatoren)
    ):
        raise tab_error(
            "BB-TAB-009",
            f"'{path.name}' bevat aantallen personen of huishoudens die niet bij de bron zijn "
            "beveiligd (aantallen: onbeveiligd); in strikte modus wordt dat geweigerd.",
            "Laat de bron de aantallen beveiligen met de brontoolkit (buurtbeeld bron) en "
            "importeer het pakket, of importeer zonder --strikt: kleine aantallen worden dan "
            "verborgen volgens het profiel van de werkmap.",
        )
    frames: list[SourceFrame] = []
    small = 0
    by_period: dict[str, list[int]] = {}
    for row, (region_code, period) in enumerate(zip(codes, periods, strict=True)):
        if region_code is not None:
            by_period.setdefault(period, []).append(row)
    parsed = {e.kolom: _numbers(table[e.kolom], e.kolom) for e in definition.indicatoren if e.kolom}
    aggregate = definition.regio.soort == "postcode"
    for entry in definition.indicatoren:
        if aggregate and entry.kolom and entry.eenheid != "aantal":
            raise tab_error(
                "BB-TAB-011",
                f"Kolom '{entry.kolom}' ({entry.eenheid}) kan niet per buurt worden opgeteld "
                "uit postcodes; alleen aantallen.",
                "Lever aantallen (teller en noemer) en laat Buurtbeeld het verhoudingscijfer "
                "berekenen met 'teller' en 'noemer'.",
            )
    for period, rows in sorted(by_period.items()):
        region_of = [str(codes[r]) for r in rows]
        frame_codes = sorted(set(region_of))
        if not aggregate and len(frame_codes) != len(rows):
            seen: set[str] = set()
            dupes = sorted({c for c in region_of if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
            raise tab_error(
                "BB-TAB-007",
                f"Regio's komen meer dan één keer voor in '{path.name}' (periode {period}): "
                f"{', '.join(d for d in dupes[:5] if d)}.",
                "Elke regio hoort één rij per periode te hebben.",
            )
        index = {c: i for i, c in enumerate(frame_codes)}
        positions = np.array([index[c] for c in region_of], dtype=np.int64)
        columns: dict[str, ParsedColumn] = {}
        notes: dict[str, np.ndarray] = {}
        empty_masks: dict[str, np.ndarray] = {}
        for entry in definition.indicatoren:
            if not entry.kolom:
                continue
            values, hidden, empty = (a[rows] for a in parsed[entry.kolom])
            out = np.zeros(len(frame_codes))
            np.add.at(out, positions, np.where(hidden | empty, 0.0, values))
            out_hidden = np.zeros(len(frame_codes), dtype=bool)
            np.logical_or.at(out_hidden, positions, hidden)
            out_empty = np.ones(len(frame_codes), dtype=bool)
            np.logical_and.at(out_empty, positions, empty)
            note = np.full(len(frame_codes), "bron", dtype=object)
            if entry.telt and rule is not None:
                tiny = (
                    ~out_hidden
                    & ~out_empty
                    & np.array([rule.is_sensitive(round(v)) for v in out], dtype=bool)
                )
                small += int(tiny.sum())
                note[tiny] = SMALL
                out_hidden |= tiny
            columns[entry.kolom] = ParsedColumn(np.where(out_hidden, np.nan, out), out_hidden)
            notes[entry.kolom] = note
            empty_masks[entry.kolom] = out_empty & ~out_hidden
        frames.append(
            SourceFrame(
                dataset=f"tabel:{definition.tabel}",
                period=period,
                division_year=regions.year,
                codes=frame_codes,
                columns=columns,
                file_name=path.name,
                notes=notes,
                missing=empty_masks,
            )
        )
    fate = dict.fromkeys([definition.regio.kolom], "regio")
    if definition.periode.kolom:
        fate[definition.periode.kolom] = "periode"
    fate.update({e.kolom: ids[e.kolom] for e in definition.indicatoren if e.kolom})
    for column in table.column_names:
        fate.setdefault(column, "niet in de definitie: niet geïmporteerd")
    return OwnTable(
        frames=frames,
        indicators=indicators,
        columns=fate,
        small=small,
        visibility={
            i.id: e.zichtbaarheid for i, e in zip(indicators, definition.indicatoren, strict=True)
        },
        unmatched=bad,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_") or "waarde"


def _periods(table: pa.Table, definition: OwnTableDefinition, file_name: str) -> list[str]:
    if definition.periode.waarde is not None:
        return [parse_period(definition.periode.waarde, file_name)] * table.num_rows
    raw = [str(v or "").strip() for v in table[definition.periode.kolom or ""].to_pylist()]
    try:
        cache = {p: parse_period(p, file_name) for p in set(raw)}
    except ImportFileError as err:
        raise tab_error("BB-TAB-010", err.message, err.hint or "") from None
    return [cache[p] for p in raw]


def import_own_table(
    workspace: Workspace,
    path: Path,
    definition_path: Path,
    *,
    strict: bool = False,
    skip_unknown: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import a gemeente's own table; nothing changes unless all of it is valid."""
    definition = read_definition(definition_path)
    regions = load_regions(workspace)
    profile = workspace_profile(workspace)
    own = read_own_table(
        path, definition, regions, profile=profile, strict=strict, skip_unknown=skip_unknown
    )
    digest = hashlib.sha256(path.read_bytes() + b"\0" + definition_path.read_bytes()).hexdigest()
    report = ImportReport(file_name=path.name, dataset=f"tabel:{definition.tabel}")
    report.columns = own.columns
    report.markers = {SMALL: own.small} if own.small else {}
    report.visibility = own.visibility
    if own.unmatched:
        report.warnings.append(
            f"{len(own.unmatched)} regio's niet gevonden en overgeslagen: "
            + "; ".join(own.unmatched[:12])
        )
    batch = DefinedBatch(
        dataset=report.dataset,
        source_label=definition.bron,
        file_name=path.name,
        digest=digest,
        frames=own.frames,
        indicators=own.indicators,
    )
    return import_defined(workspace, batch, report, progress=progress)
