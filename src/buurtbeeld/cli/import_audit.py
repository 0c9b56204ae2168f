"""Audit entries for imports from the command line (``importeer``, ``importeer-pakket``).

The same entries as an import through the web (``import_gestart``, then ``import`` /
``pakket_import`` or ``import_mislukt``), with actor ``cli:<os-user>`` — but only where a platform
exists (``BUURTBEELD_DATABASE_URL`` set, or ``platform.sqlite`` in the workspace): the local
viewer on the owner's machine has no audit log, and an import does not create one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from buurtbeeld.errors import BuurtbeeldError


@contextmanager
def audited_import(root: Path, kind: str, path: Path) -> Iterator[dict[str, Any]]:
    """Record an import of ``path``; the caller fills ``result`` with ``event`` and ``details``."""
    from buurtbeeld.platform.db import platform_present

    result: dict[str, Any] = {}
    if not platform_present(root):
        yield result
        return
    from buurtbeeld.cli.platform import cli_actor
    from buurtbeeld.platform.audit import AuditLog, Event
    from buurtbeeld.platform.db import open_platform
    from buurtbeeld.store.batches import file_sha256

    with open_platform(root) as db:
        log, actor = AuditLog(db), cli_actor()
        details: dict[str, Any] = {
            "soort": kind,
            "bestand": path.name,
            "sha256": file_sha256(path) if path.is_file() else "",
            "bytes": path.stat().st_size if path.is_file() else 0,
            "via": "opdrachtregel",
        }
        log.append(Event.IMPORT_STARTED, actor, details)
        try:
            yield result
        except BuurtbeeldError as err:
            log.append(
                Event.IMPORT_FAILED, actor, {**details, "resultaat": "geweigerd", "code": err.code}
            )
            raise
        except Exception:
            log.append(Event.IMPORT_FAILED, actor, {**details, "resultaat": "fout"})
            raise
        log.append(result["event"], actor, {**details, **result["details"]})
