"""CBS's rounding, stated and shown honestly.

Oracles from outside the code: the KWB 2023 file itself (which multiples its published counts
are) and exact fractions of the published numerator and denominator, rounded half-up as CBS does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.geo.codes import level_of
from buurtbeeld.store.importer import BUNDLED_FILES
from buurtbeeld.web.format import format_number

LEVELS = ("land", "gemeente", "wijk", "buurt")


def _kwb_columns() -> dict[str, list[tuple[str, float]]]:
    table = pq.read_table(BUNDLED_FILES[0]).to_pylist()
    out: dict[str, list[tuple[str, float]]] = {}
    for row in table:
        for column, value in row.items():
            if column != "gwb_code_10" and isinstance(value, (int, float)):
                out.setdefault(column, []).append((row["gwb_code_10"], float(value)))
    return out


def _coarsest_multiple(values: list[float]) -> int:
    """The largest of 1, 5, 10, 100 that every value is a multiple of."""
    best = 1
    for base in (5, 10, 100):
        if values and all(v % base == 0 for v in values):
            best = base
    return best


def test_cbs_rounding_is_declared_per_indicator_as_the_kwb_file_shows() -> None:
    """Every KWB count indicator declares the rounding its published values show, per level."""
    columns = _kwb_columns()
    counts = [
        i
        for i in builtin_catalog().indicators
        if i.source and i.source.dataset == "kwb" and i.unit == "aantal"
    ]
    assert len(counts) >= 9
    checked = 0
    for indicator in counts:
        values = columns[indicator.source.column]  # type: ignore[union-attr]
        for level in LEVELS:
            at_level = [v for code, v in values if level_of(code).value == level]
            seen = _coarsest_multiple(at_level)
            declared = (
                indicator.rounding.base
                if indicator.rounding and level in indicator.rounding.levels
                else 1
            )
            if level == "land":
                # one value: cannot tell a rounding from chance; never contradicted by it
                assert seen % declared == 0, indicator.id
                continue
            assert seen == declared, (indicator.id, level, seen, declared)
            checked += 1
    assert checked >= 27
    assert builtin_catalog().get("bijstand").rounding.base == 10  # type: ignore[union-attr]
    assert builtin_catalog().get("jeugdzorg").rounding.base == 5  # type: ignore[union-attr]


@pytest.mark.parametrize("indicator", ["bijstand", "ao_uitkering", "ww_uitkering", "aow"])
def test_indicator_pages_state_the_rounding_of_benefit_counts(
    client: TestClient, indicator: str
) -> None:
    page = client.get(f"/indicatoren/{indicator}").text
    assert "vijftallen" not in page
    assert "afgerond op tientallen" in page
    assert "0 betekent 0 tot en met 4" in page


def test_ratio_pages_say_their_numerator_is_rounded(client: TestClient) -> None:
    page = client.get("/indicatoren/bijstand_per_1000").text
    assert "vijftallen" not in page and "tientallen" in page


def test_the_zero_class_says_what_zero_means(client: TestClient) -> None:
    page = client.get("/gemeente/GM0505", params={"indicator": "bijstand_per_1000"}).text
    legend = page[page.index('id="legenda-titel"') :]
    legend = legend[: legend.index("</div>")]
    items = re.findall(r"<li>(.*?)</li>", legend, re.S)
    zero = [re.sub(r"<[^>]+>|\s+", " ", i).strip() for i in items if "0,0" in i]
    assert zero, items
    assert "0–4" in zero[0] and "personen met bijstand" in zero[0]
    counts = client.get("/gemeente/GM0505", params={"indicator": "ww_uitkering"}).text
    assert "0 (0–4)" in counts and "10 (5–14)" in counts


@pytest.fixture(scope="module")
def observations(app_workspace: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(app_workspace / "buurtbeeld.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize(
    "indicator", ["bijstand", "jeugdzorg", "inwoners", "huishoudens", "wmo_clienten"]
)
def test_legend_class_boundaries_are_published_values(
    client: TestClient, observations: duckdb.DuckDBPyConnection, indicator: str
) -> None:
    """A boundary finer than the rounding (26 where CBS publishes only tens) cannot occur."""
    rounding = builtin_catalog().get(indicator).rounding
    assert rounding is not None
    for gemeente in ("GM0505", "GM0855", "NL00"):
        geo = client.get(
            f"/api/v1/kaart/{gemeente}.geojson", params={"indicator": indicator}
        ).json()
        assert geo["features"]
        page = client.get(f"/gemeente/{gemeente}", params={"indicator": indicator}).text
        legend = page[page.index('class="bb-legend-list"') :]
        legend = legend[: legend.index("</ul>")]
        numbers = []
        for item in re.findall(r"<li>(.*?)</li>", legend, re.S):
            text = re.sub(r"<[^>]+>", "", item).split("(")[0]  # "(0–4)" and "(28)" are not bounds
            numbers += [int(n.replace(".", "")) for n in re.findall(r"\d[\d.]*", text)]
        assert numbers
        assert all(n % rounding.base == 0 for n in numbers), (gemeente, numbers)


def _half_up(fraction: Fraction, decimals: int) -> str:
    exact = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    text = f"{exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def test_format_rounds_half_up_like_cbs() -> None:
    assert format_number(30 / 960 * 1000, 1) == "31,3"
    assert format_number(0.25, 1) == "0,3"
    assert format_number(2.5) == "3"
    assert format_number(-0.25, 1) == "-0,3"
    assert format_number(1234.55, 1) == "1.234,6"


def test_every_derived_figure_shows_as_cbs_would_round_it(
    observations: duckdb.DuckDBPyConnection,
) -> None:
    """All derived ratios nationally: the text shown equals the exact fraction rounded half-up."""
    catalog = builtin_catalog()
    checked = wrong = 0
    for indicator in catalog.indicators:
        rule = indicator.derived
        if rule is None or indicator.decimals == 0:
            continue
        rows = observations.execute(
            """SELECT d.value, n.value, m.value FROM observation d
               JOIN observation n ON n.region_code = d.region_code AND n.period = d.period
               JOIN observation m ON m.region_code = d.region_code AND m.period = d.period
               WHERE d.indicator_id = ? AND n.indicator_id = ? AND m.indicator_id = ?
                 AND d.status = 'value'""",
            [indicator.id, rule.numerator, rule.denominator],
        ).fetchall()
        for shown, numerator, denominator in rows:
            exact = (
                Fraction(int(numerator)) * Fraction(int(rule.factor)) / Fraction(int(denominator))
            )
            checked += 1
            if format_number(shown, indicator.decimals) != _half_up(exact, indicator.decimals):
                wrong += 1
    assert checked > 80_000
    assert wrong == 0, f"{wrong} of {checked} figures not rounded half-up"
