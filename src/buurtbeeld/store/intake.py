"""Intake of protected partner packages: verify, re-audit, then add to the cube.

Nothing from a package reaches the cube unless (1) every member's checksum matches the
manifest, (2) every published count is consistent with the package's protection profile, and
(3) an attacker audit by linear programming on exactly what the package publishes finds no
hidden cell that can be recomputed or pinned inside the hidden range. The audit knows the
region hierarchy of the division (buurt → wijk → gemeente, including regions the package left
out, which count as unknown) and the category totals. One violation refuses the whole package;
the workspace stays unchanged. Messages name cells, never values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import DisclosureError, RegionCodeError
from buurtbeeld.geo.codes import parent_of
from buurtbeeld.package_format.model import (
    MEASURES,
    TOTAL,
    PackageContents,
    PublishedTable,
    TableDimension,
)
from buurtbeeld.protect import (
    AuditInput,
    AuditResult,
    Profile,
    Requirement,
    audit,
    get_profile,
    is_producible_count,
)
from buurtbeeld.store.batches import (
    Batch,
    Replaced,
    find_batch,
    next_import_id,
    observation_table,
    record_batch,
    replace_observations,
)
from buurtbeeld.store.package_indicators import check_indicator_ids, indicator_for
from buurtbeeld.store.workspace import Workspace

__all__ = [
    "TOTAL",
    "IntakeReport",
    "PackageContents",
    "PublishedTable",
    "TableDimension",
    "audit_package",
    "check_indicator_ids",
    "check_published_values",
    "indicator_for",
    "intake_package",
]

PUBLISHED = {"s", "z"}
HIDDEN = {"u", "x"}


@dataclass
class IntakeReport:
    """Outcome of an accepted intake."""

    file_name: str
    already_imported: bool = False
    import_id: int | None = None
    indicators: list[str] = field(default_factory=list)
    published: int = 0
    hidden: int = 0
    audited_hidden_cells: int = 0
    replaced: list[Replaced] = field(default_factory=list)
    """Stored cells this package replaced, per earlier import (same indicator, period, region)."""
    became_hidden: int = 0
    untouched: int = 0
    """Stored cells of the same indicators and periods for regions the package does not cover."""
    signed_by: str | None = None
    """Fingerprint of the registered partner key that signed the package (lineage)."""

    def to_json(self) -> str:
        """JSON for the import log."""
        return json.dumps(asdict(self), ensure_ascii=False)


def _refuse(message: str, hint: str, code: str = "BB-PKG-010") -> DisclosureError:
    return DisclosureError(f"Pakket geweigerd: {message}", code=code, hint=hint)


def _profile(contents: PackageContents, table: PublishedTable) -> Profile:
    return get_profile(table.profile or contents.profile)


def _where(table: PublishedTable, key: tuple[str, tuple[str, ...]]) -> str:
    return f"tabel '{table.name}', periode {table.period}, cel {key[0]}/{table.label(key[1])}"


def check_published_values(contents: PackageContents) -> None:
    """Every cell's status and value agree with its profile (rounding base, hidden range)."""
    for table in contents.tables:
        profile = _profile(contents, table)
        base = profile.rounding_base or 1
        rule = profile.frequency
        if table.measure not in MEASURES:
            raise _refuse(
                f"tabel '{table.name}' heeft onbekende maat '{table.measure}'.",
                "Maak het pakket opnieuw met de brontoolkit.",
            )
        for key, value, status in zip(table.keys, table.values, table.statuses, strict=True):
            if status not in PUBLISHED | HIDDEN:
                raise _refuse(
                    f"{_where(table, key)} heeft onbekende status '{status}'.",
                    "Maak het pakket opnieuw met de brontoolkit.",
                )
            if (status in HIDDEN) != (value is None):
                raise _refuse(
                    f"{_where(table, key)}: status en waarde spreken elkaar tegen.",
                    "Maak het pakket opnieuw met de brontoolkit.",
                )
            if value is None:
                continue
            if value < 0 or (table.measure == "aantal" and value % base):
                raise _refuse(
                    f"{_where(table, key)} is geen afgerond aantal volgens profiel '{profile.name}'.",
                    "Publiceer alleen afgeronde aantallen; gebruik de brontoolkit.",
                )
            if table.measure == "aantal" and not is_producible_count(
                value,
                base=base,
                hidden_min=rule.hidden_min if rule else None,
                hidden_max=rule.hidden_max if rule else None,
            ):
                raise _refuse(
                    f"{_where(table, key)} publiceert een aantal dat profiel '{profile.name}' niet "
                    "kan opleveren (kleine aantallen worden verborgen, de kleinste gepubliceerde "
                    "waarde ligt boven het verborgen bereik).",
                    "Beveilig de tabel bij de bron; kleine aantallen mogen het pakket niet verlaten.",
                )


