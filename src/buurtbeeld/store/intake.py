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
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pyarrow as pa

from buurtbeeld.catalog.models import Indicator, Polarity, SourceRef
from buurtbeeld.errors import DisclosureError, RegionCodeError
from buurtbeeld.geo.codes import parent_of
from buurtbeeld.protect import (
    AuditInput,
    AuditResult,
    FrequencyRule,
    Requirement,
    audit,
    get_profile,
)
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.store.writes import insert_observations, next_import_id

TOTAL = "totaal"
PUBLISHED = {"s", "z"}
HIDDEN = {"u", "x"}


@dataclass(frozen=True)
class PublishedTable:
    """One protected table as delivered: cells keyed by (region code, category)."""

    name: str
    title: str
    dimension: str | None
    keys: tuple[tuple[str, str], ...]
    values: tuple[float | None, ...]
    statuses: tuple[str, ...]
    polarity: Polarity = Polarity.NEUTRAL


@dataclass(frozen=True)
class PackageContents:
    """What a verified package holds (checksums already checked by the reader)."""

    file_name: str
    sha256: str
    source: str
    dataset: str
    unit: str
    period: str
    division_year: int
    profile: str
    tables: tuple[PublishedTable, ...]


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

    def to_json(self) -> str:
        """JSON for the import log."""
        return json.dumps(asdict(self), ensure_ascii=False)


def _refuse(message: str, hint: str, code: str = "BB-PKG-010") -> DisclosureError:
    return DisclosureError(f"Pakket geweigerd: {message}", code=code, hint=hint)


def check_published_values(contents: PackageContents) -> None:
    """Every cell's status and value agree with the profile (rounding base, hidden range)."""
    profile = get_profile(contents.profile)
    base = profile.rounding_base or 1
    rule = profile.frequency
    for table in contents.tables:
        for key, value, status in zip(table.keys, table.values, table.statuses, strict=True):
            where = f"tabel '{table.name}', cel {key[0]}/{key[1]}"
            if status not in PUBLISHED | HIDDEN:
                raise _refuse(
                    f"{where} heeft onbekende status '{status}'.",
                    "Maak het pakket opnieuw met de brontoolkit.",
                )
            if (status in HIDDEN) != (value is None):
                raise _refuse(
                    f"{where}: status en waarde spreken elkaar tegen.",
                    "Maak het pakket opnieuw met de brontoolkit.",
                )
            if value is None:
                continue
            if value < 0 or value % base:
                raise _refuse(
                    f"{where} is geen afgerond aantal volgens profiel '{profile.name}'.",
                    "Publiceer alleen afgeronde aantallen; gebruik de brontoolkit.",
                )
            if rule is not None:
                low, up = max(0.0, value - (base - 1)), value + (base - 1)
                zero_ok = rule.hidden_min > 0 and low == 0
                if not zero_ok and up <= rule.hidden_max:
                    raise _refuse(
                        f"{where} publiceert een aantal dat volgens profiel '{profile.name}' verborgen moet zijn.",
                        "Beveilig de tabel bij de bron; kleine aantallen mogen het pakket niet verlaten.",
                    )


def audit_package(contents: PackageContents, regions: dict[str, str | None]) -> int:
    """LP audit on what the package publishes; returns the number of hidden cells audited.

    ``regions`` maps every region code of the division to its parent code.

    Raises
    ------
    DisclosureError
        When any hidden cell can be recomputed or bounded inside the hidden range.
    """
    profile = get_profile(contents.profile)
    children: dict[str, list[str]] = {}
    for code, parent in regions.items():
        if parent is not None:
            children.setdefault(parent, []).append(code)
    hidden_audited = 0
    for table in contents.tables:
        result, labels = _audit_table(
            table, children, profile.rounding_base or 1, profile.frequency
        )
        hidden_audited += result.n_hidden
        if not result.passed:
            cells = ", ".join(
                f"{labels[f.cell][0]}/{labels[f.cell][1]}" for f in result.findings[:5]
            )
            raise _refuse(
                f"in tabel '{table.name}' zijn {len(result.findings)} verborgen cellen terug te rekenen of te "
                f"nauw in te sluiten ({cells}).",
                "Beveilig alle tabellen van de levering samen met de brontoolkit (secundaire onderdrukking).",
                code="BB-PKG-011",
            )
    return hidden_audited


