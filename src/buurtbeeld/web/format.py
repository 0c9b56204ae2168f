"""Dutch number formatting for pages and CSV, rounded half-up like CBS."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from buurtbeeld.catalog.models import Indicator
from buurtbeeld.store.cube import STATUS_LABELS, Cell


def round_half_up(value: float, decimals: int = 0) -> Decimal:
    """``value`` rounded half away from zero, as CBS rounds (31.25 → 31.3, not 31.2).

    The float is first read at 12 significant digits: a ratio computed in binary floating point
    (30 / 960 × 1000 = 31.249999999999996) then counts as the exact half it stands for, while
    a ratio of published counts that is not a half lies much further from one (at least
    1 / (20,000 × numerator) relative) than that 12-digit reading can move it.
    """
    exact = Decimal(format(float(value), ".12g") if abs(value) < 1e11 else repr(float(value)))
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0,0"


def format_number(value: float | None, decimals: int = 0) -> str:
    """``1234.55`` → ``1.234,6`` (Dutch separators, half-up)."""
    if value is None:
        return ""
    if not math.isfinite(value):
        return str(value)
    text = f"{round_half_up(value, decimals):,}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def format_change(value: float | None, decimals: int = 0) -> str:
    """A difference with its sign: ``+1,2``, ``−0,4`` (minus sign), ``0,0``."""
    if value is None:
        return ""
    text = format_number(value, decimals)
    if text.startswith("-"):
        return "\u2212" + text[1:]
    return text if round_half_up(value, decimals).is_zero() else "+" + text


def format_plain(value: float | None, decimals: int = 0) -> str:
    """``1234.55`` → ``1234,6``: a decimal comma without thousands separators (CSV)."""
    if value is None:
        return ""
    if not math.isfinite(value):
        return str(value)
    return str(round_half_up(value, decimals)).replace(".", ",")


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
