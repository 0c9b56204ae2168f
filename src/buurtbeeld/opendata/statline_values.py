"""StatLine rows (one row per region × period × other dimensions) into source frames.

Shared by the OData JSON reader (v3 TypedDataSet, v4 Observations pivoted to rows) and the
"CSV met statistische symbolen". Cells follow CBS's statistical symbols: ``.`` (unknown,
unreliable or secret) and ``x`` (secret) are *hidden* with the reason; ``-`` (nihil in older
tables, also used for "not available") is hidden like ``.``, as the KWB reader does; an empty
cell (CBS: "a figure cannot occur on logical grounds") is *missing* and not stored; ``null``
in a typed JSON dump is CBS's ``.``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from buurtbeeld.errors import RegionCodeError
from buurtbeeld.geo.codes import normalize_code
from buurtbeeld.opendata.cbs_values import ParsedColumn, parse_codes, parse_column
from buurtbeeld.opendata.frames import SourceFrame
from buurtbeeld.opendata.statline_meta import TableMeta, Topic, meta_error

POINT_ESTIMATE = "MW00000"
OTHER_REGION_KINDS = {
    "PV": "provincies",
    "LD": "landsdelen",
    "CR": "COROP-gebieden",
    "GG": "GGD-regio's",
    "RE": "regio's van andere indelingen",
}
_PERIOD = re.compile(r"^(\d{4})(JJ00|KW0([1-4])|MM(0[1-9]|1[0-2])|X000)$")
_PLAIN_YEAR = re.compile(r"^(\d{4})\*{0,2}$")
NOTE_SECRET = "geheim"
NOTE_SOURCE = "bron"


@dataclass
class StatlineData:
    """A StatLine table read into frames, with what was left out and why."""

    meta: TableMeta
    frames: list[SourceFrame]
    columns: dict[str, tuple[Topic, tuple[tuple[str, str], ...]]] = field(default_factory=dict)
    """Frame column key → (topic, ((dimension, code), …) of the other dimensions)."""
    text_topics: list[str] = field(default_factory=list)
    skipped_regions: dict[str, int] = field(default_factory=dict)
    markers: dict[str, int] = field(default_factory=dict)
    rows: int = 0


def parse_period(code: str, file_name: str) -> str:
    """``2024JJ00`` → ``2024``, ``2024KW01`` → ``2024-K1``, ``2024MM03`` → ``2024-03``.

    A plain year (``2019``, ``2023*`` provisional) is accepted as in CSV exports.

    Raises
    ------
    ImportFileError
        ``BB-STL-004`` for any other code.
    """
    text = code.strip()
    match = _PERIOD.match(text)
    if match:
        year, kind = match.group(1), match.group(2)
        if kind in {"JJ00", "X000"}:
            return year
        if match.group(3):
            return f"{year}-K{match.group(3)}"
        return f"{year}-{match.group(4)}"
    plain = _PLAIN_YEAR.match(text)
    if plain:
        return plain.group(1)
    raise meta_error(
        f"Periodecode '{text[:20]}' in '{file_name}' is geen CBS-periode.",
        "BB-STL-004",
        "CBS schrijft perioden als 2024JJ00 (jaar), 2024KW01 (kwartaal) of 2024MM03 (maand). "
        "Gebruik het bestand zoals CBS het levert.",
    )


def region_codes(
    column: pa.ChunkedArray | pa.Array, *, dimension: str, file_name: str
) -> tuple[list[str | None], dict[str, int]]:
    """Normalised codes (None for regions of other kinds, e.g. provinces) and what was skipped.

    Raises
    ------
    ImportFileError
        ``BB-STL-003`` when the dimension holds no CBS region codes at all.
    RegionCodeError
        ``BB-STL-007`` for malformed codes among valid ones (row numbers, never values).
    """
    codes: list[str | None] = []
    skipped: Counter[str] = Counter()
    bad: list[str] = []
    for row, raw in enumerate(parse_codes(column), start=2):
        prefix = raw[:2].upper()
        if prefix in OTHER_REGION_KINDS and raw[2:].strip().isdigit():
            codes.append(None)
            skipped[OTHER_REGION_KINDS[prefix]] += 1
            continue
        try:
            codes.append(normalize_code(raw))
        except RegionCodeError:
            codes.append(None)
            bad.append(f"rij {row}: '{raw[:12]}'")
    if codes and all(c is None for c in codes) and bad:
        raise meta_error(
            f"De regiodimensie '{dimension}' van '{file_name}' bevat geen CBS-regiocodes "
            f"({', '.join(bad[:3])}).",
            "BB-STL-003",
            "Buurtbeeld leest tabellen per land, gemeente, wijk of buurt (NL00, GM…, WK…, BU…).",
        )
    if bad:
        raise RegionCodeError(
            f"{len(bad)} ongeldige regiocodes in '{dimension}' van '{file_name}' ({', '.join(bad[:3])}).",
            code="BB-STL-007",
            hint="Gebruik het bestand zoals CBS het levert; codes zijn NL00, GM+4, WK+6 of BU+8 tekens.",
        )
    return codes, dict(skipped)


def parse_cells(
    column: pa.ChunkedArray | pa.Array, *, name: str, file_name: str
) -> tuple[ParsedColumn, np.ndarray, np.ndarray, Counter[str]]:
    """(parsed values, missing mask, secret mask, marker counts) of one StatLine column."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    parsed = parse_column(column, name=name, file_name=file_name)
    n = len(column)
    counts: Counter[str] = Counter()
    if (
        pa.types.is_integer(column.type)
        or pa.types.is_floating(column.type)
        or pa.types.is_null(column.type)
    ):
        nulls = int(parsed.hidden.sum())
        if nulls:
            counts["."] = nulls
        return parsed, np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), counts
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string())).fill_null("")
    values = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    missing = values == ""
    secret = values == "x"
    for marker in (".", "x", "-", "?"):
        hit = int((values == marker).sum())
        if hit:
            counts[marker] = hit
    if missing.any():
        counts["leeg"] = int(missing.sum())
    return parsed, missing, secret, counts


