"""The intake's privacy check: a package's tables as :func:`buurtbeeld.protect.verify` sees them.

This module reads the package's status column (the wire vocabulary of
:mod:`buurtbeeld.package_format`), turns every table into a :class:`~buurtbeeld.protect.TableView`,
adds the figures the cube already published for the same dataset, period and regions (which the
package would replace), runs ``protect.verify`` and turns its issues into coded Dutch refusals
that name cells, never values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb

from buurtbeeld.errors import DisclosureError
from buurtbeeld.package_format.model import (
    HIDDEN_STATUS,
    LETTER_STATUSES,
    LINKAGE_NO,
    MEASURES,
    PUBLISHED_STATUSES,
    PackageContents,
    PublishedTable,
)
from buurtbeeld.protect import (
    Dimension,
    Issue,
    Mark,
    Profile,
    TableView,
    get_profile,
    smallest_published,
    verify,
)
from buurtbeeld.store.package_indicators import package_indicator_id

HIDDEN_STATUSES = {HIDDEN_STATUS, *LETTER_STATUSES}
IndicatorFor = Callable[[PackageContents, PublishedTable, str], str]
"""The cube indicator id of a table's category label (``intake.indicator_for(...).id``)."""


def refuse(message: str, hint: str, code: str = "BB-PKG-010") -> DisclosureError:
    """The error that refuses a package on privacy grounds."""
    return DisclosureError(f"Pakket geweigerd: {message}", code=code, hint=hint)


REMAKE = "Maak het pakket opnieuw met de brontoolkit."


def _profile(contents: PackageContents, table: PublishedTable) -> Profile:
    return get_profile(table.profile or contents.profile)


def _where(table: PublishedTable, key: tuple[str, tuple[str, ...]]) -> str:
    return f"tabel '{table.name}', periode {table.period}, cel {key[0]}/{table.label(key[1])}"


def check_statuses(contents: PackageContents) -> None:
    """Every table has a known measure, every cell a known status that agrees with its value."""
    for table in contents.tables:
        if table.measure not in MEASURES:
            raise refuse(f"tabel '{table.name}' heeft onbekende maat '{table.measure}'.", REMAKE)
        for key, value, status in zip(table.keys, table.values, table.statuses, strict=True):
            if status not in (*PUBLISHED_STATUSES, *HIDDEN_STATUSES):
                raise refuse(f"{_where(table, key)} heeft onbekende status '{status}'.", REMAKE)
            if (status in HIDDEN_STATUSES) != (value is None):
                raise refuse(
                    f"{_where(table, key)}: status en waarde spreken elkaar tegen.", REMAKE
                )


def _measure(table: PublishedTable) -> str:
    # tables counting different units (persons, households) are different numbers
    return f"aantal:{table.unit}" if table.measure == "aantal" else f"som:{table.amount_column}"


def view_of(contents: PackageContents, table: PublishedTable) -> TableView:
    """A package table as ``protect.verify`` sees it; letters ``u``/``x`` become known marks."""
    marks = tuple(
        None
        if status in PUBLISHED_STATUSES
        else Mark(LETTER_STATUSES[status])
        if status in LETTER_STATUSES
        else Mark.HIDDEN
        for status in table.statuses
    )
    return TableView(
        name=table.name,
        period=table.period,
        measure=_measure(table),
        dimensions=tuple(Dimension(d.name, d.additive) for d in table.dimensions),
        keys=table.keys,
        values=table.values,
        marks=marks,
        profile=_profile(contents, table),
        counts=table.measure == "aantal",
        zeros=structural_zeros(contents, table),
        exclusive=table.exclusive or bool(table.at_least_of),
        at_least_of=table.at_least_of,
    )


