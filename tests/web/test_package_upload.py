"""A real partner package uploaded through the web, then its internal figures exported.

The package is made by the real source toolkit from synthetic Dordrecht debt signals and signed
with the toolkit's key, which the workspace registers as a partner; the app runs with sign-in and
the job runs in its own process. Exports of the package's (internal) indicators by a signed-in
user get an ``export_intern`` audit entry; the page's own script fetches and public indicators
do not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.source.keys import key_files
from buurtbeeld.source.pipeline import make_package
from buurtbeeld.source.spec import load_spec
from buurtbeeld.source.synthetic import generate
from buurtbeeld.store.partners import register_partner
from buurtbeeld.store.workspace import open_workspace
from tests.web.test_import_jobs import Site, _job_id
from tests.web.test_import_jobs import site as site

pytestmark = pytest.mark.slow
GEMEENTE = "GM0505"
OWN_PAGE = {"sec-fetch-site": "same-origin", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the signed package, the toolkit's public key file)."""
    base = tmp_path_factory.mktemp("partnerpakket")
    folder = base / "bron"
    generate(folder, gemeente=GEMEENTE, seed=23, registers=("schuldsignalen",))
    (folder / ".buurtbeeld-zaad").write_text("1" * 64 + "\n", encoding="ascii")
    spec = load_spec(folder / "schuldsignalen.yaml")
    result = make_package(spec, base / "schuldsignalen-2024.zip")
    return result.path, key_files(spec).public


@pytest.fixture
def with_package(site: Site, package: tuple[Path, Path]) -> Iterator[tuple[Site, list[str]]]:
    """The site after the beheerder uploaded the package; the package's indicator ids."""
    register_partner(open_workspace(site.root), "schuldhulp", package[1])
    job_id = _job_id(site.upload(package[0], "pakket"))
    assert site.wait(job_id, timeout=600)["status"] == "klaar"
    page = site.client.get(f"/beheer/imports/{job_id}").text
    assert "Pakket geaccepteerd: schuldsignalen-2024.zip" in page
    assert "ondertekend door partner &#39;schuldhulp&#39;" in page
    entries = site.audit()
    accepted = [e for e in entries if e["gebeurtenis"] == "pakket_import"]
    assert len(accepted) == 1 and accepted[0]["wie"] == "test-beheerder"
    # the app serves the package's indicators once it switched to the new generation
    site.as_role("lezer")
    builtin = {i.id for i in builtin_catalog().indicators}
    deadline = time.monotonic() + 30
    while True:
        ids = [i["id"] for i in site.client.get("/api/v1/indicatoren").json()]
        internal = [i for i in ids if i not in builtin]
        if internal:
            break
        assert time.monotonic() < deadline, "package indicators never served"
        time.sleep(0.2)
    yield site, internal


def _exports(site: Site) -> list[dict[str, object]]:
    return [e for e in site.audit() if e["gebeurtenis"] == "export_intern"]


def test_exports_of_internal_indicators_are_recorded_once_per_download(
    with_package: tuple[Site, list[str]],
) -> None:
    site, internal = with_package
    indicator = internal[0]
    site.as_role("lezer")
    assert not _exports(site)
    csv_download = site.client.get(f"/gemeente/{GEMEENTE}/tabel.csv?indicator={indicator}")
    assert csv_download.status_code == 200
    geojson = site.client.get(f"/api/v1/kaart/{GEMEENTE}.geojson?indicator={indicator}")
    assert geojson.status_code == 200
    # the map page's own script: part of viewing the page, not an export
    own = site.client.get(
        f"/api/v1/kaart/{GEMEENTE}.geojson?indicator={indicator}", headers=OWN_PAGE
    )
    assert own.status_code == 200
    # a public (CBS) indicator: not internal
    assert site.client.get(f"/gemeente/{GEMEENTE}/tabel.csv?indicator=inwoners").status_code == 200
    entries = _exports(site)
    assert [(e["wie"], e["details"]["formaat"]) for e in entries] == [  # type: ignore[index]
        ("test-lezer", "csv"),
        ("test-lezer", "geojson"),
    ]
    for e in entries:
        details = e["details"]
        assert isinstance(details, dict)
        assert details["indicatoren"] == [indicator] and details["gebied"] == GEMEENTE
    # the profile API carries every indicator: recorded, naming the internal ones
    assert site.client.get(f"/api/v1/regios/{GEMEENTE}/profiel").status_code == 200
    profile = _exports(site)[-1]["details"]
    assert isinstance(profile, dict) and set(internal) <= set(profile["indicatoren"])  # type: ignore[arg-type]


# The downloads of the analysis and change views (issues 13 and 15), asked for an internal
# indicator: each is an export of internal figures like the table CSV.
ANALYSIS_EXPORTS = [
    ("/gemeente/{g}/hotspots.csv?indicator={i}", "csv"),
    ("/api/v1/hotspots/{g}.geojson?indicator={i}", "geojson"),
    ("/gemeente/{g}/verandering.geojson?indicator={i}", "geojson"),
    ("/gemeente/{g}/buurttypen.csv?indicator={i}&indicator=bijstand_per_1000", "csv"),
    ("/api/v1/buurttypen/{g}.geojson?indicator={i}&indicator=bijstand_per_1000", "geojson"),
]


def test_analysis_downloads_of_internal_indicators_are_recorded(
    with_package: tuple[Site, list[str]],
) -> None:
    site, internal = with_package
    indicator = internal[0]
    site.as_role("lezer")
    answered, statuses = [], []
    for template, kind in ANALYSIS_EXPORTS:
        url = template.format(g=GEMEENTE, i=indicator)
        statuses.append((url, site.client.get(url).status_code))
        if statuses[-1][1] == 200:
            answered.append(kind)
    # hotspots answer for a partner indicator; the change map needs two periods and the
    # national typology figures for every buurt, so those may refuse (then nothing is exported)
    assert [status for _, status in statuses[:2]] == [200, 200], statuses
    entries = _exports(site)
    assert [e["details"]["formaat"] for e in entries] == answered  # type: ignore[index]
    assert all(indicator in e["details"]["indicatoren"] for e in entries)  # type: ignore[index]


def test_report_and_map_view_exports_of_internal_indicators_are_recorded(
    with_package: tuple[Site, list[str]],
) -> None:
    """Issue 13 item 3: XLSX and GeoPackage of an internal map view, and the PDF report (which
    holds every indicator the role sees) are exports of internal figures; a public one is not."""
    site, internal = with_package
    indicator = internal[0]
    site.as_role("lezer")
    before = len(_exports(site))
    assert site.client.get(f"/gemeente/{GEMEENTE}/tabel.xlsx?indicator=inwoners").status_code == 200
    assert len(_exports(site)) == before  # CBS figures: public, nothing to record
    for url in (
        f"/gemeente/{GEMEENTE}/tabel.xlsx?indicator={indicator}",
        f"/gemeente/{GEMEENTE}/tabel.gpkg?indicator={indicator}",
        f"/regio/{GEMEENTE}/rapport.pdf",
    ):
        assert site.client.get(url).status_code == 200, url
    entries = _exports(site)[before:]
    assert [e["details"]["formaat"] for e in entries] == ["xlsx", "gpkg", "pdf"]  # type: ignore[index]
    assert all(indicator in e["details"]["indicatoren"] for e in entries)  # type: ignore[index]
