"""Shared fixtures: a workspace with the bundled CBS data, built once per test session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from buurtbeeld.store.generations import DB_FILE, GENERATIONS_DIR
from buurtbeeld.store.importer import BUNDLED_FILES, import_file
from buurtbeeld.store.workspace import Workspace, create_workspace, open_workspace

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
BUNDLED_KWB = BUNDLED_FILES[0]

# Property tests draw the same examples in every run (CI stays reproducible: a failing draw fails
# every time and can be replayed); ``HYPOTHESIS_PROFILE=explore`` draws new ones to hunt for bugs.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def copy_workspace(source: Path, target: Path) -> Path:
    """Copy a workspace as a user would move it: the ``buurtbeeld.duckdb`` link stays a link.

    ``shutil.copytree`` would follow the link and store the cube twice (the link's target and
    the generation it points to); older generations are not needed by a fresh copy either.
    """
    current = Path(os.readlink(source / DB_FILE)).name if (source / DB_FILE).is_symlink() else None

    def skip_old_generations(folder: str, names: list[str]) -> list[str]:
        if Path(folder).name != GENERATIONS_DIR or current is None:
            return []
        return [n for n in names if not n.startswith(current)]

    shutil.copytree(source, target, symlinks=True, ignore=skip_old_generations)
    return target


def shared_file(relative: str) -> Path:
    """A file from ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"../shared/data/{relative} is niet aanwezig (verse clone zonder ../shared)")
    return path


@pytest.fixture(scope="session")
def empty_workspace_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with regions and boundaries but no figures (built once)."""
    root = tmp_path_factory.mktemp("leeg") / "werkmap"
    create_workspace(root, name="Test")
    return root


@pytest.fixture(scope="session")
def filled_workspace_template(
    tmp_path_factory: pytest.TempPathFactory, empty_workspace_template: Path
) -> Path:
    """A workspace with the bundled KWB 2023 and health monitor imported (built once)."""
    root = tmp_path_factory.mktemp("gevuld") / "werkmap"
    copy_workspace(empty_workspace_template, root)
    workspace = open_workspace(root)
    for path in BUNDLED_FILES:
        import_file(workspace, path)
    return root


@pytest.fixture
def empty_workspace(tmp_path: Path, empty_workspace_template: Path) -> Workspace:
    """A fresh, writable copy of the empty workspace."""
    root = tmp_path / "lege-werkmap"
    copy_workspace(empty_workspace_template, root)
    return open_workspace(root)


@pytest.fixture
def filled_workspace(tmp_path: Path, filled_workspace_template: Path) -> Workspace:
    """A fresh, writable copy of the filled workspace."""
    root = tmp_path / "gevulde-werkmap"
    copy_workspace(filled_workspace_template, root)
    return open_workspace(root)


@pytest.fixture(scope="session")
def app_workspace(filled_workspace_template: Path) -> Iterator[Path]:
    """The filled workspace for read-only use by the web app."""
    yield filled_workspace_template


@pytest.fixture(scope="session")
def wijkbuurtkaart_2023(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An imitation of CBS's wijk- en buurtkaart 2023 GeoPackage (see tests/wijkbuurtkaart.py)."""
    from tests.wijkbuurtkaart import build_wijkbuurtkaart

    shared_file("powerbi_buurten_2019_wgs84.gpkg")
    shared_file("tmap_NLD_dist_wijken_2022_rd.gpkg")
    shared_file("tmap_NLD_muni_gemeenten_2022_rd.gpkg")
    shared_file("gwb_namen_2024.parquet")
    return build_wijkbuurtkaart(SHARED_DATA, tmp_path_factory.mktemp("kaart"))


@pytest.fixture(scope="session")
def linked_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A signed stapeling package made by the toolkit (tests/overlap_package.py) and its key."""
    from tests.overlap_package import SOURCE, build_linked_package
    from tests.signing import make_key

    folder = tmp_path_factory.mktemp("koppeling")
    key = make_key(folder / "sleutels", SOURCE)
    return build_linked_package(folder / "pakket", key), key


@pytest.fixture(scope="session")
def overlap_workspace_template(
    tmp_path_factory: pytest.TempPathFactory,
    filled_workspace_template: Path,
    linked_package: tuple[Path, object],
) -> Path:
    """The filled workspace with the stapeling package imported (built once)."""
    from buurtbeeld.store.intake import intake_package
    from buurtbeeld.store.package_reader import read_package
    from buurtbeeld.store.partners import trusted_keys
    from tests.signing import register

    root = tmp_path_factory.mktemp("stapeling") / "werkmap"
    copy_workspace(filled_workspace_template, root)
    workspace = open_workspace(root)
    package, key = linked_package
    register(workspace, key, "koppelpartij")  # type: ignore[arg-type]
    intake_package(workspace, read_package(package, trusted_keys(workspace)))
    return root
