"""Buurttypen in the app: page, CSV, map and the type in the buurt profile (real cube)."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

GM = "GM0344"


def test_csv_page_and_profile_agree(client: TestClient) -> None:
    response = client.get(f"/gemeente/{GM}/buurttypen.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    typed = [r for r in rows if r["buurttype"]]
    assert typed and len(typed) < len(rows)  # some buurten have a hidden figure
    page = client.get(f"/gemeente/{GM}/buurttypen").text
    for row in typed[:5]:
        assert f'data-code="{row["regiocode"]}" data-type="{row["buurttype"]}"' in page
        profile = client.get(f"/regio/{row['regiocode']}").text
        assert (
            f"<strong>Type {row['buurttype']} van {row['aantal_typen']}: {row['omschrijving']}</strong>"
            in profile.replace("&#39;", "'")
        )
    untyped = next(r for r in rows if not r["buurttype"])
    assert 'id="buurttype"' not in client.get(f"/regio/{untyped['regiocode']}").text
    assert "silhouetscore" in page and 'id="stabiliteit"' in page


def test_map_hatches_buurten_with_a_hidden_figure(client: TestClient) -> None:
    data = client.get(f"/api/v1/buurttypen/{GM}.geojson").json()
    statuses = {f["properties"]["status"] for f in data["features"]}
    assert "value" in statuses and "hidden" in statuses
    for f in data["features"]:
        props = f["properties"]
        assert (props["type"] is None) == (props["status"] != "value")
        assert set(props) == {"code", "naam", "status", "type", "kleur", "uitkomst"}
