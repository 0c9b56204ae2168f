"""The steering pages in the real app with sign-in (SQLite platform database): an analist
builds the framework and goals, a lezer reads, a beheerder edits the inventory; bad input comes
back with its code and nothing is saved; the P&C export as XLSX and as a PDF checked as PNG."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from PIL import Image

from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.users import UserStore
from buurtbeeld.steer.workspace import DEMO_FRAMEWORK
from buurtbeeld.web.app import create_app

COOKIE = "__Host-bb_sessie"
ROLES = ("lezer", "analist", "beheerder")


@dataclass
class Site:
    client: TestClient
    sessions: dict[str, tuple[str, str]]

    def get(self, role: str, url: str) -> object:
        self.client.cookies.clear()
        self.client.cookies.set(COOKIE, self.sessions[role][0])
        return self.client.get(url, follow_redirects=False)

    def post(self, role: str, url: str, data: dict[str, str], **kwargs: object) -> object:
        self.client.cookies.clear()
        self.client.cookies.set(COOKIE, self.sessions[role][0])
        data = {**data, "csrf": self.sessions[role][1]}
        return self.client.post(url, data=data, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, filled_workspace_template: Path
) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("sturen") / "werkmap"
    shutil.copytree(filled_workspace_template, root)
    url = f"sqlite:///{root / 'platform.sqlite'}"
    sessions = {}
    with open_platform(None, url=url) as db:
        users, store = UserStore(db), SessionStore(db)
        for role in ROLES:
            user = users.create(f"test-{role}", role, "paarse-olifant-wandelt-7", actor="test")
            token = store.create(user, timedelta(hours=1))
            session = store.get(token)
            assert session is not None
            sessions[role] = (token, session.csrf_token)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_DATABASE_URL, raising=False)
        app = create_app(root, auth=AuthConfig(session_secret="x" * 40))
        with TestClient(app, base_url="https://127.0.0.1") as client:
            yield Site(client, sessions)


def _text(response: object) -> str:
    return response.text  # type: ignore[attr-defined,no-any-return]


def _status(response: object) -> int:
    return response.status_code  # type: ignore[attr-defined,no-any-return]


def test_an_analist_builds_the_framework_and_a_bad_one_saves_nothing(site: Site) -> None:
    assert "nog geen indicatorenkader" in _text(site.get("lezer", "/sturen"))
    demo = DEMO_FRAMEWORK.read_text(encoding="utf-8")
    bad = site.post(
        "analist", "/sturen/kader", {"kader": demo.replace("[aow_pct]", "[aow_pct, aow_pct]")}
    )
    assert _status(bad) == 422
    assert "BB-STR-004" in _text(bad) and "Regel" in _text(bad) and "aow_pct, aow_pct" in _text(bad)
    assert "nog geen indicatorenkader" in _text(site.get("lezer", "/sturen"))
    upload = site.post(
        "analist", "/sturen/kader", {"kader": ""},
        files={"bestand": ("kader.yaml", demo.encode("utf-8"), "application/yaml")},
    )  # fmt: skip
    assert _status(upload) == 303
    page = _text(site.get("lezer", "/sturen"))
    for name in ("Bestaanszekerheid", "Kansrijk opgroeien", "Zorg dichtbij"):
        assert name in page
    assert "/sturen/kader/bewerken" not in page  # a lezer does not edit
    assert "/sturen/kader/bewerken" in _text(site.get("analist", "/sturen"))
    exported = _text(site.get("lezer", "/sturen/kader.yaml"))
    assert "sleutel: zorg_dichtbij" in exported
    assert _status(site.post("lezer", "/sturen/kader", {"kader": demo})) == 403


def test_an_analist_adds_one_indicator_to_a_sub_goal(site: Site) -> None:
    if "nog geen indicatorenkader" in _text(site.get("lezer", "/sturen")):
        site.post("analist", "/sturen/kader", {"kader": DEMO_FRAMEWORK.read_text(encoding="utf-8")})
    assert "Indicator toevoegen" in _text(site.get("analist", "/sturen"))
    assert "Indicator toevoegen" not in _text(site.get("lezer", "/sturen"))
    form = {"subdoel": "wmo_passend", "indicator": "wmo_clienten"}
    assert _status(site.post("lezer", "/sturen/kader/indicator", form)) == 403
    assert _status(site.post("analist", "/sturen/kader/indicator", form)) == 303
    assert "- wmo_per_1000\n    - wmo_clienten\n" in _text(site.get("lezer", "/sturen/kader.yaml"))
    for change, code in (
        ({}, "BB-STR-004"),  # already there
        ({"indicator": "bestaat_niet"}, "BB-STR-003"),
        ({"subdoel": "bestaat_niet"}, "BB-STR-006"),
    ):
        refused = site.post("analist", "/sturen/kader/indicator", {**form, **change})
        assert _status(refused) in (404, 422) and code in _text(refused), change
    assert _text(site.get("lezer", "/sturen/kader.yaml")).count("wmo_clienten") == 1


def test_goals_targets_and_the_pc_export(site: Site, tmp_path: Path) -> None:
    if "nog geen indicatorenkader" in _text(site.get("lezer", "/sturen")):
        site.post("analist", "/sturen/kader", {"kader": DEMO_FRAMEWORK.read_text(encoding="utf-8")})
    goal = {"doel": "Minder eenzaamheid", "indicator": "eenzaam_pct", "nulmeting": "2016",
            "jaar": "2024", "streefwaarde": "44", "toelichting": "Samen met de wijkteams."}  # fmt: skip
    for change, code in (
        ({"indicator": "bestaat_niet"}, "BB-STR-021"),
        ({"nulmeting": "2019"}, "BB-STR-023"),
        ({"streefwaarde": "144"}, "BB-STR-024"),
        ({"jaar": ""}, "BB-STR-024"),
    ):
        refused = site.post("analist", "/sturen/doelen/meedoen", {**goal, **change})
        assert _status(refused) == 422, change
        assert code in _text(refused) and "Er is niets opgeslagen" in _text(refused)
        assert "Nog geen doelen" in _text(site.get("lezer", "/sturen/doelen/meedoen"))
    assert _status(site.post("lezer", "/sturen/doelen/meedoen", goal)) == 403
    assert _status(site.post("analist", "/sturen/doelen/meedoen", goal)) == 303
    page = _text(site.get("lezer", "/sturen/doelen/meedoen"))
    assert "Minder eenzaamheid" in page and "niet op koers" in page  # 46,8 → 49,1
    assert "46,8% (2016)" in page and "49,1% (2020)" in page
    assert "Doel toevoegen" not in page  # the lezer's page has no forms

    xlsx = site.get("lezer", "/sturen/doelen/meedoen/pc.xlsx")
    assert _status(xlsx) == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active  # type: ignore[attr-defined]
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("Programma Meedoen")
    header = next(i for i, r in enumerate(rows) if r[0] == "Doel")
    line = dict(zip(rows[header], rows[header + 1], strict=True))
    assert line["Nulmeting"] == "46,8% (2016)" and line["Realisatie"] == "49,1% (2020)"
    assert line["Streefwaarde"] == "44,0% (2024)" and line["Status"] == "niet op koers"
    assert line["Gebied"] == "Dordrecht"  # the gemeente by name, as the council reads it
    assert line["Toelichting"] == "Samen met de wijkteams."

    pdf = site.get("lezer", "/sturen/doelen/meedoen/pc.pdf")
    assert _status(pdf) == 200 and pdf.content.startswith(b"%PDF")  # type: ignore[attr-defined]
    check_pdf(pdf.content, tmp_path, ["Programma Meedoen", "Doelen en realisatie", "Statusregel"])  # type: ignore[attr-defined]


def test_a_goal_changes_only_through_its_own_focus_area_and_goes_only_when_confirmed(
    site: Site,
) -> None:
    if "nog geen indicatorenkader" in _text(site.get("lezer", "/sturen")):
        site.post("analist", "/sturen/kader", {"kader": DEMO_FRAMEWORK.read_text(encoding="utf-8")})
    goal = {"doel": "Minder eenzame ouderen", "indicator": "eenzaam_pct", "nulmeting": "2016"}
    added = site.post("analist", "/sturen/doelen/meedoen", goal)
    assert _status(added) == 303
    goal_id = added.headers["location"].rsplit("#doel-", 1)[1]  # type: ignore[attr-defined]
    target = {"doel_id": goal_id, "indicator": "eenzaam_pct", "jaar": "2026", "streefwaarde": "40"}
    # through another focus area's address the goal does not exist: nothing set, nothing removed
    assert _status(site.post("analist", "/sturen/doelen/opgroeien/streefwaarde", target)) == 404
    gone = {"doel_id": goal_id, "bevestig": "ja"}
    assert _status(site.post("analist", "/sturen/doelen/opgroeien/verwijder", gone)) == 404
    page = _text(site.get("lezer", "/sturen/doelen/meedoen"))
    assert "Minder eenzame ouderen" in page and "40,0% (2026)" not in page
    # without the confirmation box the goal stays, and the analist reads why
    kept = site.post("analist", "/sturen/doelen/meedoen/verwijder", {"doel_id": goal_id})
    assert _status(kept) == 422 and "BB-STR-028" in _text(kept)
    assert "Minder eenzame ouderen" in _text(site.get("lezer", "/sturen/doelen/meedoen"))
    assert _status(site.post("analist", "/sturen/doelen/meedoen/verwijder", gone)) == 303
    assert "Minder eenzame ouderen" not in _text(site.get("lezer", "/sturen/doelen/meedoen"))


def check_pdf(content: bytes, folder: Path, headings: list[str]) -> None:
    """Render the first page to PNG with pdftoppm: not blank; its text has the Dutch headings."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm ontbreekt (Debian-pakket poppler-utils)")
    path = folder / "pc.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(path), str(folder / "pagina")],
                   check=True, timeout=60)  # fmt: skip
    image = Image.open(folder / "pagina.png").convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 0.002 * image.width * image.height, "de PDF-pagina is leeg"
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")  # fmt: skip
    words = " ".join(text.split())  # table cells wrap their text over lines
    for heading in headings:
        assert heading in words, heading