def frames_from_rows(
    table: pa.Table, meta: TableMeta, *, file_name: str, dataset: str
) -> StatlineData:
    """One source frame per period from StatLine rows described by ``meta``.

    Raises
    ------
    ImportFileError
        ``BB-STL-003`` (no or unknown region dimension), ``BB-STL-004`` (period code),
        ``BB-STL-005`` (a column without a DataProperties entry), ``BB-STL-008`` (two rows for
        one region and period), ``BB-IMP-010`` (a cell that is no number).
    """
    region = meta.region
    if region is None or region.key not in table.column_names:
        dims = ", ".join(d.key for d in meta.dimensions) or "(geen)"
        raise meta_error(
            f"'{file_name}' heeft geen regiodimensie die Buurtbeeld kent (dimensies: {dims}).",
            "BB-STL-003",
            "Kies een CBS-tabel per gemeente, wijk of buurt (dimensie WijkenEnBuurten of RegioS).",
        )
    dimension_keys = {d.key for d in meta.dimensions}
    unknown = [
        c for c in table.column_names if c not in dimension_keys and c != "ID" and not meta.topic(c)
    ]
    if unknown:
        raise meta_error(
            f"{len(unknown)} kolommen van '{file_name}' staan niet in DataProperties "
            f"({', '.join(unknown[:5])}).",
            "BB-STL-005",
            "Download DataProperties.json opnieuw bij dezelfde tabel; het hoort bij een andere "
            "tabel of versie dan de cijfers.",
        )
    if "Marges" in table.column_names:
        marges = pc.utf8_trim_whitespace(pc.cast(table["Marges"], pa.string()))
        table = table.filter(pc.equal(marges, POINT_ESTIMATE))
    codes, skipped = region_codes(table[region.key], dimension=region.key, file_name=file_name)
    periods = _periods(table, meta, file_name)
    others = [d for d in meta.others if d.key in table.column_names and d.key != "Marges"]
    other_codes = [
        parse_codes(table[d.key]) if d.key in table.column_names else [""] * table.num_rows
        for d in others
    ]
    topics = [meta.topic(c) for c in table.column_names]
    figures = [t for t in topics if t is not None and not t.is_text]
    data = StatlineData(meta=meta, frames=[], skipped_regions=skipped, rows=table.num_rows)
    data.text_topics = [t.key for t in topics if t is not None and t.is_text]
    division = region.map_year or _year(periods[0] if periods else meta.period)
    if not division:
        raise meta_error(
            f"Het indelingsjaar van '{file_name}' is onbekend.",
            "BB-STL-004",
            "Lever DataProperties.json (MapYear) of een periode mee, zoals CBS het levert.",
        )
    markers: Counter[str] = Counter()
    parsed = {}
    for topic in figures:
        parsed[topic.key] = parse_cells(table[topic.key], name=topic.key, file_name=file_name)
        markers.update(parsed[topic.key][3])
    data.markers = dict(markers)
    code_arr = np.array(codes, dtype=object)
    period_arr = np.array(periods, dtype=object)
    combo_arr = np.array(
        ["@".join(c) for c in zip(*other_codes, strict=True)] if others else [""] * len(codes),
        dtype=object,
    )
    for period in sorted(set(periods)):
        in_period = (period_arr == period) & (code_arr != None)  # noqa: E711
        frame_codes = sorted(set(code_arr[in_period]))
        index = {c: i for i, c in enumerate(frame_codes)}
        columns: dict[str, ParsedColumn] = {}
        notes: dict[str, np.ndarray] = {}
        missing: dict[str, np.ndarray] = {}
        for combo in sorted(set(combo_arr[in_period])):
            rows = np.flatnonzero(in_period & (combo_arr == combo))
            positions = np.array([index[c] for c in code_arr[rows]], dtype=np.int64)
            if len(set(positions.tolist())) != len(positions):
                raise meta_error(
                    f"'{file_name}' heeft meer dan één rij voor dezelfde regio en periode {period}.",
                    "BB-STL-008",
                    "Elke regio hoort één rij per periode (en per categorie) te hebben. Gebruik "
                    "het bestand zoals CBS het levert.",
                )
            pairs = tuple(zip([d.key for d in others], combo.split("@"), strict=False))
            for topic in figures:
                values, miss, secret, _ = parsed[topic.key]
                key = "@".join([topic.key, *[c for _, c in pairs]]) if others else topic.key
                out_values = np.full(len(frame_codes), np.nan)
                out_hidden = np.zeros(len(frame_codes), dtype=bool)
                out_missing = np.ones(len(frame_codes), dtype=bool)
                out_secret = np.zeros(len(frame_codes), dtype=bool)
                out_values[positions] = values.values[rows]
                out_hidden[positions] = values.hidden[rows] & ~miss[rows]
                out_missing[positions] = miss[rows]
                out_secret[positions] = secret[rows]
                columns[key] = ParsedColumn(out_values, out_hidden)
                notes[key] = np.where(out_secret, NOTE_SECRET, NOTE_SOURCE).astype(object)
                missing[key] = out_missing
                data.columns[key] = (topic, pairs)
        data.frames.append(
            SourceFrame(
                dataset=dataset,
                period=period,
                division_year=division,
                codes=frame_codes,
                columns=columns,
                file_name=file_name,
                names={c: region.titles[c] for c in frame_codes if c in region.titles},
                notes=notes,
                missing=missing,
            )
        )
    return data


def _periods(table: pa.Table, meta: TableMeta, file_name: str) -> list[str]:
    dimension = meta.period_dimension
    if dimension is not None and dimension.key in table.column_names:
        raw = parse_codes(table[dimension.key])
        cache = {code: parse_period(code, file_name) for code in set(raw)}
        return [cache[c] for c in raw]
    year = _year(meta.period) if meta.period else (meta.region.map_year if meta.region else None)
    if year is None:
        raise meta_error(
            f"De periode van '{file_name}' is onbekend: geen dimensie Perioden en geen periode in TableInfos.",
            "BB-STL-004",
            "Lever TableInfos.json van de tabel mee (met 'Period'), zoals CBS het levert.",
        )
    return [str(year)] * table.num_rows


def _year(text: str) -> int:
    match = re.search(r"(19|20)\d{2}", text)
    return int(match.group(0)) if match else 0
