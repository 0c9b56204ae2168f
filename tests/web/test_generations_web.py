"""The web app follows the cube's generations: imports while it serves, every answer whole."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from buurtbeeld.store.importer import import_file
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.app import create_app
from tests.store.test_generations import GEMEENTE, variant

URL = f"/api/v1/regios/{GEMEENTE}/profiel"


def _inhabitants(client: TestClient) -> float:
    response = client.get(URL)
    assert response.status_code == 200, response.text
    value = response.json()["gebieden"][0]["waarden"]["inwoners"]["waarde"]
    return float(value)


def test_the_app_serves_during_imports_and_switches_to_the_new_generation(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    import_file(empty_workspace, variant(tmp_path, 0))
    app = create_app(empty_workspace.root, auth=None)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        first = _inhabitants(client)
        statuses: list[int] = []
        values: list[float] = []
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                response = client.get(URL)
                statuses.append(response.status_code)
                if response.status_code == 200:
                    values.append(response.json()["gebieden"][0]["waarden"]["inwoners"]["waarde"])

        readers = [threading.Thread(target=read) for _ in range(3)]
        for t in readers:
            t.start()
        try:
            for n in range(1, 4):
                import_file(empty_workspace, variant(tmp_path, n))  # no BB-WS-003
                time.sleep(0.3)
        finally:
            stop.set()
            for t in readers:
                t.join(timeout=60)
        assert statuses and set(statuses) == {200}
        assert set(values) <= {first + 10 * n for n in range(4)}  # whole generations only
        deadline = time.monotonic() + 30
        while _inhabitants(client) != first + 30:  # switched within a moment
            assert time.monotonic() < deadline, "the app never switched to the new generation"
            time.sleep(0.1)
        assert app.state.generations.current.generation == empty_workspace.generation()