def structural_zeros(
    contents: PackageContents, table: PublishedTable
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The cells a linked package leaves out because they are zero by definition: per region
    the combination without any provision (``LINKAGE_NO`` in every dimension)."""
    if contents.linkage is None or table.measure != "aantal" or not table.dimensions:
        return ()
    provisions = {p.name for p in contents.linkage.provisions}
    if any(d.name not in provisions for d in table.dimensions):
        return ()
    none = tuple(LINKAGE_NO for _ in table.dimensions)
    return tuple((region, none) for region in sorted({k[0] for k in table.keys}))


def earlier_view(
    contents: PackageContents,
    table: PublishedTable,
    keys: tuple[tuple[str, tuple[str, ...]], ...],
    values: tuple[float | None, ...],
) -> TableView:
    """The stored figures a package table would replace, as a view for the joint audit."""
    view = view_of(contents, table)
    return TableView(
        name=f"{table.name} (eerder gepubliceerd)",
        period=table.period,
        measure=view.measure,
        dimensions=view.dimensions,
        keys=keys,
        values=values,
        marks=tuple(Mark.HIDDEN if v is None else None for v in values),
        profile=view.profile,
        counts=view.counts,
        earlier=True,
        exclusive=view.exclusive,
        at_least_of=view.at_least_of,
    )


@dataclass
class EarlierFigures:
    """What the cube already published that this package would replace."""

    views: list[TableView] = field(default_factory=list)
    import_ids: list[int] = field(default_factory=list)
    """The imports whose figures the package replaces (lineage)."""


def earlier_figures(
    con: duckdb.DuckDBPyConnection, contents: PackageContents, indicator_id: IndicatorFor
) -> EarlierFigures:
    """The published figures and hidden cells of earlier packages of the same dataset, for the
    same periods, indicators (table and category) and regions as this package."""
    found = EarlierFigures()
    imports: set[int] = set()
    for table in contents.tables:
        combos: dict[str, tuple[str, ...]] = {}
        for _region, combo in table.keys:
            combos.setdefault(indicator_id(contents, table, table.label(combo)), combo)
        regions = sorted({k[0] for k in table.keys})
        rows = con.execute(
            """SELECT o.indicator_id, o.region_code, o.value, o.import_id
               FROM observation o JOIN import_batch b USING (import_id)
               WHERE b.dataset = ? AND o.period = ?
                 AND list_contains(?, o.indicator_id) AND list_contains(?, o.region_code)
               ORDER BY o.indicator_id, o.region_code""",
            [f"pakket:{contents.dataset}", table.period, list(combos), regions],
        ).fetchall()
        if not rows:
            continue
        imports.update(int(r[3]) for r in rows)
        found.views.append(
            earlier_view(
                contents,
                table,
                tuple((str(r[1]), combos[str(r[0])]) for r in rows),
                tuple(None if r[2] is None else float(r[2]) for r in rows),
            )
        )
    found.import_ids = sorted(imports)
    return found


def partner_figures(con: duckdb.DuckDBPyConnection, contents: PackageContents) -> list[TableView]:
    """The partners' published marginals already in the cube, as cells of a linked package.

    For a package with ``koppeling`` (issue 11): per provision, unit and period the package
    marks as without movers (``zonder_verhuizers``), the partner's table total per region *is*
    the linked marginal (the package's cell with that provision ``ja`` and every other
    provision ``totaal``), so its cells join the audit under the same identity. Elsewhere the
    linked marginal differs from the partner's count by movers the platform cannot see; the
    toolkit audited that relation with the mover counts (docs/protect.md, "Joint protection of
    linked counts"). Partner figures
    not (yet) in the cube are not checked here.
    """
    linkage = contents.linkage
    if linkage is None:
        return []
    views: list[TableView] = []
    for provision in linkage.provisions:
        if provision.table is None:
            continue
        indicator = package_indicator_id(provision.source, provision.dataset, provision.table)
        for table in contents.tables:
            names = [d.name for d in table.dimensions]
            if (
                provision.name not in names
                or (table.unit or contents.unit, table.period) not in provision.no_movers
            ):
                continue
            regions = sorted({k[0] for k in table.keys})
            rows = con.execute(
                """SELECT o.region_code, o.value FROM observation o
                   JOIN import_batch b USING (import_id)
                   WHERE b.dataset = ? AND o.indicator_id = ? AND o.period = ?
                     AND o.division_year = ? AND list_contains(?, o.region_code)
                   ORDER BY o.region_code""",
                [
                    f"pakket:{provision.dataset}",
                    indicator,
                    table.period,
                    contents.division_year,
                    regions,
                ],
            ).fetchall()
            if not rows:
                continue
            view = view_of(contents, table)
            views.append(
                TableView(
                    name=f"{provision.title} ({provision.source})",
                    period=table.period,
                    measure=view.measure,
                    dimensions=(Dimension(provision.name, True),),
                    keys=tuple((str(r[0]), ("ja",)) for r in rows),
                    values=tuple(None if r[1] is None else float(r[1]) for r in rows),
                    marks=tuple(Mark.HIDDEN if r[1] is None else None for r in rows),
                    profile=view.profile,
                    earlier=True,
                )
            )
    return views


def audit_package(
    contents: PackageContents,
    regions: Mapping[str, str | None],
    earlier: Sequence[TableView] = (),
    partners: Sequence[TableView] = (),
) -> int:
    """Verify what the package publishes (with the figures it replaces); returns the number of
    hidden cells audited.

    ``regions`` maps every region code of the division to its parent code.

    Raises
    ------
    DisclosureError
        ``BB-PKG-010`` a value the profile cannot produce, figures that contradict each other;
        ``BB-PKG-011`` a hidden cell that can be recomputed or bounded too well, or is
        published in another table; ``BB-PKG-040`` together with the figures it replaces, a
        hidden cell is disclosed or a cell changes between hidden and published;
        ``BB-PKG-041`` the package contradicts the figures it replaces beyond rounding;
        ``BB-PKG-050`` together with the partners' published marginals (``partners``, see
        :func:`partner_figures`) a hidden cell is disclosed, or a cell is hidden on one side
        and published on the other, or the figures contradict each other.
    """
    check_statuses(contents)
    children: dict[str, list[str]] = {}
    for code, parent in regions.items():
        if parent is not None:
            children.setdefault(parent, []).append(code)
    views = [view_of(contents, t) for t in contents.tables]
    result = verify([*views, *earlier], children)
    if result.issues:
        raise _refusal(contents, result.issues[0])
    if partners:
        joint = verify([*views, *earlier, *partners], children)
        if joint.issues:
            raise _partner_refusal(joint.issues[0])
    return result.n_hidden


def _partner_refusal(issue: Issue) -> DisclosureError:
    cells = ", ".join(issue.cells)
    what = {
        "conflict": "cellen zijn in het pakket verborgen en bij de partner gepubliceerd, of omgekeerd",
        "different": "cellen wijken meer af van de cijfers van de partner dan de afronding toelaat",
        "inconsistent": "de cijfers spreken die van de partners tegen",
    }.get(issue.kind, "verborgen cellen zijn met de cijfers van de partners terug te rekenen")
    return refuse(
        f"stapeling (periode {issue.period}): samen met de gepubliceerde cijfers van de partners "
        f"({', '.join(t for t in issue.tables)}): {issue.n_cells} {what}"
        f"{f' ({cells})' if cells else ''}.",
        "Beveilig de koppeling samen met de pakketten van de partners ('buurtbeeld koppel' met "
        "'pakket' per extract), en importeer eerst de pakketten van de partners.",
        code="BB-PKG-050",
    )


def _refusal(contents: PackageContents, issue: Issue) -> DisclosureError:
    names = ", ".join(t for t in issue.tables if not t.endswith("(eerder gepubliceerd)"))
    cells = ", ".join(issue.cells)
    where = f"tabel '{names}' (periode {issue.period})"
    if issue.kind == "value":
        profile = _profile(contents, next(t for t in contents.tables if t.name == names))
        rule = profile.frequency
        return refuse(
            f"{where} publiceert in {issue.n_cells} cellen ({cells}) een aantal dat profiel "
            f"'{profile.name}' niet kan opleveren: kleine aantallen worden verborgen "
            f"(veelvouden van {profile.rounding_base or 1}, kleinste gepubliceerde waarde "
            f"{smallest_published(profile.rounding_base or 1, rule.hidden_max if rule else None)}).",
            "Beveilig de tabel bij de bron; kleine aantallen mogen het pakket niet verlaten.",
        )
    if issue.earlier:
        return _revision(where, issue, cells)
    if issue.kind == "inconsistent":
        return refuse(
            f"de gepubliceerde cijfers van {where} tellen niet op over de regio's of categorieën.",
            "Maak het pakket opnieuw met de brontoolkit; wijzig pakketten nooit met de hand.",
        )
    if issue.kind == "different":
        return refuse(f"{where}: {cells} heeft in twee tabellen een andere waarde.", REMAKE)
    together = "Beveilig alle tabellen van de levering samen met de brontoolkit"
    if issue.kind == "conflict":
        return refuse(
            f"{issue.n_cells} cellen zijn in de ene tabel verborgen en in een andere gepubliceerd "
            f"({cells}).",
            f"{together}.",
            code="BB-PKG-011",
        )
    return refuse(
        f"in {where} zijn {issue.n_cells} verborgen cellen terug te rekenen of te nauw in te "
        f"sluiten ({cells}).",
        f"{together} (secundaire onderdrukking).",
        code="BB-PKG-011",
    )


def _revision(where: str, issue: Issue, cells: str) -> DisclosureError:
    hint = (
        "Het platform houdt wat het publiceerde. Een herziening kan pas als het eerdere pakket "
        "is ingetrokken; overleg met de partner en de privacyfunctionaris."
    )
    if issue.kind in ("different", "inconsistent"):
        return refuse(
            f"{where} vervangt eerder gepubliceerde cijfers van dezelfde dataset en periode en "
            "wijkt daar meer van af dan de afronding toelaat: naast elkaar tonen ze wie erbij "
            f"kwam of vertrok{f' ({cells})' if cells else ''}.",
            hint,
            code="BB-PKG-041",
        )
    what = (
        "cellen die het eerdere pakket publiceerde zijn nu verborgen, of omgekeerd"
        if issue.kind == "conflict"
        else "verborgen cellen zijn samen met de eerder gepubliceerde cijfers terug te rekenen "
        "of te nauw in te sluiten"
    )
    return refuse(
        f"{where} vervangt eerder gepubliceerde cijfers; {issue.n_cells} {what} ({cells}).",
        hint,
        code="BB-PKG-040",
    )


__all__ = [
    "EarlierFigures",
    "audit_package",
    "check_statuses",
    "earlier_figures",
    "partner_figures",
    "refuse",
    "structural_zeros",
    "view_of",
]
