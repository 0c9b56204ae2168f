"""Fixtures: synthetic Dordrecht extracts generated once per session (fictitious persons)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from buurtbeeld.source.synthetic import generate

SEED_SECRET = "0" * 64


@pytest.fixture(scope="session")
def generated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All four registers for GM0505 (about 4 s), written once."""
    folder = tmp_path_factory.mktemp("bron") / "levering"
    generate(folder, gemeente="GM0505", seed=11)
    (folder / ".buurtbeeld-zaad").write_text(SEED_SECRET + "\n", encoding="ascii")
    return folder


@pytest.fixture
def delivery(tmp_path: Path, generated_template: Path) -> Path:
    """A writable copy of the generated extracts and their specs."""
    folder = tmp_path / "levering"
    shutil.copytree(generated_template, folder)
    return folder
