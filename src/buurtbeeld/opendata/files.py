"""Read a tabular file (XLSX, CSV, Parquet) into a table of text cells.

CBS publishes every cell as text ("." for hidden, decimal commas, padded codes), so this
layer keeps cells as strings and leaves parsing to :mod:`buurtbeeld.opendata.cbs_values`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from python_calamine import CalamineError, CalamineWorkbook

from buurtbeeld.errors import ImportFileError

SUPPORTED = (".xlsx", ".csv", ".parquet")


def read_text_table(
    path: Path, *, encoding: str | None = None, sheet: str | None = None
) -> pa.Table:
    """Read ``path`` into an Arrow table whose columns are all strings (or null).

    Parameters
    ----------
    path
        An ``.xlsx``, ``.csv`` or ``.parquet`` file.
    encoding
        Text encoding of a CSV file. Default: UTF-8 (with or without BOM), as CBS publishes.
    sheet
        Worksheet name of an XLSX file. Default: the first sheet.
    """
    if not path.exists():
        raise ImportFileError(
            f"Bestand '{path}' bestaat niet.",
            code="BB-IMP-002",
            hint="Controleer het pad en de bestandsnaam.",
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path, sheet)
    if suffix == ".csv":
        return _read_csv(path, encoding)
    if suffix == ".parquet":
        return _read_parquet(path)
    raise ImportFileError(
        f"Bestandstype '{suffix or '(geen)'}' van '{path.name}' wordt niet ondersteund.",
        code="BB-IMP-003",
        hint="Gebruik het originele CBS-bestand: .xlsx, .csv of .parquet.",
    )


def _as_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, sheet: str | None) -> pa.Table:
    if not zipfile.is_zipfile(path):
        raise ImportFileError(
            f"'{path.name}' is geen leesbaar Excel-bestand (het bestand is beschadigd of "
            "onvolledig).",
            code="BB-IMP-004",
            hint="Download het bestand opnieuw bij CBS en probeer het nog eens.",
        )
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        name = sheet or workbook.sheet_names[0]
        rows = workbook.get_sheet_by_name(name).to_python()
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise ImportFileError(
            f"'{path.name}' is geen leesbaar Excel-bestand ({type(err).__name__}).",
            code="BB-IMP-004",
            hint="Download het bestand opnieuw bij CBS en probeer het nog eens.",
        ) from err
    if not rows:
        raise ImportFileError(
            f"'{path.name}' is leeg.", code="BB-IMP-005", hint="Kies een bestand met gegevens."
        )
    header = [str(h).strip() for h in rows[0]]
    columns = list(zip(*rows[1:], strict=False)) if len(rows) > 1 else [() for _ in header]
    return pa.table(
        {
            name: pa.array([_as_text(v) for v in col], pa.string())
            for name, col in zip(header, columns, strict=False)
        }
    )


def _read_csv(path: Path, encoding: str | None) -> pa.Table:
    raw = path.read_bytes()
    enc = encoding or "utf-8-sig"
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as err:
        raise ImportFileError(
            f"'{path.name}' is niet in tekenset {enc.replace('-sig', '').upper()} opgeslagen "
            f"(onleesbaar teken op positie {err.start}).",
            code="BB-IMP-006",
            hint="CBS levert CSV in UTF-8. Sla het bestand op als 'CSV UTF-8', of geef de "
            "tekenset op met --tekenset (bijvoorbeeld cp1252).",
        ) from err
    except LookupError as err:
        raise ImportFileError(
            f"Onbekende tekenset '{enc}'.",
            code="BB-IMP-006",
            hint="Gebruik bijvoorbeeld utf-8 of cp1252.",
        ) from err
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError(
            f"'{path.name}' is leeg.", code="BB-IMP-005", hint="Kies een bestand met gegevens."
        )
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter))
    try:
        return pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid as err:
        raise ImportFileError(
            f"'{path.name}' is geen geldig CSV-bestand: de regels hebben niet steeds evenveel kolommen.",
            code="BB-IMP-007",
            hint="Controleer of het bestand volledig is en of het scheidingsteken overal gelijk is.",
        ) from err


def _read_parquet(path: Path) -> pa.Table:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise ImportFileError(
            f"'{path.name}' is geen leesbaar Parquet-bestand.",
            code="BB-IMP-004",
            hint="Het bestand is beschadigd of onvolledig; maak het opnieuw.",
        ) from err
    return table
