"""HTML → PDF with WeasyPrint, for any report (the P&C paragraph of ``steer.pc_export`` first).

The HTML is self-contained (styles inline in ``<style>``): WeasyPrint fetches nothing, neither
from the network nor from the disk (``url_fetcher`` refuses every URL), so a report cannot leak a
request or read a local file. Fonts come from the system (Debian's DejaVu/Liberation via
fontconfig); ``PDF_FONTS`` is the CSS font stack to use in report styles.
"""

from __future__ import annotations

from typing import Any, NoReturn

from buurtbeeld.errors import BuurtbeeldError

PDF_FONTS = '"DejaVu Sans", "Liberation Sans", sans-serif'


class PdfError(BuurtbeeldError, RuntimeError):
    """A PDF could not be made."""

    code = "BB-STR-030"
    http_status = 500
    default_hint = (
        "Installeer WeasyPrint (pip) en de systeembibliotheek Pango (Debian: libpango-1.0-0)."
    )


def _no_fetch(url: str, *_args: Any, **_kwargs: Any) -> NoReturn:
    raise ValueError(f"a report fetches nothing ({url[:40]})")


def html_to_pdf(html: str, *, title: str = "Buurtbeeld") -> bytes:
    """The PDF of ``html`` (A4 unless the HTML's CSS says otherwise)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as err:  # OSError: pango missing
        raise PdfError(
            "PDF maken is op deze machine niet mogelijk (WeasyPrint ontbreekt)."
        ) from err
    document = HTML(string=html, url_fetcher=_no_fetch)
    pdf = document.write_pdf()
    if not pdf:
        raise PdfError(f"Het PDF-bestand '{title[:60]}' is leeg gebleven.")
    return bytes(pdf)
