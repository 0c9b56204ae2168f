"""The data inventory: every source with owner, legal basis, delivery, coverage and gaps.

Filled automatically from import lineage (``lineage.py``): label, last delivery, periods,
indicators and coverage per level. A beheerder adds owner, legal basis (a choice plus free
text), delivery frequency and quality notes (``save_source``, audited). Overdue: a source with a
frequency whose last delivery is older than that frequency plus :data:`GRACE_DAYS` days.
Gaps are about the framework's indicators (``framework_gaps``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert, select

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.steer import tables as t
from buurtbeeld.steer.errors import SteerError, SteerNotFound, cut
from buurtbeeld.steer.framework import Framework
from buurtbeeld.steer.framework_store import now
from buurtbeeld.steer.goals import period_year
from buurtbeeld.steer.lineage import LEVELS, indicator_reach, source_lineage
from buurtbeeld.store.cube import Cube

LEGAL_BASES = {
    "open_data": "Open data (geen persoonsgegevens)",
    "wettelijke_plicht": "Wettelijke verplichting (AVG art. 6 lid 1c)",
    "publieke_taak": "Algemeen belang / publieke taak (AVG art. 6 lid 1e)",
    "overeenkomst": "Overeenkomst of convenant (AVG art. 6 lid 1b)",
    "toestemming": "Toestemming (AVG art. 6 lid 1a)",
    "anders": "Anders (zie toelichting)",
}
FREQUENCIES = {  # name → months between deliveries (None: no schedule)
    "maandelijks": 1,
    "kwartaal": 3,
    "halfjaarlijks": 6,
    "jaarlijks": 12,
    "eenmalig": None,
}
GRACE_DAYS = 31
OLD_AFTER_YEARS = 3  # a latest period more than this many years before today's year is old
OVERDUE_RULE = (
    f"Te laat: de bron heeft een leveringsfrequentie en de laatste levering is langer geleden "
    f"dan die frequentie plus {GRACE_DAYS} dagen."
)
GAP_RULE = (
    "Hiaten in het kader: een indicator zonder cijfers, met cijfers alleen op een grover niveau "
    f"dan buurt in de gemeente, of met een laatste periode van meer dan {OLD_AFTER_YEARS} jaar "
    "geleden (CBS publiceert de kerncijfers van wijken en buurten met twee à drie jaar vertraging)."
)


@dataclass(frozen=True)
class SourceRow:
    """One line of the inventory."""

    dataset: str
    label: str
    partner: bool
    owner: str
    legal_basis: str
    legal_basis_text: str
    frequency: str
    quality_notes: str
    last_delivery: datetime | None
    periods: tuple[str, ...]
    indicators: tuple[str, ...]
    coverage: dict[str, tuple[int, int]]
    overdue: bool
    due: date | None

    def hidden_share(self, level: str) -> str:
        """Share hidden at ``level`` as Dutch text ("12 %"), or "–" without cells."""
        published, hidden = self.coverage.get(level, (0, 0))
        total = published + hidden
        return "–" if total == 0 else f"{round(100 * hidden / total)} %"

    def coverage_text(self, level: str) -> str:
        """Cells with a figure and hidden at ``level`` (Dutch thousands: 1.234)."""
        published, hidden = self.coverage.get(level, (0, 0))
        if published + hidden == 0:
            return "–"
        return f"{_thousands(published)} cijfers, {_thousands(hidden)} verborgen"


def _thousands(count: int) -> str:
    return f"{count:,}".replace(",", ".")


@dataclass(frozen=True)
class Gap:
    """A framework indicator with a gap."""

    indicator_id: str
    label: str
    focus_areas: tuple[str, ...]
    kind: str  # geen gegevens | grover niveau | oude periode
    detail: str


def _add_months(moment: datetime, months: int) -> date:
    year, month = divmod(moment.month - 1 + months, 12)
    day = min(moment.day, 28)
    return date(moment.year + year, month + 1, day)


def build_inventory(
    db: PlatformDB, cube: Cube, *, today: date | None = None, gemeente: str | None = None
) -> list[SourceRow]:
    """Every source: imported ones from lineage, plus any the beheerder described.

    ``gemeente``: coverage counts that gemeente's cells (the framework's gemeente on the page).
    """
    today = today or datetime.now(UTC).date()
    lineage = source_lineage(cube, gemeente)
    with db.begin() as con:
        edits = {r.dataset: r for r in con.execute(select(t.sources)).all()}
    rows = []
    for dataset in sorted(set(lineage) | set(edits)):
        found = lineage.get(dataset)
        edit = edits.get(dataset)
        frequency = edit.frequency if edit else ""
        months = FREQUENCIES.get(frequency)
        last = found.last_delivery if found else None
        due = _add_months(last, months) if (last and months) else None
        overdue = due is not None and today > due + timedelta(days=GRACE_DAYS)
        rows.append(
            SourceRow(
                dataset=dataset,
                label=found.label if found else dataset,
                partner=dataset.startswith("pakket:"),
                owner=edit.owner if edit else "",
                legal_basis=edit.legal_basis if edit else "",
                legal_basis_text=edit.legal_basis_text if edit else "",
                frequency=frequency,
                quality_notes=edit.quality_notes if edit else "",
                last_delivery=last,
                periods=tuple(found.periods) if found else (),
                indicators=tuple(found.indicators) if found else (),
                coverage=dict(found.coverage) if found else {},
                overdue=overdue,
                due=due,
            )
        )
    return rows


def framework_gaps(
    cube: Cube, catalog: Catalog, framework: Framework, *, today: date | None = None
) -> list[Gap]:
    """Framework indicators without data, only at a coarser level, or with an old period."""
    year = (today or datetime.now(UTC).date()).year
    ids = framework.indicator_ids()
    reach = indicator_reach(cube, ids, framework.gemeente)
    gaps = []
    for indicator_id in ids:
        areas = tuple(a.name for a in framework.focus_areas if indicator_id in a.indicator_ids())
        label = catalog.get(indicator_id).label if _known(catalog, indicator_id) else indicator_id
        r = reach[indicator_id]
        if r.latest_period is None or not r.levels:
            gaps.append(Gap(indicator_id, label, areas, "geen gegevens",
                            f"geen gepubliceerde cijfers voor {framework.gemeente}"))  # fmt: skip
            continue
        if "buurt" not in r.levels:
            finest = r.levels[-1]
            gaps.append(Gap(indicator_id, label, areas, "grover niveau",
                            f"cijfers alleen tot op {finest}niveau"))  # fmt: skip
        latest = period_year(r.latest_period)
        if latest is not None and year - latest > OLD_AFTER_YEARS:
            gaps.append(Gap(indicator_id, label, areas, "oude periode",
                            f"laatste periode {r.latest_period}"))  # fmt: skip
    return gaps


def _known(catalog: Catalog, indicator_id: str) -> bool:
    return any(i.id == indicator_id for i in catalog.indicators)


def save_source(
    db: PlatformDB,
    known_datasets: set[str],
    *,
    dataset: str,
    owner: str,
    legal_basis: str,
    legal_basis_text: str,
    frequency: str,
    quality_notes: str,
    actor: str,
) -> None:
    """Set the beheerder's fields of a source (everything checked before saving)."""
    if dataset not in known_datasets:
        raise SteerNotFound(
            f"Bron '{cut(dataset)}' staat niet in de inventaris.",
            code="BB-STR-010",
            hint="Kies een bron uit de inventaris; een nieuwe bron verschijnt na de eerste import.",
        )
    if legal_basis and legal_basis not in LEGAL_BASES:
        raise SteerError(
            f"Onbekende grondslag '{cut(legal_basis, 30)}'.",
            code="BB-STR-011",
            hint="Kies uit: " + ", ".join(LEGAL_BASES) + ".",
        )
    if frequency and frequency not in FREQUENCIES:
        raise SteerError(
            f"Onbekende leveringsfrequentie '{cut(frequency, 30)}'.",
            code="BB-STR-012",
            hint="Kies uit: " + ", ".join(FREQUENCIES) + ".",
        )
    fields = {"eigenaar": (owner, 200), "toelichting grondslag": (legal_basis_text, 2000),
              "kwaliteit": (quality_notes, 4000)}  # fmt: skip
    for name, (value, size) in fields.items():
        if len(value.strip()) > size:
            raise SteerError(
                f"Het veld '{name}' is langer dan {size} tekens.",
                code="BB-STR-013",
                hint="Houd het kort; verwijs naar een document voor details.",
            )
    with db.begin() as con:
        con.execute(delete(t.sources).where(t.sources.c.dataset == dataset))
        con.execute(
            insert(t.sources).values(
                dataset=dataset,
                owner=owner.strip(),
                legal_basis=legal_basis,
                legal_basis_text=legal_basis_text.strip(),
                frequency=frequency,
                quality_notes=quality_notes.strip(),
                changed_at=now(),
                changed_by=actor[:160],
            )
        )
        AuditLog(db).append(
            Event.SOURCE_CHANGED,
            actor,
            {"bron": dataset, "grondslag": legal_basis, "frequentie": frequency},
            con=con,
        )