def _audit_table(
    table: PublishedTable, children: dict[str, list[str]], base: int, rule: FrequencyRule | None
) -> tuple[AuditResult, dict[int, tuple[str, str]]]:
    index: dict[tuple[str, str], int] = {}
    known: dict[int, tuple[float, float]] = {}
    requirements: dict[int, Requirement] = {}

    def cell(key: tuple[str, str]) -> int:
        # a cell the package left out (e.g. a buurt without clients) is unknown to the attacker
        return index.setdefault(key, len(index))

    for key, value, status in zip(table.keys, table.values, table.statuses, strict=True):
        i = cell(key)
        if value is not None:
            known[i] = (max(0.0, value - (base - 1)), value + (base - 1))
        elif status == "u" and rule is not None:
            requirements[i] = Requirement(hidden_min=rule.hidden_min, hidden_max=rule.hidden_max)
    in_table = {k[0] for k in table.keys}
    categories = sorted({k[1] for k in table.keys})
    relations: list[tuple[int, tuple[int, ...]]] = []
    for parent in sorted(in_table):
        kids = children.get(parent, [])
        if any(k in in_table for k in kids):
            for category in categories:
                relations.append(
                    (cell((parent, category)), tuple(cell((k, category)) for k in sorted(kids)))
                )
    if TOTAL in categories and len(categories) > 1:
        for region in sorted(in_table):
            relations.append(
                (cell((region, TOTAL)), tuple(cell((region, c)) for c in categories if c != TOTAL))
            )
    data = AuditInput(
        n_cells=len(index), relations=relations, known=known, requirements=requirements
    )
    return audit(data), {i: k for k, i in index.items()}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def indicator_for(contents: PackageContents, table: PublishedTable, category: str) -> Indicator:
    """The cube indicator for one table and category (``totaal``: the table total)."""
    ident = _slug(
        f"{contents.dataset}_{table.name}" + ("" if category == TOTAL else f"_{category}")
    )
    if not ident[0].isalpha():
        ident = "p_" + ident
    label = table.title if category == TOTAL else f"{table.title}: {category}"
    return Indicator(
        id=ident,
        name=label,
        definition=f"Aantal {contents.unit} ({table.title.lower()}{'' if category == TOTAL else ', ' + category}), "
        f"geteld bij de bron door {contents.source} en beveiligd met profiel '{contents.profile}'.",
        unit="aantal",
        polarity=table.polarity,
        theme="ketenpartners",
        source=SourceRef(dataset="pakket", column=table.name, package_source=contents.source),
        source_label=f"{contents.source} (beveiligd pakket)",
        note="Kleine aantallen zijn bij de bron verborgen en de overige aantallen afgerond op vijftallen.",
    )


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
    report = IntakeReport(file_name=contents.file_name)
    say("Waarden controleren")
    check_published_values(contents)
    con = workspace.connect(read_only=True)
    try:
        previous = con.execute(
            "SELECT import_id FROM import_batch WHERE dataset = ? AND file_sha256 = ?",
            [f"pakket:{contents.dataset}", contents.sha256],
        ).fetchone()
        regions = dict(
            con.execute(
                "SELECT code, parent_code FROM region WHERE division_year = ?",
                [contents.division_year],
            ).fetchall()
        )
    finally:
        con.close()
    if previous:
        report.already_imported, report.import_id = True, int(previous[0])
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
    say("Aanvalscontrole (lineaire programmering)")
    report.audited_hidden_cells = audit_package(contents, regions)
    say("Schrijven")
    with workspace.transaction() as con:
        import_id = next_import_id(con)
        report.import_id = import_id
        rows: dict[str, list[object]] = {
            k: [] for k in ("indicator_id", "region_code", "value", "status", "note")
        }
        for table in contents.tables:
            categories = sorted({k[1] for k in table.keys})
            defs = {c: indicator_for(contents, table, c) for c in categories}
            for indicator in defs.values():
                con.execute("DELETE FROM indicator_def WHERE id = ?", [indicator.id])
                con.execute(
                    "INSERT INTO indicator_def VALUES (?, ?, ?)",
                    [indicator.id, indicator.model_dump_json(), import_id],
                )
                con.execute(
                    "DELETE FROM observation WHERE indicator_id = ? AND period = ?",
                    [indicator.id, contents.period],
                )
                report.indicators.append(indicator.id)
            for (region, category), value, status in zip(
                table.keys, table.values, table.statuses, strict=True
            ):
                rows["indicator_id"].append(defs[category].id)
                rows["region_code"].append(region)
                rows["value"].append(value)
                rows["status"].append("value" if status in PUBLISHED else "hidden")
                rows["note"].append(None if status in PUBLISHED else "beveiligd")
        n = len(rows["indicator_id"])
        report.published = sum(1 for s in rows["status"] if s == "value")
        report.hidden = n - report.published
        insert_observations(
            con,
            pa.table(
                {
                    "indicator_id": pa.array(rows["indicator_id"], pa.string()),
                    "region_code": pa.array(rows["region_code"], pa.string()),
                    "period": pa.array([contents.period] * n, pa.string()),
                    "division_year": pa.array([contents.division_year] * n, pa.int32()),
                    "value": pa.array(rows["value"], pa.float64()),
                    "status": pa.array(rows["status"], pa.string()),
                    "status_note": pa.array(rows["note"], pa.string()),
                    "import_id": pa.array([import_id] * n, pa.int32()),
                }
            ),
        )
        con.execute(
            "INSERT INTO import_batch VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                import_id,
                f"pakket:{contents.dataset}",
                f"{contents.source} (beveiligd pakket)",
                contents.file_name,
                contents.sha256,
                datetime.now(UTC).replace(tzinfo=None),
                contents.period,
                n,
                report.to_json(),
            ],
        )
    return report
