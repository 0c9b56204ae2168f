"""Joint protection of a linked delivery with the partners' published marginals (issue 11).

The combination tables of ``buurtbeeld koppel`` (:mod:`buurtbeeld.source.link`) count, per
provision P, units with P = ``ja`` in every region: the *linked marginal* ``L(P,R)``. Each
partner already published its own count of the same units per region (``P(P,R)``, the
``pakkettabel`` of its signed package). The two differ only by the units that the link rule
(latest address over all extracts) placed elsewhere than P's own extract did:

    L(P,R) = blijft + binnen        P(P,R) = blijft + buiten

``binnen``/``buiten`` are the movers of :attr:`LinkedCounts.movers`. This module adds these
cells and relations to the delivery's system (:class:`~buurtbeeld.source.protection.JointCells`)
so that suppression and the LP audit see every subtraction an attacker holding the partners'
packages can make:

- a partner's published cell is known (exactly, conservatively: its rounding interval is wider);
  a partner's hidden cell stays hidden and guarded like a count, and the linked marginal of the
  same provision and region is hidden too (movers are few, so ``L`` would estimate it);
- ``binnen``, ``buiten`` and the movers per level (``binnen`` and ``buiten`` sum to the same
  number over each level) are never published and guarded like counts: a mover count in the
  hidden range must not become computable; ``blijft`` is never published;
- where nobody moved (``binnen = buiten = 0``) the linked marginal is the same true count as the
  partner's: when published it carries the partner's published value, never a second rounding
  (two independent roundings of one count narrow its interval);
- a "k or more provisions" cell (``<unit>_minstens``) is the sum of the combinations with ``k``
  or more provisions: one relation per cell, so that neither it nor a combination can be
  derived from the other;
- where the link rule moved no unit of P at all in a period (per unit), the package says so
  (``koppeling.zonder_verhuizers``) and the platform's intake audits ``L = P`` with the partner
  figures it already holds. Then ``L`` *is* the partner's count in every region: no partner or
  mover cell is added; ``L`` is published with the partner's value (and taken as known exactly,
  conservatively) where the partner published it, hidden where the partner hid it. Rounded
  partner cells are variables of the LP audit (intervals) that tie every region of the table
  into one component; without them the audit's components follow the hidden cells only.

Partner packages are verified against the partners' public keys (the ``<bron>.pub`` files they
publish with ``buurtbeeld bron sleutel``); an unsigned or forged package, or one that does not
match its extract, is refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from buurtbeeld.package_format import (
    LINKAGE_KIND,
    LINKAGE_RULE,
    TOTAL,
    Linkage,
    Provision,
    PublicKey,
)
from buurtbeeld.protect import (
    Cell,
    CellKey,
    Relation,
    ReleaseLedger,
    published_interval,
)
from buurtbeeld.source.aggregate import AggregatedTable, Aggregation
from buurtbeeld.source.link_at_least import at_least_relations
from buurtbeeld.source.link_partners import (
    LinkProtectionError,
    PartnerMarginals,
    _LinkSpec,
    check_published,
    partner_keys,
    read_partner,
)
from buurtbeeld.source.link_results import NO
from buurtbeeld.source.periods import Period
from buurtbeeld.source.protection import JointCells, ProtectedDelivery, _cell_key, protect_delivery
from buurtbeeld.source.regions import Division

YES = "ja"
MOVERS = ("blijft", "binnen", "buiten")

__all__ = [
    "LinkProtectionError",
    "LinkedCountsLike",
    "LinkedDelivery",
    "PartnerMarginals",
    "joint_cells",
    "partner_keys",
    "protect_link",
    "read_partner",
]


class LinkedCountsLike(Protocol):
    """What joint protection reads of :class:`buurtbeeld.source.link.LinkedCounts`."""

    @property
    def spec(self) -> _LinkSpec: ...

    division: Division
    periods: list[Period]
    tables: list[AggregatedTable]
    categories: dict[str, list[str]]
    movers: pa.Table

    def to_aggregation(self) -> Aggregation: ...


@dataclass
class LinkedDelivery:
    """A protected linked delivery and its ``koppeling`` field."""

    delivery: ProtectedDelivery
    linkage: Linkage
    partners: dict[str, PartnerMarginals]
    joint: frozenset[CellKey] = frozenset()
    """The partner and mover cells protected with the package but not in it."""
    earlier: int = 0
    """Sent packages of the same dataset it was protected together with (the ledger)."""


def _mover_counts(movers: pa.Table) -> dict[tuple[str, str, str, str], tuple[int, int, int]]:
    """``(unit, period, provision, region)`` → ``(blijft, binnen, buiten)``."""
    out: dict[tuple[str, str, str, str], tuple[int, int, int]] = {}
    for row in movers.to_pylist():
        key = (
            str(row["eenheid"]),
            str(row["periode"]),
            str(row["voorziening"]),
            str(row["regiocode"]),
        )
        out[key] = (int(row["blijft"]), int(row["binnen"]), int(row["buiten"]))
    return out


def _level(code: str) -> str:
    return code[:2]


def joint_cells(
    counts: LinkedCountsLike, partners: Mapping[str, PartnerMarginals]
) -> tuple[JointCells, dict[str, list[tuple[str, str]]]]:
    """The partner and mover cells of every provision with a package, and per provision the
    ``(unit, period)`` pairs without movers.

    Raises
    ------
    LinkProtectionError
        ``BB-KOP-032`` a period of the link is missing from a partner package; ``BB-KOP-033``
        a partner's published figure does not fit its own extract (another version), or is one
        the link's profile would hide.
    """
    spec = counts.spec
    division = counts.division
    regions = division.all_codes()
    links = set(division.top_codes) | {
        c for t in division.top_codes for c in division.hierarchy.get(t, [])
    }
    single_top = len(division.top_codes) == 1
    moved = _mover_counts(counts.movers)
    cells: list[Cell] = []
    relations: list[Relation] = []
    known: set[CellKey] = set()
    hidden: set[CellKey] = set()
    link_keys: set[CellKey] = set()
    values: dict[CellKey, float] = {}
    intervals: dict[CellKey, tuple[float, float]] = {}
    quiet: dict[str, list[tuple[str, str]]] = defaultdict(list)
    omit: set[CellKey] = set()
    for table in counts.tables:
        if table.at_least_of is not None:
            relations += at_least_relations(
                spec.dataset, counts.tables, table, counts.periods, division
            )
            continue
        if table.measure != "aantal":
            continue
        truth = _table_counts(table)
        # the universe is "units with at least one provision": no provision at all is zero
        none = tuple(NO for _ in table.dimensions)
        omit.update(
            _cell_key(spec.dataset, p.label, r, table, none)
            for p in counts.periods
            for r in regions
        )
        for name, partner in partners.items():
            if partner.unit != table.unit or name not in table.dimensions:
                continue
            combo = tuple(YES if d == name else TOTAL for d in table.dimensions)
            for period in (p.label for p in counts.periods):
                if not any(k[0] == period for k in partner.cells):
                    raise LinkProtectionError(
                        f"Het pakket van extract '{name}' heeft geen cijfers voor periode {period}.",
                        code="BB-KOP-032",
                        hint="Vraag de partner een pakket met dezelfde perioden als de extracten.",
                    )
                per_region = {
                    r: moved.get((table.unit, period, name, r), (0, 0, 0)) for r in regions
                }
                still = all(v[1] == 0 and v[2] == 0 for v in per_region.values())
                if still:
                    quiet[name].append((table.unit, period))
                    _quiet_marginals(
                        spec, table, combo, period, regions, partner, truth, known, hidden, values
                    )
                    continue
                sums: dict[str, dict[str, list[CellKey]]] = defaultdict(lambda: defaultdict(list))
                for region in regions:
                    stay, into, out = per_region[region]
                    lkey = _cell_key(spec.dataset, period, region, table, combo)
                    if truth.get((period, region, combo), 0) != stay + into:
                        raise ValueError(f"movers and table disagree for {name} in {region}")
                    pkey: CellKey = ("partner", name, f"aantal:{table.unit}", period, region)
                    mkeys = {m: ("verhuizers", name, table.unit, period, region, m) for m in MOVERS}
                    cells.append(Cell(pkey, stay + out))
                    cells += [
                        Cell(mkeys[m], c) for m, c in zip(MOVERS, (stay, into, out), strict=True)
                    ]
                    relations.append(Relation(lkey, (mkeys["blijft"], mkeys["binnen"])))
                    relations.append(Relation(pkey, (mkeys["blijft"], mkeys["buiten"])))
                    children = division.hierarchy.get(region, [])
                    if children:
                        relations.append(
                            Relation(
                                pkey,
                                tuple(
                                    ("partner", name, f"aantal:{table.unit}", period, c)
                                    for c in children
                                ),
                            )
                        )
                    if region in links:
                        link_keys.update((pkey, *mkeys.values()))
                    sums["binnen"][_level(region)].append(mkeys["binnen"])
                    sums["buiten"][_level(region)].append(mkeys["buiten"])
                    published = _partner_cell(partner, name, period, region)
                    if published is None:
                        hidden.add(pkey)
                        hidden.add(lkey)  # movers are few: L would estimate the hidden cell
                    else:
                        check_published(spec, name, period, region, published, stay + out, partner)
                        intervals[pkey] = published_interval(published, partner.profile)
                        if into == 0 and out == 0:
                            values[lkey] = published
                    structural = single_top and region in division.top_codes
                    if structural:
                        known.update((mkeys["binnen"], mkeys["buiten"]))
                    else:
                        hidden.update((mkeys["binnen"], mkeys["buiten"]))
                # movers in and out balance per level: one never-published total per level.
                # Only at the link levels (gemeente and wijk, or land and gemeente): below them
                # one relation over every buurt of the area would join all blocks into one
                # system, and one sum over thousands of unknown cells pins none of them.
                for level, into_keys in sums["binnen"].items():
                    if not all(k in link_keys for k in into_keys):
                        continue
                    total = ("verhuizers", name, table.unit, period, level, "totaal")
                    count = sum(per_region[k[4]][1] for k in into_keys)
                    cells.append(Cell(total, count))
                    relations.append(Relation(total, tuple(into_keys)))
                    relations.append(Relation(total, tuple(sums["buiten"][level])))
                    link_keys.add(total)
                    top = single_top and level == _level(division.top_codes[0])
                    (known if top else hidden).add(total)
    extra = JointCells(
        tuple(cells),
        tuple(relations),
        known=frozenset(known),
        hidden=frozenset(hidden - known),
        links=frozenset(link_keys),
        values=values,
        intervals=intervals,
        omit=frozenset(omit),
    )
    return extra, dict(quiet)


def _partner_cell(partner: PartnerMarginals, name: str, period: str, region: str) -> float | None:
    """The partner's published figure of ``region`` (``None``: hidden); a missing region refused."""
    if (period, region) not in partner.cells:
        raise LinkProtectionError(
            f"Het pakket van extract '{name}' mist regio {region} in periode {period}.",
            code="BB-KOP-032",
            hint="Vraag de partner een pakket voor dezelfde gemeente(n) en indeling.",
        )
    return partner.cells[(period, region)]


