"""Cube generations: readers keep reading while an import writes (issue 12 item 4).

The cube of a workspace is a series of immutable DuckDB files::

    werkmap/
      buurtbeeld.duckdb -> generaties/buurtbeeld-000007.duckdb   (symlink: the current one)
      generaties/
        buurtbeeld-000006.duckdb          the previous generation (kept until the next import)
        buurtbeeld-000007.duckdb          the current generation
        buurtbeeld-000008.duckdb.bezig    an import in progress (private to its writer)
        schrijver.lock                    one writer at a time (flock)

A writer takes the lock, copies the current file (a plain file copy: 30–100 ms for the national
80 MB cube; DuckDB's ``ATTACH`` + ``COPY FROM DATABASE`` took 3.7–6.6 s, see docs/benchmarks.md),
writes into the copy in one transaction, checkpoints it, renames it to its final name and
replaces the symlink atomically (``rename(2)`` of a new link over the old one). A reader resolves
the link, opens that file read-only and notices a new generation by reading the link again
(one ``readlink`` per check). Readers never see a half-written cube, and a writer never needs the
file the readers have open, so an import while ``serve`` runs no longer fails with ``BB-WS-003``.

Old generations: the previous one is kept (a reader that resolved the link just before the switch
still opens it; it also is a one-step backup); older ones are removed at the next switch. On
Linux a removed file stays readable for whoever has it open, so a server process that has not
yet switched keeps answering from it; its disk space returns when the last reader closes it.

A crash mid-import leaves only a ``.bezig`` file; the current generation is untouched. The next
writer removes it and reports it (``notes``).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from buurtbeeld.errors import WorkspaceError

DB_FILE = "buurtbeeld.duckdb"
GENERATIONS_DIR = "generaties"
IN_PROGRESS = ".bezig"
LOCK_FILE = "schrijver.lock"
_NAME = re.compile(r"buurtbeeld-(\d{6,})\.duckdb$")


def generation_id(root: Path) -> str:
    """The current generation of ``root`` (``""`` for a workspace without generations yet).

    One ``readlink``: cheap enough to call for every request.
    """
    try:
        return os.readlink(root / DB_FILE)
    except OSError:  # a regular file (a workspace of an earlier version) or absent
        return ""


def open_current(root: Path, *, read_only: bool = True) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A connection to the current generation and that generation's id.

    The link is resolved first and the file opened by its own name, so the connection stays on
    one generation whatever switches later. A switch between the two steps (the file removed
    just before it is opened) is retried with the new link.
    """
    for attempt in range(5):
        gen = generation_id(root)
        path = root / gen if gen else root / DB_FILE
        if not path.exists() and gen and attempt < 4:
            continue  # switched (and pruned) between readlink and open: read the link again
        try:
            return duckdb.connect(str(path), read_only=read_only), gen
        except duckdb.IOException as err:
            if gen and not path.exists() and attempt < 4:
                continue
            raise WorkspaceError(
                f"De database van werkmap '{root}' is in gebruik of niet leesbaar.",
                code="BB-WS-003",
                hint="Stop een draaiende 'buurtbeeld serve' voor deze werkmap en probeer het opnieuw.",
            ) from err
    raise WorkspaceError(  # pragma: no cover - five switches within one open
        f"De database van werkmap '{root}' wisselt te snel om te openen.",
        code="BB-WS-012",
        hint="Probeer het opnieuw als de lopende imports klaar zijn.",
    )


def _number(name: str) -> int | None:
    match = _NAME.match(name.removesuffix(IN_PROGRESS))
    return int(match.group(1)) if match else None


def _numbers(folder: Path) -> list[int]:
    found = (_number(p.name) for p in folder.iterdir()) if folder.is_dir() else iter(())
    return sorted(n for n in found if n is not None)


