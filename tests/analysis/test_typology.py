"""Buurttypen on synthetic buurten with known groups: found, described, reproducible, stable."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from buurtbeeld.analysis.typology import TypologyError, build_typology, stability
from buurtbeeld.catalog.load import builtin_catalog

IDS = ("bijstand_per_1000", "huishoudens_met_kinderen_pct", "aow_pct")


def _buurten(seed: int) -> tuple[dict[str, dict[str, float | None]], dict[str, int]]:
    """Three planted groups: poor (bijstand high), families (kinderen high), elderly (aow high)."""
    rng = np.random.default_rng(seed)
    centres = {0: (80.0, 30.0, 15.0), 1: (15.0, 55.0, 12.0), 2: (20.0, 20.0, 40.0)}
    values: dict[str, dict[str, float | None]] = {}
    truth = {}
    for n in range(600):
        group = n % 3
        code = f"BU{n:08d}"
        centre = centres[group]
        values[code] = {i: float(c + rng.normal(0, 3)) for i, c in zip(IDS, centre, strict=True)}
        truth[code] = group
    values["BU99999999"] = {IDS[0]: None, IDS[1]: 30.0, IDS[2]: 10.0}  # a hidden figure
    return values, truth


def test_planted_types_are_found_and_described_in_words() -> None:
    catalog = builtin_catalog()
    values, truth = _buurten(1)
    typology = build_typology(values, [catalog.get(i) for i in IDS], dict.fromkeys(IDS, "2023"))
    assert typology.k == 3
    assert typology.without_type == 1 and typology.type_of("BU99999999") is None
    codes = list(truth)
    found = [typology.assignment[c] for c in codes]
    assert adjusted_rand_score([truth[c] for c in codes], found) > 0.99
    poor = typology.type_of("BU00000000")  # group 0
    assert poor is not None and poor.words[0].startswith("veel hoger: bijstand")
    elderly = typology.type_of("BU00000002")
    assert elderly is not None and "veel hoger: aow" in " ".join(elderly.words)
    assert [t.number for t in typology.types] == [1, 2, 3]
    assert sorted(t.size for t in typology.types) == [200, 200, 200]
    assert min(stability(typology, seeds=3)) > 0.99


def test_same_seed_same_typology_and_errors() -> None:
    catalog = builtin_catalog()
    values, _ = _buurten(2)
    indicators = [catalog.get(i) for i in IDS]
    periods = dict.fromkeys(IDS, "2023")
    first = build_typology(values, indicators, periods, seed=7)
    again = build_typology(values, indicators, periods, seed=7)
    assert first.assignment == again.assignment and first.silhouettes == again.silhouettes
    with pytest.raises(TypologyError) as one:
        build_typology(values, indicators[:1], periods)
    assert one.value.code == "BB-ANA-020"
    few = dict(list(values.items())[:20])
    with pytest.raises(TypologyError) as too_few:
        build_typology(few, indicators, periods)
    assert too_few.value.code == "BB-ANA-021"
