"""The doorbraken register (issue 16 item 5): where rules or systems blocked help, what broke through.

A case worker records one doorbraak per household situation: the main domain (and others
involved), what blocked (a rule, a system, financing, cooperation), which law or regulation, what
broke through it, the outcome, the wijk, and whether the household consented. No names or
identifiers: both free texts pass the same privacy check as duiding
(:mod:`buurtbeeld.steer.text_privacy`). Without consent only the categories are kept (anonymous
counts): a description of the breakthrough is then refused (BB-DBR-007), not silently dropped.

The register is only ever shown aggregated and protected (:mod:`buurtbeeld.steer.breakthrough_table`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.tables import doorbraak as table
from buurtbeeld.steer.duiding_errors import BreakthroughError, privacy_message, warning_message
from buurtbeeld.steer.text_privacy import TextCheck, check_text

DOMAINS: dict[str, str] = {
    "werk_inkomen": "Werk en inkomen",
    "schulden": "Schulden",
    "wonen": "Wonen",
    "zorg": "Zorg en ondersteuning",
    "jeugd": "Jeugd en gezin",
    "onderwijs": "Onderwijs",
    "gezondheid": "Gezondheid",
    "veiligheid": "Veiligheid",
    "overig": "Overig",
}
BLOCKERS: dict[str, str] = {
    "regel": "Regel",
    "systeem": "Systeem",
    "financiering": "Financiering",
    "samenwerking": "Samenwerking",
}
LAWS: dict[str, str] = {
    "participatiewet": "Participatiewet",
    "wmo": "Wmo 2015",
    "jeugdwet": "Jeugdwet",
    "zvw": "Zorgverzekeringswet",
    "wlz": "Wet langdurige zorg",
    "toeslagen": "Toeslagen (Awir)",
    "schuldhulp": "Wet gemeentelijke schuldhulpverlening",
    "huisvesting": "Huisvestings- en Woningwet",
    "leerplicht": "Leerplichtwet",
    "invordering": "Invordering en belastingen",
    "gegevensdeling": "Gegevensdeling (AVG)",
    "verordening": "Gemeentelijke verordening of beleidsregel",
    "anders": "Andere regel",
}
OUTCOMES: dict[str, str] = {
    "doorbroken": "Doorbroken: het huishouden is geholpen",
    "deels": "Deels doorbroken",
    "niet": "Niet doorbroken",
}
MAX_DETAIL = 200
MAX_TEXT = 2000


@dataclass(frozen=True)
class Report:
    """What a case worker submits."""

    gemeente: str
    wijk: str
    domain: str
    other_domains: tuple[str, ...]
    blocker: str
    law: str
    law_detail: str
    breakthrough: str
    outcome: str
    consent: str  # "ja" | "nee" | "" (not answered)
    confirmed: bool = False  # the author confirmed the warnings (names, small numbers)


@dataclass(frozen=True)
class Record:
    """The categories of one stored doorbraak (what the aggregation counts)."""

    id: int
    gemeente: str
    wijk: str
    domain: str
    blocker: str
    law: str
    outcome: str
    consent: bool


def _choice(value: str, choices: dict[str, str], code: str, what: str) -> str:
    if value not in choices:
        raise BreakthroughError(
            f"Onbekende keuze voor {what}.",
            code=code,
            hint="Kies uit: " + ", ".join(choices.values()) + ".",
        )
    return value


def _checked(text: str, limit: int, what: str, names: Collection[str]) -> TextCheck:
    if len(text) > limit:
        raise BreakthroughError(
            f"{what} is te lang ({len(text)} tekens).",
            code="BB-DBR-010",
            hint=f"Houd het kort: hoogstens {limit} tekens.",
        )
    return check_text(text, area_names=names)


class BreakthroughStore:
    """The doorbraken register in the platform database."""

    def __init__(self, db: PlatformDB) -> None:
        self.db = db
        self.audit = AuditLog(db)

    def record(
        self, report: Report, *, author: str, wijken: Collection[str], area_names: Collection[str]
    ) -> int:
        """Validate, check and save one doorbraak; its id. Nothing is saved on an error."""
        gemeente = report.gemeente.strip().upper()
        wijk = report.wijk.strip().upper()
        if not (gemeente.startswith("GM") and wijk.startswith("WK" + gemeente[2:6])) or (
            wijk not in wijken
        ):
            raise BreakthroughError(
                "Onbekende wijk voor deze gemeente.",
                code="BB-DBR-006",
                hint="Kies een wijk uit de lijst.",
            )
        domain = _choice(report.domain, DOMAINS, "BB-DBR-003", "het domein")
        others = tuple(
            _choice(d, DOMAINS, "BB-DBR-003", "een ander domein")
            for d in dict.fromkeys(report.other_domains)
            if d != domain
        )
        blocker = _choice(report.blocker, BLOCKERS, "BB-DBR-004", "wat blokkeerde")
        law = _choice(report.law, LAWS, "BB-DBR-005", "de wet of regel")
        outcome = _choice(report.outcome, OUTCOMES, "BB-DBR-008", "de uitkomst")
        if report.consent not in ("ja", "nee"):
            raise BreakthroughError(
                "Vul in of het huishouden toestemming gaf.",
                code="BB-DBR-009",
                hint="Zonder toestemming worden alleen de keuzes geteld, zonder beschrijving.",
            )
        consent = report.consent == "ja"
        detail = report.law_detail.strip()
        text = report.breakthrough.strip()
        if text and not consent:
            raise BreakthroughError(
                "Zonder toestemming van het huishouden wordt alleen geteld: de beschrijving van "
                "de doorbraak is niet opgeslagen.",
                code="BB-DBR-007",
                hint="Laat de beschrijving leeg, of vraag eerst toestemming aan het huishouden.",
            )
        checks = [
            (_checked(detail, MAX_DETAIL, "Het wetsartikel of de regel", area_names), "De regel"),
            (_checked(text, MAX_TEXT, "De beschrijving", area_names), "De doorbraak"),
        ]
        for check, what in checks:
            if check.refusals:
                self.audit.append(
                    Event.BREAKTHROUGH_REFUSED,
                    author,
                    {"gemeente": gemeente,
                     "soorten": sorted({f.kind.value for f in check.refusals})},
                )  # fmt: skip
                raise BreakthroughError(
                    privacy_message(check, what),
                    code="BB-DBR-001",
                    hint="Het register bevat geen namen of andere gegevens van personen: "
                    "beschrijf de regel en wat hielp, niet wie het was.",
                )
        for check, what in checks:
            if check.warnings and not report.confirmed:
                raise BreakthroughError(
                    warning_message(check, what),
                    code="BB-DBR-002",
                    hint="Controleer of de tekst niet naar een persoon te herleiden is. Pas hem "
                    "aan, of bevestig dat hij klopt en sla opnieuw op.",
                )
        with self.db.begin() as con:
            new_id = int(
                con.execute(
                    insert(table)
                    .values(
                        gemeente=gemeente, wijk=wijk, domain=domain,
                        other_domains=",".join(others), blocker=blocker, law=law,
                        law_detail=detail or None, breakthrough=text or None, outcome=outcome,
                        consent=consent, author=author, created_at=datetime.now(UTC),
                    )
                    .returning(table.c.id)
                ).scalar_one()
            )  # fmt: skip
            self.audit.append(
                Event.BREAKTHROUGH_RECORDED,
                author,
                {"doorbraak": new_id, "gemeente": gemeente, "toestemming": consent},
                con=con,
            )
        return new_id

    def records(self, gemeente: str) -> list[Record]:
        """The categories of every doorbraak of a gemeente (never the texts)."""
        columns = (
            table.c.id, table.c.gemeente, table.c.wijk, table.c.domain, table.c.blocker,
            table.c.law, table.c.outcome, table.c.consent,
        )  # fmt: skip
        with self.db.begin() as con:
            rows = con.execute(
                select(*columns).where(table.c.gemeente == gemeente).order_by(table.c.id)
            ).all()
        return [Record(*r) for r in rows]
