"""Small XLSX workbooks with openpyxl: a bold header row, widths to fit, frozen header."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

MAX_WIDTH = 60


def workbook_bytes(
    title: str,
    headers: list[str],
    rows: Sequence[Sequence[object]],
    *,
    intro: list[str] | None = None,
) -> bytes:
    """One sheet named ``title``: optional intro lines, then a table with ``headers``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for line in intro or []:
        sheet.append([line])
    if intro:
        sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
        sheet.append([])
    sheet.append(headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in rows])
        sheet.column_dimensions[sheet.cell(row=header_row, column=index).column_letter].width = min(
            MAX_WIDTH, width + 2
        )
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
