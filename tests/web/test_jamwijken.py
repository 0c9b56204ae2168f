"""Jam-wijken on the health monitor 2016 and 2020 (real app, real cube)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

from fastapi.testclient import TestClient

from buurtbeeld.analysis.hotspot_map import hotspot_map
from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.store.cube import Cube

GM = "GM0344"
CHOICE = "indicator=eenzaam_pct&indicator=moeite_rondkomen_pct&niveau=wijk&referentie=nederland"


def test_jam_wijken_follow_the_documented_rules(client: TestClient) -> None:
    response = client.get(f"/gemeente/{GM}/jamwijken.csv?{CHOICE}")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    cube: Cube = client.app.state.cube  # type: ignore[attr-defined]
    catalog = builtin_catalog()
    # each row's per-period flags are the national Gi* result for that period, cut out
    for indicator_id in ("eenzaam_pct", "moeite_rondkomen_pct"):
        bad = "laag" if catalog.get(indicator_id).polarity.value == "hoger_is_beter" else "hoog"
        national = {
            p: {
                r.code: r
                for r in hotspot_map(
                    cube, "NL00", catalog.get(indicator_id), level="wijk", period=p
                ).result.rows
            }
            for p in ("2016", "2020")
        }
        for row in (r for r in rows if r["indicator"] == indicator_id):
            assert row["perioden"] == "2016|2020"
            flags = [national[p][row["regiocode"]].gi_class == bad for p in ("2016", "2020")]
            assert row["hotspot_per_periode"] == "|".join("ja" if f else "nee" for f in flags)
            expected = {
                (True, True): "aanhoudend",
                (False, True): "nieuw",
                (True, False): "verdwenen",
                (False, False): "geen",
            }
            if row["verloop"] != "onvolledig":
                assert row["verloop"] == expected[tuple(flags)]  # type: ignore[index]
    persistent = Counter(
        r["regiocode"] for r in rows if r["verloop"] in ("aanhoudend", "toenemend", "afnemend")
    )
    for row in rows:
        assert (row["jamwijk"] == "ja") == (persistent[row["regiocode"]] >= 2)
    page = client.get(f"/gemeente/{GM}/jamwijken?{CHOICE}")
    assert page.status_code == 200
    listed = set(re.findall(r'<tr class="utrecht-table__row" data-code="(\w+)"', page.text))
    assert listed == {c for c, n in persistent.items() if n >= 2}
    assert "De regels" in page.text and "Mann-Kendall" in page.text


def test_without_jam_wijken_the_page_says_why(client: TestClient) -> None:
    page = client.get(
        f"/gemeente/{GM}/jamwijken?indicator=eenzaam_pct&indicator=moeite_rondkomen_pct"
    )
    assert page.status_code == 200
    assert 'id="geen-jamwijken"' in page.text or 'id="jamtabel"' in page.text
    assert 'data-indicator="eenzaam_pct"' in page.text
