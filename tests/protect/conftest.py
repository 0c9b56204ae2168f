"""Fixtures for the disclosure-control tests: the reference cases in ../shared/sdc-reference."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
REFERENCE = SHARED / "sdc-reference"


def reference_file(name: str) -> Path:
    """A file from ../shared/sdc-reference, or skip the test with the reason."""
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(
            f"../shared/sdc-reference/{name} is niet aanwezig (verse clone zonder ../shared)"
        )
    return path


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a reference CSV as dicts."""
    with reference_file(name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
