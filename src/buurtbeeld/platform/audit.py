"""The audit log: append-only and tamper-evident.

Every entry carries the SHA-256 hash of the entry before it (``prev_hash``) and its own hash,
computed over a canonical serialisation of all its fields (:func:`entry_hash`). Changing a field,
deleting an entry or swapping two breaks the chain, and :meth:`AuditLog.verify` (``buurtbeeld
audit controleer``) names the first broken entry. Dropping entries at the *end* leaves a valid but
shorter chain: keep the last hash that ``controleer`` prints with the backup (an anchor), and pass
it back with ``--anker`` to prove nothing was cut off.

Details are JSON without personal data beyond the user name in ``actor``: no passwords, tokens,
secrets, e-mail addresses or IP addresses (keys that look like them are refused).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time as _time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, false, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.errors import AuditError
from buurtbeeld.platform.tables import audit_log

GENESIS = "0" * 64
_FORBIDDEN_KEY = re.compile(
    r"wachtwoord|password|passwd|token|secret|geheim|cookie|e-?mail|ip_?adres|ip_?address|bsn",
    re.IGNORECASE,
)
_PG_AUDIT_LOCK = 0x42_42_41_55  # advisory lock key that serialises audit appends
_MAX_DETAILS = 8_000  # characters of canonical JSON


class Event(StrEnum):
    """What the audit log records (the stored, stable names are Dutch)."""

    SIGN_IN = "aanmelding"
    SIGN_IN_FAILED = "aanmelding_mislukt"
    SIGN_OUT = "afmelding"
    IMPORT_STARTED = "import_gestart"
    IMPORT = "import"  # an import (CBS file) finished
    PACKAGE_INTAKE = "pakket_import"  # a partner package accepted
    IMPORT_FAILED = "import_mislukt"
    PUBLICATION = "publicatie"
    WITHDRAWAL = "publicatie_ingetrokken"
    INTERNAL_EXPORT = "export_intern"
    USER_CREATED = "gebruiker_gemaakt"
    USER_REMOVED = "gebruiker_verwijderd"
    USER_DISABLED = "gebruiker_uitgeschakeld"
    USER_ENABLED = "gebruiker_ingeschakeld"
    ROLE_CHANGED = "rol_gewijzigd"
    PASSWORD_CHANGED = "wachtwoord_gewijzigd"
    AUDIT_EXPORTED = "auditlog_geexporteerd"
    FRAMEWORK_CHANGED = "kader_gewijzigd"  # steering (issue 16)
    SOURCE_CHANGED = "bron_gewijzigd"
    GOAL_CHANGED = "doel_gewijzigd"
    DUIDING_SUBMITTED = "duiding_ingediend"
    DUIDING_REFUSED = "duiding_geweigerd"  # the privacy check refused it: kinds only, no text
    DUIDING_APPROVED = "duiding_goedgekeurd"
    DUIDING_REJECTED = "duiding_afgewezen"
    BREAKTHROUGH_RECORDED = "doorbraak_vastgelegd"
    BREAKTHROUGH_REFUSED = "doorbraak_geweigerd"


@dataclass(frozen=True)
class Entry:
    """One entry of the audit log."""

    seq: int
    time: str
    actor: str
    event: str
    details: str  # canonical JSON
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """The entry with its details parsed (for JSON export)."""
        return {
            "volgnummer": self.seq,
            "tijd": self.time,
            "wie": self.actor,
            "gebeurtenis": self.event,
            "details": json.loads(self.details),
            "vorige_hash": self.prev_hash,
            "hash": self.hash,
        }


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 characters as they are: one text per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(seq: int, time: str, actor: str, event: str, details: str, prev_hash: str) -> str:
    """SHA-256 (hex) over the canonical serialisation of all fields of an entry."""
    payload = canonical_json(
        {
            "seq": seq,
            "time": time,
            "actor": actor,
            "event": event,
            "details": details,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _check_details(details: Mapping[str, Any], path: str = "") -> None:
    for key, value in details.items():
        if not isinstance(key, str) or _FORBIDDEN_KEY.search(key):
            raise AuditError(
                f"Het auditlog weigert het detail '{path}{str(key)[:40]}': het lijkt op "
                "een geheim of een persoonsgegeven.",
                code="BB-AUD-010",
                hint="Leg alleen vast wat er gebeurde en met welk bestand of welke indicator; "
                "nooit wachtwoorden, tokens, e-mail- of IP-adressen.",
            )
        if isinstance(value, Mapping):
            _check_details(value, f"{path}{key}.")


class AuditLog:
    """Append to, read and verify the audit log of a platform database."""

    def __init__(self, db: PlatformDB) -> None:
        self.db = db

    def append(
        self,
        event: Event | str,
        actor: str,
        details: Mapping[str, Any] | None = None,
        *,
        con: Connection | None = None,
    ) -> Entry:
        """Add an entry at the end of the chain and return it.

        With ``con``, inside the caller's transaction: the entry is committed or rolled back
        with the change it records. Safe with several processes: appends are serialised (an
        advisory transaction lock on PostgreSQL, SQLite's write lock), and the sequence number
        is the primary key, so two writers can never both append after the same entry.
        """
        try:
            name = Event(event).value
        except ValueError:
            raise AuditError(
                f"Onbekende gebeurtenis voor het auditlog: '{str(event)[:40]}'.",
                code="BB-AUD-011",
                hint="Gebruik een gebeurtenis uit buurtbeeld.platform.audit.Event.",
            ) from None
        details = dict(details or {})
        _check_details(details)
        try:
            details_json = canonical_json(details)
        except (TypeError, ValueError) as err:
            raise AuditError(
                "De details van een auditregel zijn geen JSON.",
                code="BB-AUD-010",
                hint="Geef tekst, getallen, lijsten en woordenboeken.",
            ) from err
        if len(details_json) > _MAX_DETAILS:
            raise AuditError(
                "De details van een auditregel zijn te lang.",
                code="BB-AUD-010",
                hint=f"Houd de details onder {_MAX_DETAILS} tekens.",
            )
        actor = actor.strip()[:160] or "onbekend"
        if con is not None:
            return self._append_in(con, name, actor, details_json)
        for attempt in range(50):
            try:
                return self._append_once(name, actor, details_json)
            except (IntegrityError, OperationalError) as err:
                if attempt == 49:
                    raise AuditError(
                        "Het auditlog kon deze gebeurtenis niet vastleggen (de database is niet "
                        "bereikbaar of te druk).",
                        code="BB-AUD-013",
                        hint="Controleer de platformdatabase; de handeling is niet uitgevoerd.",
                    ) from err
                _time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _append_once(self, event: str, actor: str, details: str) -> Entry:
        with self.db.engine.begin() as con:
            return self._append_in(con, event, actor, details)

    @staticmethod
    def _append_in(con: Connection, event: str, actor: str, details: str) -> Entry:
        if con.dialect.name == "postgresql":  # one appender at a time, until commit
            con.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
        else:  # take SQLite's write lock before reading the last entry
            con.execute(update(audit_log).where(false()).values(seq=audit_log.c.seq))
        last = con.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        digest = entry_hash(seq, now, actor, event, details, prev)
        con.execute(
            insert(audit_log).values(
                seq=seq,
                time=now,
                actor=actor,
                event=event,
                details=details,
                prev_hash=prev,
                hash=digest,
            )
        )
        return Entry(seq, now, actor, event, details, prev, digest)

    def entries(self, *, since: int = 0) -> Iterator[Entry]:
        """All entries in order of their sequence number."""
        with self.db.begin() as con:
            rows = con.execute(
                select(audit_log).where(audit_log.c.seq > since).order_by(audit_log.c.seq)
            ).all()
        for r in rows:
            yield Entry(r.seq, r.time, r.actor, r.event, r.details, r.prev_hash, r.hash)

    def count(self) -> int:
        """Number of entries."""
        with self.db.begin() as con:
            return int(con.execute(select(func.count()).select_from(audit_log)).scalar_one())

    def verify(self, anchor: str | None = None) -> tuple[int, str]:
        """Check the whole chain; ``(entries, last hash)`` or :class:`AuditError` at the first break.

        ``anchor`` is a hash printed by an earlier check: it must still be in the chain.
        """
        expected_prev = GENESIS
        expected_seq = 1
        anchor_found = anchor is None
        for e in self.entries():
            if e.seq != expected_seq:
                missing = (
                    f"regel {expected_seq}"
                    if e.seq == expected_seq + 1
                    else f"regels {expected_seq} t/m {e.seq - 1}"
                )
                raise AuditError(
                    f"Het auditlog is onderbroken: {missing} ontbreekt (verwijderd) vóór regel {e.seq}.",
                    code="BB-AUD-004",
                )
            if e.hash != entry_hash(e.seq, e.time, e.actor, e.event, e.details, e.prev_hash):
                raise AuditError(
                    f"Regel {e.seq} van het auditlog is gewijzigd: de hash past niet bij de inhoud "
                    f"({e.time[:19]}, {e.event[:40]}).",
                    code="BB-AUD-002",
                )
            if e.prev_hash != expected_prev:
                raise AuditError(
                    f"Regel {e.seq} van het auditlog sluit niet aan op regel {e.seq - 1}: er is een "
                    "regel verwijderd, ingevoegd of verplaatst.",
                    code="BB-AUD-003",
                )
            anchor_found = anchor_found or e.hash == anchor
            expected_prev = e.hash
            expected_seq += 1
        if not anchor_found:
            raise AuditError(
                "Het anker komt niet (meer) voor in het auditlog: er zijn regels aan het eind "
                "verwijderd, of het anker hoort bij een ander auditlog.",
                code="BB-AUD-005",
            )
        return expected_seq - 1, expected_prev

    def export(self, fmt: str) -> str:
        """The whole log as ``csv`` or ``json`` text (with the hashes, so a copy can be checked)."""
        entries = list(self.entries())
        if fmt == "json":
            return json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2) + "\n"
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(
                ["volgnummer", "tijd", "wie", "gebeurtenis", "details", "vorige_hash", "hash"]
            )
            for e in entries:
                writer.writerow([e.seq, e.time, e.actor, e.event, e.details, e.prev_hash, e.hash])
            return out.getvalue()
        raise AuditError(
            f"Onbekend exportformaat '{fmt[:20]}'.",
            code="BB-AUD-012",
            hint="Kies csv of json.",
        )
