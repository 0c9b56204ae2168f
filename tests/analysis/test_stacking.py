"""Stapelkaart on the real Dordrecht figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from buurtbeeld.analysis.classify import make_legend
from buurtbeeld.analysis.stacking import StackingError, stack
from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.workspace import open_workspace


@pytest.fixture(scope="module")
def cube(app_workspace: Path) -> Iterator[Cube]:
    c = Cube(open_workspace(app_workspace))
    yield c
    c.close()


def test_each_indicator_flags_about_a_fifth_of_judged_buurten(cube: Cube) -> None:
    catalog = builtin_catalog()
    chosen = [catalog.get(i) for i in ("bijstand_per_1000", "inkomen_per_inwoner", "jeugdzorg_pct")]
    thresholds, rows = stack(cube, "GM0505", chosen)
    assert len(rows) == 132 and len(thresholds) == 3
    for t in thresholds:
        flags = [r.flags[t.indicator.id] for r in rows]
        judged = [f for f in flags if f is not None]
        share = sum(judged) / len(judged)
        assert 0.15 <= share <= 0.3, (t.indicator.id, share)


def test_polarity_decides_which_end_is_worst(cube: Cube) -> None:
    catalog = builtin_catalog()
    worse = catalog.get("huishoudens_laag_inkomen_pct")  # higher is worse
    better = catalog.get("huishoudens_hoog_inkomen_pct")  # higher is better
    thresholds, rows = stack(cube, "GM0505", [worse, better])
    period = thresholds[0].period
    low = cube.cells(worse.id, period, [r.code for r in rows])
    high = cube.cells(better.id, period, [r.code for r in rows])
    for r in rows:
        if r.flags[worse.id]:
            assert low[r.code].value >= thresholds[0].value
        if r.flags[better.id]:
            assert high[r.code].value <= thresholds[1].value
        assert r.count == sum(1 for f in r.flags.values() if f)
        assert r.judged == sum(1 for f in r.flags.values() if f is not None)


def test_hidden_figures_are_never_counted_as_problems(cube: Cube) -> None:
    chosen = [builtin_catalog().get(i) for i in ("bijstand_per_1000", "wmo_per_1000")]
    _, rows = stack(cube, "GM0505", chosen)
    cells = cube.cells("wmo_per_1000", "2023", [r.code for r in rows])
    hidden = [r for r in rows if cells[r.code].status == "hidden"]
    assert hidden
    assert all(r.flags["wmo_per_1000"] is None for r in hidden)


def test_national_reference_uses_all_buurten(cube: Cube) -> None:
    chosen = [
        builtin_catalog().get(i) for i in ("bijstand_per_1000", "huishoudens_laag_inkomen_pct")
    ]
    thresholds, _ = stack(cube, "GM0505", chosen, reference="nederland")
    assert all(t.reference_count > 9000 for t in thresholds)


def test_counts_and_neutral_indicators_cannot_be_stacked(cube: Cube) -> None:
    catalog = builtin_catalog()
    with pytest.raises(StackingError, match="niet gestapeld"):
        stack(cube, "GM0505", [catalog.get("bijstand"), catalog.get("bijstand_per_1000")])
    with pytest.raises(StackingError, match="twee indicatoren"):
        stack(cube, "GM0505", [catalog.get("bijstand_per_1000")])


def test_legend_quantile_classes_cover_all_values() -> None:
    indicator = builtin_catalog().get("bijstand_per_1000")
    values = list(np.random.default_rng(1).gamma(2, 10, 200))
    legend = make_legend(indicator, values)
    assert len(legend.classes) == 5
    assert sum(c.count for c in legend.classes) == 200
    assert legend.classes[-1].colour == "#b30000"  # darkest = least favourable
    better = make_legend(builtin_catalog().get("inkomen_per_inwoner"), values)
    assert better.classes[0].colour == "#b30000"  # low income is the unfavourable end
