"""Reading the ``stapeling`` table (for :class:`buurtbeeld.store.cube.Cube`) and the stored form
of a cell (issue 11; the writing side is :mod:`buurtbeeld.store.overlap`).

A stored cell names the provisions marked ``ja`` (``combination``, sorted and ``+``-joined)
and those left open as a total (``unrestricted``); the others are ``nee``. A "k or more
provisions" cell has no ``combination`` and ``unrestricted`` = ``>=k`` (:func:`at_least_key`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb

AT_LEAST_MARK = ">="
"""A "k or more provisions" cell is stored with no ``combination`` and ``unrestricted`` = ``>=k``
(a provision name never starts with ``>``)."""


def join(names: Iterable[str]) -> str:
    """The stored form of a set of provisions: sorted names joined by ``+`` ('' when empty)."""
    return "+".join(sorted(names))


def split(text: str) -> frozenset[str]:
    """The set of provisions of a stored ``combination`` or ``unrestricted``."""
    return frozenset(text.split("+")) if text else frozenset()


def at_least_key(k: int | str) -> tuple[str, str]:
    """``(combination, unrestricted)`` of a stored "k or more" cell: no provision named, ``>=k``."""
    return "", f"{AT_LEAST_MARK}{k}"


@dataclass(frozen=True)
class StoredProvision:
    """A provision of a stored stapeling: its dimension name and the partner it came from."""

    name: str
    title: str
    source: str
    dataset: str
    table: str
    """The partner's table protected against; '' when none."""


@dataclass(frozen=True)
class OverlapSet:
    """The stapeling of one dataset and period as stored (provisions in the package's order)."""

    dataset: str
    period: str
    source: str
    provisions: tuple[StoredProvision, ...]


StoredCell = tuple[float | None, str]
"""``(value, status)``: ``value`` is None for a hidden cell (status ``hidden``)."""


class OverlapCells:
    """Read access to the ``stapeling`` table (the workspace is read-only while served)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        rows = con.execute(
            """SELECT s.dataset, s.period, any_value(b.source_label), max(s.import_id)
               FROM (SELECT DISTINCT dataset, period, import_id FROM stapeling) s
               LEFT JOIN import_batch b USING (import_id)
               GROUP BY s.dataset, s.period ORDER BY s.dataset, s.period"""
        ).fetchall()
        self.sets: list[OverlapSet] = []
        for dataset, period, source, import_id in rows:
            provisions = tuple(
                StoredProvision(*p)
                for p in con.execute(
                    """SELECT name, title, source, dataset, table_name FROM stapeling_voorziening
                       WHERE import_id = ? ORDER BY position""",
                    [import_id],
                ).fetchall()
            )
            label = str(source or dataset).removesuffix(" (beveiligd pakket)")
            self.sets.append(OverlapSet(str(dataset), str(period), label, provisions))

    def find(
        self, dataset: str | None, period: str | None, among: Sequence[OverlapSet] | None = None
    ) -> OverlapSet | None:
        """The set of ``dataset`` and ``period`` (default: the first dataset, its latest period)
        among ``among`` (default: all)."""
        chosen = [
            s for s in (self.sets if among is None else among) if dataset in (None, s.dataset)
        ]
        if dataset is None and chosen:
            chosen = [s for s in chosen if s.dataset == chosen[0].dataset]
        if period is not None:
            chosen = [s for s in chosen if s.period == period]
        return chosen[-1] if chosen else None

    def sets_for(self, code: str) -> list[OverlapSet]:
        """The stored sets with cells for region ``code`` (oldest period first per dataset)."""
        found = {
            (str(r[0]), str(r[1]))
            for r in self._con.cursor()
            .execute("SELECT DISTINCT dataset, period FROM stapeling WHERE region_code = ?", [code])
            .fetchall()
        }
        return [s for s in self.sets if (s.dataset, s.period) in found]

    def cells(
        self, chosen: OverlapSet, codes: Sequence[str]
    ) -> dict[tuple[str, str], dict[tuple[str, str], StoredCell]]:
        """Per ``(unit, region)``: every stored cell ``(combination, unrestricted) -> cell``."""
        out: dict[tuple[str, str], dict[tuple[str, str], StoredCell]] = {}
        for unit, region, combination, unrestricted, value, status in (
            self._con.cursor()
            .execute(
                """SELECT unit, region_code, combination, unrestricted, value, status
                   FROM stapeling WHERE dataset = ? AND period = ?
                     AND region_code IN (SELECT unnest(?::VARCHAR[]))""",
                [chosen.dataset, chosen.period, list(codes)],
            )
            .fetchall()
        ):
            cell = (None if value is None else float(value), str(status))
            out.setdefault((str(unit), str(region)), {})[(combination, unrestricted)] = cell
        return out
