"""Duiding: the privacy check before saving, moderation, and where lezers see it.

The store on SQLite and PostgreSQL; the real web app (TestClient over https with real sign-in
sessions) on the bundled CBS workspace.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL, PlatformDB, open_platform
from buurtbeeld.platform.roles import Role
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.tables import duiding as duiding_table
from buurtbeeld.platform.users import UserStore
from buurtbeeld.steer.duiding import DuidingStore, Proposal, Status
from buurtbeeld.steer.duiding_errors import DuidingError
from buurtbeeld.web.app import create_app

REGIONS = {"GM0505", "WK050501", "BU05050101"}
THEMES = {"uitkeringen", "jeugd"}
BSN_TEXT = "De stijging komt door het gezin met BSN 111222333 in deze wijk."
CLEAN = "De stijging van de bijstand volgt op de sluiting van een grote werkgever in 2023."


def _count(db: PlatformDB) -> int:
    with db.begin() as con:
        return int(con.execute(select(func.count()).select_from(duiding_table)).scalar_one())


def _submit(store: DuidingStore, text: str, **kw: object) -> object:
    proposal = Proposal(
        str(kw.get("region", "WK050501")),
        str(kw.get("theme", "uitkeringen")),
        str(kw.get("period", "2023")),
        text,
        confirmed=bool(kw.get("confirmed", False)),
    )
    return store.submit(
        proposal, author="ana", role=Role.ANALYST, regions=REGIONS, themes=THEMES,
        small_areas=["Binnenstad"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kw", "code"),
    [
        (BSN_TEXT, {}, "BB-DUI-001"),
        ("Bel de moeder op 06-12345678 voor uitleg.", {}, "BB-DUI-001"),
        ("Meer info via a.jansen@example.nl.", {}, "BB-DUI-001"),
        ("Betaald naar NL91ABNA0417164300.", {}, "BB-DUI-001"),
        ("Het gezin aan de Dorpsstraat 12 verhuisde.", {}, "BB-DUI-001"),
        ("Mevrouw Jansen verhuisde naar een andere wijk.", {}, "BB-DUI-002"),
        ("", {}, "BB-DUI-003"),
        ("x" * 1001, {}, "BB-DUI-003"),
        (CLEAN, {"region": "GM9999"}, "BB-DUI-004"),
        (CLEAN, {"theme": "geen-thema"}, "BB-DUI-005"),
        (CLEAN, {"period": "vorig jaar"}, "BB-DUI-006"),
    ],
)
def test_bad_input_is_a_dutch_error_and_nothing_is_saved(
    platform_url: str, text: str, kw: dict[str, object], code: str
) -> None:
    with open_platform(None, url=platform_url) as db:
        store = DuidingStore(db)
        with pytest.raises(DuidingError) as err:
            _submit(store, text, **kw)
        assert err.value.code == code
        assert _count(db) == 0
        numbers = re.findall(r"\d{6,}|\S+@\S+", text)
        assert not any(n in str(err.value) for n in numbers)  # where, never the value
        for entry in AuditLog(db).entries():  # a refusal is audited with kinds, not text
            assert "111222333" not in entry.details and "Jansen" not in entry.details


def test_a_warning_saves_once_confirmed_and_moderation_decides_visibility(
    platform_url: str,
) -> None:
    with open_platform(None, url=platform_url) as db:
        store = DuidingStore(db)
        text = "In de flat in Binnenstad wonen 3 gezinnen met schulden."
        with pytest.raises(DuidingError):
            _submit(store, text)
        saved = _submit(store, text, confirmed=True)
        assert saved.status is Status.SUBMITTED  # type: ignore[attr-defined]
        assert store.approved(gemeente_digits="0505") == []
        with pytest.raises(DuidingError) as err:
            store.review(saved.id, approve=True, reviewer="lees", role=Role.READER)  # type: ignore[attr-defined]
        assert err.value.code == "BB-DUI-009"
        store.review(saved.id, approve=True, reviewer="ana", role=Role.ANALYST)  # type: ignore[attr-defined]
        (shown,) = store.approved(gemeente_digits="0505", theme="uitkeringen", period="2023")
        assert shown.text == text and shown.author_role == "analist"
        with pytest.raises(DuidingError) as again:
            store.review(saved.id, approve=False, reviewer="ana", role=Role.ANALYST)  # type: ignore[attr-defined]
        assert again.value.code == "BB-DUI-008"
        events = [e.event for e in AuditLog(db).entries()]
        assert events == ["duiding_ingediend", "duiding_goedgekeurd"]


# --- the web app -------------------------------------------------------------------------------

BASE = "https://127.0.0.1"
COOKIE = "__Host-bb_sessie"
MAP = "/gemeente/GM0505?indicator=bijstand_per_1000&niveau=wijk&periode=2023"


@pytest.fixture(params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    app_workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[TestClient, dict[str, tuple[str, str]]]]:
    root = tmp_path / "werkmap"
    shutil.copytree(app_workspace, root)
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    if request.param == "postgresql":
        monkeypatch.setenv(
            ENV_DATABASE_URL, request.getfixturevalue("postgres_cluster").new_database()
        )
    sessions = {}
    with open_platform(root) as db:
        for role in ("lezer", "analist"):
            user = UserStore(db).create(f"t-{role}", role, "paarse-olifant-wandelt-7", actor="t")
            token = SessionStore(db).create(user, timedelta(hours=1))
            session = SessionStore(db).get(token)
            assert session is not None
            sessions[role] = (token, session.csrf_token)
    app = create_app(root, auth=AuthConfig(session_secret="x" * 40))
    with TestClient(app, base_url=BASE) as client:
        yield client, sessions


def _as(client: TestClient, sessions: dict[str, tuple[str, str]], role: str | None) -> str:
    client.cookies.clear()
    if role is None:
        return ""
    token, csrf = sessions[role]
    client.cookies.set(COOKIE, token)
    return csrf


def test_refused_then_clean_then_approved_then_seen_by_a_lezer(
    site: tuple[TestClient, dict[str, tuple[str, str]]],
) -> None:
    client, sessions = site
    csrf = _as(client, sessions, "analist")
    form = {"gebied": "WK050501", "thema": "uitkeringen", "periode": "2023", "csrf": csrf}
    refused = client.post("/duiding/nieuw", data={**form, "tekst": BSN_TEXT})
    assert refused.status_code == 422
    assert "BB-DUI-001" in refused.text and "burgerservicenummer" in refused.text
    assert "[bsn]" in refused.text  # the author sees where
    assert client.get("/duiding/beoordelen").text.count("Goedkeuren") == 0  # nothing saved
    saved = client.post("/duiding/nieuw", data={**form, "tekst": CLEAN}, follow_redirects=False)
    assert saved.status_code == 303
    _as(client, sessions, "lezer")
    assert CLEAN not in client.get(MAP).text  # not approved yet
    assert client.get("/duiding/beoordelen", follow_redirects=False).status_code == 403
    csrf = _as(client, sessions, "analist")
    queue = client.get("/duiding/beoordelen").text
    duiding_id = re.search(r"/duiding/(\d+)/goedkeuren", queue).group(1)  # type: ignore[union-attr]
    approved = client.post(f"/duiding/{duiding_id}/goedkeuren", data={"csrf": csrf},
                           follow_redirects=False)  # fmt: skip
    assert approved.status_code == 303
    _as(client, sessions, "lezer")
    page = client.get(MAP).text
    assert CLEAN in page and "Analist" in page
    assert CLEAN in client.get("/regio/WK050501").text
    csv = client.get(MAP.replace("GM0505?", "GM0505/tabel.csv?")).text
    assert "duiding" in csv.splitlines()[0] and CLEAN in csv
    # publiek: only where area and theme are public. Bijstand (CBS open data) is public; the
    # ketenpartners theme holds no public indicator, so its duiding stays internal.
    csrf = _as(client, sessions, "analist")
    partner = "De ketenpartners registreren sinds 2023 anders; vergelijk niet met eerdere jaren."
    client.post("/duiding/nieuw", data={**form, "thema": "ketenpartners", "tekst": partner})
    queue = client.get("/duiding/beoordelen").text
    partner_id = re.search(r"/duiding/(\d+)/goedkeuren", queue).group(1)  # type: ignore[union-attr]
    client.post(f"/duiding/{partner_id}/goedkeuren", data={"csrf": csrf})
    assert partner in client.get("/regio/WK050501").text  # signed in: every theme
    _as(client, sessions, None)
    public_profile = client.get("/regio/WK050501").text
    assert CLEAN in public_profile and partner not in public_profile
    assert CLEAN in client.get(MAP).text
    assert "Duiding toevoegen" not in client.get(MAP).text  # publiek does not write


def test_a_lezer_proposes_but_cannot_approve(
    site: tuple[TestClient, dict[str, tuple[str, str]]],
) -> None:
    client, sessions = site
    csrf = _as(client, sessions, "lezer")
    form = {"gebied": "GM0505", "thema": "jeugd", "periode": "2023", "tekst": CLEAN, "csrf": csrf}
    assert client.post("/duiding/nieuw", data=form, follow_redirects=False).status_code == 303
    page = client.get("/duiding/nieuw").text
    assert CLEAN in page and "ingediend" in page  # the author's own list
    refused = client.post("/duiding/1/goedkeuren", data={"csrf": csrf}, follow_redirects=False)
    assert refused.status_code == 403


def test_a_public_instance_has_no_duiding_and_no_register(
    tmp_path: Path, empty_workspace_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "openbaar"
    shutil.copytree(empty_workspace_template, root)
    config = root / "buurtbeeld.toml"
    config.write_text(config.read_text(encoding="utf-8") + "publiek = true\n", encoding="utf-8")
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    with TestClient(create_app(root, auth=None), base_url="http://127.0.0.1") as client:
        for path in ("/duiding/nieuw", "/duiding/beoordelen", "/doorbraken/nieuw?gemeente=GM0505"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "BB-DUI-010" in response.text or "BB-DBR-012" in response.text
        client.cookies.set("bb_formulier", "t")
        posted = client.post(
            "/duiding/nieuw", data={"csrf": "t", "gebied": "GM0505", "tekst": CLEAN}
        )
        assert posted.status_code == 404
    assert not (root / "platform.sqlite").exists()  # nothing written


def test_reading_in_the_local_viewer_creates_no_platform_database(
    tmp_path: Path, empty_workspace_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A blank BUURTBEELD_DATABASE_URL is no database (as open_platform reads it): pages that
    read duiding, doorbraken or the steering framework must not create the workspace's file."""
    root = tmp_path / "lokaal"
    shutil.copytree(empty_workspace_template, root)
    monkeypatch.setenv(ENV_DATABASE_URL, "  ")
    with TestClient(create_app(root, auth=None), base_url="http://127.0.0.1") as client:
        for path in (
            "/duiding/beoordelen",
            "/doorbraken?gemeente=GM0505",
            "/sturen",
            "/beheer/publicatie",
        ):
            assert client.get(path).status_code < 500, path
    assert not (root / "platform.sqlite").exists()


