from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.web.app import create_app


@pytest.fixture(scope="session")
def client(app_workspace: Path) -> Iterator[TestClient]:
    with TestClient(create_app(app_workspace), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def partner_workspace(
    tmp_path_factory: pytest.TempPathFactory, overlap_workspace_template: Path
) -> tuple[Path, object]:
    """Internal partner figures and a stapeling (tests/web/visibility_data.py), built once."""
    from tests.web.visibility_data import build_partner_workspace

    return build_partner_workspace(
        tmp_path_factory.mktemp("zichtbaarheid"), overlap_workspace_template
    )
