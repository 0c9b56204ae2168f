"""Printable reports (HTML, PDF) and exports of map views (XLSX, GeoPackage) (issue 13 item 3).

The real app over the bundled CBS data: the PDF reports of Dordrecht and of one of its buurten
are rendered to PNG with pdftoppm and checked (a coloured map over a large part of the page,
Dutch headings, "Bron:"); the XLSX is opened with openpyxl and the GeoPackage with pyogrio, and
their values must equal the map page's table (hidden figures empty with a reason, never 0).
With sign-in configured, publiek's report and exports hold no internal partner indicator, while
the local viewer's do.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from PIL import Image

from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL
from buurtbeeld.web.app import create_app
from tests.overlap_package import GEMEENTE as PARTNER_GEMEENTE
from tests.web.visibility_data import Secrets

DORDRECHT = "GM0505"
INDICATOR = "bijstand_per_1000"
HEADINGS = ["Kaart", "Kerncijfers", "Ontwikkeling in de tijd", "Bronnen en verborgen cijfers"]


def _table(page: str) -> dict[str, tuple[str, str]]:
    """The map page's table: code → (name, figure as shown)."""
    rows = re.findall(
        r'<tr class="utrecht-table__row" data-code="([^"]+)" data-status="[a-z]+">\s*'
        r"<td[^>]*>[^<]*</td>\s*<td[^>]*><a[^>]*>([^<]*)</a></td>\s*"
        r"<td[^>]*>(?:<span[^>]*></span>)?([^<]*)</td>",
        page,
    )
    return {code: (html.unescape(name), figure.strip()) for code, name, figure in rows}


def _number(shown: str) -> float | None:
    """A figure as the page shows it ("1.234,5"), None for a status word."""
    if not re.fullmatch(r"-?[\d.]+(,\d+)?", shown):
        return None
    return float(shown.replace(".", "").replace(",", "."))


def _pdf_text_and_page(content: bytes, folder: Path) -> tuple[str, Image.Image]:
    """The PDF's text (pdftotext) and its first page as an RGB image (pdftoppm, 50 dpi)."""
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("pdftoppm/pdftotext ontbreken (Debian-pakket poppler-utils)")
    path = folder / "rapport.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(path), str(folder / "p1")],
                   check=True, timeout=120)  # fmt: skip
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          timeout=120).stdout.decode("utf-8")  # fmt: skip
    return " ".join(text.split()), Image.open(folder / "p1.png").convert("RGB")