def _quiet_marginals(
    spec: _LinkSpec,
    table: AggregatedTable,
    combo: tuple[str, ...],
    period: str,
    regions: list[str],
    partner: PartnerMarginals,
    truth: Mapping[tuple[str, str, tuple[str, ...]], int],
    known: set[CellKey],
    hidden: set[CellKey],
    values: dict[CellKey, float],
) -> None:
    """A provision whose units the link rule left where the partner's extract put them.

    Then ``L(P,R) = P(P,R)`` in every region: the linked marginal *is* the partner's count,
    and no partner or mover cell is needed. Where the partner published it, the marginal is
    published with the partner's value and the attacker is taken to know it exactly (more
    than the rounded value tells: conservative); where the partner hid it, it is hidden.
    Without these cells the partners' rounded figures do not tie every region of the table
    into one LP of the audit.
    """
    for region in regions:
        lkey = _cell_key(spec.dataset, period, region, table, combo)
        published = _partner_cell(partner, partner.name, period, region)
        if published is None:
            hidden.add(lkey)
            continue
        true = truth.get((period, region, combo), 0)
        check_published(spec, partner.name, period, region, published, true, partner)
        values[lkey] = published
        known.add(lkey)


def _table_counts(table: AggregatedTable) -> dict[tuple[str, str, tuple[str, ...]], int]:
    return {
        (r["periode"], r["regiocode"], tuple(r[d] for d in table.dimensions)): int(r["aantal"])
        for r in table.data.to_pylist()
    }


