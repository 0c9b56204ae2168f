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
