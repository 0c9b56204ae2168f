"""Dutch number formatting for pages and CSV."""

from __future__ import annotations

from buurtbeeld.catalog.models import Indicator
from buurtbeeld.store.cube import STATUS_LABELS, Cell


def format_number(value: float | None, decimals: int = 0) -> str:
    """``1234.5`` → ``1.234,5`` (Dutch separators)."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def format_cell(cell: Cell, indicator: Indicator) -> str:
    """A figure as shown in a table: the number, or the status word."""
    if cell.value is None:
        return STATUS_LABELS[cell.status]
    decimals = indicator.decimals
    text = format_number(cell.value, decimals)
    return text + (" (voorlopig)" if cell.status == "provisional" else "")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP CSV injection).

    A leading ``= + - @``, tab or carriage return is neutralised with an apostrophe, which
    spreadsheets show as text. Use for every text cell of a CSV or XLSX export; numbers stay
    numbers (a negative value is not text).

    Examples
    --------
    >>> csv_safe("=HYPERLINK(1)"), csv_safe("Dordrecht"), csv_safe("")
    ("'=HYPERLINK(1)", 'Dordrecht', '')
    """
    return "'" + text if text.startswith(_FORMULA_START) else text
