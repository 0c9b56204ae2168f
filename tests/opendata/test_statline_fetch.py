"""``buurtbeeld statline TABEL``: download over OData v3 (a local server in CBS's shape), or a
clear Dutch error without internet."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.opendata.statline_fetch import URL_ENV, fetch_table
from buurtbeeld.store.statline_import import import_statline
from buurtbeeld.store.workspace import Workspace
from tests.statline_files import write_kwb2024_v3

pytestmark = pytest.mark.shared_data
PAGE = 1000


@pytest.fixture
def cbs_server(tmp_path: Path) -> Iterator[str]:
    """A local server answering like opendata.cbs.nl/ODataApi/odata/85984NED (paged data)."""
    source = write_kwb2024_v3(tmp_path / "bron" / "85984NED")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            parts = path.strip("/").split("/")
            if len(parts) != 2 or parts[0] != "85984NED":
                self.send_error(404)
                return
            file = source / f"{parts[1]}.json"
            if not file.is_file():
                body = {"value": []}
            else:
                data = json.loads(file.read_text(encoding="utf-8"))
                rows = data["value"] if isinstance(data, dict) else data
                skip = int(query.removeprefix("$skip=") or 0) if query.startswith("$skip") else 0
                body = {"value": rows[skip : skip + PAGE]}
                if skip + PAGE < len(rows):
                    body["odata.nextLink"] = f"{base}/{path.strip('/')}?$skip={skip + PAGE}"
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def test_fetch_pages_through_the_table_and_imports_like_the_download(
    cbs_server: str, tmp_path: Path, empty_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, cbs_server)
    folder = fetch_table("85984ned", tmp_path / "dl")
    rows = json.loads((folder / "TypedDataSet.json").read_text(encoding="utf-8"))["value"]
    assert len(rows) == 3735  # four pages of the local server
    report = import_statline(empty_workspace, folder)
    assert report.rows == 3735 and len(report.columns) == 8


def test_cli_downloads_writes_definitions_and_imports(
    cbs_server: str, tmp_path: Path, empty_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, cbs_server)
    result = CliRunner().invoke(
        app,
        ["statline", "85984NED", "--map", str(tmp_path), "-w", str(empty_workspace.root)],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "85984NED" / "definities.yaml").is_file()
    assert "6 indicatoren gemaakt" in result.output  # + inwoners, bevolkingsdichtheid


def test_without_internet_a_dutch_error_says_to_download_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, "http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(BuurtbeeldError) as err:
        fetch_table("85984NED", tmp_path)
    assert err.value.code == "BB-STL-009"
    assert "download" in (err.value.hint or "").lower()
    assert not (tmp_path / "85984NED").exists()
    with pytest.raises(BuurtbeeldError) as err:
        fetch_table("8598", tmp_path)
    assert err.value.code == "BB-STL-013"
