"""The release ledger: what earlier deliveries published, so new ones are audited against it.

A ledger is pure data: per released cell its key, status and published value (``None`` when
hidden), whether that value was rounded, and the relations of its tables. Relations *between*
releases (``year = H1 + H2``, a wijk table and an overlapping GGD-region table built from the same
buurten) go in ``links``. :func:`~buurtbeeld.protect.protect_table` treats every released cell as
fixed: what was published stays known (as an interval when it was rounded), what was hidden must
stay hidden and must not become computable, so differencing across periods or overlapping tables
is caught by the same elimination and audit. The ledger never holds a hidden value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from buurtbeeld.protect.table import CellKey, CellStatus, Relation


@dataclass(frozen=True, slots=True)
class ReleasedCell:
    """One cell of an earlier delivery.

    Parameters
    ----------
    key
        The cell's key; include the period or table in it when the same region/category occurs
        in several releases as different cells.
    status
        Its status at release.
    value
        The published value, ``None`` when hidden.
    rounding_base
        The value was randomly rounded to this base (the attacker knows only an interval).
    hidden_min, hidden_max
        For primaries: the hidden range of the frequency rule that applied.
    """

    key: CellKey
    status: CellStatus
    value: float | None = None
    rounding_base: int | None = None
    hidden_min: int | None = None
    hidden_max: int | None = None

    def __post_init__(self) -> None:
        if self.status.suppressed != (self.value is None):
            raise ValueError(f"released cell {self.key!r}: hidden cells have no value")


@dataclass(frozen=True, slots=True)
class Release:
    """One earlier delivery: its cells and relations."""

    name: str
    cells: tuple[ReleasedCell, ...]
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True, slots=True)
class ReleaseLedger:
    """Earlier releases of one source, plus relations linking them to each other or to new ones."""

    releases: tuple[Release, ...] = ()
    links: tuple[Relation, ...] = ()

    def add(self, release: Release, *, links: Iterable[Relation] = ()) -> ReleaseLedger:
        """A new ledger with one more release (and relations linking it)."""
        if any(r.name == release.name for r in self.releases):
            raise ValueError(f"release {release.name!r} is already in the ledger")
        return ReleaseLedger((*self.releases, release), (*self.links, *links))

    def cells(self) -> dict[CellKey, ReleasedCell]:
        """Every released cell by key; a cell published in any release counts as published."""
        out: dict[CellKey, ReleasedCell] = {}
        for release in self.releases:
            for cell in release.cells:
                seen = out.get(cell.key)
                if (
                    seen is None
                    or (seen.value is None and cell.value is not None)
                    or (
                        seen.value is not None
                        and cell.value is not None
                        and seen.rounding_base is not None
                        and cell.rounding_base is None
                    )
                ):
                    out[cell.key] = cell
        return out

    def relations(self) -> list[Relation]:
        """Relations of all releases and the links."""
        return [r for release in self.releases for r in release.relations] + list(self.links)
