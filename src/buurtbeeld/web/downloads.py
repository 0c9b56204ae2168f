"""Download responses shared by the pages: an attachment with its file name, and Dutch CSV.

Every ``.csv``, ``.xlsx``, ``.gpkg`` and ``.pdf`` route answers through :func:`attachment`, so
the header is the same everywhere; CSV is semicolon-separated with CRLF and a BOM (Excel in a
Dutch locale opens it as it is).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from fastapi.responses import Response

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: str | bytes, name: str, media_type: str) -> Response:
    """``body`` as a download named ``name``."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def csv_attachment(body: str, name: str) -> Response:
    """A CSV text (see :func:`csv_text`) as a download named ``name``."""
    return attachment(body, name, CSV_TYPE)


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """Rows as Dutch spreadsheet CSV: BOM, ``;`` between fields, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()