def _coloured_box(image: Image.Image) -> tuple[int, tuple[int, int, int, int] | None]:
    """Pixels with a clear colour (the choropleth; text is black, grey or the blue headings)."""
    pixels = np.asarray(image.resize((image.width // 2, image.height // 2))).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    coloured = (spread > 40) & ~((b > r + 40) & (b > g + 20))  # not the blue headings
    ys, xs = np.nonzero(coloured)
    if not len(xs):
        return 0, None
    return int(coloured.sum()), (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))


def _check_map_page(image: Image.Image) -> None:
    count, box = _coloured_box(image)
    area = (image.width // 2) * (image.height // 2)
    assert box is not None and count > 0.03 * area, "geen gekleurde kaart op pagina 1"
    width = box[2] - box[0]
    assert width > 0.4 * image.width // 2, f"de kaart is te smal ({box})"


def test_the_gemeente_report_pdf_has_the_map_headings_and_sources(
    client: TestClient, tmp_path: Path
) -> None:
    profile = client.get(f"/regio/{DORDRECHT}").text
    assert f'href="/regio/{DORDRECHT}/rapport"' in profile, "link vanuit het profiel"
    response = client.get(f"/regio/{DORDRECHT}/rapport.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    text, page = _pdf_text_and_page(response.content, tmp_path)
    _check_map_page(page)
    for heading in [*HEADINGS, "Dordrecht", "GM0505", "Bron: CBS", "Nederland"]:
        assert heading in text, heading
    table = _table(client.get(f"/gemeente/{DORDRECHT}?indicator={INDICATOR}").text)
    # the report's buurt table equals the map page's table (names and codes side by side)
    page = client.get(f"/regio/{DORDRECHT}/rapport?indicator={INDICATOR}").text
    rows = re.findall(
        r'<tr data-code="([^"]+)"><td class="bb-code">[^<]*</td><td>([^<]*)</td>'
        r"<td[^>]*>([^<]*)</td>",
        page,
    )
    assert {c: (html.unescape(n), f) for c, n, f in rows} == table
    code, (name, shown) = next((c, v) for c, v in table.items() if _number(v[1]) is not None)
    assert f"{code} {name.split()[0]}" in text and shown in text  # on paper too


def test_a_buurt_report_outlines_the_buurt_and_has_its_figures(
    client: TestClient, tmp_path: Path
) -> None:
    table = _table(client.get(f"/gemeente/{DORDRECHT}?indicator={INDICATOR}").text)
    page = client.get(f"/regio/{DORDRECHT}/rapport?indicator={INDICATOR}").text
    drawn = set(
        re.findall(
            r'<path d="[^"]+" fill="[^"]+" fill-rule="evenodd"[^>]*data-code="([^"]+)"', page
        )
    )
    geojson = client.get(f"/api/v1/kaart/{DORDRECHT}.geojson?indicator={INDICATOR}").json()
    on_map = {f["properties"]["code"] for f in geojson["features"]}
    assert drawn == on_map and drawn <= set(table), "de kaart tekent de buurten van de webkaart"
    buurt = sorted(drawn)[3]
    report = client.get(f"/regio/{buurt}/rapport")
    assert report.status_code == 200
    assert f'data-gemarkeerd="{buurt}"' in report.text  # outlined on the gemeente's map
    assert 'href="/static/css/rapport.css"' in report.text and "<style" not in report.text  # CSP
    profile = client.get(f"/regio/{buurt}").text
    assert f'href="/regio/{buurt}/rapport"' in profile
    response = client.get(f"/regio/{buurt}/rapport.pdf")
    assert response.status_code == 200
    text, image = _pdf_text_and_page(response.content, tmp_path)
    _check_map_page(image)
    for heading in [*HEADINGS, "Bron:", buurt, table[buurt][0], "Dordrecht"]:
        assert heading in text, heading
    # the buurt's own figure of the map indicator, as its profile shows it
    own = re.search(
        rf'data-indicator="{INDICATOR}">.*?data-code="{buurt}"[^>]*>\s*([^<]+?)\s*</td>',
        profile,
        re.S,
    )
    assert own is not None and own.group(1) in text


def test_a_report_for_the_country_is_refused_in_dutch(client: TestClient) -> None:
    response = client.get("/regio/NL00/rapport")
    assert response.status_code == 404 and "BB-RAP-001" in response.text
    assert "geen rapport" in response.text


@pytest.mark.parametrize("level", ["buurt", "wijk"])
def test_xlsx_and_geopackage_equal_the_page_table(
    client: TestClient, tmp_path: Path, level: str
) -> None:
    import pyogrio

    query = f"indicator={INDICATOR}&niveau={level}"
    table = _table(client.get(f"/gemeente/{DORDRECHT}?{query}").text)
    assert any(_number(f) is None for _, f in table.values()) or level == "wijk"

    xlsx = client.get(f"/gemeente/{DORDRECHT}/tabel.xlsx?{query}")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["Cijfers"]
    lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert (
        lines[1][0].startswith("Bron: ")
        and "CBS" in lines[1][0]
        and lines[2][0].startswith("Periode: 20")
    )
    header = next(i for i, r in enumerate(lines) if r[0] == "Regiocode")
    rows = [dict(zip(lines[header], r, strict=True)) for r in lines[header + 1 :]]
    assert {r["Regiocode"] for r in rows} == set(table)
    for r in rows:
        name, shown = table[r["Regiocode"]]
        assert r["Naam"] == name
        assert r["Waarde"] == _number(shown), r["Regiocode"]
        assert r["Bron"].startswith("Bron: ") and r["Periode"]
        if r["Waarde"] is None:  # hidden or missing: empty with the reason, never 0
            assert r["Status"] in ("verborgen", "ontbreekt") and r["Reden (verborgen of ontbreekt)"]
    pairs = [(r[0], r[1]) for r in book["Bronnen"].iter_rows(values_only=True)]
    sources = dict(pairs)
    assert sources["Bron"] == lines[1][0] and sources["Periode"] == rows[0]["Periode"]
    assert any(k == "Toelichting" and "geen nul" in v for k, v in pairs)

    gpkg = client.get(f"/gemeente/{DORDRECHT}/tabel.gpkg?{query}")
    assert gpkg.status_code == 200
    path = tmp_path / "kaart.gpkg"
    path.write_bytes(gpkg.content)
    frame = pyogrio.read_dataframe(path)
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4326" and lines[1][0] in info["layer_metadata"]["DESCRIPTION"]
    assert set(frame["regiocode"]) == set(table)
    for r in frame.itertuples():
        name, shown = table[r.regiocode]
        expected = _number(shown)
        assert r.naam == name and r.bron.startswith("Bron: ") and r.periode
        if expected is None:
            assert r.waarde != r.waarde and r.toelichting, r.regiocode  # NaN: NULL in the file
        else:
            assert r.waarde == expected, r.regiocode
    with_polygon = frame[frame.geometry.notna()]
    assert len(with_polygon) >= 0.9 * len(frame) and with_polygon.geometry.is_valid.all()


# --- publiek sees no internal indicator in any report or export -------------------------------


@pytest.fixture(scope="module")
def sites(
    partner_workspace: tuple[Path, Secrets], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, TestClient, Secrets]]:
    root, every = partner_workspace
    # Secrets.titles holds every indicator_def name (the KWB columns too, which are public):
    # keep the titles of the partner package's indicators, the internal ones.
    with duckdb.connect(str(root / "buurtbeeld.duckdb"), read_only=True) as con:
        titles = tuple(
            str(t)
            for (t,) in con.execute(
                "SELECT json_extract_string(definition_json, '$.name') FROM indicator_def "
                "WHERE id IN (SELECT unnest(?::VARCHAR[]))",
                [list(every.ids)],
            ).fetchall()
        )
    secrets = Secrets(every.ids, titles, every.amounts)
    url = f"sqlite:///{tmp_path_factory.mktemp('platform') / 'platform.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_DATABASE_URL, url)
        app = create_app(root, auth=AuthConfig(session_secret="x" * 40))
        patch.delenv(ENV_DATABASE_URL)
        with (
            TestClient(app, base_url="https://127.0.0.1") as public,
            TestClient(create_app(root, auth=None), base_url="http://127.0.0.1") as viewer,
        ):
            yield public, viewer, secrets


def _contents(client: TestClient, url: str, folder: Path) -> str:
    """A response as text: PDF via pdftotext, XLSX every cell, GeoPackage every field."""
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 200, (url, response.status_code)
    if url.split("?")[0].endswith(".pdf"):
        return _pdf_text_and_page(response.content, folder)[0]
    if url.split("?")[0].endswith(".xlsx"):
        book = load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r
        )
    if url.split("?")[0].endswith(".gpkg"):
        import pyogrio

        path = folder / "x.gpkg"
        path.write_bytes(response.content)
        frame = pyogrio.read_dataframe(path, read_geometry=False)
        return frame.to_csv() + str(pyogrio.read_info(path)["layer_metadata"])
    return response.text


@pytest.mark.slow
def test_publiek_sees_no_internal_indicator_in_any_report_or_export(
    sites: tuple[TestClient, TestClient, Secrets], tmp_path: Path
) -> None:
    public, viewer, secrets = sites
    gm = PARTNER_GEMEENTE
    buurt = re.findall(r'data-code="(BU\d{8})"', viewer.get(f"/gemeente/{gm}").text)[0]
    reports = [f"/regio/{c}/rapport{ext}" for c in (gm, buurt) for ext in ("", ".pdf")]
    exports = [f"/gemeente/{gm}/tabel.{ext}?indicator={INDICATOR}" for ext in ("xlsx", "gpkg")]
    # the owner's report holds the internal partner indicators: the search below can find them
    seen_by_owner = _contents(viewer, f"/regio/{gm}/rapport.pdf", tmp_path)
    assert secrets.found_in(seen_by_owner), "de eigenaar ziet de interne indicatoren"
    assert "Stapeling van voorzieningen" in seen_by_owner  # and the stapeling
    internal = secrets.ids[0]
    assert viewer.get(f"/gemeente/{gm}/tabel.xlsx?indicator={internal}").status_code == 200
    for url in reports + exports:
        text = _contents(public, url, tmp_path)
        assert not secrets.found_in(text), (url, secrets.found_in(text)[:3])
        assert "Stapeling van voorzieningen" not in text, url  # internal: not even its heading
    for url in (
        f"/gemeente/{gm}/tabel.xlsx?indicator={internal}",
        f"/gemeente/{gm}/tabel.gpkg?indicator={internal}",
        f"/regio/{gm}/rapport?indicator={internal}",
        f"/regio/{gm}/rapport.pdf?indicator={internal}",
    ):
        internal_answer = public.get(url)
        never = public.get(url.replace(internal, internal[:-1] + "x"))
        assert internal_answer.status_code == never.status_code == 404, url


def test_a_gemeente_without_polygons_keeps_its_table_and_says_why(client: TestClient) -> None:
    csv_rows = client.get("/gemeente/GM0363/tabel.csv").text.strip().splitlines()[1:]
    page = client.get("/regio/GM0363/rapport").text
    if "<svg" in page.split('id="kerncijfers"')[0]:
        pytest.skip("deze werkmap heeft grenzen voor Amsterdam")
    assert "geen grenzen beschikbaar" in page
    assert len(csv_rows) > 100  # the buurten: summarised per wijk below


def test_a_long_buurt_list_is_summarised_per_wijk_with_the_buurten_as_xlsx(
    client: TestClient, tmp_path: Path
) -> None:
    """Amsterdam's ~500 buurten were 2.5 of its report's 3.4 s of CPU in WeasyPrint: the report
    of a gemeente with more than 150 buurten shows its wijken and points to the buurt XLSX."""
    csv_text = client.get(f"/gemeente/GM0363/tabel.csv?indicator={INDICATOR}").text
    buurten = {line.split(";")[0] for line in csv_text.strip().splitlines()[1:]}
    wijken = _table(client.get(f"/gemeente/GM0363?indicator={INDICATOR}&niveau=wijk").text)
    assert len(buurten) > 150 > len(wijken) > 10
    page = client.get(f"/regio/GM0363/rapport?indicator={INDICATOR}").text
    rows = re.findall(
        r'<tr data-code="([^"]+)"><td class="bb-code">[^<]*</td><td>([^<]*)</td>'
        r"<td[^>]*>([^<]*)</td>",
        page,
    )
    assert {c: (html.unescape(n), f) for c, n, f in rows} == wijken  # the wijk page's table
    assert "Cijfers per wijk" in page
    link = re.search(r'<p id="tabel-per-wijk">.*?<a href="([^"]+)"', page, re.S)
    assert link is not None and f"{len(buurten)} buurten" in page
    xlsx = client.get(html.unescape(link.group(1)))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    codes = {str(c.value) for c in next(sheet.iter_cols(min_col=1, max_col=1))}
    assert set(buurten) <= codes  # every buurt of the page's table is in the file
    pdf = client.get(f"/regio/GM0363/rapport.pdf?indicator={INDICATOR}")
    text, _ = _pdf_text_and_page(pdf.content, tmp_path)
    assert "Cijfers per wijk" in text and f"{len(buurten)} buurten: te veel" in text
    # the path of the XLSX, on paper (pdftotext may break the line inside it)
    assert f"/gemeente/GM0363/tabel.xlsx?indicator={INDICATOR}" in text.replace(" ", "")
    dordrecht = client.get(f"/regio/{DORDRECHT}/rapport?indicator={INDICATOR}").text
    assert 'id="tabel-per-wijk"' not in dordrecht  # 132 buurten: the buurt table stays
