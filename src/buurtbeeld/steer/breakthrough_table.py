"""Where the system pinches: the doorbraken counted and protected (issue 16 item 5).

Three count tables over the same population (the doorbraken of one gemeente), each by law or
regulation (the blocking rule) against one other dimension: the kind of blockage, the wijk and
the main domain. They share their margin (the gemeente total per law), so they are linked into
one system (:func:`buurtbeeld.protect.link_tables`) and protected together with
:func:`buurtbeeld.protect.protect_table`: small counts hidden (primary), secondary suppression so
no hidden count can be derived from the totals, random rounding of what is published. The
profile is ``cbs-zorg``, the platform's default for care and social-domain counts.

Pure: takes the records' categories, returns published values and statuses only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from buurtbeeld.protect import build_cross_table, link_tables, protect_table
from buurtbeeld.protect.table import CellStatus
from buurtbeeld.steer.breakthrough import BLOCKERS, DOMAINS, LAWS, Record

PROFILE = "cbs-zorg"
TOTAL = "totaal"
#: The three breakdowns: id, Dutch title, the record field, and the categories' labels.
BREAKDOWNS: tuple[tuple[str, str, str], ...] = (
    ("blokkade", "Per soort blokkade", "blocker"),
    ("wijk", "Per wijk", "wijk"),
    ("domein", "Per domein (hoofddomein)", "domain"),
)


@dataclass(frozen=True)
class PublishedCell:
    """One cell as shown: a rounded count or hidden (``None``)."""

    value: int | None
    status: CellStatus


@dataclass(frozen=True)
class BreakdownTable:
    """One protected table: rows are laws (and the total), columns the categories (and total)."""

    id: str
    title: str
    columns: tuple[str, ...]  # category codes, TOTAL last
    rows: tuple[str, ...]  # law codes, TOTAL last
    cells: dict[tuple[str, str], PublishedCell]  # (row, column)


def _prefix(breakdown: str, code: str) -> str:
    return code if breakdown == "wijk" else f"{breakdown}:{code}"


def protected_tables(
    records: Iterable[Record], gemeente: str, wijken: Sequence[str], *, seed: str
) -> list[BreakdownTable]:
    """The three breakdowns, protected jointly. ``seed`` fixes the random rounding."""
    # One population for all three tables (their shared margin must agree): a record whose wijk
    # is no longer in the division (or a category since removed) is left out of all of them.
    records = [
        r
        for r in records
        if r.wijk in wijken and r.blocker in BLOCKERS and r.domain in DOMAINS and r.law in LAWS
    ]
    categories = {
        "blokkade": list(BLOCKERS),
        "wijk": list(wijken),
        "domein": list(DOMAINS),
    }
    laws = list(LAWS)
    tables = []
    for breakdown, _title, field in BREAKDOWNS:
        counts: dict[tuple[str, ...], int] = Counter(
            (_prefix(breakdown, getattr(r, field)), r.law)
            for r in records
            if getattr(r, field) in categories[breakdown]
        )
        leaves = [_prefix(breakdown, c) for c in categories[breakdown]]
        tables.append(build_cross_table(counts, [{gemeente: leaves}, {TOTAL: laws}]))
    protected = protect_table(link_tables(*tables), profile=PROFILE, seed=seed)
    out = []
    for breakdown, title, _field in BREAKDOWNS:
        columns = (*categories[breakdown], TOTAL)
        rows = (*laws, TOTAL)
        cells = {}
        for column in columns:
            first = gemeente if column == TOTAL else _prefix(breakdown, column)
            for row in rows:
                key = (first, row)
                value = protected.value(key)
                cells[row, column] = PublishedCell(
                    None if value is None else round(value), protected.status(key)
                )
        out.append(BreakdownTable(breakdown, title, columns, rows, cells))
    return out
