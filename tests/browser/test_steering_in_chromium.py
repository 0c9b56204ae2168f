"""Steering in Chromium (issue 16): an analist imports the demo framework (after a refused one),
adds a goal with a target and a wijk target, downloads the P&C export as XLSX and PDF (the PDF
rendered to PNG with pdftoppm); axe-core finds nothing serious on any steering page."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import open_platform
from buurtbeeld.platform.users import UserStore
from buurtbeeld.steer.workspace import DEMO_FRAMEWORK
from tests.browser.conftest import serve
from tests.browser.test_sign_in_in_chromium import _serious_violations
from tests.steer.test_pages import check_pdf

pytestmark = pytest.mark.browser
PASSWORD = "blauwe-brug-over-de-merwede-3"


@pytest.fixture(scope="module")
def steering_server(
    tmp_path_factory: pytest.TempPathFactory, filled_workspace_template: Path
) -> Iterator[str]:
    root = tmp_path_factory.mktemp("sturen-chromium") / "werkmap"
    shutil.copytree(filled_workspace_template, root)
    with open_platform(root) as db:
        UserStore(db).create("anna", "analist", PASSWORD, actor="test")
    with serve(root, auth=AuthConfig(session_secret="s" * 40)) as url:
        yield url


def _no_serious(page: Any) -> None:
    found = _serious_violations(page)
    assert not found, (page.url, found)


def test_an_analist_steers_in_chromium(browser: Any, steering_server: str, tmp_path: Path) -> None:
    context = browser.new_context(bypass_csp=True, accept_downloads=True)  # axe is inline
    page = context.new_page()
    page.goto(steering_server + "/inloggen?volgende=/sturen")
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(steering_server + "/sturen")
    assert page.get_by_role("heading", name="Sturen op het sociaal domein").is_visible()
    _no_serious(page)

    page.get_by_role("link", name="Kader bewerken of importeren").click()
    editor = page.get_by_label("Kader (YAML)")
    demo = DEMO_FRAMEWORK.read_text(encoding="utf-8")
    editor.fill(demo.replace("[wmo_per_1000]", "[wmo_per_10000]"))
    page.get_by_role("button", name="Kader opslaan").click()
    alert = page.get_by_role("alert").inner_text()
    assert "BB-STR-003" in alert and "wmo_per_10000" in alert and "Regel" in alert
    _no_serious(page)  # the editor with its error

    path = tmp_path / "dordrecht.yaml"
    path.write_text(demo, encoding="utf-8")
    page.get_by_label("Of importeer een YAML-bestand").set_input_files(str(path))
    page.get_by_role("button", name="Kader opslaan").click()
    page.wait_for_url(steering_server + "/sturen?opgeslagen=kader")
    assert page.get_by_role("heading", name="Zorg dichtbij").is_visible()
    _no_serious(page)

    page.get_by_role("link", name="Doelen en voortgang van Bestaanszekerheid").click()
    page.get_by_label("Doel", exact=True).fill("Minder inwoners met geldzorgen")
    page.get_by_label("Indicator (uit het kader").select_option("moeite_rondkomen_pct")
    page.get_by_label("Periode van de nulmeting").fill("2016")
    page.get_by_label("Streefjaar").fill("2024")
    page.get_by_label("Streefwaarde (optioneel)").fill("20")
    page.get_by_role("button", name="Doel toevoegen").click()
    table = page.get_by_role("table", name="Nulmeting, streefwaarde, realisatie en status")
    assert "op koers" in table.inner_text() and "22,9% (2016)" in table.inner_text()
    # a target for one wijk
    page.get_by_label("Gebied").select_option(label="Wijk 01 Binnenstad")
    page.get_by_label("Jaar", exact=True).fill("2026")
    page.get_by_label("Streefwaarde", exact=True).fill("18,5")
    page.get_by_role("button", name="Streefwaarde opslaan").click()
    assert "Wijk 01 Binnenstad" in table.inner_text()
    _no_serious(page)

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="P&C-tabel als Excel (XLSX)").click()
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    assert sheet is not None
    texts = [str(c) for r in sheet.iter_rows(values_only=True) for c in r if c]
    assert "Minder inwoners met geldzorgen" in texts and "18,5 (2026)" in texts
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="P&C-paragraaf als PDF").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    check_pdf(pdf, tmp_path, ["Programma Bestaanszekerheid", "Ambitie", "Doelen en realisatie"])

    for url in ("/sturen/bronnen", "/sturen/kader/bewerken"):
        page.goto(steering_server + url)
        _no_serious(page)
    context.close()
