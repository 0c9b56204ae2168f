"""Issue 16's "Done means" end to end in Chromium: an analist imports the demo framework (after a
refused one), adds a goal with a target and a wijk target, writes a duiding that is refused and
then a clean one; a lezer does not see it until the analist approved it, then sees it next to the
figures; the P&C export downloads as XLSX and PDF (the PDF rendered to PNG with pdftoppm and
checked). axe-core finds nothing serious on any page of the issue, for the analist and the lezer."""

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
        UserStore(db).create("lucas", "lezer", PASSWORD, actor="test")
    with serve(root, auth=AuthConfig(session_secret="s" * 40)) as url:
        yield url


def _no_serious(page: Any) -> None:
    found = _serious_violations(page)
    assert not found, (page.url, found)


def _sign_in(browser: Any, base: str, name: str) -> tuple[Any, Any]:
    context = browser.new_context(bypass_csp=True, accept_downloads=True)  # axe is inline
    page = context.new_page()
    page.goto(base + "/inloggen?volgende=/sturen")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(base + "/sturen")
    return context, page


REFUSED = "De stijging komt door gezin Jansen aan de Dordtselaan 12, bel 06-12345678."
CLEAN = "De daling van de geldzorgen volgt op de start van de schuldhulp in de wijken in 2018."


def test_the_done_means_of_issue_16_in_chromium(
    browser: Any, steering_server: str, tmp_path: Path
) -> None:
    context, page = _sign_in(browser, steering_server, "anna")
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
    assert "Minder inwoners met geldzorgen" in texts and "18,5% (2026)" in texts
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="P&C-paragraaf als PDF").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    check_pdf(pdf, tmp_path, ["Programma Bestaanszekerheid", "Ambitie", "Doelen en realisatie"])

    # A duiding next to the goal's figures: refused (address, phone), then a clean one.
    page.goto(steering_server + "/gemeente/GM0505?indicator=moeite_rondkomen_pct&niveau=wijk")
    page.get_by_role("link", name="Duiding toevoegen").click()
    text = page.get_by_label("Duiding (hoogstens 1000 tekens)")
    text.fill(REFUSED)
    page.get_by_role("button", name="Duiding indienen").click()
    alert = page.get_by_role("alert").inner_text()
    assert "BB-DUI-001" in alert and "telefoonnummer" in alert and "straatnaam" in alert
    assert "12345678" not in alert and "Dordtselaan" not in alert  # where, never what
    _no_serious(page)
    text.fill(CLEAN)
    page.get_by_role("button", name="Duiding indienen").click()
    assert "ingediend" in page.get_by_role("status").inner_text()
    _no_serious(page)

    reader, lezer = _sign_in(browser, steering_server, "lucas")
    assert "Kader bewerken" not in lezer.content() and "Duiding beoordelen" not in lezer.content()
    _no_serious(lezer)
    lezer.goto(steering_server + "/regio/GM0505")
    assert CLEAN not in lezer.content()  # not approved yet

    page.goto(steering_server + "/sturen")
    page.get_by_role("link", name="Duiding beoordelen").click()
    _no_serious(page)
    page.get_by_role("button", name="Goedkeuren").first.click()
    assert page.locator("#geen-duiding").is_visible()

    lezer.goto(steering_server + "/gemeente/GM0505?indicator=moeite_rondkomen_pct&niveau=wijk")
    section = lezer.locator("#duiding")
    assert CLEAN in section.inner_text() and "Analist" in section.inner_text()
    _no_serious(lezer)
    lezer.goto(steering_server + "/regio/GM0505")
    assert CLEAN in lezer.locator("#duiding").inner_text()
    lezer.goto(steering_server + "/sturen/doelen/bestaanszekerheid")
    assert "Doel toevoegen" not in lezer.content()  # the lezer reads
    _no_serious(lezer)
    with lezer.expect_download() as lezer_pdf:
        lezer.get_by_role("link", name="P&C-paragraaf als PDF").click()
    check_pdf(
        Path(lezer_pdf.value.path()).read_bytes(),
        tmp_path,
        ["Programma Bestaanszekerheid", "Minder inwoners met geldzorgen", "op koers", "18,5"],
    )
    for url in ("/sturen/bronnen", "/doorbraken", "/doorbraken/nieuw", "/duiding/nieuw"):
        lezer.goto(steering_server + url)
        _no_serious(lezer)
    reader.close()

    for url in ("/sturen/bronnen", "/sturen/kader/bewerken", "/doorbraken?gemeente=GM0505"):
        page.goto(steering_server + url)
        _no_serious(page)

    # Deleting a goal asks for the confirmation box first; then the goal and its targets go.
    page.goto(steering_server + "/sturen/doelen/bestaanszekerheid")
    page.locator("section", has_text="Minder inwoners met geldzorgen").screenshot(
        path=str(tmp_path / "doel-verwijderen.png")
    )
    page.get_by_role("button", name="Doel verwijderen").click()  # the browser asks for the box
    assert "Minder inwoners met geldzorgen" in page.content()
    page.get_by_label("Ja, verwijder dit doel met zijn streefwaarden").check()
    page.get_by_role("button", name="Doel verwijderen").click()
    page.wait_for_url(steering_server + "/sturen/doelen/bestaanszekerheid")
    assert "Minder inwoners met geldzorgen" not in page.content()
    context.close()