def _approve_all(client: TestClient, csrf: str) -> None:
    queue = client.get("/duiding/beoordelen").text
    for duiding_id in re.findall(r"/duiding/(\d+)/goedkeuren", queue):
        client.post(f"/duiding/{duiding_id}/goedkeuren", data={"csrf": csrf})


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_approved_duiding_travels_with_the_exports_and_the_report(
    site: tuple[TestClient, dict[str, tuple[str, str]]], tmp_path: Path
) -> None:
    """Issue 16: duiding next to the figures on maps, profiles *and exports* (XLSX, GeoPackage,
    the printable report and its PDF), with the same visibility as on the pages."""
    import io
    import subprocess

    import pyogrio
    from openpyxl import load_workbook

    client, sessions = site
    csrf = _as(client, sessions, "analist")
    form = {"thema": "uitkeringen", "periode": "2023", "csrf": csrf}
    wijk = "In de Binnenstad daalde de bijstand na de opening van het werkgeversservicepunt."
    town = "Sinds 2023 begeleidt de gemeente nieuwe aanvragers eerder naar werk."
    partner = "De ketenpartners registreren sinds 2023 anders; vergelijk niet met eerdere jaren."
    for gebied, tekst, thema in (
        ("WK050501", wijk, "uitkeringen"),
        ("GM0505", town, "uitkeringen"),
        ("WK050501", partner, "ketenpartners"),
    ):
        client.post(
            "/duiding/nieuw", data={**form, "gebied": gebied, "tekst": tekst, "thema": thema}
        )
    exports = MAP.replace("GM0505?", "GM0505/tabel.{}?")
    _as(client, sessions, "lezer")
    assert wijk not in client.get(exports.format("xlsx")).content.decode("latin-1")  # not approved
    _approve_all(client, _as(client, sessions, "analist"))

    _as(client, sessions, "lezer")
    book = load_workbook(io.BytesIO(client.get(exports.format("xlsx")).content))
    figures, sources = book["Cijfers"], book["Bronnen"]
    lines = [list(r) for r in figures.iter_rows(values_only=True)]
    header = next(line for line in lines if line and line[0] == "Regiocode")
    rows = {
        line[0]: dict(zip(header, line, strict=True)) for line in lines[lines.index(header) + 1 :]
    }
    assert wijk in rows["WK050501"]["Duiding"] and "analist" in rows["WK050501"]["Duiding"]
    assert not rows["WK050502"]["Duiding"]
    notes = [v for k, v in sources.iter_rows(values_only=True) if k == "Duiding"]
    assert any(town in n and "(GM0505)" in n for n in notes)  # the gemeente's own duiding
    assert not any(partner in n for n in notes)  # another theme than the map's indicator
    path = tmp_path / "kaart.gpkg"
    path.write_bytes(client.get(exports.format("gpkg")).content)
    frame = pyogrio.read_dataframe(path)
    assert wijk in frame.set_index("regiocode").loc["WK050501", "duiding"]

    report = client.get("/regio/WK050501/rapport").text
    assert wijk in report and town in report and partner in report  # signed in: every theme
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(client.get("/regio/WK050501/rapport.pdf").content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Duiding" in text and "werkgeversservicepunt" in " ".join(text.split())

    _as(client, sessions, None)  # publiek: only where area and theme are public
    public = client.get("/regio/WK050501/rapport").text
    assert wijk in public and partner not in public
    public_book = load_workbook(io.BytesIO(client.get(exports.format("xlsx")).content))
    assert wijk in str(list(public_book["Cijfers"].iter_rows(values_only=True)))
