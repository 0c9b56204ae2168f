"""Health figures of the 2020 division are shown on their own division, and their absence explained.

Counts come from the bundled files themselves (health monitor, indeling 2020; KWB 2023).
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from buurtbeeld.geo.codes import level_of, normalize_code
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.importer import BUNDLED_FILES
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web.format import format_number

COLUMN = "Eenzaam_28"  # eenzaam_pct, 18+


def _health_2020() -> dict[str, float | None]:
    table = pq.read_table(BUNDLED_FILES[1])
    keep = pc.and_(
        pc.equal(pc.utf8_trim_whitespace(table["Leeftijd"]), "20300"),
        pc.equal(pc.utf8_trim_whitespace(table["Perioden"]), "2020JJ00"),
    )
    if "Marges" in table.column_names:
        keep = pc.and_(keep, pc.equal(pc.utf8_trim_whitespace(table["Marges"]), "MW00000"))
    rows = table.filter(keep).to_pylist()
    return {normalize_code(str(r["WijkenEnBuurten"])): r[COLUMN] for r in rows}


def _only_2020() -> dict[str, float | None]:
    kwb = set(pq.read_table(BUNDLED_FILES[0], columns=["gwb_code_10"])["gwb_code_10"].to_pylist())
    return {c: v for c, v in _health_2020().items() if c not in kwb}


def test_every_2020_only_region_is_found_on_its_division(app_workspace: Path) -> None:
    only = _only_2020()
    levels = Counter(level_of(c).value for c in only)
    assert levels["buurt"] > 1000 and levels["wijk"] > 200 and levels["gemeente"] > 10
    cube = Cube(open_workspace(app_workspace))
    try:
        for code in only:
            region = cube.region(code)
            assert region.division_year == 2020, code
    finally:
        cube.close()


def test_2020_regions_have_profiles_with_their_health_figures(client: TestClient) -> None:
    only = _only_2020()
    gemeenten = [c for c in only if c.startswith("GM")]
    rng = random.Random(2020)
    sample = gemeenten + rng.sample([c for c in only if c.startswith("WK")], 15)
    sample += rng.sample([c for c in only if c.startswith("BU")], 25)
    for code in sample:
        api = client.get(f"/api/v1/regios/{code}/profiel")
        assert api.status_code == 200, code
        own = api.json()["gebieden"][0]
        assert own["regio"]["indeling"] == 2020
        figure = own["waarden"]["eenzaam_pct"]
        expected = only[code]
        if expected is None:
            assert figure["status"] == "hidden", code
        else:
            assert (figure["status"], figure["indeling"]) == ("value", 2020), code
            assert figure["waarde"] == pytest.approx(expected)
            page = client.get(f"/regio/{code}").text
            row = page[page.index('data-indicator="eenzaam_pct"') :]
            assert f">{format_number(expected, 1)}</td>" in row[: row.index("</tr>")], code
            assert "indeling 2020" in page


def test_a_2020_gemeente_has_its_own_map(client: TestClient) -> None:
    health = _health_2020()
    uden = {c: v for c, v in health.items() if c.startswith("BU0856")}
    api = client.get(
        "/api/v1/waarden", params={"gebied": "GM0856", "indicator": "eenzaam_pct"}
    ).json()
    values = {v["code"]: v for v in api["waarden"]}
    assert set(values) == set(uden)
    for code, expected in uden.items():
        if expected is None:
            assert values[code]["status"] == "hidden"
        else:
            assert values[code]["waarde"] == pytest.approx(expected)
    page = client.get("/gemeente/GM0856", params={"indicator": "eenzaam_pct"}).text
    assert "indeling 2020" in page


def test_a_figure_of_the_2020_division_says_so_where_the_code_still_exists(
    client: TestClient,
) -> None:
    code = "BU05050101"
    assert _health_2020()[code] is not None  # the code exists in both divisions
    page = client.get(f"/regio/{code}").text
    row = page[page.index('data-indicator="eenzaam_pct"') :]
    assert "indeling 2020" in row[: row.index("</tr>")]
    row = page[page.index('data-indicator="inwoners"') :]
    assert "indeling" not in row[: row.index("</tr>")]


@pytest.mark.parametrize("code", ["GM1991", "WK199101", "BU19910101"])
def test_maashorst_says_why_it_has_no_health_figures(client: TestClient, code: str) -> None:
    """Maashorst (2022) = Uden + Landerd (SOURCES.md): the 2020 figures are theirs."""
    health = _health_2020()
    assert code not in health and "GM0856" in health and "GM1685" in health
    page = client.get(f"/regio/{code}").text
    note = page[page.index('data-indeling="2020"') :]
    note = note[: note.index("</tr>")]
    assert "bestond toen nog niet" in note and "herindeling" in note
    assert 'href="/regio/GM0856"' in note and 'href="/regio/GM1685"' in note
    assert "GM0786" not in note  # Grave: a neighbour, not a predecessor
    api = client.get(f"/api/v1/regios/{code}/profiel").json()
    toelichting = api["gebieden"][0]["waarden"]["eenzaam_pct"]["toelichting"]
    assert "indeling 2020" in toelichting and "GM0856" in toelichting


def test_a_buurt_of_a_redrawn_gemeente_says_the_division_changed(client: TestClient) -> None:
    health = _health_2020()
    only_2023 = sorted(
        c
        for c in pq.read_table(BUNDLED_FILES[0], columns=["gwb_code_10"])["gwb_code_10"].to_pylist()
        if c.startswith("BU") and c not in health and f"GM{c[2:6]}" in health
    )
    assert only_2023
    page = client.get(f"/regio/{only_2023[0]}").text
    note = page[page.index('data-indeling="2020"') :]
    assert "heeft de wijk- en buurtindeling na 2020 gewijzigd" in note[: note.index("</tr>")]