CellId = tuple[str, str, tuple[tuple[str, str], ...]]
"""(measure and unit, region, sorted non-total (dimension, value) pairs): one number in the package."""


def _cell_id(table: PublishedTable, key: tuple[str, tuple[str, ...]]) -> CellId:
    # tables counting different units (persons, households) are different numbers
    measure = f"aantal:{table.unit}" if table.measure == "aantal" else f"som:{table.amount_column}"
    pairs = tuple(
        sorted((d.name, v) for d, v in zip(table.dimensions, key[1], strict=True) if v != TOTAL)
    )
    return (measure, key[0], pairs)


def audit_package(contents: PackageContents, regions: dict[str, str | None]) -> int:
    """LP audit on what the package publishes; returns the number of hidden cells audited.

    All tables of one period and measure are audited as one linked system: a cell published in
    one table and hidden in another, or a hidden cell computable from any combination of
    tables, refuses the package. ``regions`` maps every region code of the division to its
    parent code.

    Raises
    ------
    DisclosureError
        When any hidden cell can be recomputed or bounded inside the hidden range.
    """
    children: dict[str, list[str]] = {}
    for code, parent in regions.items():
        if parent is not None:
            children.setdefault(parent, []).append(code)
    groups: dict[tuple[str, str], list[PublishedTable]] = {}
    for table in contents.tables:
        groups.setdefault((table.period, table.measure), []).append(table)
    hidden_audited = 0
    for tables in groups.values():
        result, labels = _audit_linked(contents, tables, children)
        hidden_audited += result.n_hidden
        if not result.passed:
            cells = ", ".join(labels[f.cell] for f in result.findings[:5])
            names = ", ".join(sorted({t.name for t in tables}))
            raise _refuse(
                f"in tabel '{names}' (periode {tables[0].period}) zijn {len(result.findings)} verborgen "
                f"cellen terug te rekenen of te nauw in te sluiten ({cells}).",
                "Beveilig alle tabellen van de levering samen met de brontoolkit (secundaire onderdrukking).",
                code="BB-PKG-011",
            )
    return hidden_audited


def _audit_linked(
    contents: PackageContents, tables: list[PublishedTable], children: dict[str, list[str]]
) -> tuple[AuditResult, dict[int, str]]:
    index: dict[CellId, int] = {}
    labels: dict[int, str] = {}
    known: dict[int, tuple[float, float]] = {}
    requirements: dict[int, Requirement] = {}
    hidden: set[int] = set()
    relations: set[tuple[int, tuple[int, ...]]] = set()
    counts = tables[0].measure == "aantal"

    def cell(table: PublishedTable, key: tuple[str, tuple[str, ...]]) -> int:
        # a cell the package left out (e.g. a buurt without clients) is unknown to the attacker
        i = index.setdefault(_cell_id(table, key), len(index))
        labels.setdefault(i, f"{key[0]}/{table.label(key[1])}")
        return i

    for table in tables:
        profile = _profile(contents, table)
        base = (profile.rounding_base or 1) if counts else 1
        rule = profile.frequency if counts else None
        for key, value, status in zip(table.keys, table.values, table.statuses, strict=True):
            i = cell(table, key)
            if value is not None:
                low, up = max(0.0, value - (base - 1)), value + (base - 1)
                if i in known:
                    low, up = max(low, known[i][0]), min(up, known[i][1])
                    if low > up:
                        raise _refuse(
                            f"{_where(table, key)} heeft in twee tabellen een andere waarde.",
                            "Maak het pakket opnieuw met de brontoolkit.",
                        )
                known[i] = (low, up)
            else:
                hidden.add(i)
                if status == "u" and rule is not None:
                    requirements[i] = Requirement(
                        hidden_min=rule.hidden_min, hidden_max=rule.hidden_max
                    )
        relations.update(_relations(table, children, cell))
    both = sorted(hidden & set(known))
    if both:
        raise _refuse(
            f"{len(both)} cellen zijn in de ene tabel verborgen en in een andere gepubliceerd "
            f"({', '.join(labels[i] for i in both[:5])}).",
            "Beveilig alle tabellen van de levering samen met de brontoolkit.",
            code="BB-PKG-011",
        )
    data = AuditInput(
        n_cells=len(index),
        relations=sorted(relations),
        known=known,
        requirements=requirements,
        integer=counts,
    )
    try:
        return audit(data), labels
    except ValueError as err:  # infeasible: the published figures contradict the relations
        raise _refuse(
            f"de gepubliceerde cijfers van tabel '{tables[0].name}' (periode {tables[0].period}) "
            "tellen niet op over de regio's of categorieën.",
            "Maak het pakket opnieuw met de brontoolkit; wijzig pakketten nooit met de hand.",
        ) from err


