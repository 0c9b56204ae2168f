"""The published-table model: a protected table as the toolkit publishes it and the platform reads it.

This is the shared vocabulary of the package contract: the source toolkit's tables become
these cells when written, and the platform's intake audits exactly these cells. Pure data, no
I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurtbeeld.package_format.risk_estimates import RiskEstimates

TOTAL = "totaal"
"""The category of a cell that is the total over a dimension."""
# The 'status' column. Published: 's' (or 'z', forced published). Hidden: from format version 3
# one status 'v' for every hidden cell, so a package never tells a small count (primary) from a
# secondary; versions 1 and 2 wrote sdcTable's 'u' (primary) and 'x' (secondary), which the
# platform reads as known to the attacker (docs/pakketformaat.md). Same values as the seam work.
PUBLISHED_STATUSES = ("s", "z")
HIDDEN_STATUS = "v"
LETTER_STATUSES = {"u": "primary", "x": "secondary"}
MEASURES = ("aantal", "som")
"""``aantal``: distinct units; ``som``: an amount in euros."""


@dataclass(frozen=True)
class TableDimension:
    """A dimension of a published table (e.g. ``voorziening``)."""

    name: str
    additive: bool = True
    """The ``totaal`` category is the sum of the others (each unit in one category)."""


@dataclass(frozen=True)
class PublishedTable:
    """One protected table of one period as delivered.

    A cell is keyed by its region code and its value per dimension (``totaal`` for the total
    over that dimension). Cells of different tables of the same package with the same period,
    measure, region and dimension values are the same number (the toolkit counts every table
    over the same units), so the audit treats them as one cell.
    """

    name: str
    title: str
    period: str
    dimensions: tuple[TableDimension, ...]
    keys: tuple[tuple[str, tuple[str, ...]], ...]
    values: tuple[float | None, ...]
    statuses: tuple[str, ...]
    polarity: str = "neutraal"
    """``hoger_is_slechter``, ``hoger_is_beter`` or ``neutraal`` (the catalogue's polarity)."""
    measure: str = "aantal"
    """``aantal`` (distinct units) or ``som`` (an amount in euros)."""
    profile: str | None = None
    """Protection profile of this table; ``None``: the package's profile."""
    unit: str | None = None
    """What is counted (``personen``, ``huishoudens``); ``None``: the package's unit."""
    amount_column: str | None = None
    exclusive: bool = False
    """A linked table of exclusive combinations (manifest ``combinaties: exclusief``): each
    cell with ``totaal`` is the sum of the leaves that agree with it in the other dimensions."""
    at_least_of: tuple[str, ...] = ()
    """A "k or more provisions" table (manifest ``combinaties: minstens``): the provisions (the
    dimensions of the linked table it sums). Its one dimension's codes are the ``k``; each cell
    is the sum of the exclusive combinations of those provisions with ``k`` or more ``ja``."""

    def label(self, combo: tuple[str, ...]) -> str:
        """The category label of a cell: its non-total dimension values, or ``totaal``."""
        parts = [v for v in combo if v != TOTAL]
        return ", ".join(parts) if parts else TOTAL


LINKAGE_KIND = "stapeling"
"""``koppeling.soort``: a table of combinations of provisions of several partners."""
LINKAGE_RULE = "laatste-adres"
"""``koppeling.regel``: one buurt per unit and period, that of its latest record over all extracts."""
LINKAGE_NO = "nee"
"""The category of a provision dimension for units without that provision. A linked package
counts units with at least one provision, so the all-``nee`` combination is zero by definition
and left out of its tables; an attacker knows it, and so does the intake's audit."""


@dataclass(frozen=True)
class Provision:
    """One partner's provision in a linked package and where its published marginals are.

    ``name`` is the dimension of the combination tables (``wmo``); ``source``, ``dataset`` and
    ``table`` name the partner's own signed package table whose published cells the linked
    tables were protected against (``pakkettabel`` of the koppelspec).
    """

    name: str
    title: str
    source: str
    dataset: str
    table: str | None
    """``None``: the partner published no table to protect against."""
    package_sha256: str | None = None
    """SHA-256 of the partner package protected against (``None``: none was given)."""
    no_movers: tuple[tuple[str, str], ...] = ()
    """``(unit, period)`` pairs in which the link rule placed every unit of this provision in
    the buurt its own extract gave: there the linked marginal equals the partner's count."""


@dataclass(frozen=True)
class Linkage:
    """The ``koppeling`` field of a package made by the linking party (issue 11)."""

    kind: str
    rule: str
    provisions: tuple[Provision, ...]


@dataclass(frozen=True)
class PackageContents:
    """What a verified package holds (checksums already checked by the reader)."""

    file_name: str
    sha256: str
    source: str
    dataset: str
    unit: str
    period: str
    """The package's period label (``2024`` or ``2024-K1/2024-K4``); tables carry their own."""
    division_year: int
    profile: str
    tables: tuple[PublishedTable, ...]
    signed_by: str | None = None
    """Fingerprint of the registered partner key that signed the package."""
    linkage: Linkage | None = None
    """The ``koppeling`` field: a linked package of several partners' provisions."""
    risk: RiskEstimates | None = None
    """The ``risicofactoren`` field: group-level risk estimates (issue 15 item 4)."""
