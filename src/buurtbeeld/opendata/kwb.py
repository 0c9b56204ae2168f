"""Kerncijfers wijken en buurten (KWB) as CBS publishes it (Excel, CSV, Parquet)."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from buurtbeeld.errors import ImportFileError, RegionCodeError
from buurtbeeld.geo.codes import normalize_code
from buurtbeeld.opendata.cbs_values import parse_codes, parse_column
from buurtbeeld.opendata.frames import SourceFrame

DATASET = "kwb"
CODE_COLUMNS = ("gwb_code_10", "gwb_code", "gwb_code_8")
TEXT_COLUMNS = {
    "gm_naam",
    "regio",
    "recs",
    "ind_wbi",
    "pst_mvp",
    "gwb_code_8",
    "gwb_code",
    "gwb_code_10",
    "gm_code",
    "wk_code",
    "bu_code",
}
_YEAR_IN_NAME = re.compile(r"kwb[-_ ]?(\d{4})", re.IGNORECASE)


def looks_like_kwb(table: pa.Table) -> bool:
    """Whether the table has a KWB region-code column."""
    return any(c in table.column_names for c in CODE_COLUMNS)


def year_from_file_name(path: Path) -> int | None:
    """``kwb-2023.xlsx`` → 2023."""
    match = _YEAR_IN_NAME.search(path.name)
    return int(match.group(1)) if match else None


def read_kwb(table: pa.Table, *, path: Path, year: int | None, wanted: set[str]) -> SourceFrame:
    """Parse a KWB table; only the columns in ``wanted`` are parsed, the rest are listed.

    Raises
    ------
    ImportFileError
        No year known (``BB-IMP-011``), or cells that are not CBS numbers.
    RegionCodeError
        Malformed region codes (``BB-GEO-002``), with row numbers.
    """
    year = year or year_from_file_name(path)
    if year is None:
        raise ImportFileError(
            f"Het jaar van '{path.name}' is onbekend.",
            code="BB-IMP-011",
            hint="Geef het jaar op met --jaar (bijvoorbeeld --jaar 2023) of gebruik de CBS-"
            "bestandsnaam (kwb-2023.xlsx).",
        )
    code_column = next(c for c in CODE_COLUMNS if c in table.column_names)
    raw_codes = parse_codes(table[code_column])
    codes: list[str] = []
    bad: list[str] = []
    for row, raw in enumerate(raw_codes, start=2):
        try:
            codes.append(normalize_code(raw))
        except RegionCodeError:
            bad.append(f"rij {row}: '{raw}'")
    if bad:
        raise RegionCodeError(
            f"{len(bad)} ongeldige regiocodes in kolom '{code_column}' van '{path.name}' "
            f"({', '.join(bad[:3])}).",
            code="BB-GEO-002",
        )
    columns = {}
    unused = []
    for name in table.column_names:
        if name in TEXT_COLUMNS:
            continue
        if name in wanted:
            columns[name] = parse_column(table[name], name=name, file_name=path.name)
        else:
            unused.append(name)
    names = {}
    if "gm_naam" in table.column_names:
        for code, name in zip(codes, parse_codes(table["gm_naam"]), strict=True):
            if code.startswith(("GM", "NL")) and name:
                names[code] = name
    return SourceFrame(
        dataset=DATASET,
        period=str(year),
        division_year=year,
        codes=codes,
        columns=columns,
        file_name=path.name,
        unused_columns=unused,
        names=names,
    )
