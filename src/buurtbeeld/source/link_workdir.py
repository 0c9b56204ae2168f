"""The linking party's folder for intermediate files: next to the output, always removed.

Intermediate files of a linking run (region tables, DuckDB's spill files — which can hold
pseudonyms) live in ``.buurtbeeld-koppel-werk-*`` beside the output. The folder is removed when
the run ends, also after an error. A folder left by a crashed run (power cut, ``kill -9``) is
removed by the next run in the same output folder, and reported; a folder whose run is still
alive (its ``proces`` file names a running process) is left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = ".buurtbeeld-koppel-werk-"
PID_FILE = "proces"


@dataclass
class Cleanup:
    """What was removed: leftovers of earlier runs, and this run's own folder."""

    leftovers: list[tuple[str, int]] = field(default_factory=list)
    """(folder name, files) of crashed runs removed before this run."""
    removed: tuple[str, int] | None = None
    """(folder name, files) of this run, removed at its end."""


def _files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def _alive(folder: Path) -> bool:
    try:
        pid = int((folder / PID_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's running process
        return True
    return True


def remove_leftovers(parent: Path) -> list[tuple[str, int]]:
    """Remove work folders of crashed runs in ``parent``; their names and file counts."""
    removed: list[tuple[str, int]] = []
    if not parent.is_dir():
        return removed
    for folder in sorted(parent.glob(PREFIX + "*")):
        if folder.is_dir() and not _alive(folder):
            n = _files(folder)
            shutil.rmtree(folder)
            removed.append((folder.name, n))
    return removed


@contextmanager
def work_folder(parent: Path, cleanup: Cleanup) -> Iterator[Path]:
    """A fresh work folder in ``parent``, removed on exit (also after an error).

    Leftovers of crashed runs are removed first; ``cleanup`` records both.
    """
    parent.mkdir(parents=True, exist_ok=True)
    cleanup.leftovers = remove_leftovers(parent)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
    try:
        (folder / PID_FILE).write_text(str(os.getpid()), encoding="ascii")
        yield folder
    finally:
        n = _files(folder)
        shutil.rmtree(folder)  # a failure here must be loud: the folder may hold pseudonyms
        cleanup.removed = (folder.name, n)
