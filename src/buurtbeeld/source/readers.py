"""Read input files as the spec describes: CSV (any separator and encoding), XLSX, Parquet.

CSV and XLSX files are staged once into a temporary Parquet file with every column as text,
so that both engines see exactly the same strings (DuckDB's and Spark's CSV parsers differ in
quoting, encodings and empty fields). Parquet inputs are read in place, with their types.
Rows with the wrong number of fields are skipped and counted, never printed.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from buurtbeeld.source.errors import ColumnError, InputFileError
from buurtbeeld.source.spec import InputFile

BLOCK = 16 << 20


@dataclass
class StagedFile:
    """An input file ready for an engine: a Parquet path, its schema and skipped rows."""

    name: str
    parquet: Path
    schema: pa.Schema
    bad_shape_rows: int = 0


def _header(path: Path, item: InputFile) -> list[str]:
    encoding = "utf-8-sig" if codecs.lookup(item.tekenset).name == "utf-8" else item.tekenset
    with path.open(encoding=encoding, newline="") as handle:
        row = next(csv.reader(handle, delimiter=item.scheidingsteken), None)
    if not row:
        raise InputFileError(f"Invoerbestand '{path.name}' is leeg of heeft geen kopregel.")
    names = [c.strip() for c in row]
    if len(set(names)) != len(names) or "" in names:
        raise InputFileError(
            f"Invoerbestand '{path.name}': de kopregel heeft lege of dubbele kolomnamen.",
            hint="Geef elke kolom een unieke naam in de eerste regel.",
        )
    return names


def _stage_csv(item: InputFile, target: Path) -> StagedFile:
    path = item.pad
    names = _header(path, item)
    bad = 0

    def skip(_row: object) -> str:
        nonlocal bad
        bad += 1
        return "skip"

    schema = pa.schema([(n, pa.string()) for n in names])
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=item.tekenset, column_names=names, skip_rows=1, block_size=BLOCK
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=item.scheidingsteken, invalid_row_handler=skip, newlines_in_values=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        with pq.ParquetWriter(target, schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError, LookupError) as err:
        # the engine's message may quote a row: never pass it on
        raise InputFileError(
            f"Invoerbestand '{path.name}' is niet te lezen als CSV ({type(err).__name__}).",
        ) from err
    return StagedFile(path.name, target, schema, bad)


def _cell_text(value: object, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace(".", decimal)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _stage_xlsx(item: InputFile, target: Path, decimal: str) -> StagedFile:
    from python_calamine import CalamineWorkbook

    path = item.pad
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_name(item.blad) if item.blad else book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=True)
    except Exception as err:  # calamine raises its own types; their message may quote cells
        raise InputFileError(
            f"Invoerbestand '{path.name}' is niet te lezen als Excel ({type(err).__name__}).",
            hint="Controleer het bestand en de bladnaam ('blad') in de specificatie.",
        ) from err
    if not rows:
        raise InputFileError(f"Invoerbestand '{path.name}' is leeg.")
    names = [_cell_text(c, decimal).strip() for c in rows[0]]
    if len(set(names)) != len(names) or "" in names:
        raise InputFileError(
            f"Invoerbestand '{path.name}': de kopregel heeft lege of dubbele kolomnamen.",
            hint="Geef elke kolom een unieke naam in de eerste regel.",
        )
    columns: list[list[str]] = [[] for _ in names]
    bad = 0
    for row in rows[1:]:
        if len(row) != len(names):
            bad += 1
            continue
        if all(c in (None, "") for c in row):
            continue
        for i, value in enumerate(row):
            columns[i].append(_cell_text(value, decimal))
    table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)})
    pq.write_table(table, target, compression="zstd")
    return StagedFile(path.name, target, table.schema, bad)


def stage(item: InputFile, folder: Path, index: int, *, decimal: str = ",") -> StagedFile:
    """Make an input file readable by the engines (see module docstring).

    Raises
    ------
    InputFileError
        ``BB-SPEC-002`` when the file is missing or unreadable as declared.
    """
    if not item.pad.exists():
        raise InputFileError(
            f"Invoerbestand '{item.pad.name}' bestaat niet.",
            hint="Controleer het pad in de specificatie (relatief aan de map van de specificatie).",
        )
    fmt = item.file_format
    if fmt == "parquet":
        try:
            schema = pq.read_schema(item.pad)
        except (pa.ArrowInvalid, OSError) as err:
            raise InputFileError(
                f"Invoerbestand '{item.pad.name}' is geen leesbaar Parquet-bestand."
            ) from err
        return StagedFile(item.pad.name, item.pad, schema)
    target = folder / f"invoer_{index}.parquet"
    if fmt == "xlsx":
        return _stage_xlsx(item, target, decimal)
    return _stage_csv(item, target)


def require_columns(staged: StagedFile, columns: list[str], what: str = "de specificatie") -> None:
    """Raise ``BB-SPEC-003`` when columns named in the spec are missing from a file."""
    missing = [c for c in dict.fromkeys(columns) if c not in staged.schema.names]
    if missing:
        raise ColumnError(
            f"Kolommen uit {what} ontbreken in '{staged.name}': {', '.join(missing)}.",
            hint=f"Beschikbare kolommen: {', '.join(staged.schema.names[:30])}.",
        )
