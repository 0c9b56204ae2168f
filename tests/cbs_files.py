"""Write small files in CBS's own publication formats, from the bundled KWB 2023 data."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pyarrow.compute as pc
import pyarrow.parquet as pq

from buurtbeeld.store.importer import BUNDLED_FILES

COMMA_COLUMNS = {"g_pau_hh", "g_afs_hp", "g_afs_gs", "g_afs_kv", "g_afs_sc", "g_3km_sc", "g_pau_km"}


def kwb_rows(prefix_digits: str = "0505") -> tuple[list[str], list[list[str]]]:
    """Header and CBS-style text rows (padded codes, '.' markers, mixed decimals) for one gemeente."""
    table = pq.read_table(BUNDLED_FILES[0])
    codes = table["gwb_code_10"]
    keep = pc.or_(
        pc.equal(codes, "NL00"), pc.match_substring_regex(codes, f"^(GM|WK|BU){prefix_digits}")
    )
    table = table.filter(keep)
    header = table.column_names
    rows = []
    for record in table.to_pylist():
        row = []
        for name in header:
            value = record[name]
            if name == "gwb_code_10":
                row.append(f"{value:<10}")
            elif isinstance(value, str):
                row.append(value)
            elif value is None:
                row.append(".")
            else:
                text = (
                    str(int(value))
                    if float(value).is_integer() and name not in COMMA_COLUMNS
                    else str(value)
                )
                row.append(text.replace(".", ",") if name in COMMA_COLUMNS else text)
        rows.append(row)
    return header, rows


def write_kwb_csv(
    path: Path, *, encoding: str = "utf-8-sig", rows_override: list[list[str]] | None = None
) -> Path:
    header, rows = kwb_rows()
    rows = rows_override if rows_override is not None else rows
    lines = [";".join(f'"{h}"' for h in header)] + [";".join(f'"{v}"' for v in r) for r in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding=encoding)
    return path


def write_kwb_xlsx(path: Path) -> Path:
    header, rows = kwb_rows()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "kwb-2023"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path
