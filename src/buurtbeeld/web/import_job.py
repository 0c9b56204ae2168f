"""Running an import job in a process of its own.

The web worker that received an upload starts ``python -m buurtbeeld.web.import_job <werkmap>
<taak>`` (:func:`spawn`): a crash or a memory spike of the import ends that process, not the web
worker. The runner does what the CLI does (``store.importer`` / ``store.intake``: one transaction
on a new cube generation, the intake audit), writes its progress and a heartbeat to the platform
database, records the audit entries ``import_gestart`` and ``import`` / ``pakket_import`` /
``import_mislukt`` (who, file name, SHA-256, result) and removes the uploaded file at the end.
Errors are stored with their code, Dutch message and hint; an unexpected one by its type only.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import PlatformDB, open_platform
from buurtbeeld.platform.jobs import Job, JobStore
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web.import_kinds import KINDS

log = logging.getLogger("buurtbeeld.import")
UPLOADS = "uploads"
HEARTBEAT_EVERY = 5.0
EXIT_REFUSED = 2
ENV_MEMORY = "BUURTBEELD_IMPORT_GEHEUGEN_MB"
DEFAULT_MEMORY_MB = 8192  # the national KWB needs ~0.5 GB resident, ~2 GB of address space
OUT_OF_MEMORY_SIGNALS = frozenset({signal.SIGABRT, signal.SIGKILL})
"""How a runner at its memory limit can end without a word (an abort, the OOM killer)."""


def memory_cap_mb(environ: Mapping[str, str] = os.environ) -> int | None:
    """The runner's address-space limit in MB from ``BUURTBEELD_IMPORT_GEHEUGEN_MB`` (0: none)."""
    raw = environ.get(ENV_MEMORY, "").strip()
    if not raw:
        return DEFAULT_MEMORY_MB
    if not raw.isdigit():
        log.warning(
            "%s=%r is geen aantal MB; de standaard %d geldt", ENV_MEMORY, raw, DEFAULT_MEMORY_MB
        )
        return DEFAULT_MEMORY_MB
    return int(raw) or None


def cap_memory(mb: int | None) -> None:
    """Limit this process's address space: a runaway import fails with BB-WS-011, not the host."""
    if mb is None:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def upload_dir(root: Path, job_id: int) -> Path:
    """Where the uploaded file of a job waits for its runner."""
    return root / UPLOADS / str(job_id)


def _details(job: Job) -> dict[str, Any]:
    return {
        "taak": job.id,
        "soort": job.kind,
        "bestand": job.file_name,
        "sha256": job.sha256,
        "bytes": job.size,
    }


def run_job(root: Path, job_id: int, db: PlatformDB) -> int:
    """Run one waiting job to its end; the process exit code (0 done, 2 refused, 1 failed)."""
    jobs, audit = JobStore(db), AuditLog(db)
    job = jobs.get(job_id)
    if not jobs.start(job_id):
        return 1  # not waiting any more (expired, or started twice)
    details = _details(job)
    audit.append(Event.IMPORT_STARTED, job.created_by, details)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_EVERY):
            jobs.heartbeat(job_id)

    threading.Thread(target=beat, name="hartslag", daemon=True).start()
    folder = upload_dir(root, job_id)
    try:
        kind = KINDS[job.kind]
        report = kind.run(
            open_workspace(root), folder / job.file_name, lambda m: jobs.progress(job_id, m)
        )
    except BuurtbeeldError as err:
        jobs.fail(job_id, err.code, err.message, err.hint)
        audit.append(
            Event.IMPORT_FAILED,
            job.created_by,
            {**details, "resultaat": "geweigerd", "code": err.code},
        )
        return EXIT_REFUSED
    except MemoryError:
        _failed(jobs, audit, job, "BB-JOB-006", "Het geheugen was niet genoeg voor deze import.")
        return 1
    except Exception as err:  # noqa: BLE001 - stored as a coded error without its content
        log.error("Import %s mislukt: %s", job_id, type(err).__name__)
        _failed(
            jobs,
            audit,
            job,
            "BB-JOB-005",
            f"Onverwachte fout tijdens de import ({type(err).__name__}).",
        )
        return 1
    finally:
        stop.set()
        shutil.rmtree(folder, ignore_errors=True)
    jobs.finish(job_id, report)
    audit.append(
        KINDS[job.kind].success_event,
        job.created_by,
        {
            **details,
            "resultaat": "al_geimporteerd" if report.get("al_geimporteerd") else "geimporteerd",
            "import_id": report.get("import_id"),
            "cijfers": report.get("cijfers", 0),
        },
    )
    return 0


def _failed(jobs: JobStore, audit: AuditLog, job: Job, code: str, message: str) -> None:
    jobs.fail(
        job.id, code, message + " De werkmap is niet veranderd.", "Meld het aan de beheerder."
    )
    audit.append(
        Event.IMPORT_FAILED, job.created_by, {**_details(job), "resultaat": "fout", "code": code}
    )


def spawn(root: Path, job_id: int, db: PlatformDB) -> subprocess.Popen[bytes]:
    """Start the runner process of a job, and a thread that notes if it dies without a word."""
    process = subprocess.Popen(
        [sys.executable, "-m", "buurtbeeld.web.import_job", str(root.resolve()), str(job_id)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl+C of the server does not cut an import in half
        env=os.environ.copy(),
    )

    cap = memory_cap_mb()

    def watch() -> None:
        code = process.wait()
        if code in (0, EXIT_REFUSED):
            return
        if cap is not None and -code in OUT_OF_MEMORY_SIGNALS:
            # below its memory limit a process can die before Python sees a MemoryError: the
            # C library aborts when a new thread finds no memory, the kernel's OOM killer kills
            JobStore(db).fail(
                job_id,
                "BB-WS-011",
                "Het geheugen was waarschijnlijk niet genoeg voor deze import: het importproces "
                f"werd afgebroken (grens {cap} MB). De werkmap is niet veranderd.",
                f"Verhoog de grens voor imports ({ENV_MEMORY}, zie docs/installatie.md) of "
                "importeer op een machine met meer geheugen.",
            )
        else:
            JobStore(db).fail(
                job_id,
                "BB-JOB-004",
                f"Het importproces stopte onverwacht (afsluitcode {code}). De werkmap is niet veranderd.",
                "Upload het bestand opnieuw; gebeurt dit weer, bekijk dan het serverlog.",
            )
        shutil.rmtree(upload_dir(root, job_id), ignore_errors=True)

    threading.Thread(target=watch, name=f"import-{job_id}", daemon=True).start()
    return process


def main(argv: list[str]) -> int:
    """``python -m buurtbeeld.web.import_job <werkmap> <taak>``."""
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
    root, job_id = Path(argv[0]), int(argv[1])
    cap_memory(memory_cap_mb())
    with open_platform(root) as db:
        return run_job(root, job_id, db)


if __name__ == "__main__":  # pragma: no cover - run as a process by spawn()
    sys.exit(main(sys.argv[1:]))
