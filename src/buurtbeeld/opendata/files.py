"""Read a tabular file (XLSX, CSV, Parquet) into a table of text cells.

CBS publishes every cell as text ("." for hidden, decimal commas, padded codes), so this
layer keeps cells as strings and leaves parsing to :mod:`buurtbeeld.opendata.cbs_values`.

Malformed files are refused with a coded Dutch error, never a traceback. A CSV must end
cleanly: its last line ends with a line break (CBS, Excel and every CSV writer end the last row
with one), has as many fields as the header and closes its quotes; otherwise the download was
cut short and is refused (``BB-IMP-031``). Blank lines before the header are skipped and
CR-only line ends (old Mac) are read as line ends.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from buurtbeeld.errors import ImportFileError
from buurtbeeld.opendata.xlsx import read_xlsx

SUPPORTED = (".xlsx", ".csv", ".parquet")
_REDOWNLOAD = (
    "Download het bestand opnieuw bij CBS; het is waarschijnlijk onvolledig binnengekomen."
)


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
    if not path.is_file():
        raise ImportFileError(
            f"'{path}' is een map, geen bestand.",
            code="BB-IMP-035",
            hint="Geef het bestand zelf op (bijvoorbeeld map/kwb-2023.xlsx), niet de map.",
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        header, table = read_xlsx(path, sheet)
        _check_header(header, path)
        if table is None:
            raise _empty(path)
        return table
    if suffix == ".csv":
        return _read_csv(path, encoding)
    if suffix == ".parquet":
        return _read_parquet(path)
    raise ImportFileError(
        f"Bestandstype '{suffix or '(geen)'}' van '{path.name}' wordt niet ondersteund.",
        code="BB-IMP-003",
        hint="Gebruik het originele CBS-bestand: .xlsx, .csv of .parquet.",
    )


def _empty(path: Path) -> ImportFileError:
    return ImportFileError(
        f"'{path.name}' is leeg.", code="BB-IMP-005", hint="Kies een bestand met gegevens."
    )


def _check_header(header: list[str], path: Path) -> None:
    twice = sorted(name for name, n in Counter(header).items() if n > 1)
    if twice:
        shown = ", ".join(f"'{name}'" if name else "(leeg)" for name in twice[:5])
        raise ImportFileError(
            f"Kolomnamen komen meer dan één keer voor in '{path.name}': {shown}.",
            code="BB-IMP-032",
            hint="Elke kolom heeft een eigen naam. Gebruik het originele CBS-bestand, of geef "
            "dubbele kolommen een andere naam.",
        )


def _truncated(path: Path, why: str) -> ImportFileError:
    return ImportFileError(
        f"'{path.name}' houdt midden in een regel op ({why}); het bestand is afgebroken en "
        "wordt niet geïmporteerd.",
        code="BB-IMP-031",
        hint=_REDOWNLOAD,
    )


def _decode(path: Path, encoding: str | None) -> str:
    raw = path.read_bytes()
    enc = encoding or "utf-8-sig"
    try:
        return raw.decode(enc).lstrip("\ufeff")
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


def _check_clean_end(text: str, header: list[str], delimiter: str, path: Path) -> None:
    if text.count('"') % 2:
        raise _truncated(path, "een aanhalingsteken wordt niet gesloten")
    if "\n" not in text.rstrip("\n"):
        return  # only a header
    if not text.endswith("\n"):
        raise _truncated(path, "de laatste regel eindigt niet met een regeleinde")
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    fields = next(csv.reader(io.StringIO(last), delimiter=delimiter), [])
    if 0 < len(fields) < len(header):
        raise _truncated(
            path, f"de laatste regel heeft {len(fields)} van de {len(header)} kolommen"
        )


def _read_csv(path: Path, encoding: str | None) -> pa.Table:
    text = _decode(path, encoding)
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # CR-only line ends
    text = text.replace("\r\n", "\n").lstrip("\n")
    if not text.strip():
        raise _empty(path)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter))
    _check_header(header, path)
    _check_clean_end(text, header, delimiter, path)
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
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as err:
        raise ImportFileError(
            f"'{path.name}' is geen leesbaar Parquet-bestand.",
            code="BB-IMP-004",
            hint="Het bestand is beschadigd of onvolledig; maak het opnieuw.",
        ) from err
    _check_header(table.column_names, path)
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_nested(kind) or (
            pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type)
        ):
            raise _unusable_column(path, name, "een samengestelde waarde (struct of lijst)")
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            try:
                column = column.cast(pa.string())
            except pa.ArrowInvalid:
                raise _unusable_column(path, name, "bytes die geen UTF-8-tekst zijn") from None
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _unusable_column(path: Path, name: str, what: str) -> ImportFileError:
    return ImportFileError(
        f"Kolom '{name}' van '{path.name}' bevat {what}; een CBS-cel is een getal of tekst.",
        code="BB-IMP-034",
        hint="Schrijf de kolom als getal of als UTF-8-tekst, of gebruik het originele CBS-bestand.",
    )
