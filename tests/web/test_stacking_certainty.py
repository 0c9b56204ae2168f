"""The stapelkaart draws and sorts by what was judged, and marks buurten judged on too little.

Real Dordrecht data: several buurten have hidden or missing figures for some of the six default
indicators, so they are judged on fewer. Map, table, CSV, API and GeoJSON must say the same.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from buurtbeeld.analysis.stacking import StackRow

RAMP = ("#ffffff", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")


class StackTable(HTMLParser):
    """(code, data-aantal, data-beoordeeld, data-onzeker, result text) per table row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, int, int, bool, str]] = []
        self._row: dict[str, str | None] | None = None
        self._in_result = False
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-beoordeeld") is not None:
            self._row = a
        if tag == "td" and "bb-stack-result" in (a.get("class") or ""):
            self._in_result, self._text = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._in_result and self._row is not None:
            r = self._row
            self.rows.append(
                (
                    str(r["data-code"]),
                    int(str(r["data-aantal"])),
                    int(str(r["data-beoordeeld"])),
                    r.get("data-onzeker") == "ja",
                    " ".join(self._text.split()),
                )
            )
            self._in_result = False

    def handle_data(self, data: str) -> None:
        if self._in_result:
            self._text += data


def _api(client: TestClient, gemeente: str = "GM0505") -> dict:
    response = client.get(f"/api/v1/stapeling/{gemeente}")
    assert response.status_code == 200
    return response.json()


def test_counts_labels_and_uncertainty_follow_what_was_judged(client: TestClient) -> None:
    api = _api(client)
    chosen = len(api["indicatoren"])
    rows = api["buurten"]
    assert any(0 < b["beoordeeld"] < chosen for b in rows), "real data: some judged on fewer"
    for b in rows:
        flags = list(b["indicatoren"].values())
        judged = sum(f is not None for f in flags)
        count = sum(1 for f in flags if f)
        assert (b["aantal"], b["beoordeeld"], b["gekozen"]) == (count, judged, chosen)
        assert b["uitkomst"] == (
            f"{count} van {judged} beoordeeld" if judged else "niet te beoordelen"
        )
        assert b["onzeker"] == (judged > 0 and 2 * judged < chosen)


def test_colour_follows_the_share_of_what_was_judged(client: TestClient) -> None:
    """Equal shares get equal colours and a larger share never a lighter one: 2 of 2 ≠ 2 of 6."""
    api = _api(client)
    colour_by_share: dict[float, set[str]] = {}
    for b in api["buurten"]:
        if b["beoordeeld"]:
            colour_by_share.setdefault(b["aantal"] / b["beoordeeld"], set()).add(b["kleur"])
        else:
            assert b["kleur"] is None and b["status"] == "missing"
    assert len(colour_by_share) > 3
    assert all(len(c) == 1 for c in colour_by_share.values()), colour_by_share
    ordered = [RAMP.index(next(iter(colour_by_share[s]))) for s in sorted(colour_by_share)]
    assert ordered == sorted(ordered)
    # a fully judged buurt keeps the colour of its count
    for b in api["buurten"]:
        if b["beoordeeld"] == len(RAMP) - 1 == len(api["indicatoren"]):
            assert b["kleur"] == RAMP[b["aantal"]]


def test_two_of_two_is_drawn_like_six_of_six_and_hatched() -> None:
    def row(count: int, judged: int) -> StackRow:
        flags: dict[str, bool | None] = {f"i{n}": None for n in range(6)}
        for n in range(judged):
            flags[f"i{n}"] = n < count
        return StackRow("BU00000000", "x", count, judged, flags, chosen=6)

    from buurtbeeld.web.stacking_view import stack_colour

    assert stack_colour(row(2, 2)) == stack_colour(row(6, 6)) != stack_colour(row(2, 6))
    assert (
        row(2, 2).uncertain and not row(3, 3).uncertain and row(0, 0).label == "niet te beoordelen"
    )


def test_page_csv_api_and_geojson_agree_and_sort_by_share(client: TestClient) -> None:
    api = _api(client)
    table = StackTable()
    table.feed(client.get("/gemeente/GM0505/stapeling").text)
    csv_text = client.get("/gemeente/GM0505/stapeling.csv").text.lstrip("\ufeff")
    csv_rows = list(csv.DictReader(io.StringIO(csv_text), delimiter=";"))
    geo = client.get("/api/v1/stapeling/GM0505.geojson").json()
    geo_props = {f["properties"]["code"]: f["properties"] for f in geo["features"]}
    api_order = [b["code"] for b in api["buurten"]]
    assert [r[0] for r in table.rows] == api_order == [r["regiocode"] for r in csv_rows]
    shares = [
        (b["aantal"] / b["beoordeeld"], b["beoordeeld"]) if b["beoordeeld"] else (-1.0, 0)
        for b in api["buurten"]
    ]
    assert shares == sorted(shares, reverse=True)
    for b, (code, count, judged, uncertain, text), c in zip(
        api["buurten"], table.rows, csv_rows, strict=True
    ):
        assert (count, judged, uncertain) == (b["aantal"], b["beoordeeld"], b["onzeker"]), code
        assert text.startswith(b["uitkomst"]) and ("onzeker" in text) == uncertain
        assert (int(c["aantal_ongunstigste_vijfde"]), int(c["beoordeeld"])) == (count, judged)
        assert c["uitkomst"] == b["uitkomst"]
        assert c["weinig_beoordeeld"] == ("ja" if uncertain else "nee")
        if code in geo_props:
            p = geo_props[code]
            assert (p["aantal"], p["beoordeeld"], p["onzeker"], p["kleur"], p["uitkomst"]) == (
                b["aantal"],
                b["beoordeeld"],
                b["onzeker"],
                b["kleur"],
                b["uitkomst"],
            )
    assert len(geo_props) >= len(api_order) - 4  # the 4 Dordrecht buurten without a polygon


def test_few_indicators_judged_are_marked_not_drawn_as_certain(client: TestClient) -> None:
    """With two rate indicators of which one is mostly hidden, many buurten are judged on one."""
    params = [("indicator", "bijstand_per_1000"), ("indicator", "jeugdzorg_pct")]
    api = client.get("/api/v1/stapeling/GM0855", params=params).json()
    single = [b for b in api["buurten"] if b["beoordeeld"] == 1]
    assert single
    assert all(not b["onzeker"] for b in single)  # 1 of 2 is half: not fewer than half
    three = client.get(
        "/api/v1/stapeling/GM0855", params=[*params, ("indicator", "wmo_per_1000")]
    ).json()
    uncertain = [b for b in three["buurten"] if b["onzeker"]]
    assert uncertain and all(b["beoordeeld"] == 1 for b in uncertain)
    assert all(not b["onzeker"] for b in three["buurten"] if b["beoordeeld"] == 0)
    page = client.get("/gemeente/GM0855/stapeling", params=[*params, ("indicator", "wmo_per_1000")])
    assert page.text.count('data-onzeker="ja"') == len(uncertain)