def _file(n: int) -> str:
    return f"buurtbeeld-{n:06d}.duckdb"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(root: Path, built: Path) -> str:
    """Make the complete, checkpointed DuckDB file ``built`` the current generation.

    ``built`` is moved into ``generaties/``; the link ``buurtbeeld.duckdb`` is replaced in one
    ``rename``; generations older than the previous one are removed. Returns the new id.
    """
    folder = root / GENERATIONS_DIR
    folder.mkdir(exist_ok=True)
    current = generation_id(root)
    numbers = _numbers(folder)
    n = max([*numbers, _number(Path(current).name) or 0]) + 1
    final = folder / _file(n)
    os.replace(built, final)
    link = f"{GENERATIONS_DIR}/{final.name}"
    tmp_link = root / f".{DB_FILE}.link-{os.getpid()}"
    tmp_link.unlink(missing_ok=True)
    os.symlink(link, tmp_link)
    os.replace(tmp_link, root / DB_FILE)  # atomic: readers see the old or the new link
    _fsync_dir(folder)
    _fsync_dir(root)
    keep = {final.name, Path(current).name}
    for old in _numbers(folder):
        name = _file(old)
        if name not in keep and (folder / name).exists():
            (folder / name).unlink(missing_ok=True)
            Path(str(folder / name) + ".wal").unlink(missing_ok=True)
    return link


@contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """Hold the workspace's writer lock (one import at a time), or refuse with ``BB-WS-010``."""
    folder = root / GENERATIONS_DIR
    folder.mkdir(exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkspaceError(
                f"Er loopt al een import in werkmap '{root}'.",
                code="BB-WS-010",
                hint="Wacht tot die import klaar is (in de webapp: Beheer → Imports) en probeer "
                "het dan opnieuw.",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def clean_leftovers(root: Path) -> list[str]:
    """Remove what a crashed import left (call with the writer lock); Dutch notes for the report."""
    folder = root / GENERATIONS_DIR
    notes = []
    found = [*folder.glob(f"*{IN_PROGRESS}*"), *folder.glob("*.klaar")] if folder.is_dir() else []
    found += list(root.glob(f".{DB_FILE}.link-*"))
    for path in sorted(found):
        if path.name.endswith(IN_PROGRESS):
            started = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
            notes.append(
                f"Een afgebroken import (laatst geschreven {started}) is opgeruimd; de cijfers "
                "in de werkmap waren daardoor niet veranderd."
            )
        path.unlink(missing_ok=True)
    return notes


def _out_of_memory() -> WorkspaceError:
    return WorkspaceError(
        "Het geheugen was niet genoeg voor deze import. De werkmap is niet veranderd.",
        code="BB-WS-011",
        hint="Importeer op een machine met meer geheugen, of verhoog de grens voor imports "
        "(BUURTBEELD_IMPORT_GEHEUGEN_MB, zie docs/installatie.md).",
    )


@contextmanager
def new_generation(
    root: Path, notes: list[str] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write transaction into a copy of the current generation, published on success.

    On any error the copy is removed and the current generation stays as it was. ``notes``
    receives Dutch notes about leftovers of a crashed import that were cleaned up.
    """
    with writer_lock(root):
        cleaned = clean_leftovers(root)
        if notes is not None:
            notes.extend(cleaned)
        folder = root / GENERATIONS_DIR
        source = root / (generation_id(root) or DB_FILE)
        work = folder / f"buurtbeeld-werk-{os.getpid()}-{time.monotonic_ns()}.duckdb{IN_PROGRESS}"
        try:
            shutil.copyfile(source, work)
            wal = Path(str(source) + ".wal")  # an unfinished checkpoint of an older version
            if wal.exists():
                shutil.copyfile(wal, str(work) + ".wal")
            con = duckdb.connect(str(work))
            try:
                con.begin()
                try:
                    yield con
                except BaseException:
                    con.rollback()
                    raise
                con.commit()
                con.execute("CHECKPOINT")
            except (duckdb.OutOfMemoryException, MemoryError):
                raise _out_of_memory() from None
            finally:
                con.close()
            built = work.with_name(work.name.removesuffix(IN_PROGRESS) + ".klaar")
            os.replace(work, built)
            with open(built, "rb+") as fh:
                os.fsync(fh.fileno())
            publish(root, built)
        finally:
            for leftover in (work, Path(str(work) + ".wal")):
                leftover.unlink(missing_ok=True)
            for done in folder.glob("*.klaar"):
                done.unlink(missing_ok=True)
