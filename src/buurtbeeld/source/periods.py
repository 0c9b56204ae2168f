"""Periods and date formats (pure Python; the engines get plain integers and regexes).

Dates travel through the aggregation as integers ``yyyymmdd``. A date of coarser granularity
(``%Y-%m`` or ``%Y``) starts on day ``01`` (month ``01``) and ends on day ``31`` (month ``12``):
as integers these compare correctly with every real date of that month or year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Granularity = Literal["dag", "maand", "jaar"]
PeriodKind = Literal["maand", "kwartaal", "jaar"]
_ORDER = {"dag": 0, "maand": 1, "kwartaal": 2, "jaar": 3}
_TOKENS = {"%Y": r"(\d{4})", "%m": r"(\d{1,2})", "%d": r"(\d{1,2})"}
_IGNORED = {"%H": r"\d{1,2}", "%M": r"\d{1,2}", "%S": r"\d{1,2}(?:\.\d+)?"}


@dataclass(frozen=True)
class DateFormat:
    """A strftime-like date format compiled to a regex with one group per date part.

    Attributes
    ----------
    regex
        Anchored pattern; ``groups`` says which group holds the year, month and day.
    groups
        Group number (1-based) of ``"Y"``, ``"m"`` and ``"d"`` where present.
    granularity
        ``dag``, ``maand`` or ``jaar``: the finest part the format carries.
    """

    text: str
    regex: str
    groups: dict[str, int]
    granularity: Granularity


def compile_format(text: str) -> DateFormat:
    """Compile ``%d-%m-%Y``-style formats (``%Y``, ``%m``, ``%d``; ``%H:%M:%S`` ignored).

    Raises
    ------
    ValueError
        For an unknown ``%`` code, a repeated part, or a format without a year.
    """
    pattern = ["^"]
    groups: dict[str, int] = {}
    i = 0
    while i < len(text):
        if text[i] == "%" and i + 1 < len(text):
            token = text[i : i + 2]
            if token in _TOKENS:
                if token[1] in groups:
                    raise ValueError(f"'{token}' komt twee keer voor")
                groups[token[1]] = len(groups) + 1
                pattern.append(_TOKENS[token])
            elif token in _IGNORED:
                pattern.append(_IGNORED[token])
            else:
                raise ValueError(f"onbekende code '{token}' (gebruik %Y, %m, %d)")
            i += 2
        else:
            pattern.append(re.escape(text[i]))
            i += 1
    pattern.append(r"\s*$")
    if "Y" not in groups:
        raise ValueError("een datumformaat heeft een jaar nodig (%Y)")
    if "d" in groups and "m" not in groups:
        raise ValueError("een dag (%d) zonder maand (%m) is geen datum")
    granularity: Granularity = "dag" if "d" in groups else "maand" if "m" in groups else "jaar"
    return DateFormat(text, "".join(pattern), groups, granularity)


def finer_or_equal(granularity: Granularity, period: PeriodKind) -> bool:
    """Whether dates of ``granularity`` can be placed in periods of kind ``period``."""
    return _ORDER[granularity] <= _ORDER[period]


@dataclass(frozen=True)
class Period:
    """One reporting period with its first and last day and the reference day for stocks."""

    label: str
    start: date
    end: date

    @property
    def start_int(self) -> int:
        """First day as ``yyyymmdd``."""
        return _as_int(self.start)

    @property
    def end_int(self) -> int:
        """Last day as ``yyyymmdd``."""
        return _as_int(self.end)


def _as_int(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def period_of(day: date, kind: PeriodKind) -> Period:
    """The period of kind ``kind`` that contains ``day`` (labels ``2024``, ``2024-K1``, ``2024-03``)."""
    if kind == "jaar":
        return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))
    if kind == "kwartaal":
        q = (day.month - 1) // 3
        return Period(
            f"{day.year}-K{q + 1}", date(day.year, 3 * q + 1, 1), _month_end(day.year, 3 * q + 3)
        )
    return Period(
        f"{day.year}-{day.month:02d}", date(day.year, day.month, 1), _month_end(day.year, day.month)
    )


def periods_between(first: date, last: date, kind: PeriodKind) -> list[Period]:
    """All periods of ``kind`` from the one holding ``first`` to the one holding ``last``."""
    out: list[Period] = []
    current = period_of(first, kind)
    while current.start <= last:
        out.append(current)
        current = period_of(current.end + timedelta(days=1), kind)
    return out
