"""Intake of protected partner packages: verify, re-audit, then add to the cube.

Nothing from a package reaches the cube unless (1) every member's checksum matches the
manifest, (2) every status is known and agrees with its value, and (3) ``protect.verify``
accepts what the package publishes together with the figures of the same dataset, period and
regions that the cube already published and the package would replace
(:mod:`buurtbeeld.store.intake_audit`). One violation refuses the whole package; the workspace
stays unchanged. Messages name cells, never values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pyarrow as pa

from buurtbeeld.catalog.models import Indicator, Polarity, SourceRef
from buurtbeeld.errors import ImportFileError, RegionCodeError
from buurtbeeld.geo.codes import parent_of
from buurtbeeld.package_format import PUBLISHED_STATUSES
from buurtbeeld.protect import TOTAL
from buurtbeeld.store.intake_audit import audit_package, check_statuses, earlier_figures
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.store.writes import insert_observations, next_import_id


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
    polarity: Polarity = Polarity.NEUTRAL
    measure: str = "aantal"
    """``aantal`` (distinct units) or ``som`` (an amount in euros)."""
    profile: str | None = None
    """Protection profile of this table; ``None``: the package's profile."""
    unit: str | None = None
    """What is counted (``personen``, ``huishoudens``); ``None``: the package's unit."""
    amount_column: str | None = None

    def label(self, combo: tuple[str, ...]) -> str:
        """The category label of a cell: its non-total dimension values, or ``totaal``."""
        parts = [v for v in combo if v != TOTAL]
        return ", ".join(parts) if parts else TOTAL


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
    replaced_imports: list[int] = field(default_factory=list)
    """Imports of the same dataset whose figures (same period, indicator, region) this package
    replaces; audited together with it."""

    def to_json(self) -> str:
        """JSON for the import log."""
        return json.dumps(asdict(self), ensure_ascii=False)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def indicator_for(contents: PackageContents, table: PublishedTable, category: str) -> Indicator:
    """The cube indicator for one table and category label (``totaal``: the table total)."""
    ident = _slug(
        f"{contents.dataset}_{table.name}" + ("" if category == TOTAL else f"_{category}")
    )
    if not ident[0].isalpha():
        ident = "p_" + ident
    label = table.title if category == TOTAL else f"{table.title}: {category}"
    what = f"{table.title.lower()}{'' if category == TOTAL else ', ' + category}"
    profile = table.profile or contents.profile
    if table.measure == "som":
        definition = (
            f"Som van {table.amount_column or 'het bedrag'} in euro's ({what}), opgeteld bij de bron "
            f"door {contents.source} en beveiligd met profiel '{profile}'."
        )
        note = "Bedragen met te weinig of te dominante bijdragers zijn bij de bron verborgen."
    else:
        definition = (
            f"Aantal {table.unit or contents.unit} ({what}), geteld bij de bron door {contents.source} en "
            f"beveiligd met profiel '{profile}'."
        )
        note = "Kleine aantallen zijn bij de bron verborgen en de overige aantallen afgerond op vijftallen."
    return Indicator(
        id=ident,
        name=label,
        definition=definition,
        unit="euro" if table.measure == "som" else "aantal",
        polarity=table.polarity,
        theme="ketenpartners",
        source=SourceRef(dataset="pakket", column=table.name, package_source=contents.source),
        source_label=f"{contents.source} (beveiligd pakket)",
        note=note,
    )


def _check_indicator_ids(contents: PackageContents) -> None:
    """Two tables or categories must not become the same indicator (their cells would mix)."""
    seen: dict[str, tuple[str, str]] = {}
    for table in contents.tables:
        for label in sorted({table.label(k[1]) for k in table.keys}):
            ident = indicator_for(contents, table, label).id
            if seen.setdefault(ident, (table.name, label)) != (table.name, label):
                other = seen[ident]
                raise ImportFileError(
                    f"Pakket geweigerd: tabel '{table.name}' ({label}) en tabel '{other[0]}' "
                    f"({other[1]}) krijgen dezelfde indicatorcode '{ident}'.",
                    code="BB-PKG-006",
                    hint="Geef de tabellen of categorieën in de specificatie namen die ook zonder "
                    "leestekens verschillen, en maak het pakket opnieuw.",
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
        The package is refused (``BB-PKG-…``, see :func:`~buurtbeeld.store.intake_audit.audit_package`);
        the workspace is unchanged.
    RegionCodeError
        Region codes unknown in the package's division (``BB-GEO-003``).
    """
    say = progress or (lambda _m: None)
    report = IntakeReport(file_name=contents.file_name)
    say("Waarden controleren")
    check_statuses(contents)
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
        earlier = earlier_figures(con, contents, lambda c, t, label: indicator_for(c, t, label).id)
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
    _check_indicator_ids(contents)
    say("Aanvalscontrole (lineaire programmering)")
    report.audited_hidden_cells = audit_package(contents, regions, earlier.views)
    report.replaced_imports = earlier.import_ids
    say("Schrijven")
    with workspace.transaction() as con:
        import_id = next_import_id(con)
        report.import_id = import_id
        rows: dict[str, list[object]] = {
            k: [] for k in ("indicator_id", "region_code", "period", "value", "status", "note")
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
                con.execute(
                    "DELETE FROM observation WHERE indicator_id = ? AND period = ?",
                    [indicator.id, table.period],
                )
            for key, label, value, status in zip(
                table.keys, labels, table.values, table.statuses, strict=True
            ):
                rows["indicator_id"].append(defs[label].id)
                rows["region_code"].append(key[0])
                rows["period"].append(table.period)
                rows["value"].append(value)
                rows["status"].append("value" if status in PUBLISHED_STATUSES else "hidden")
                rows["note"].append(None if status in PUBLISHED_STATUSES else "beveiligd")
        n = len(rows["indicator_id"])
        report.published = sum(1 for s in rows["status"] if s == "value")
        report.hidden = n - report.published
        insert_observations(
            con,
            pa.table(
                {
                    "indicator_id": pa.array(rows["indicator_id"], pa.string()),
                    "region_code": pa.array(rows["region_code"], pa.string()),
                    "period": pa.array(rows["period"], pa.string()),
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
