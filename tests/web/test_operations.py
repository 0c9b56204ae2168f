"""Running for real: /klaar (readiness) next to /gezond, and request logs without personal data.

The real app (TestClient) on copies of real workspaces; the log test runs ``buurtbeeld serve``
as a process (real uvicorn, one and two worker processes) and reads what it writes.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform
from buurtbeeld.platform.users import UserStore
from buurtbeeld.web.access_log import JsonFormatter, TextFormatter
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace

PASSWORD = "paarse-olifant-wandelt-7"
USER = "marieke.devries"
# Values a request carries that must never reach a log line.
SECRETS = ("geheimewaarde", "sessiekoekje-xyz", "Bearer tok-abc", "203.0.113.77", USER)


@pytest.fixture
def own_workspace(app_workspace: Path, tmp_path: Path) -> Path:
    root = tmp_path / "werkmap"
    copy_workspace(app_workspace, root)
    return root


def _problem(response: Any, code: str) -> dict[str, object]:
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["title"] == "Niet klaar"
    assert isinstance(body["detail"], str) and isinstance(body["hint"], str)
    return body


def test_klaar_and_gezond_answer_and_are_not_in_the_openapi_document(client: TestClient) -> None:
    ready = client.get("/klaar")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "klaar",
        "controles": {"werkmap": "ok", "kubus": "ok", "platformdatabase": "niet ingesteld"},
    }
    assert ready.headers["cache-control"] == "no-store"
    assert client.get("/gezond").status_code == 200
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/klaar" not in paths and "/gezond" not in paths


def test_klaar_is_503_when_the_workspace_is_gone_while_gezond_stays_200(
    own_workspace: Path,
) -> None:
    with TestClient(create_app(own_workspace), base_url="http://127.0.0.1") as client:
        assert client.get("/klaar").status_code == 200
        (own_workspace / "buurtbeeld.toml").rename(own_workspace / "weg.toml")
        # Also a browser gets problem+json: the caller is a load balancer or orchestrator.
        body = _problem(client.get("/klaar", headers={"accept": "text/html"}), "BB-OPS-001")
        assert body["controles"] == {
            "werkmap": "fout",
            "kubus": "ok",
            "platformdatabase": "niet ingesteld",
        }
        assert str(own_workspace) not in json.dumps(body)  # no paths in a public answer
        assert client.get("/gezond").status_code == 200


def test_klaar_is_503_when_the_cube_does_not_answer(own_workspace: Path) -> None:
    app = create_app(own_workspace)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        app.state.cube.close()  # the DuckDB connection is gone
        body = _problem(client.get("/klaar"), "BB-OPS-002")
        assert body["controles"]["kubus"] == "fout"
        assert body["controles"]["werkmap"] == "ok"


def test_klaar_checks_the_platform_database_when_sign_in_is_configured(
    empty_workspace_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    root = tmp_path / "werkmap"
    copy_workspace(empty_workspace_template, root)
    app = create_app(root, auth=AuthConfig(session_secret="x" * 40, local=True))
    with TestClient(app, base_url="https://127.0.0.1") as client:
        ready = client.get("/klaar")
        assert ready.status_code == 200, ready.text
        assert ready.json()["controles"]["platformdatabase"] == "ok"
        # The database file is lost (e.g. a volume that was not mounted): not ready.
        app.state.auth.db.close()
        for path in root.glob("platform.sqlite*"):
            path.unlink()
        body = _problem(client.get("/klaar"), "BB-OPS-003")
        assert body["controles"] == {"werkmap": "ok", "kubus": "ok", "platformdatabase": "fout"}


@pytest.fixture
def captured_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("buurtbeeld")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_a_signed_in_request_with_personal_data_leaves_none_of_it_in_the_log(
    empty_workspace_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    captured_log: io.StringIO,
) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    root = tmp_path / "werkmap"
    copy_workspace(empty_workspace_template, root)
    with open_platform(root) as db:
        UserStore(db).create(USER, "lezer", PASSWORD, actor="test")
    app = create_app(root, auth=AuthConfig(session_secret="x" * 40, local=True))
    with TestClient(app, base_url="https://127.0.0.1", client=("203.0.113.77", 5000)) as client:
        page = client.get("/inloggen").text
        token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        signed_in = client.post(
            "/inloggen",
            data={"gebruikersnaam": USER, "wachtwoord": PASSWORD, "csrf": token},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        response = client.get(
            "/indicatoren?zoek=geheimewaarde",
            headers={
                "authorization": "Bearer tok-abc",
                "x-forwarded-for": "203.0.113.77",
                "x-request-id": "0123456789abcdef0123456789abcdef",
            },
        )
        assert response.status_code == 200
        assert response.headers["x-request-id"] == "0123456789abcdef0123456789abcdef"
    text = captured_log.getvalue()
    for secret in (*SECRETS, PASSWORD, token):
        assert secret not in text, secret
    entries = [json.loads(line) for line in text.splitlines()]
    request = next(e for e in entries if e.get("verzoek_id") == "0123456789abcdef0123456789abcdef")
    assert request["route"] == "/indicatoren"
    assert (request["method"], request["status"], request["gebeurtenis"]) == ("GET", 200, "verzoek")
    sign_in = next(e for e in entries if e.get("method") == "POST")
    assert (sign_in["route"], sign_in["status"]) == ("/inloggen", 303)


def _status(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("processes", [1, 2])
def test_serve_writes_json_lines_without_personal_data(
    app_workspace: Path, tmp_path: Path, processes: int
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "BUURTBEELD_LOGFORMAAT": "json",
        "BUURTBEELD_PROCESSEN": str(processes),
        "BUURTBEELD_HOSTNAAM": "buurtbeeld.test intern.test",  # as the container sets it
    }
    env.pop(ENV_DATABASE_URL, None)
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "buurtbeeld.cli.main",
                "serve",
                "--werkmap",
                str(app_workspace),
                "--poort",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
            start_new_session=True,  # its own process group: the workers end with it
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 240  # two workers on a busy 2-core machine
            while True:
                try:
                    if _status(f"{base}/klaar") == 200:
                        break
                except OSError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, "server start"
                time.sleep(0.3)
            headers = {
                "cookie": "__Host-bb_sessie=sessiekoekje-xyz",
                "authorization": "Bearer tok-abc",
                "x-forwarded-for": "203.0.113.77",
            }
            assert _status(f"{base}/regio/GM0505?geheim=geheimewaarde", headers=headers) == 200
            assert _status(f"{base}/api/v1/regios/GM0505", "HEAD", headers) == 200
            assert _status(f"{base}/bestaat-niet/geheimewaarde", headers=headers) == 404
            assert _status(f"{base}/gezond", headers={"host": "intern.test:8000"}) == 200
            assert _status(f"{base}/gezond", headers={"host": "ander.test"}) == 400
        finally:
            server.terminate()  # a worker may still be starting: give it time, then force
            try:
                server.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    text = stderr_path.read_text(encoding="utf-8")
    for secret in (*SECRETS, "127.0.0.1"):
        assert secret not in text, secret
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    requests = {
        (e["method"], e["route"], e["status"]) for e in entries if e["gebeurtenis"] == "verzoek"
    }
    assert ("GET", "/regio/{code}", 200) in requests
    assert ("HEAD", "/api/v1/regios/{code}", 200) in requests
    assert ("GET", "(geen route)", 404) in requests
    assert ("GET", "/gezond", 400) in requests  # a refused host is logged too (not its name)
    assert "ander.test" not in text
    for entry in entries:
        assert {"tijd", "niveau", "gebeurtenis"} <= entry.keys()
        if entry["gebeurtenis"] == "verzoek":
            assert isinstance(entry["duur_ms"], float) and len(entry["verzoek_id"]) == 32


def test_the_text_format_has_the_same_fields_on_one_line(client: TestClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter())
    logger = logging.getLogger("buurtbeeld.toegang")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        assert client.get("/api/v1/regios/GM0505?x=geheimewaarde").status_code == 200
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    (line,) = stream.getvalue().splitlines()
    assert " INFO verzoek method=GET route=/api/v1/regios/{code} status=200 duur_ms=" in line
    assert "geheimewaarde" not in line and "GM0505" not in line
