"""Work still running on a workspace in another process, so pages can say it is coming.

The demo builds its stapeling (issue 11: pseudonymise, link, protect jointly, import; minutes of
CPU) in a background process while the web app already serves the rest. Until that process has
imported its package the stapeling page would only say that nothing was imported; with a marker
in ``werkmap/bezig/`` it says what is being computed and since when.

A marker names the process that does the work: a marker whose process is gone (killed, machine
restarted) is not running work and is ignored, so a crash never leaves a page saying "wordt
berekend" forever. Markers hold a title and a time, nothing of the data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FOLDER = "bezig"
STAPELING = "stapeling"
"""The marker of a stapeling being computed for the workspace (the demo's background run)."""

__all__ = ["STAPELING", "Pending", "clear", "mark", "pending", "running"]


@dataclass(frozen=True)
class Pending:
    """Work in progress: what (``title``, Dutch), since when, by which process."""

    name: str
    title: str
    started: datetime
    pid: int
    step: str | None = None
    """What it is doing now (Dutch), if it says."""


def _path(root: Path, name: str) -> Path:
    if not name.replace("-", "").isalnum():
        raise ValueError(f"not a marker name: {name!r}")
    return root / FOLDER / f"{name}.json"


def mark(
    root: Path,
    name: str,
    title: str,
    pid: int | None = None,
    *,
    step: str | None = None,
    started: datetime | None = None,
) -> Path:
    """Write the marker of work ``name`` done by process ``pid`` (default: this one)."""
    path = _path(root, name)
    path.parent.mkdir(exist_ok=True)
    body: dict[str, object] = {
        "titel": title,
        "gestart": (started or datetime.now().astimezone()).isoformat(timespec="seconds"),
        "pid": os.getpid() if pid is None else pid,
    }
    if step:
        body["stap"] = step
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path


@contextmanager
def pending(root: Path, name: str, title: str) -> Iterator[Callable[[str], None]]:
    """Mark work ``name`` as running in this process while the block runs (also on errors);
    yields a function that records the current step."""
    started = datetime.now().astimezone()
    path = mark(root, name, title, started=started)

    def step(text: str) -> None:
        mark(root, name, title, step=text, started=started)

    try:
        yield step
    finally:
        path.unlink(missing_ok=True)


def clear(root: Path, name: str, pid: int) -> None:
    """Remove the marker of work ``name`` if it names process ``pid`` (which has ended): a
    process stopped before it took over the marker its parent wrote leaves it behind."""
    path = _path(root, name)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(body, dict) and body.get("pid") == pid:
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def running(root: Path, name: str | None = None) -> list[Pending]:
    """The work in progress on the workspace (only markers whose process still runs)."""
    folder = root / FOLDER
    paths = [_path(root, name)] if name else sorted(folder.glob("*.json"))
    out = []
    for path in paths:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            item = Pending(
                path.stem,
                str(body["titel"]),
                datetime.fromisoformat(body["gestart"]),
                body["pid"],
                str(body["stap"]) if body.get("stap") else None,
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # absent, half-written or foreign: not running work
        if isinstance(item.pid, int) and _alive(item.pid):
            out.append(item)
    return out
