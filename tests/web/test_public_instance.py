"""A public instance holds only public data (``buurtbeeld publieke-werkmap``, issue 12 item 3).

Through the CLI as a beheerder would: publish the stapeling (the partner package stays internal),
write the public workspace, then search every byte of its files for the internal indicators' ids,
source and amounts (as text and as stored doubles), and serve it: publiek sees the published
stapeling and nothing of the partner package.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from buurtbeeld.cli.main import app as cli
from buurtbeeld.errors import WorkspaceError
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace
from tests.overlap_package import GEMEENTE
from tests.web.visibility_data import (
    PARTNER,
    PARTNER_SOURCE,
    STAPELING_KEY,
    Secrets,
    forms,
    number_in,
)

pytestmark = pytest.mark.slow
runner = CliRunner()
REASON = "Besloten in het overleg met de koppelpartij."


def _whole_number_in(form: str, text: str) -> bool:
    """``form`` in ``text`` as a whole number (not part of a coordinate); fast on 100 MB."""
    start = text.find(form)
    while start >= 0:
        window = text[max(0, start - 1) : start + len(form) + 1]
        if number_in(form, window):
            return True
        start = text.find(form, start + 1)
    return False


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def instance(
    tmp_path_factory: pytest.TempPathFactory, partner_workspace: tuple[Path, Secrets]
) -> tuple[Path, Path, Secrets]:
    source, secrets = partner_workspace
    base = tmp_path_factory.mktemp("publiek")
    root = base / "werkmap"
    copy_workspace(source, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_DATABASE_URL, raising=False)
        code, out = _cli(
            "publicatie", "publiceer", "bron", STAPELING_KEY, "--reden", REASON,
            "--werkmap", str(root),
        )  # fmt: skip
        assert code == 0, out
        code, out = _cli("publieke-werkmap", str(base / "publiek"), "--werkmap", str(root))
        assert code == 0, out
    assert "Publieke werkmap geschreven" in out and "Weggelaten (intern)" in out
    assert re.search(r" \d{1,3}(\.\d{3})+ cijfers,", out), out  # Dutch thousands
    return root, base / "publiek", secrets


def test_the_cli_shows_visibility_and_audits_the_act(
    instance: tuple[Path, Path, Secrets], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _, _ = instance
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    code, out = _cli("publicatie", "toon", "--werkmap", str(root))
    assert code == 0, out
    assert f"{STAPELING_KEY}: openbaar (besluit)" in out
    assert f"{PARTNER_SOURCE}: intern (standaard)" in out
    assert "kwb: openbaar (standaard)" in out
    code, out = _cli("audit", "controleer", "--werkmap", str(root))
    assert code == 0, out
    code, out = _cli("audit", "exporteer", "--formaat", "json", "--werkmap", str(root))
    assert code == 0 and '"publicatie"' in out and REASON in out and "cli:" in out, out
    # a reason is mandatory; an act that changes nothing is refused
    code, out = _cli("publicatie", "intrekken", "bron", STAPELING_KEY, "--werkmap", str(root))
    assert code == 2 and "BB-PUB-005" in out
    code, out = _cli(
        "publicatie", "publiceer", "bron", "kwb", "--reden", REASON, "--werkmap", str(root)
    )
    assert code == 2 and "BB-PUB-006" in out


def test_the_public_workspace_physically_holds_no_internal_figure(
    instance: tuple[Path, Path, Secrets],
) -> None:
    root, public, secrets = instance
    data = b"".join(p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file())
    text = data.decode("latin-1")
    source_data = (root / "buurtbeeld.duckdb").read_bytes()
    for ident in secrets.ids:
        assert ident.encode() not in data, ident
    assert PARTNER.encode() not in data
    for amount in secrets.amounts:
        for form in forms(amount):  # as text, not inside a longer number (coordinates)
            assert not _whole_number_in(form, text), form
        assert struct.pack("<d", amount) not in data, amount
    # the search can find what it looks for: the source file holds the partner's name
    assert PARTNER.encode() in source_data
    with duckdb.connect(str(public / "buurtbeeld.duckdb"), read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM observation WHERE starts_with(indicator_id, 'p_')"
        ).fetchone() == (0,)
        defined = con.execute(
            "SELECT id, json_extract_string(definition_json, '$.source.dataset') FROM indicator_def"
        ).fetchall()
        # only definitions of CBS open data (every KWB column is an indicator, issue 17)
        assert all(dataset == "kwb" for _, dataset in defined), defined
        assert not {i for i, _ in defined} & set(secrets.ids)
        assert con.execute("SELECT count(*) FROM stapeling").fetchone()[0] > 0  # type: ignore[index]
        assert con.execute("SELECT count(*) FROM observation").fetchone()[0] > 100_000  # type: ignore[index]
    assert "publiek = true" in (public / "buurtbeeld.toml").read_text(encoding="utf-8")


def test_the_public_instance_serves_what_was_published(
    instance: tuple[Path, Path, Secrets], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, public, secrets = instance
    monkeypatch.setenv(ENV_DATABASE_URL, f"sqlite:///{tmp_path / 'platform.sqlite'}")
    signed = create_app(public, auth=AuthConfig(session_secret="y" * 40))
    monkeypatch.delenv(ENV_DATABASE_URL)
    with TestClient(signed, base_url="https://127.0.0.1") as client:
        page = client.get(f"/gemeente/{GEMEENTE}/voorzieningen")
        assert page.status_code == 200 and "Stapeling van voorzieningen" in page.text
        listing = client.get("/api/v1/indicatoren").text
        assert "bijstand_per_1000" in listing
        assert not secrets.found_in(listing)
        assert client.get(f"/api/v1/indicatoren/{secrets.ids[0]}").status_code == 404
        assert not secrets.found_in(client.get(f"/regio/{GEMEENTE}").text)


def test_an_existing_folder_is_never_overwritten(
    instance: tuple[Path, Path, Secrets], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, public, _ = instance
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    before = sorted(p.name for p in public.iterdir())
    code, out = _cli("publieke-werkmap", str(public), "--werkmap", str(root))
    assert code == 2 and "BB-PUB-020" in out
    assert sorted(p.name for p in public.iterdir()) == before
    code, out = _cli("publieke-werkmap", str(root), "--werkmap", str(root))
    assert code == 2 and "BB-PUB-021" in out


def test_a_public_site_refuses_a_workspace_with_internal_figures(
    instance: tuple[Path, Path, Secrets], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, public, _ = instance
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    monkeypatch.setenv("BUURTBEELD_PUBLIEKE_INSTANTIE", "ja")
    with pytest.raises(WorkspaceError) as refused:
        create_app(root)
    assert refused.value.code == "BB-PUB-022"
    with TestClient(create_app(public), base_url="http://127.0.0.1") as client:
        assert client.get(f"/gemeente/{GEMEENTE}/voorzieningen").status_code == 200