def _relations(
    table: PublishedTable,
    children: dict[str, list[str]],
    cell: Callable[[PublishedTable, tuple[str, tuple[str, ...]]], int],
) -> Iterator[tuple[int, tuple[int, ...]]]:
    """Region hierarchy per category, and totals of every additive dimension per region."""
    in_table = {k[0] for k in table.keys}
    combos = sorted({k[1] for k in table.keys})
    for parent in sorted(in_table):
        kids = sorted(children.get(parent, []))
        if any(k in in_table for k in kids):
            for combo in combos:
                yield cell(table, (parent, combo)), tuple(cell(table, (k, combo)) for k in kids)
    for i, dim in enumerate(table.dimensions):
        categories = sorted({c[i] for c in combos} - {TOTAL})
        if not dim.additive or not categories or not any(c[i] == TOTAL for c in combos):
            continue
        for region in sorted(in_table):
            for combo in combos:
                if combo[i] != TOTAL:
                    continue
                parts = tuple(
                    cell(table, (region, (*combo[:i], c, *combo[i + 1 :]))) for c in categories
                )
                yield cell(table, (region, combo)), parts


def intake_package(
    workspace: Workspace,
    contents: PackageContents,
    *,
    progress: Callable[[str], None] | None = None,
) -> IntakeReport:
    """Verify and audit a package, then add its tables to the cube in one transaction.

    Raises
    ------
    DisclosureError
        The package is refused (``BB-PKG-…``); the workspace is unchanged.
    RegionCodeError
        Region codes unknown in the package's division (``BB-GEO-003``).
    """
    say = progress or (lambda _m: None)
    report = IntakeReport(file_name=contents.file_name, signed_by=contents.signed_by)
    say("Waarden controleren")
    check_published_values(contents)
    con = workspace.connect(read_only=True)
    try:
        previous = find_batch(con, f"pakket:{contents.dataset}", contents.sha256)
        regions = dict(
            con.execute(
                "SELECT code, parent_code FROM region WHERE division_year = ?",
                [contents.division_year],
            ).fetchall()
        )
        existing = {
            r[0]: Indicator.model_validate_json(r[1])
            for r in con.execute("SELECT id, definition_json FROM indicator_def").fetchall()
        }
    finally:
        con.close()
    if previous is not None:
        report.already_imported, report.import_id = True, previous
        return report
    unknown = sorted({k[0] for t in contents.tables for k in t.keys if k[0] not in regions})
    if unknown:
        raise RegionCodeError(
            f"{len(unknown)} regiocodes in '{contents.file_name}' bestaan niet in de indeling "
            f"{contents.division_year} ({', '.join(unknown[:5])}).",
            code="BB-GEO-003",
        )
    for code in list(regions):
        regions[code] = regions[code] or parent_of(code)
    check_indicator_ids(contents, existing)
    say("Aanvalscontrole (lineaire programmering)")
    report.audited_hidden_cells = audit_package(contents, regions)
    say("Schrijven")
    with workspace.transaction() as con:
        import_id = next_import_id(con)
        report.import_id = import_id
        rows: dict[str, list[object]] = {
            k: []
            for k in ("indicator_id", "region_code", "period", "value", "status", "status_note")
        }
        defined: set[str] = set()
        for table in contents.tables:
            labels = [table.label(k[1]) for k in table.keys]
            defs = {c: indicator_for(contents, table, c) for c in sorted(set(labels))}
            for indicator in defs.values():
                if indicator.id not in defined:
                    defined.add(indicator.id)
                    con.execute("DELETE FROM indicator_def WHERE id = ?", [indicator.id])
                    con.execute(
                        "INSERT INTO indicator_def VALUES (?, ?, ?)",
                        [indicator.id, indicator.model_dump_json(), import_id],
                    )
                    report.indicators.append(indicator.id)
            for key, label, value, status in zip(
                table.keys, labels, table.values, table.statuses, strict=True
            ):
                rows["indicator_id"].append(defs[label].id)
                rows["region_code"].append(key[0])
                rows["period"].append(table.period)
                rows["value"].append(value)
                rows["status"].append("value" if status in PUBLISHED else "hidden")
                rows["status_note"].append(None if status in PUBLISHED else "beveiligd")
        n = len(rows["indicator_id"])
        report.published = sum(1 for s in rows["status"] if s == "value")
        report.hidden = n - report.published
        table = observation_table(rows, division_year=contents.division_year, import_id=import_id)
        written = replace_observations(con, table)
        report.replaced, report.untouched, report.became_hidden = (
            written.replaced,
            written.untouched,
            written.became_hidden,
        )
        record_batch(
            con,
            Batch(
                import_id,
                f"pakket:{contents.dataset}",
                f"{contents.source} (beveiligd pakket)",
                contents.file_name,
                contents.sha256,
                contents.period,
                n,
                report.to_json(),
            ),
        )
    return report