HEADERS = (
    "bron", "naam", "ketenpartner", "eigenaar", "grondslag", "toelichting grondslag",
    "leveringsfrequentie", "laatste levering (UTC)", "volgende levering uiterlijk", "te laat",
    "perioden", "indicatoren",
    *(f"dekking {lv}" for lv in LEVELS), *(f"aandeel verborgen {lv}" for lv in LEVELS),
    "kwaliteit",
)  # fmt: skip


def table_rows(rows: list[SourceRow]) -> list[list[str]]:
    """The inventory as text cells (CSV and XLSX share them)."""
    out = []
    for r in rows:
        out.append(
            [
                r.dataset,
                r.label,
                "ja" if r.partner else "nee",
                r.owner,
                LEGAL_BASES.get(r.legal_basis, ""),
                r.legal_basis_text,
                r.frequency,
                r.last_delivery.strftime("%Y-%m-%d %H:%M") if r.last_delivery else "",
                r.due.isoformat() if r.due else "",
                "ja" if r.overdue else "nee",
                ", ".join(r.periods),
                ", ".join(r.indicators),
                *(r.coverage_text(lv) for lv in LEVELS),
                *(r.hidden_share(lv) for lv in LEVELS),
                r.quality_notes,
            ]
        )
    return out


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def inventory_csv(rows: list[SourceRow]) -> str:
    """The inventory as CSV (semicolons, as Dutch spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(HEADERS)
    for row in table_rows(rows):
        writer.writerow([_safe(c) for c in row])
    return out.getvalue()


GAP_HEADERS = ("indicator", "naam", "aandachtsgebied", "hiaat", "toelichting")


def inventory_xlsx(rows: list[SourceRow], gaps: list[Gap] | None = None) -> bytes:
    """The inventory as an XLSX workbook: sheet "Inventaris", and "Hiaten" (the framework's
    gaps, with the rule) when a framework is given."""
    from buurtbeeld.steer.xlsx import workbook_bytes

    more = []
    if gaps is not None:
        lines = [
            [_safe(g.indicator_id), _safe(g.label), ", ".join(g.focus_areas), g.kind, g.detail]
            for g in gaps
        ] or [["", "", "", "geen hiaten", ""]]
        more.append(("Hiaten", list(GAP_HEADERS), [*lines, [], [GAP_RULE]]))
    return workbook_bytes(
        "Inventaris",
        list(HEADERS),
        [[_safe(c) for c in r] for r in table_rows(rows)],
        more=more,
    )
