"""The indicator catalogue: complete, valid, and consistent with CBS's own figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from buurtbeeld.catalog.load import builtin_catalog, load_catalog
from buurtbeeld.catalog.models import Polarity
from buurtbeeld.errors import CatalogError, NotFoundError
from buurtbeeld.store.importer import BUNDLED_FILES


def test_catalogue_covers_the_social_domain() -> None:
    catalog = builtin_catalog()
    assert len(catalog.indicators) >= 25
    ids = {i.id for i in catalog.indicators}
    required = {
        "inwoners",
        "huishoudens",
        "inkomen_per_inwoner",
        "huishoudens_laag_inkomen_pct",
        "bijstand",
        "ao_uitkering",
        "ww_uitkering",
        "aow",
        "jeugdzorg",
        "wmo_clienten",
        "wmo_per_1000",
        "woz_waarde",
        "eenzaam_pct",
        "moeite_rondkomen_pct",
        "mantelzorger_pct",
        "bijstand_per_1000",
    }
    assert required <= ids
    for indicator in catalog.indicators:
        assert indicator.name and indicator.definition and indicator.source_label
        assert isinstance(indicator.polarity, Polarity)
        assert (indicator.source is None) != (indicator.derived is None)


def test_derived_indicators_have_a_minimum_denominator() -> None:
    derived = [i for i in builtin_catalog().indicators if i.derived]
    assert len(derived) >= 5
    assert all(i.derived and i.derived.min_denominator >= 100 for i in derived)


def test_cbs_published_wmo_rate_equals_its_derivation_within_cbs_rounding() -> None:
    """CBS computes Wmo clients per 1,000 from unrounded counts; we show CBS's figure and check
    that numerator/denominator × 1000 from the rounded published counts reproduces it within the
    rounding of the numerator to a multiple of 5 (±2.5) and of the rate to an integer (±0.5)."""
    indicator = builtin_catalog().get("wmo_per_1000")
    rule = indicator.published_check
    assert rule is not None
    table = pq.read_table(BUNDLED_FILES[0], columns=["a_wmo_t", "a_inw", "p_wmo_t"]).to_pandas()
    ok = table.p_wmo_t.notna()
    assert ok.sum() > 13000
    t = table[ok]
    derived = t.a_wmo_t / t.a_inw * rule.factor
    slack = 2.5 / t.a_inw * rule.factor + 0.5
    assert (np.abs(derived - t.p_wmo_t) <= slack + 1e-9).all()
    # and exact where rounding cannot matter: the Netherlands as a whole
    nl = table.iloc[0]
    assert round(nl.a_wmo_t / nl.a_inw * 1000) == nl.p_wmo_t


def test_unknown_indicator_is_a_dutch_not_found() -> None:
    with pytest.raises(NotFoundError, match="bestaat niet"):
        builtin_catalog().get("geluk")


def _write(directory: Path, body: str) -> Path:
    (directory / "themes.yaml").write_text("- {id: t, name: T}\n", encoding="utf-8")
    (directory / "x.yaml").write_text(body, encoding="utf-8")
    return directory


def test_invalid_definition_names_file_indicator_and_field(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "- id: a\n  name: A\n  definition: d\n  unit: liter\n  polarity: neutraal\n  theme: t\n  source: {dataset: kwb, column: a_inw}\n  source_label: s\n",
    )
    with pytest.raises(CatalogError, match=r"x.yaml, indicator 'a': unit") as info:
        load_catalog(tmp_path)
    assert info.value.code == "BB-IND-001"


def test_reference_to_unknown_indicator_is_refused(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "- id: a\n  name: A\n  definition: d\n  unit: per_1000\n  polarity: neutraal\n  theme: t\n  derived: {numerator: b, denominator: c}\n  source_label: s\n",
    )
    with pytest.raises(CatalogError, match="onbekende indicator 'b'") as info:
        load_catalog(tmp_path)
    assert info.value.code == "BB-IND-002"
