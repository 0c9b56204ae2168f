"""Beheer → Imports: upload a CBS file or a partner package; it runs as a background job.

Mounted only with sign-in (the platform database holds the jobs); ``platform/roles.py`` admits
only the beheerder. The upload is a multipart form with the CSRF field; its size is checked from
``Content-Length`` before a byte is read (:class:`UploadLimit`, ``BB-JOB-013``), the file part is
spooled to disk by the form parser and copied into ``<werkmap>/uploads/<taak>/`` while its SHA-256
is computed. One job at a time (``BB-JOB-001``): a second upload is refused with a clear message
rather than queued, so nobody waits on an import they cannot see.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile
from starlette.types import ASGIApp, Receive, Scope, Send

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.platform.jobs import Job, JobError, JobStore
from buurtbeeld.web.auth import current_session
from buurtbeeld.web.deps import templates
from buurtbeeld.web.import_job import UPLOADS, spawn, upload_dir
from buurtbeeld.web.import_kinds import KINDS
from buurtbeeld.web.own_table_upload import FORM_ROWS
from buurtbeeld.web.problems import problem

ENV_MAX_UPLOAD = "BUURTBEELD_UPLOAD_MAX_MB"
DEFAULT_MAX_MB = 200
UPLOAD_PATH = "/beheer/imports"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

router = APIRouter(include_in_schema=False)


def max_upload_bytes() -> int:
    """The largest upload accepted (``BUURTBEELD_UPLOAD_MAX_MB``, default 200 MB)."""
    raw = os.environ.get(ENV_MAX_UPLOAD, "").strip()
    return (int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_MB) * 1024 * 1024


class UploadError(BuurtbeeldError, ValueError):
    """An upload that cannot become an import job."""

    code = "BB-JOB-010"
    http_status = 400
    default_hint = "Kies een CBS-bestand of een beveiligd pakket en probeer het opnieuw."


class UploadLimit:
    """Refuse an upload larger than the limit before its body is read (413, ``BB-JOB-013``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == UPLOAD_PATH:
            headers = dict(scope["headers"])
            length = headers.get(b"content-length", b"").decode("latin-1")
            limit = max_upload_bytes()
            if not length.isdigit() or int(length) > limit:
                response = problem(
                    Request(scope),
                    413 if length.isdigit() else 411,
                    "Bestand te groot" if length.isdigit() else "Lengte onbekend",
                    f"Het bestand is groter dan {limit // (1024 * 1024)} MB."
                    if length.isdigit()
                    else "De upload vermeldt zijn lengte niet (Content-Length).",
                    "BB-JOB-013",
                    "Splits het bestand niet: vraag de beheerder BUURTBEELD_UPLOAD_MAX_MB te "
                    "verhogen, of importeer het met 'buurtbeeld importeer' op de server.",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _jobs(request: Request) -> JobStore:
    return JobStore(request.app.state.auth.db)


def _actor(request: Request) -> str:
    session = current_session(request)
    return session.user.name if session else "onbekend"


def _page(request: Request, *, error: BuurtbeeldError | None = None, status: int = 200) -> Response:
    jobs = _jobs(request)
    return templates.TemplateResponse(
        request,
        "beheer_imports.html",
        {
            "kinds": list(KINDS.values()),
            "jobs": jobs.recent(),
            "active": jobs.active(),
            "max_mb": max_upload_bytes() // (1024 * 1024),
            "form_rows": FORM_ROWS,
            "error": error,
        },
        status_code=status,
    )


@router.get(UPLOAD_PATH, response_class=HTMLResponse)
def imports_page(request: Request) -> Response:
    """The upload form and the latest imports."""
    return _page(request)


def safe_name(name: str, suffixes: tuple[str, ...]) -> str:
    """The uploaded file's own name without folders or odd characters (the KWB year is in it)."""
    base = _SAFE.sub("_", Path(name.replace("\\", "/")).name).strip("._")[-120:]
    if not base or not base.lower().endswith(suffixes):
        raise UploadError(
            f"'{base or name[:80]}' heeft niet de juiste extensie voor deze soort import.",
            code="BB-JOB-012",
            hint="Toegestaan: " + ", ".join(suffixes) + ".",
        )
    return base


@router.post(UPLOAD_PATH)
async def upload(request: Request) -> Response:
    """Receive the file, create the job, start its process, go to its page."""
    form = await request.form()  # parsed (and spooled to disk) by the CSRF check already
    try:
        return await _receive(request, form)
    finally:
        await form.close()  # the spooled temporary file


async def _receive(request: Request, form: FormData) -> Response:
    try:
        kind = KINDS.get(str(form.get("soort", "")))
        if kind is None:
            raise UploadError("Kies wat voor bestand u uploadt.", code="BB-JOB-010")
        file = form.get("bestand")
        if not isinstance(file, UploadFile) or not file.filename:
            raise UploadError("Er is geen bestand meegestuurd.", code="BB-JOB-011")
        name = safe_name(file.filename, kind.suffixes)
        extra = await kind.extra_files(form) if kind.extra_files else {}
        root: Path = request.app.state.workspace.root
        staging = root / UPLOADS / f".ontvangen-{uuid.uuid4().hex}"
        staging.parent.mkdir(exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with staging.open("wb") as out:
                while block := await file.read(1 << 20):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
            if size == 0:
                raise UploadError(f"'{name}' is leeg.", code="BB-JOB-014")
            job = _jobs(request).create(kind.name, name, digest.hexdigest(), size, _actor(request))
            folder = upload_dir(root, job.id)
            folder.mkdir(parents=True, exist_ok=True)
            for extra_name, content in extra.items():  # e.g. an own table's definition
                (folder / extra_name).write_bytes(content)
            os.replace(staging, folder / name)
        finally:
            staging.unlink(missing_ok=True)
    except BuurtbeeldError as err:  # upload, job or (own table) definition refused
        return _page(request, error=err, status=409 if err.code == "BB-JOB-001" else 400)
    spawn(root, job.id, request.app.state.auth.db)
    return RedirectResponse(f"{UPLOAD_PATH}/{job.id}", status_code=303)


def _job(request: Request, job_id: str) -> Job:
    if not job_id.isdigit() or len(job_id) > 12:
        raise JobError(f"Import '{job_id[:20]}' bestaat niet.", code="BB-JOB-002")
    return _jobs(request).get(int(job_id))


@router.get(UPLOAD_PATH + "/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> Response:
    """Progress of one import (updated by a small script, refreshed without it), then its report."""
    job = _job(request, job_id)
    report: dict[str, Any] = job.report or {}
    return templates.TemplateResponse(
        request,
        "beheer_import.html",
        {"job": job, "report": report, "kind": KINDS.get(job.kind)},
    )


@router.get(UPLOAD_PATH + "/{job_id}/status")
def job_status(request: Request, job_id: str) -> Response:
    """The job's state as JSON, for the job page's script."""
    return JSONResponse(_job(request, job_id).as_dict(), headers={"cache-control": "no-store"})
