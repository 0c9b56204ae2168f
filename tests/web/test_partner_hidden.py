"""A demo partner package's hidden cells appear nowhere as numbers: pages, CSV, GeoJSON, API.

The package is made by the real source toolkit from synthetic Dordrecht extracts (debt signals,
with amounts), taken in by the real intake, served by the real app. Every hidden cell, at buurt
and at wijk level, is checked where it is shown; and the true values of hidden amount cells
(distinctive numbers such as 12.345,67, known from the toolkit's own aggregation) are searched
for in every response (a sum with cents cannot be mistaken for a count, a code or a year).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from buurtbeeld.package_format import HIDDEN_STATUS
from buurtbeeld.source.pipeline import make_package
from buurtbeeld.source.spec import load_spec
from buurtbeeld.source.synthetic import generate
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.package_reader import read_package
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace
from tests.signing import toolkit_keys

pytestmark = pytest.mark.slow


@dataclass
class Served:
    client: TestClient
    hidden: list[tuple[str, str, str]]  # (indicator, region, level) hidden in the store
    indicators: list[str]
    secret_amounts: set[float]  # true sums of hidden amount cells (euros)


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, filled_workspace_template: Path
) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("partner")
    root = base / "werkmap"
    copy_workspace(filled_workspace_template, root)
    folder = base / "bron"
    generate(folder, gemeente="GM0505", seed=23, registers=("schuldsignalen",))
    (folder / ".buurtbeeld-zaad").write_text("1" * 64 + "\n", encoding="ascii")
    result = make_package(load_spec(folder / "schuldsignalen.yaml"), base / "pakket.zip")
    trusted = toolkit_keys(folder / "schuldsignalen.yaml")
    report = intake_package(open_workspace(root), read_package(result.path, trusted))
    secret: set[float] = set()
    protected = {o.name: o for o in result.delivery.outputs}
    for table in result.aggregation.tables:
        if table.measure == "aantal":
            continue
        out = protected[table.name].data.to_pylist()
        hidden_keys = {
            (r["periode"], r["regiocode"], *(r[d] for d in table.dimensions))
            for r in out
            if r["status"] == HIDDEN_STATUS
        }
        for row in table.data.to_pylist():
            key = (row["periode"], row["regiocode"], *(row[d] for d in table.dimensions))
            if key in hidden_keys and row["som_cent"] % 100:  # with cents: distinctive
                secret.add(row["som_cent"] / 100)
    con = duckdb.connect(str(root / "buurtbeeld.duckdb"), read_only=True)
    hidden = [
        (r[0], r[1], "buurt" if r[1].startswith("BU") else "wijk")
        for r in con.execute(
            """SELECT indicator_id, region_code FROM observation
               WHERE status = 'hidden' AND status_note = 'beveiligd'
                 AND (region_code LIKE 'BU%' OR region_code LIKE 'WK%')
               ORDER BY indicator_id, region_code"""
        ).fetchall()
    ]
    con.close()
    with TestClient(create_app(root), base_url="http://127.0.0.1") as client:
        yield Served(client, hidden, list(report.indicators), secret)


def _forms(value: float) -> list[str]:
    """A sum with cents as it could be written: 4.637,13 / 4637,13 / 4637.13 / 4,637.13."""
    plain = f"{value:.2f}"
    dutch = f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return [plain, plain.replace(".", ","), dutch, f"{value:,.2f}"]


def _secrets_in(text: str, secrets: set[float]) -> list[str]:
    """Hidden sums that occur in ``text`` as a whole number (not inside a longer one)."""
    return [
        form
        for secret in secrets
        for form in _forms(secret)
        if re.search(rf"(?<![\d.,]){re.escape(form)}(?!\d)", text)
    ]


def _responses(client: TestClient, indicator: str, level: str) -> dict[str, str]:
    q = {"indicator": indicator, "niveau": level}
    return {
        "pagina": client.get("/gemeente/GM0505", params=q).text,
        "csv": client.get("/gemeente/GM0505/tabel.csv", params=q).text,
        "geojson": client.get("/api/v1/kaart/GM0505.geojson", params=q).text,
        "api": client.get("/api/v1/waarden", params={**q, "gebied": "GM0505"}).text,
    }


def test_the_package_has_hidden_cells_at_both_levels(served: Served) -> None:
    levels = {level for _, _, level in served.hidden}
    assert levels == {"buurt", "wijk"}
    assert served.secret_amounts, "the demo package hides amount cells"


@pytest.mark.parametrize("level", ["buurt", "wijk"])
def test_hidden_cells_carry_no_number_in_map_table_csv_and_api(served: Served, level: str) -> None:
    by_indicator: dict[str, set[str]] = {}
    for indicator, region, lvl in served.hidden:
        if lvl == level:
            by_indicator.setdefault(indicator, set()).add(region)
    assert by_indicator
    for indicator, regions in by_indicator.items():
        out = _responses(served.client, indicator, level)
        api = {v["code"]: v for v in json.loads(out["api"])["waarden"]}
        geo = {
            f["properties"]["code"]: f["properties"] for f in json.loads(out["geojson"])["features"]
        }
        rows = {
            r["regiocode"]: r
            for r in csv.DictReader(io.StringIO(out["csv"].lstrip("\ufeff")), delimiter=";")
        }
        for region in regions:
            assert (api[region]["waarde"], api[region]["status"]) == (None, "hidden")
            assert (rows[region]["waarde"], rows[region]["status"]) == ("", "verborgen")
            if region in geo:
                assert geo[region]["waarde"] is None and geo[region]["kleur"] is None
            row = re.search(rf'<tr[^>]*data-code="{region}"[^>]*>(.*?)</tr>', out["pagina"], re.S)
            assert row is not None
            cell = re.search(r'bb-value[^"]*">(.*?)</td>', row.group(1), re.S)
            assert cell is not None and re.sub(r"<[^>]+>", "", cell.group(1)).strip() == "verborgen"
        for name, text in out.items():
            assert not _secrets_in(text, served.secret_amounts), (indicator, level, name)


def test_profiles_of_hidden_buurten_and_wijken_show_no_number(served: Served) -> None:
    regions = sorted({(region, level) for _, region, level in served.hidden})
    buurten = [r for r, lvl in regions if lvl == "buurt"][:12]
    wijken = [r for r, lvl in regions if lvl == "wijk"][:6]
    hidden_here = {(i, r) for i, r, _ in served.hidden}
    for region in [*buurten, *wijken]:
        api = served.client.get(f"/api/v1/regios/{region}/profiel").json()
        own = api["gebieden"][0]["waarden"]
        page = served.client.get(f"/regio/{region}").text
        for indicator in served.indicators:
            if (indicator, region) not in hidden_here:
                continue
            assert (own[indicator]["waarde"], own[indicator]["status"]) == (None, "hidden")
            row = page[page.index(f'data-indicator="{indicator}"') :]
            row = row[: row.index("</tr>")]
            cell = re.search(rf'data-code="{region}"[^>]*>(.*?)</td>', row, re.S)
            assert cell is not None and cell.group(1).strip() == "verborgen", (region, indicator)
        for text in (page, json.dumps(api)):
            assert not _secrets_in(text, served.secret_amounts), region


def test_partner_counts_state_the_toolkits_rounding(served: Served) -> None:
    counts = [
        i
        for i in served.indicators
        if served.client.get(f"/api/v1/indicatoren/{i}").json()["eenheid"] != "euro"
    ]
    assert counts
    page = served.client.get(f"/indicatoren/{counts[0]}").text
    assert "aselect afgerond op vijftallen" in page
