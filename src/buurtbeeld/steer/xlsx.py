"""Small XLSX workbooks with openpyxl: a bold header row, widths to fit, frozen header."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

MAX_WIDTH = 60


Sheet = tuple[str, list[str], Sequence[Sequence[object]]]


def workbook_bytes(
    title: str,
    headers: list[str],
    rows: Sequence[Sequence[object]],
    *,
    intro: list[str] | None = None,
    more: Sequence[Sheet] = (),
) -> bytes:
    """A sheet named ``title``: optional intro lines, then a table with ``headers``; then one
    sheet per ``(title, headers, rows)`` of ``more``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    _fill(sheet, title, headers, rows, intro)
    for extra_title, extra_headers, extra_rows in more:
        _fill(book.create_sheet(), extra_title, extra_headers, extra_rows, None)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(
    sheet: Worksheet,
    title: str,
    headers: list[str],
    rows: Sequence[Sequence[object]],
    intro: list[str] | None,
) -> None:
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
        width = max(
            [len(str(header))] + [len(str(r[index - 1] or "")) for r in rows if len(r) >= index]
        )
        sheet.column_dimensions[sheet.cell(row=header_row, column=index).column_letter].width = min(
            MAX_WIDTH, width + 2
        )
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
