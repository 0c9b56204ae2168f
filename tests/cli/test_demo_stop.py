"""Stopping the demo's background stapeling (cli/demo.py) leaves no "wordt berekend" behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from buurtbeeld.cli.demo import _stop
from buurtbeeld.store.pending import FOLDER, STAPELING, mark


def test_a_background_run_stopped_while_starting_leaves_no_marker(tmp_path: Path) -> None:
    # the demo marks the work for its child right after starting it; a Ctrl+C before the child
    # took the marker over (still importing under load) stopped it without removing it
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    mark(tmp_path, STAPELING, "koppelen", pid=child.pid)
    _stop(child, tmp_path)
    assert child.returncode is not None
    assert not (tmp_path / FOLDER / f"{STAPELING}.json").exists()


def test_a_background_run_that_ended_early_leaves_no_marker(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])  # crashed at start
    child.wait()
    mark(tmp_path, STAPELING, "koppelen", pid=child.pid)
    _stop(child, tmp_path)
    assert not (tmp_path / FOLDER / f"{STAPELING}.json").exists()
