"""A gemeente's own table through Beheer → Imports (issue 17 item 3 through the web).

The real app with sign-in, a real runner process per upload (tests/web/test_import_jobs.py):
the table with its definition file, or with the definition filled in the form; the Dutch report
(small counts hidden, unmatched regions); refusals with codes, the workspace unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.db import open_platform
from buurtbeeld.store.workspace import Workspace, open_workspace
from tests.store.test_own_table import DEFINITION, _buurten, _figures, _write_csv
from tests.web import test_import_jobs
from tests.web.test_import_jobs import Site, _job_id

SCHULDEN = "eigen_schulden_schulden"


@pytest.fixture
def site(
    empty_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    """The signed-in app of tests/web/test_import_jobs.py (same fixture, reused)."""
    yield from test_import_jobs.site.__wrapped__(empty_workspace, tmp_path, monkeypatch)


def _table(site: Site, tmp_path: Path, *, extra_rows: list[list[object]] | None = None) -> Path:
    buurten = _buurten(open_workspace(site.root))
    rows: list[list[object]] = [
        [code, 2024, debts, households]
        for code, (debts, households) in zip(buurten, _figures(len(buurten)), strict=True)
    ]
    return _write_csv(
        tmp_path / "schulden-2024.csv",
        ["buurtcode", "jaar", "schulden", "huishoudens"],
        rows + (extra_rows or []),
    )


def _post(
    site: Site,
    table: Path,
    *,
    definition: str | None = None,
    fields: dict[str, str] | None = None,
) -> object:
    site.as_role("beheerder")
    files = {"bestand": (table.name, table.read_bytes())}
    if definition is not None:
        files["definitie"] = ("definitie.yaml", definition.encode())
    return site.client.post(
        "/beheer/imports",
        data={"csrf": site.csrf["beheerder"], "soort": "tabel", **(fields or {})},
        files=files,
        follow_redirects=False,
    )


def _stored(site: Site) -> dict[str, tuple[int, int]]:
    con = open_workspace(site.root).connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT indicator_id, count(*) FILTER (status = 'value'), "
            "count(*) FILTER (status_note = 'klein_aantal') FROM observation "
            "WHERE indicator_id LIKE 'eigen_%' GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def test_own_table_with_its_definition_file_runs_as_a_job_with_the_report(
    site: Site, tmp_path: Path
) -> None:
    page = (site.as_role("beheerder"), site.client.get("/beheer/imports"))[1]
    assert 'value="tabel"' in page.text and 'name="definitie"' in page.text
    table = _table(site, tmp_path)
    definition = DEFINITION.format(region="buurtcode", kind="code", extra="")
    job_id = _job_id(_post(site, table, definition=definition))
    assert site.wait(job_id)["status"] == "klaar"
    report = site.client.get(f"/beheer/imports/{job_id}").text
    assert "Geïmporteerd: schulden-2024.csv (tabel:schulden)" in report
    assert "kleine aantallen verborgen bij het importeren" in report
    assert SCHULDEN in report and "Zichtbaarheid van eigen_schulden_pct" in report
    stored = _stored(site)
    published, small = stored[SCHULDEN]
    assert published > 0 and small > 0  # small counts hidden with their reason
    assert f"{small} kleine aantallen verborgen" in report
    assert not (site.root / "uploads" / str(job_id)).exists()  # upload and definition removed
    with open_platform(None, url=site.db_url) as db:
        entries = [e.as_dict() for e in AuditLog(db).entries()]
    done = [e for e in entries if e["gebeurtenis"] == "import"]
    assert len(done) == 1 and done[0]["details"]["soort"] == "tabel"  # type: ignore[index]
    assert done[0]["details"]["resultaat"] == "geimporteerd"  # type: ignore[index]
    # the same table and definition again: nothing changes, and the report says so
    again = _job_id(_post(site, table, definition=definition))
    assert site.wait(again)["status"] == "klaar"
    assert "al geïmporteerd" in site.client.get(f"/beheer/imports/{again}").text


def test_definition_filled_in_the_form(site: Site, tmp_path: Path) -> None:
    table = _table(site, tmp_path)
    fields = {
        "def_tabel": "schulden",
        "def_bron": "GGD Zuid-Holland Zuid",
        "def_regio_kolom": "buurtcode",
        "def_regio_soort": "code",
        "def_periode": "jaar",
        "ind_kolom_1": "schulden",
        "ind_titel_1": "Huishoudens met schulden",
        "ind_eenheid_1": "aantal",
        "ind_telt_1": "huishoudens",
        "ind_richting_1": "hoger_is_slechter",
        "ind_zichtbaarheid_1": "intern",
    }
    job_id = _job_id(_post(site, table, fields=fields))
    assert site.wait(job_id)["status"] == "klaar"
    assert set(_stored(site)) == {SCHULDEN}  # only the column the form names
    con = open_workspace(site.root).connect(read_only=True)
    try:
        (definition,) = con.execute(
            "SELECT definition_json FROM indicator_def WHERE id = ?", [SCHULDEN]
        ).fetchone() or ("",)
    finally:
        con.close()
    assert "Huishoudens met schulden" in definition and "hoger_is_slechter" in definition


@pytest.mark.parametrize(
    ("definition", "fields", "code"),
    [
        (None, {}, "BB-TAB-030"),  # no definition at all
        ("tabel: Schulden!\nbron: x\n", {}, "BB-TAB-001"),  # fields missing and wrong
        ("::: geen yaml [", {}, "BB-TAB-001"),
        (
            DEFINITION.format(region="postcode", kind="postcode", extra=""),
            {},
            "BB-TAB-031",
        ),  # postcodes without the postcode table
    ],
)
def test_a_bad_definition_is_refused_before_any_job(
    site: Site, tmp_path: Path, definition: str | None, fields: dict[str, str], code: str
) -> None:
    response = _post(site, _table(site, tmp_path), definition=definition, fields=fields)
    assert response.status_code == 400 and code in response.text  # type: ignore[attr-defined]
    assert 'role="alert"' in response.text  # type: ignore[attr-defined]
    with open_platform(None, url=site.db_url) as db:
        assert not [e for e in AuditLog(db).entries() if e.event == "import_gestart"]


def test_bad_table_fails_with_its_code_and_changes_nothing(site: Site, tmp_path: Path) -> None:
    generation = open_workspace(site.root).generation()
    table = _table(site, tmp_path, extra_rows=[["BU99999999", 2024, 20, 200]])
    missing_column = DEFINITION.format(region="buurtcode", kind="code", extra="").replace(
        "kolom: huishoudens", "kolom: huishoudens_totaal"
    )
    for definition, code in (
        (missing_column, "BB-TAB-002"),  # a definition for a column that does not exist
        (DEFINITION.format(region="buurtcode", kind="code", extra=""), "BB-TAB-003"),
    ):
        job_id = _job_id(_post(site, table, definition=definition))
        assert site.wait(job_id)["status"] == "mislukt"
        page = site.client.get(f"/beheer/imports/{job_id}").text
        assert f"Foutcode: <code>{code}</code>" in page and "Traceback" not in page
    assert open_workspace(site.root).generation() == generation and not _stored(site)
    # skipping unknown regions: imported, and the report names what did not match
    job_id = _job_id(
        _post(
            site,
            table,
            definition=DEFINITION.format(region="buurtcode", kind="code", extra=""),
            fields={"onbekend": "ja"},
        )
    )
    assert site.wait(job_id)["status"] == "klaar"
    report = site.client.get(f"/beheer/imports/{job_id}").text
    assert "1 regio&#39;s niet gevonden en overgeslagen: &#39;BU99999999&#39;" in report
