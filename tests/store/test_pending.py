"""Markers of work running on a workspace in another process (store/pending.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from buurtbeeld.store.pending import FOLDER, clear, mark, pending, running


def test_a_marker_lives_as_long_as_its_block(tmp_path: Path) -> None:
    with pending(tmp_path, "stapeling", "koppelen") as step:
        (item,) = running(tmp_path)
        assert (item.name, item.title, item.pid) == ("stapeling", "koppelen", os.getpid())
        assert item.step is None
        assert running(tmp_path, "stapeling") == [item]
        assert running(tmp_path, "iets-anders") == []
        step("beveiligen")
        (now,) = running(tmp_path)
        assert (now.step, now.started) == ("beveiligen", item.started)
    assert running(tmp_path) == []
    with pytest.raises(KeyboardInterrupt), pending(tmp_path, "stapeling", "koppelen"):
        raise KeyboardInterrupt  # Ctrl+C: the marker goes too
    assert not list((tmp_path / FOLDER).iterdir())


def test_a_marker_of_a_finished_process_is_not_running_work(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    mark(tmp_path, "stapeling", "koppelen", pid=child.pid)
    assert running(tmp_path) == []
    (tmp_path / FOLDER / "half.json").write_text('{"titel": "x", "gest', encoding="utf-8")
    assert running(tmp_path) == []  # half-written: ignored, not an error


def test_marker_names_stay_inside_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        mark(tmp_path, "../buiten", "x")


def test_clearing_removes_only_the_marker_of_that_process(tmp_path: Path) -> None:
    clear(tmp_path, "stapeling", 1)  # no marker: nothing to do
    mark(tmp_path, "stapeling", "koppelen", pid=1)
    clear(tmp_path, "stapeling", 2)
    assert (tmp_path / FOLDER / "stapeling.json").exists()
    clear(tmp_path, "stapeling", 1)
    assert not (tmp_path / FOLDER / "stapeling.json").exists()
