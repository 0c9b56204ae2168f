"""Intake of protected partner packages: verify, re-audit, then add to the cube.

Nothing from a package reaches the cube unless (1) the reader has verified the package
(checksums, signature, manifest schema), (2) every status is known and agrees with its value,
and (3) ``protect.verify`` accepts what the package publishes together with the figures of the
same dataset, period and regions that the cube already published and the package would replace
(:mod:`buurtbeeld.store.intake_audit`). One violation refuses the whole package; the workspace
stays unchanged. Messages name cells, never values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import duckdb

from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import RegionCodeError
from buurtbeeld.geo.codes import parent_of
from buurtbeeld.package_format.model import (
    PUBLISHED_STATUSES,
    TOTAL,
    Linkage,
    PackageContents,
    PublishedTable,
    TableDimension,
)
from buurtbeeld.store.batches import (
    Batch,
    Replaced,
    ReplaceSummary,
    find_batch,
    next_import_id,
    observation_table,
    record_batch,
    replace_observations,
)
from buurtbeeld.store.intake_audit import (
    audit_package,
    check_statuses,
    earlier_figures,
    partner_figures,
)
from buurtbeeld.store.overlap import earlier_overlap, write_overlap
from buurtbeeld.store.package_indicators import check_indicator_ids, indicator_for
from buurtbeeld.store.risk_estimates import check_risk, write_risk
from buurtbeeld.store.workspace import Workspace

__all__ = [
    "TOTAL",
    "IntakeReport",
    "PackageContents",
    "PublishedTable",
    "TableDimension",
    "audit_package",
    "check_indicator_ids",
    "check_statuses",
    "indicator_for",
    "intake_package",
]


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
    partner_marginals: int = 0
    """Published partner cells a linked package was audited with (``koppeling``)."""
    notes: list[str] = field(default_factory=list)
    """Dutch notes, e.g. that the leftover of a crashed earlier import was cleaned up."""
    risk_estimates: int = 0
    """Group-level risk estimates stored (``risicofactoren``; released and withheld)."""
    replaced_imports: list[int] = field(default_factory=list)
    """Imports of the same dataset whose figures (same period, indicator, region) this package
    replaces; audited together with it (``protect.verify`` with an earlier release)."""

    def to_json(self) -> str:
        """JSON for the import log."""
        return json.dumps(asdict(self), ensure_ascii=False)


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
    check_statuses(contents)
    check_risk(contents)
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
        earlier = (
            earlier_figures(con, contents, lambda c, t, label: indicator_for(c, t, label).id)
            if contents.linkage is None
            else earlier_overlap(con, contents, contents.linkage)
        )
        partners = partner_figures(con, contents)  # a linked package: the partners' marginals
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
    if contents.linkage is None:
        check_indicator_ids(contents, existing)
    say("Aanvalscontrole (lineaire programmering)")
    report.audited_hidden_cells = audit_package(contents, regions, earlier.views, partners)
    report.partner_marginals = sum(len(v.keys) for v in partners)
    report.replaced_imports = earlier.import_ids
    say("Schrijven")
    with workspace.transaction(notes=report.notes) as con:
        import_id = next_import_id(con)
        report.import_id = import_id
        if contents.linkage is not None:  # stapeling (issue 11): store/overlap.py
            _write_linked(con, contents, contents.linkage, import_id, report)
            return report
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
                rows["status"].append("value" if status in PUBLISHED_STATUSES else "hidden")
                rows["status_note"].append(None if status in PUBLISHED_STATUSES else "beveiligd")
        n = len(rows["indicator_id"])
        report.published = sum(1 for s in rows["status"] if s == "value")
        report.hidden = n - report.published
        table = observation_table(rows, division_year=contents.division_year, import_id=import_id)
        report.risk_estimates = write_risk(con, contents, import_id)
        _record(con, contents, import_id, n, replace_observations(con, table), report)
    return report


def _write_linked(
    con: duckdb.DuckDBPyConnection,
    contents: PackageContents,
    linkage: Linkage,
    import_id: int,
    report: IntakeReport,
) -> None:
    """A linked package's combination cells go to the stapeling table, not to indicators."""
    written = write_overlap(con, contents, linkage, import_id)
    report.published = sum(
        1 for t in contents.tables for s in t.statuses if s in PUBLISHED_STATUSES
    )
    report.hidden = written.written - report.published
    _record(con, contents, import_id, written.written, written, report)


def _record(
    con: duckdb.DuckDBPyConnection,
    contents: PackageContents,
    import_id: int,
    rows: int,
    written: ReplaceSummary,
    report: IntakeReport,
) -> None:
    """The replacement counts into the report, and the batch into the lineage."""
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
            rows,
            report.to_json(),
        ),
    )