def protect_link(
    counts: LinkedCountsLike,
    *,
    seed: str,
    trusted: Mapping[str, PublicKey],
    ledger: ReleaseLedger | None = None,
) -> LinkedDelivery:
    """Protect a linked delivery jointly with the partners' published marginals.

    Parameters
    ----------
    counts
        The link counts (:func:`buurtbeeld.source.link.link`).
    seed
        The linking party's secret rounding seed.
    trusted
        The partners' public keys (:func:`partner_keys`); every ``pakket`` of the koppelspec
        must be signed with one of them.
    ledger
        What earlier packages of the linking party published (counts).

    Raises
    ------
    LinkProtectionError
        ``BB-KOP-030``…``033`` (see :func:`read_partner`, :func:`joint_cells`).
    DisclosureError
        When no safe pattern exists.
    """
    spec = counts.spec
    partners: dict[str, PartnerMarginals] = {}
    for extract in spec.extracten:
        if extract.pakket is not None:
            partners[extract.naam] = read_partner(
                extract.naam,
                extract.pakket,
                extract.pakkettabel or "voorzieningen_totaal",
                trusted,
                spec,
            )
    extra, quiet = joint_cells(counts, partners)
    agg = counts.to_aggregation()
    delivery = protect_delivery(
        agg,
        seed=seed,
        joint_cells=extra,
        ledgers={"aantallen": ledger} if ledger is not None else None,
    )
    provisions = []
    for extract in spec.extracten:
        partner = partners.get(extract.naam)
        manifest = partner.package.manifest if partner else {}
        provisions.append(
            Provision(
                name=extract.naam,
                title=extract.titel,
                source=str(manifest.get("bron") or spec.bron),
                dataset=str(manifest.get("dataset") or extract.naam),
                table=partner.table if partner else None,
                package_sha256=partner.package.sha256 if partner else None,
                no_movers=tuple(sorted(quiet.get(extract.naam, []))),
            )
        )
    linkage = Linkage(LINKAGE_KIND, LINKAGE_RULE, tuple(provisions))
    return LinkedDelivery(delivery, linkage, partners, frozenset(c.key for c in extra.cells))
