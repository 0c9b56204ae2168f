"""Duiding (tellen én vertellen): short explanations of an area × theme × period (issue 16).

Anyone signed in may *propose* a duiding (analysts, and professionals invited with a ``lezer``
account); an analist (or beheerder) approves or rejects it. Lezers see approved duiding only;
publiek sees none until the visibility rules of issue 12 say the area and theme are public.

Before saving, :func:`buurtbeeld.steer.text_privacy.check_text` runs: a refused kind (BSN, IBAN,
phone, e-mail, address, postcode + house number, date of birth) saves nothing (BB-DUI-001), a
warning (a name, a small number next to a small area) saves only when the author confirms
(BB-DUI-002). Every submission, refusal and review is in the audit log (kinds and ids, never the
text).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import and_, insert, or_, select, update

from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.roles import Role
from buurtbeeld.platform.tables import duiding as table
from buurtbeeld.steer.duiding_errors import (
    DuidingConflictError,
    DuidingError,
    DuidingForbiddenError,
    DuidingNotFoundError,
    privacy_message,
    warning_message,
)
from buurtbeeld.steer.text_privacy import check_text

MAX_CHARS = 1000
_PERIOD = re.compile(r"^\d{4}(?:[-/ ]?(?:[KQ][1-4]|\d{2}|\d{4}))?$")
_REGION = re.compile(r"^(?:NL00|GM\d{4}|WK\d{6}|BU\d{8})$")
MODERATORS = frozenset({Role.ANALYST, Role.ADMIN})


class Status(StrEnum):
    """Moderation status (stored, Dutch)."""

    SUBMITTED = "ingediend"
    APPROVED = "goedgekeurd"
    REJECTED = "afgewezen"


@dataclass(frozen=True)
class Duiding:
    """One stored duiding."""

    id: int
    region_code: str
    theme: str
    period: str
    text: str
    author: str
    author_role: str
    created_at: datetime
    status: Status
    reviewer: str | None
    reviewed_at: datetime | None

    @property
    def date(self) -> str:
        """The creation date as shown (dd-mm-jjjj)."""
        return self.created_at.strftime("%d-%m-%Y")


@dataclass(frozen=True)
class Proposal:
    """What an author submits."""

    region_code: str
    theme: str
    period: str
    text: str
    confirmed: bool = False  # the author confirmed the warnings (names, small numbers)


def _row(r: object) -> Duiding:
    m = r._mapping  # type: ignore[attr-defined]
    return Duiding(
        m["id"], m["region_code"], m["theme"], m["period"], m["text"], m["author"],
        m["author_role"], m["created_at"], Status(m["status"]), m["reviewer"], m["reviewed_at"],
    )  # fmt: skip


class DuidingStore:
    """Duiding in the platform database."""

    def __init__(self, db: PlatformDB) -> None:
        self.db = db
        self.audit = AuditLog(db)

    def submit(
        self,
        proposal: Proposal,
        *,
        author: str,
        role: Role,
        regions: Collection[str],
        themes: Collection[str],
        area_names: Collection[str] = (),
        small_areas: Collection[str] = (),
    ) -> Duiding:
        """Check and save a proposal (status *ingediend*); nothing is saved on an error."""
        text = proposal.text.strip()
        region = proposal.region_code.strip().upper()
        period = proposal.period.strip()
        if not text:
            raise DuidingError("De duiding is leeg.", code="BB-DUI-003",
                               hint="Schrijf een korte toelichting bij de cijfers.")  # fmt: skip
        if len(text) > MAX_CHARS:
            raise DuidingError(
                f"De duiding is te lang ({len(text)} tekens).",
                code="BB-DUI-003",
                hint=f"Houd een duiding kort: hoogstens {MAX_CHARS} tekens.",
            )
        if not _REGION.match(region) or region not in regions:
            raise DuidingError(
                "Onbekend gebied voor de duiding.",
                code="BB-DUI-004",
                hint="Kies een gemeente, wijk of buurt uit de lijst.",
            )
        if proposal.theme not in themes:
            raise DuidingError(
                "Onbekend thema voor de duiding.",
                code="BB-DUI-005",
                hint="Kies een thema uit de lijst.",
            )
        if not _PERIOD.match(period):
            raise DuidingError(
                "Ongeldige periode voor de duiding.",
                code="BB-DUI-006",
                hint="Geef een jaar (2023) of een kwartaal (2023K2).",
            )
        check = check_text(text, area_names=area_names, small_areas=small_areas)
        if check.refusals:
            self.audit.append(
                Event.DUIDING_REFUSED,
                author,
                {"gebied": region, "thema": proposal.theme,
                 "soorten": sorted({f.kind.value for f in check.refusals})},
            )  # fmt: skip
            raise DuidingError(
                privacy_message(check, "De duiding"),
                code="BB-DUI-001",
                hint="Haal persoonsgegevens weg: een duiding gaat over een gebied, nooit over "
                "een persoon of huishouden.",
            )
        if check.warnings and not proposal.confirmed:
            raise DuidingError(
                warning_message(check, "De duiding"),
                code="BB-DUI-002",
                hint="Controleer of de tekst niet naar een persoon te herleiden is. Pas hem aan, "
                "of bevestig dat hij klopt en sla opnieuw op.",
            )
        now = datetime.now(UTC)
        with self.db.begin() as con:
            new_id = con.execute(
                insert(table)
                .values(
                    region_code=region, theme=proposal.theme, period=period, text=text,
                    author=author, author_role=role.value, created_at=now,
                    status=Status.SUBMITTED.value,
                )
                .returning(table.c.id)
            ).scalar_one()  # fmt: skip
            self.audit.append(
                Event.DUIDING_SUBMITTED,
                author,
                {"duiding": new_id, "gebied": region, "thema": proposal.theme, "periode": period,
                 "waarschuwingen": sorted({f.kind.value for f in check.warnings})},
                con=con,
            )  # fmt: skip
        return self.get(new_id)

    def get(self, duiding_id: int) -> Duiding:
        """One duiding by id (BB-DUI-007 when it does not exist)."""
        with self.db.begin() as con:
            row = con.execute(select(table).where(table.c.id == duiding_id)).first()
        if row is None:
            raise DuidingNotFoundError(
                "Deze duiding bestaat niet.",
                code="BB-DUI-007",
                hint="Kies een duiding uit de lijst.",
            )
        return _row(row)

    def review(self, duiding_id: int, *, approve: bool, reviewer: str, role: Role) -> Duiding:
        """Approve or reject a submitted duiding (analist or beheerder)."""
        if role not in MODERATORS:
            raise DuidingForbiddenError(
                "Alleen een analist kan een duiding goedkeuren of afwijzen.",
                code="BB-DUI-009",
                hint="Vraag een analist om de duiding te beoordelen.",
            )
        current = self.get(duiding_id)
        if current.status is not Status.SUBMITTED:
            raise DuidingConflictError(
                f"Deze duiding is al {current.status.value}.",
                code="BB-DUI-008",
                hint="Alleen een ingediende duiding kan beoordeeld worden.",
            )
        status = Status.APPROVED if approve else Status.REJECTED
        with self.db.begin() as con:
            changed = con.execute(
                update(table)
                .where(and_(table.c.id == duiding_id, table.c.status == Status.SUBMITTED.value))
                .values(status=status.value, reviewer=reviewer, reviewed_at=datetime.now(UTC))
            ).rowcount
            if changed != 1:  # someone else reviewed it in between
                raise DuidingConflictError(
                    "Deze duiding is intussen al beoordeeld.",
                    code="BB-DUI-008",
                    hint="Vernieuw de lijst.",
                )
            event = Event.DUIDING_APPROVED if approve else Event.DUIDING_REJECTED
            self.audit.append(event, reviewer, {"duiding": duiding_id}, con=con)
        return self.get(duiding_id)

    def pending(self) -> list[Duiding]:
        """Submitted duiding awaiting review, oldest first."""
        with self.db.begin() as con:
            rows = con.execute(
                select(table).where(table.c.status == Status.SUBMITTED.value).order_by(table.c.id)
            ).all()
        return [_row(r) for r in rows]

    def by_author(self, author: str) -> list[Duiding]:
        """An author's own duiding, newest first."""
        with self.db.begin() as con:
            rows = con.execute(
                select(table).where(table.c.author == author).order_by(table.c.id.desc())
            ).all()
        return [_row(r) for r in rows]

    def approved(
        self,
        *,
        regions: Iterable[str] | None = None,
        gemeente_digits: str | None = None,
        theme: str | None = None,
        period: str | None = None,
    ) -> list[Duiding]:
        """Approved duiding for regions (or all regions of a gemeente), a theme and a period."""
        query = select(table).where(table.c.status == Status.APPROVED.value)
        if regions is not None:
            query = query.where(table.c.region_code.in_(list(regions)))
        if gemeente_digits is not None:
            query = query.where(
                or_(
                    table.c.region_code == f"GM{gemeente_digits}",
                    table.c.region_code.like(f"WK{gemeente_digits}%"),
                    table.c.region_code.like(f"BU{gemeente_digits}%"),
                )
            )
        if theme is not None:
            query = query.where(table.c.theme == theme)
        if period is not None:
            query = query.where(table.c.period == period)
        with self.db.begin() as con:
            rows = con.execute(query.order_by(table.c.region_code, table.c.id)).all()
        return [_row(r) for r in rows]
