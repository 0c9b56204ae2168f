"""Import jobs: state and progress of background imports, in the platform database.

A job is created by the web worker that received the upload and run by a separate process
(``web/import_job.py``); every server process reads its state from here, so the job page shows
the same progress whichever worker answers. One job at a time: the column ``active`` is 1 while a
job waits or runs and NULL afterwards, and a unique constraint admits only one 1 — a second upload
is refused (``BB-JOB-001``), on SQLite and PostgreSQL alike, also between processes.

A runner writes a heartbeat every few seconds; a job whose heartbeat (or, before it started, whose
creation) is older than :data:`STALE_AFTER` is marked failed (``BB-JOB-003``) the next time
anybody looks, so a killed runner never blocks the workspace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.errors import PlatformError
from buurtbeeld.platform.tables import import_jobs

WAITING, RUNNING, DONE, FAILED = "wacht", "bezig", "klaar", "mislukt"
STATUS_LABELS = {
    WAITING: "wacht op start",
    RUNNING: "bezig",
    DONE: "klaar",
    FAILED: "mislukt",
}
STALE_AFTER = timedelta(seconds=60)
"""A running job without a heartbeat for this long is considered dead."""


class JobError(PlatformError):
    """An import job cannot be created or found."""

    code = "BB-JOB-002"
    http_status = 404
    default_hint = "Bekijk de lijst van imports op Beheer → Imports."


@dataclass(frozen=True)
class Job:
    """One import job as stored."""

    id: int
    kind: str
    file_name: str
    sha256: str
    size: int
    status: str
    step: str
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    report: dict[str, Any] | None
    error_code: str | None
    error_message: str | None
    error_hint: str | None

    @property
    def active(self) -> bool:
        """Waiting or running."""
        return self.status in (WAITING, RUNNING)

    @property
    def status_label(self) -> str:
        """The Dutch status."""
        return STATUS_LABELS.get(self.status, self.status)

    def as_dict(self) -> dict[str, Any]:
        """What the job page's script polls (no report values beyond the report itself)."""
        return {
            "id": self.id,
            "status": self.status,
            "status_tekst": self.status_label,
            "stap": self.step,
            "klaar": not self.active,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite returns naive UTC
        return value.replace(tzinfo=UTC)
    return value


class JobStore:
    """Create, run and read import jobs."""

    def __init__(self, db: PlatformDB) -> None:
        self.db = db

    def create(self, kind: str, file_name: str, sha256: str, size: int, actor: str) -> Job:
        """A new waiting job, or ``BB-JOB-001`` while another job waits or runs."""
        self.expire_stale()
        try:
            with self.db.begin() as con:
                job_id = con.execute(
                    insert(import_jobs)
                    .values(
                        kind=kind,
                        file_name=file_name[:255],
                        sha256=sha256,
                        size=size,
                        status=WAITING,
                        active=1,
                        step="Wacht op start",
                        created_by=actor[:160],
                        created_at=_now(),
                    )
                    .returning(import_jobs.c.id)
                ).scalar_one()
        except IntegrityError:
            running = self.active()
            raise JobError(
                "Er loopt al een import"
                + (f" ({running.file_name}, gestart door {running.created_by})" if running else "")
                + "; er kan er één tegelijk lopen.",
                code="BB-JOB-001",
                hint="Wacht tot die import klaar is en upload het bestand dan opnieuw.",
            ) from None
        return self.get(int(job_id))

    def get(self, job_id: int) -> Job:
        """One job, or ``BB-JOB-002``."""
        self.expire_stale()
        with self.db.begin() as con:
            row = con.execute(select(import_jobs).where(import_jobs.c.id == job_id)).first()
        if row is None:
            raise JobError(f"Import {job_id} bestaat niet.", code="BB-JOB-002")
        return _job(row)

    def active(self) -> Job | None:
        """The job that waits or runs, if any."""
        with self.db.begin() as con:
            row = con.execute(select(import_jobs).where(import_jobs.c.active == 1)).first()
        return _job(row) if row else None

    def recent(self, limit: int = 20) -> list[Job]:
        """The newest jobs first."""
        self.expire_stale()
        with self.db.begin() as con:
            rows = con.execute(
                select(import_jobs).order_by(import_jobs.c.id.desc()).limit(limit)
            ).all()
        return [_job(r) for r in rows]

    def start(self, job_id: int) -> bool:
        """Mark a waiting job running; False when it is not waiting (started or expired)."""
        now = _now()
        with self.db.begin() as con:
            done = con.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id, import_jobs.c.status == WAITING)
                .values(status=RUNNING, started_at=now, heartbeat_at=now, step="Gestart")
            )
        return done.rowcount == 1

    def progress(self, job_id: int, step: str) -> None:
        """A Dutch progress message (also a heartbeat)."""
        with self.db.begin() as con:
            con.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id, import_jobs.c.status == RUNNING)
                .values(step=step[:200], heartbeat_at=_now())
            )

    def heartbeat(self, job_id: int) -> None:
        """The runner is alive."""
        with self.db.begin() as con:
            con.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id, import_jobs.c.status == RUNNING)
                .values(heartbeat_at=_now())
            )

    def finish(self, job_id: int, report: dict[str, Any]) -> None:
        """The job succeeded with ``report`` (Dutch lines and counts, no hidden values)."""
        with self.db.begin() as con:
            con.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id, import_jobs.c.active == 1)
                .values(
                    status=DONE,
                    active=None,
                    step="Klaar",
                    finished_at=_now(),
                    report_json=json.dumps(report, ensure_ascii=False),
                )
            )

    def fail(self, job_id: int, code: str, message: str, hint: str | None) -> bool:
        """The job failed with a coded Dutch error; False when it had already ended."""
        with self.db.begin() as con:
            done = con.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id, import_jobs.c.active == 1)
                .values(
                    status=FAILED,
                    active=None,
                    step="Mislukt",
                    finished_at=_now(),
                    error_code=code,
                    error_message=message[:2000],
                    error_hint=(hint or "")[:2000],
                )
            )
        return done.rowcount == 1

    def expire_stale(self) -> list[int]:
        """Mark jobs failed whose runner stopped without a word (``BB-JOB-003``)."""
        limit = _now() - STALE_AFTER
        with self.db.begin() as con:
            stale = [
                int(r[0])
                for r in con.execute(
                    select(import_jobs.c.id).where(
                        import_jobs.c.active == 1,
                        or_(
                            and_(
                                import_jobs.c.status == RUNNING, import_jobs.c.heartbeat_at < limit
                            ),
                            and_(import_jobs.c.status == WAITING, import_jobs.c.created_at < limit),
                        ),
                    )
                ).all()
            ]
        for job_id in stale:
            self.fail(
                job_id,
                "BB-JOB-003",
                "Het importproces is gestopt zonder melding (bijvoorbeeld door een herstart of te "
                "weinig geheugen). De werkmap is niet veranderd.",
                "Upload het bestand opnieuw; gebeurt dit weer, bekijk dan het serverlog.",
            )
        return stale


def _job(row: Any) -> Job:
    return Job(
        id=int(row.id),
        kind=row.kind,
        file_name=row.file_name,
        sha256=row.sha256,
        size=int(row.size),
        status=row.status,
        step=row.step or "",
        created_by=row.created_by,
        created_at=_aware(row.created_at) or _now(),
        started_at=_aware(row.started_at),
        finished_at=_aware(row.finished_at),
        report=json.loads(row.report_json) if row.report_json else None,
        error_code=row.error_code,
        error_message=row.error_message,
        error_hint=row.error_hint,
    )
