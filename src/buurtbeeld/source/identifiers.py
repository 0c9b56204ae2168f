"""Person and household identifiers: the BSN rules, once, for Ibis (DuckDB, Spark) and Python.

A BSN (burgerservicenummer) is nine digits whose weighted sum passes the *elfproef*:
``9*d1 + 8*d2 + ... + 2*d8 - 1*d9`` is divisible by 11. Exports lose leading zeros (a
spreadsheet turns ``053314773`` into ``53314773``), so a BSN is normalised before units are
counted: surrounding spaces removed, leading zeros removed and the number left-padded to nine
digits again. The normalised BSN is the number itself (``53314773``; as text ``053314773``).

An identifier that is not a valid BSN gets a reason, counted in the delivery's bad-row counts
and never printed: :data:`NON_DIGIT`, :data:`TOO_LONG` or :data:`ELFPROEF`. An empty one is
*missing* (value and reason both empty), as for any other key.

:func:`bsn_expr` (an Ibis expression, so DuckDB and Spark run the same rules) and
:func:`check_bsn` (plain Python, e.g. for pseudonymising the normalised BSN) give the same
answer for every input; the tests hold them to that.

An opaque key (a client or household number, ``soort: sleutel``) is only trimmed: its leading
zeros may matter.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

NON_DIGIT = "bevat andere tekens dan cijfers"
TOO_LONG = "heeft meer dan 9 cijfers"
ELFPROEF = "voldoet niet aan de elfproef"
REASONS = (NON_DIGIT, TOO_LONG, ELFPROEF)
"""Why an identifier is not a BSN (Dutch, as counted in the report)."""

MAX_BSN = 999_999_999
SPACE = " \t\r\n\f"
"""Characters trimmed around an identifier (the same set on every engine)."""
_TRIM = r"^[ \t\r\n\f]+|[ \t\r\n\f]+$"
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


@dataclass(frozen=True)
class BsnCheck:
    """A checked identifier: the normalised BSN, or why it is not one (both ``None``: empty)."""

    number: int | None
    reason: str | None

    @property
    def text(self) -> str | None:
        """The normalised BSN as nine digits (``053314773``)."""
        return None if self.number is None else f"{self.number:09d}"


def passes_elfproef(number: int) -> bool:
    """The elfproef for a BSN given as a number of at most nine digits (0 fails)."""
    if not 0 < number <= MAX_BSN:
        return False
    digits = f"{number:09d}"
    return sum(w * int(d) for w, d in zip(_WEIGHTS, digits, strict=True)) % 11 == 0


def _checked(number: int) -> BsnCheck:
    if number > MAX_BSN:
        return BsnCheck(None, TOO_LONG)
    if not passes_elfproef(number):
        return BsnCheck(None, ELFPROEF)
    return BsnCheck(number, None)


def check_bsn(raw: object) -> BsnCheck:
    """Normalise one identifier as a BSN (plain Python; the same rules as :func:`bsn_expr`).

    Examples
    --------
    >>> check_bsn(" 053314773 ").text, check_bsn(53314773).text
    ('053314773', '053314773')
    >>> check_bsn("12345678x").reason, check_bsn("123456789").reason
    ('bevat andere tekens dan cijfers', 'voldoet niet aan de elfproef')
    """
    if raw is None:
        return BsnCheck(None, None)
    if isinstance(raw, bool):
        raise TypeError("a BSN is not a boolean")
    if isinstance(raw, numbers.Integral):
        return BsnCheck(None, NON_DIGIT) if raw < 0 else _checked(int(raw))
    if isinstance(raw, numbers.Real):
        # as the engines order floats: NaN above every number
        value = float(raw)
        if value < 0:
            return BsnCheck(None, NON_DIGIT)
        if math.isnan(value) or value > MAX_BSN:
            return BsnCheck(None, TOO_LONG)
        return _checked(int(value)) if value == math.floor(value) else BsnCheck(None, NON_DIGIT)
    text = str(raw).strip(SPACE)
    if not text:
        return BsnCheck(None, None)
    if not re.fullmatch(r"[0-9]+", text):
        return BsnCheck(None, NON_DIGIT)
    significant = text.lstrip("0")
    if len(significant) > 9:
        return BsnCheck(None, TOO_LONG)
    return _checked(int(significant or "0"))


def _elfproef(n: ir.IntegerValue) -> ir.BooleanValue:
    total = ibis.literal(0, "int64")
    for position, weight in enumerate(_WEIGHTS):
        digit = (n // 10 ** (8 - position)) % 10
        total = total + weight * digit
    return (n > 0) & (total % 11 == 0)


def bsn_expr(col: ir.Value) -> tuple[ir.IntegerValue, ir.StringValue]:
    """(normalised BSN as ``int64`` or null, reason or null) for a column of identifiers.

    The same rules as :func:`check_bsn`, as one Ibis expression: DuckDB and Spark give identical
    results. Typed integer columns skip the text steps.
    """
    typ = col.type()
    null_text = ibis.null("string")
    if typ.is_integer():
        n = col.cast("int64")
        shape = ibis.cases((n < 0, NON_DIGIT), (n > MAX_BSN, TOO_LONG), else_=null_text)
    elif typ.is_numeric():
        x = col.cast("float64")
        shape = ibis.cases(
            (x < 0, NON_DIGIT),
            (x > MAX_BSN, TOO_LONG),
            (x != x.floor(), NON_DIGIT),
            else_=null_text,
        )
        n = ibis.ifelse(shape.isnull(), x.cast("int64"), ibis.null("int64"))
    else:
        s = col.cast("string").re_replace(_TRIM, "").nullif("")
        significant = s.re_replace(r"^0+", "")
        shape = ibis.cases(
            (~s.re_search(r"^[0-9]+$"), NON_DIGIT),
            (significant.length() > 9, TOO_LONG),
            else_=null_text,
        )
        digits = ibis.ifelse(significant == "", "0", significant)
        n = ibis.ifelse(shape.isnull(), digits.try_cast("int64"), ibis.null("int64"))
    present = n.notnull() & shape.isnull()
    reason = ibis.ifelse(
        shape.notnull(),
        shape,
        ibis.ifelse(present & ~_elfproef(n).fill_null(False), ELFPROEF, null_text),
    )
    number = ibis.ifelse(present & reason.isnull(), n, ibis.null("int64"))
    return number, reason