def test_sturen_leads_to_duiding_review_and_the_doorbraken_register(site: Site) -> None:
    """The pages of items 4-5 are found from /sturen (nothing else links to them)."""
    lezer = _text(site.get("lezer", "/sturen"))
    assert 'href="/duiding/nieuw"' in lezer and 'href="/doorbraken/nieuw' in lezer
    assert "/duiding/beoordelen" not in lezer  # a lezer proposes, an analist reviews
    before = _text(site.get("analist", "/sturen"))
    waiting = re.search(r'href="/duiding/beoordelen">Duiding beoordelen</a> \((\d+) wacht', before)
    assert waiting is not None
    note = {"gebied": "GM0505", "thema": "jeugd", "periode": "2023",
            "tekst": "De jeugdhulp steeg na de opening van een nieuwe praktijk."}  # fmt: skip
    assert _status(site.post("lezer", "/duiding/nieuw", note)) == 303
    after = _text(site.get("analist", "/sturen"))
    assert f"({int(waiting.group(1)) + 1} wacht" in after


def test_a_beheerder_edits_the_inventory_and_a_lezer_cannot(site: Site) -> None:
    page = _text(site.get("lezer", "/sturen/bronnen"))
    assert "CBS, Kerncijfers wijken en buurten" in page and "Aandeel verborgen" in page
    assert "Bron opslaan" not in page
    assert "Bron opslaan" in _text(site.get("beheerder", "/sturen/bronnen"))
    form = {"bron": "kwb", "eigenaar": "CBS", "grondslag": "open_data", "frequentie": "jaarlijks",
            "grondslag_toelichting": "", "kwaliteit": ""}  # fmt: skip
    assert _status(site.post("analist", "/sturen/bronnen", form)) == 403
    bad = site.post("beheerder", "/sturen/bronnen", {**form, "grondslag": "zomaar"})
    assert _status(bad) == 422 and "BB-STR-011" in _text(bad)
    assert _status(site.post("beheerder", "/sturen/bronnen", form)) == 303
    assert "Open data (geen persoonsgegevens)" in _text(site.get("lezer", "/sturen/bronnen"))
    csv_text = _text(site.get("lezer", "/sturen/bronnen.csv"))
    assert csv_text.splitlines()[0].startswith("bron;naam;ketenpartner;eigenaar")
    assert "kwb;CBS, Kerncijfers wijken en buurten;nee;CBS;" in csv_text
    # With a framework: coverage in its gemeente, an overview, the gaps in the Excel file.
    if "nog geen indicatorenkader" in _text(site.get("lezer", "/sturen")):
        site.post("analist", "/sturen/kader", {"kader": DEMO_FRAMEWORK.read_text(encoding="utf-8")})
    page = _text(site.get("lezer", "/sturen/bronnen"))
    assert "Overzicht: 2 bronnen" in page and "Dekking per niveau in Dordrecht" in page
    book = load_workbook(io.BytesIO(site.get("lezer", "/sturen/bronnen.xlsx").content))  # type: ignore[attr-defined]
    assert book.sheetnames == ["Inventaris", "Hiaten"]
    assert any(r[3] == "oude periode" for r in book["Hiaten"].iter_rows(values_only=True))


def test_the_local_viewer_reads_and_cannot_write(
    filled_workspace_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    assert not (filled_workspace_template / "platform.sqlite").exists()
    with TestClient(create_app(filled_workspace_template), base_url="http://127.0.0.1") as viewer:
        assert "nog geen indicatorenkader" in viewer.get("/sturen").text
        assert viewer.get("/sturen/bronnen").status_code == 200
        assert viewer.get("/sturen/doelen/meedoen").status_code == 404
        assert "Sturen" in viewer.get("/").text  # the owner's menu
    assert not (filled_workspace_template / "platform.sqlite").exists()  # reading created nothing
