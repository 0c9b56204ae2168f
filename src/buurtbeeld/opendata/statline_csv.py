"""StatLine's "CSV met statistische symbolen" export.

The export has one row per region (and period), a column with the region's name (``Wijken en
buurten``), usually one with its code (``Regiocode (gemeente, wijk, buurt) (code)`` or
``Regioaanduiding/Codering (code)``), optionally ``Perioden``, and one column per topic whose
header is the topic's path and unit: ``Opleidingsniveau/Laag/Waarde (%)``. Cells are padded
with spaces and use CBS's symbols (``.``, ``x``, ``-``). The export carries no table id and no
descriptions: those come from the header (and ``--tabel``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from buurtbeeld.opendata.statline_meta import PERIOD_KEY, Dimension, TableMeta, Topic, meta_error
from buurtbeeld.opendata.statline_values import StatlineData, frames_from_rows

_HEADER = re.compile(r"^(?P<path>.*?)\s*\((?P<unit>[^()]*)\)\s*$")
_STAMP = re.compile(r"_\d{8}_\d{6}$")
TEXT_UNITS = {"naam", "omschrijving", "code"}
NAME_COLUMNS = ("Wijken en buurten", "Regio's", "Regio")
GENERIC_LAST = {"waarde", "totaal"}
REGION = "Regiocode"


def looks_like_statline_csv(table: pa.Table) -> bool:
    """A StatLine CSV export: a region-name column and topic headers with a unit in brackets."""
    names = set(table.column_names)
    has_units = sum(1 for c in table.column_names if _HEADER.match(c)) >= 1
    return has_units and (bool(names & set(NAME_COLUMNS)) or PERIOD_KEY in names)


def _slug(text: str) -> str:
    text = text.lower().replace("%", "pct").replace("€", "euro")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _decimals(column: pa.ChunkedArray) -> int:
    best = 0
    for cell in column.to_pylist()[:2000]:
        text = (cell or "").strip().replace(",", ".")
        if "." in text and text != ".":
            best = max(best, len(text.split(".", 1)[1]))
    return min(best, 3)


def read_statline_csv(
    table: pa.Table, *, path: Path, table_id: str | None = None, year: int | None = None
) -> StatlineData:
    """Read an export into frames (the dataset is ``statline:<table id or file name>``).

    Raises
    ------
    ImportFileError
        ``BB-STL-003`` when no column holds region codes, ``BB-STL-004`` without a period,
        and the codes of :func:`frames_from_rows`.
    """
    stem = _STAMP.sub("", path.stem)
    ident = (table_id or "").strip().upper() or _slug(stem)[:40]
    title = stem.replace("_", " ").strip()
    code_column = _code_column(table)
    if code_column is None:
        raise meta_error(
            f"'{path.name}' heeft geen kolom met regiocodes; alleen namen zijn niet eenduidig.",
            "BB-STL-003",
            "Kies bij het downloaden in StatLine ook de regiocode (onderwerp 'Codering' of "
            "'Regiocode'), of gebruik de OData-download (buurtbeeld statline TABEL).",
        )
    renamed: dict[str, str] = {}
    topics: list[Topic] = []
    dimensions = [Dimension(REGION, "region", "Regio")]
    name_column = next((c for c in NAME_COLUMNS if c in table.column_names), None)
    for column in table.column_names:
        if column == code_column:
            renamed[column] = REGION
        elif column == PERIOD_KEY:
            renamed[column] = PERIOD_KEY
            dimensions.append(Dimension(PERIOD_KEY, "period", "Perioden"))
        elif column == name_column:
            renamed[column] = "_naam"
        else:
            match = _HEADER.match(column)
            if match is None:  # another dimension, e.g. Leeftijd
                key = _slug(column) or "dimensie"
                renamed[column] = key
                dimensions.append(Dimension(key, "other", column))
                continue
            parts = [p.strip() for p in match.group("path").split("/") if p.strip()]
            unit = match.group("unit").strip()
            if len(parts) > 1 and parts[-1].lower() in GENERIC_LAST:
                parts = parts[:-1]
            key = _slug("/".join(parts)) or _slug(column)
            while key in renamed.values():
                key += "_"
            renamed[column] = key
            topics.append(
                Topic(
                    key=key,
                    title=parts[-1] if parts else column,
                    description="",
                    unit=unit,
                    decimals=_decimals(table[column]),
                    datatype="String" if unit.lower() in TEXT_UNITS else "Double",
                    # the export's paths start below the table, like DataProperties' groups
                    # below the theme: the table's title stands for that outermost level
                    groups=(title, *parts[:-1]),
                )
            )
    found = re.search(r"(19|20)\d{2}", stem)
    period = str(year) if year else (found.group(0) if found else "")
    titles = {}
    if name_column is not None:
        for code, name in zip(
            table[code_column].to_pylist(), table[name_column].to_pylist(), strict=True
        ):
            if code and name:
                titles[str(code).strip().upper()] = str(name).strip()
    dimensions[0] = Dimension(REGION, "region", "Regio", None, titles)
    if PERIOD_KEY not in table.column_names and not period:
        raise meta_error(
            f"De periode van '{path.name}' is onbekend (geen kolom Perioden, geen jaar in de naam).",
            "BB-STL-004",
            "Geef het jaar op met --jaar, of kies bij het downloaden ook de perioden.",
        )
    meta = TableMeta(ident, title, "", period, dimensions, topics)
    rows = table.rename_columns([renamed[c] for c in table.column_names])
    if "_naam" in rows.column_names:
        rows = rows.drop_columns(["_naam"])
    return frames_from_rows(rows, meta, file_name=path.name, dataset=f"statline:{ident}")


def _code_column(table: pa.Table) -> str | None:
    for column in table.column_names:
        lower = str(column).lower()
        if lower.endswith("(code)") and ("regiocode" in lower or "codering" in lower):
            return str(column)
    return None
