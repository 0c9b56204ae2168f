"""Find gemeenten, wijken and buurten by name or code, accent- and case-insensitive.

"crabbehof" finds the buurt and wijk Crabbehof in Dordrecht, "skarsterlan" finds
Skarsterlân, "sterrenburg dordrecht" narrows Sterrenburg to Dordrecht. Names are folded once
(``geo.names.fold``); a query is folded the same way and matched, best first: the whole name,
the start of the name, the start of a word, every query word at the start of a word of the
name or its gemeente, anywhere in the name. Within a rank gemeenten come before wijken before
buurten, then by name. Pages and the API share this one function (``Cube.search``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from buurtbeeld.geo.codes import is_region_code
from buurtbeeld.geo.names import fold

_WIJK_NUMBER = re.compile(r"^wijk \d+[a-z]? ")

LEVEL_ORDER = {"land": 0, "gemeente": 1, "wijk": 2, "buurt": 3}
MAX_QUERY = 100  # characters of a query that count (longer input is cut)


class Named(Protocol):
    """What the search needs of a region (``store.cube.RegionRow`` has it)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...


R = TypeVar("R", bound=Named)


@dataclass(frozen=True)
class SearchResult(Generic[R]):
    """Regions matching a query, best first, and how many matched in all."""

    query: str
    matches: list[R]  # best first, at most the limit
    total: int


class RegionSearch(Generic[R]):
    """A folded index over regions (built once: a served workspace cannot change)."""

    def __init__(self, regions: Iterable[R], gemeente_name: Callable[[str], str]) -> None:
        self._entries: list[tuple[R, str, str, str]] = []
        for r in regions:
            full = fold(r.name)
            own = _WIJK_NUMBER.sub("", full) or full  # "Wijk 09 Sterrenburg" is "sterrenburg"
            context = fold(gemeente_name(r.code)) if r.level in ("wijk", "buurt") else ""
            self._entries.append((r, own, f" {own} ", f" {full} {context} "))

    @classmethod
    def over(cls, current: Mapping[str, R], divisions: list[Mapping[str, R]]) -> RegionSearch[R]:
        """The regions of the current division, plus gemeenten of older divisions that no
        longer exist (Uden, 2020); a wijk or buurt is also found by its gemeente's name."""
        older = [
            r
            for division in divisions
            for r in division.values()
            if r.level == "gemeente" and r.code not in current
        ]

        def gemeente_name(code: str) -> str:
            gemeente = "GM" + code[2:6]
            row = current.get(gemeente) or next(
                (d[gemeente] for d in divisions if gemeente in d), None
            )
            return row.name if row else ""

        return cls([*current.values(), *older], gemeente_name)

    def search(self, query: str, limit: int = 25) -> SearchResult[R]:
        """Regions whose name (or code) matches ``query``, best first."""
        query = query[:MAX_QUERY]
        q = fold(query)
        if not q:
            return SearchResult(query.strip(), [], 0)
        typed = query.strip().upper()
        code = typed if is_region_code(typed) else None
        words = [f" {w}" for w in q.split()]
        ranked: list[tuple[int, int, str, str, R]] = []
        for r, own, padded, haystack in self._entries:
            rank = -1 if r.code == code else _rank(q, words, own, padded, haystack)
            if rank is not None:
                ranked.append((rank, LEVEL_ORDER.get(r.level, 9), own, r.code, r))
        ranked.sort(key=lambda t: t[:4])
        return SearchResult(query.strip(), [t[4] for t in ranked[:limit]], len(ranked))


def _rank(q: str, words: list[str], own: str, padded: str, haystack: str) -> int | None:
    if q not in haystack and not all(w in haystack for w in words):
        return None  # the common case, one substring test
    if own == q:
        return 0
    if own.startswith(q):
        return 1
    if f" {q}" in padded:
        return 2
    if all(w in haystack for w in words):
        return 3
    if q in own:
        return 4
    return None
