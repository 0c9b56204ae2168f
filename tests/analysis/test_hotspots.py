"""Hotspots on synthetic lattices with known truth, and equality with esda called directly."""

from __future__ import annotations

import json
import warnings

import esda
import numpy as np
import pytest
from libpysal import weights

from buurtbeeld.analysis.hotspots import ALPHA, HotspotError, local_hotspots, two_sided
from buurtbeeld.analysis.neighbours import queen_graph, restrict


def grid(n: int) -> dict[str, str]:
    """An n × n lattice of unit squares as GeoJSON texts, row by row (code 'r{row}c{col}')."""
    out = {}
    for r in range(n):
        for c in range(n):
            ring = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1], [c, r]]
            out[f"r{r:02d}c{c:02d}"] = json.dumps({"type": "Polygon", "coordinates": [ring]})
    return out


def bh(p: np.ndarray, alpha: float) -> np.ndarray:
    """Benjamini-Hochberg written out, as an independent check of the FDR mask."""
    order = np.argsort(p)
    m = len(p)
    passed = np.nonzero(p[order] <= alpha * np.arange(1, m + 1) / m)[0]
    out = np.zeros(m, dtype=bool)
    if passed.size:
        out[order[: passed[-1] + 1]] = True
    return out


def test_queen_contiguity_of_a_lattice_and_isolates() -> None:
    shapes = grid(4)
    shapes["eiland"] = '{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,10]]]}'
    graph = queen_graph(shapes)
    assert graph is not None
    card = graph.cardinalities
    assert card["r00c00"] == 3 and card["r00c01"] == 5 and card["r01c01"] == 8
    # leaving out the three neighbours of a corner makes it an isolate too
    codes = [c for c in shapes if c not in ("r00c01", "r01c00", "r01c01")]
    part = restrict(graph, codes)
    assert set(part.isolates) == {"eiland", "r00c00"}
    assert "r00c00" not in part.codes and len(part.codes) == 16 - 4


def test_results_equal_esda_called_directly_on_a_queen_lattice() -> None:
    n = 12
    shapes = grid(n)
    codes = list(shapes)
    rng = np.random.default_rng(7)
    y = rng.gamma(3.0, 2.0, size=n * n)
    for r in range(5):  # a 5 × 5 block of high values, so that FDR has something to keep
        y[r * n : r * n + 5] += 12
    hidden = {codes[k] for k in (20, 50, 51, 90)}
    values = {c: (None if c in hidden else float(v)) for c, v in zip(codes, y, strict=True)}
    taking_part = [c for c in codes if c not in hidden]
    ours = local_hotspots(
        values,
        dict.fromkeys(hidden, "verborgen"),
        restrict(queen_graph(shapes), taking_part),
        seed=11,
        permutations=999,
    )
    # esda on libpysal's own queen lattice (W, not our Graph), minus the hidden cells
    w = weights.lat2W(n, n, rook=False, id_type="int")
    keep = [k for k, c in enumerate(codes) if c not in hidden]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sub = weights.w_subset(w, keep)
        sub_self = weights.fill_diagonal(sub, 1)
        yy = y[keep]
        gi = esda.G_Local(yy, sub_self, transform="R", star=None, permutations=999, seed=11)
        lm = esda.Moran_Local(yy, sub, transformation="r", permutations=999, seed=11)
    by_code = {r.code: r for r in ours.rows}
    tested = [by_code[codes[k]] for k in keep]
    assert all(r.tested for r in tested)
    assert [by_code[c].reason for c in sorted(hidden)] == ["verborgen"] * 4
    np.testing.assert_allclose([r.gi_z for r in tested], gi.Zs, rtol=1e-12)
    np.testing.assert_allclose([r.gi_p for r in tested], two_sided(gi.p_sim, 999))
    np.testing.assert_allclose([r.moran_i for r in tested], lm.Is, rtol=1e-12)
    np.testing.assert_allclose([r.moran_p for r in tested], two_sided(lm.p_sim, 999))
    gi_sig = bh(two_sided(gi.p_sim, 999), ALPHA)
    assert gi_sig.sum() > 0
    assert [r.gi_class != "geen" for r in tested] == list(gi_sig)
    assert [r.moran_significant for r in tested] == list(bh(two_sided(lm.p_sim, 999), ALPHA))
    quadrant = {1: "hoog-hoog", 2: "laag-hoog", 3: "laag-laag", 4: "hoog-laag"}
    assert [r.moran_quadrant for r in tested] == [quadrant[int(q)] for q in lm.q]


def _planted(seed: int, n: int, size: int) -> tuple[dict[str, float | None], set[str]]:
    rng = np.random.default_rng(seed)
    y = rng.normal(20.0, 2.0, size=(n, n))
    top, left = rng.integers(0, n - size + 1, size=2)
    y[top : top + size, left : left + size] += 6.0  # 3 standard deviations
    planted = {
        f"r{r:02d}c{c:02d}" for r in range(top, top + size) for c in range(left, left + size)
    }
    return {f"r{r:02d}c{c:02d}": float(y[r, c]) for r in range(n) for c in range(n)}, planted


def _near(code: str, planted: set[str]) -> bool:
    """In the planted block or touching it (queen): the local null of Gi* is false there."""
    r, c = int(code[1:3]), int(code[4:6])
    return any(f"r{r + dr:02d}c{c + dc:02d}" in planted for dr in (-1, 0, 1) for dc in (-1, 0, 1))


@pytest.mark.slow
def test_planted_clusters_are_found_with_fdr_at_most_the_stated_level() -> None:
    """100 seeds: a 4 × 4 block +3 sd on a 10 × 10 lattice; recall and FDR of both statistics.

    Truth: both statistics test a neighbourhood against random permutations of the others, so
    the local null is false where the neighbourhood holds planted regions: a Gi* 'hoog' inside
    the block or touching it, and a local Moran's I with a high neighbourhood there
    ('hoog-hoog' or 'laag-hoog'), are true discoveries; any other significant region is false. The strict
    false-discovery share (every flag outside the block) is reported as well. Recall is
    reported for the block and for its core (regions whose whole neighbourhood is planted):
    with conditional permutations a region at the block's edge has mostly ordinary neighbours.
    """
    n, size = 10, 4
    graph = restrict(queen_graph(grid(n)), list(grid(n)))
    recall: dict[str, list[float]] = {"gi": [], "gi_core": [], "moran": [], "moran_core": []}
    fdp: dict[str, list[float]] = {"gi": [], "moran": [], "gi_strict": []}
    for seed in range(100):
        values, planted = _planted(seed, n, size)
        core = {c for c in planted if all(x in planted for x in values if _near(x, {c}))}
        result = local_hotspots(values, {}, graph, seed=seed)
        hot = {r.code for r in result.rows if r.gi_class == "hoog"}
        gi_flags = {r.code for r in result.rows if r.gi_class in ("hoog", "laag")}
        mo_flags = {r.code for r in result.rows if r.moran_significant}
        mo_hh = {
            r.code for r in result.rows if r.moran_significant and r.moran_quadrant == "hoog-hoog"
        }
        recall["gi"].append(len(hot & planted) / len(planted))
        recall["gi_core"].append(len(hot & core) / len(core))
        recall["moran"].append(len(mo_hh & planted) / len(planted))
        recall["moran_core"].append(len(mo_hh & core) / len(core))
        gi_false = {c for c in gi_flags if not (c in hot and _near(c, planted))}
        high_lag = {r.code for r in result.rows if r.moran_quadrant in ("hoog-hoog", "laag-hoog")}
        mo_false = {c for c in mo_flags if not (c in high_lag and _near(c, planted))}
        fdp["gi"].append(len(gi_false) / len(gi_flags) if gi_flags else 0.0)
        fdp["moran"].append(len(mo_false) / len(mo_flags) if mo_flags else 0.0)
        fdp["gi_strict"].append(len(gi_flags - planted) / len(gi_flags) if gi_flags else 0.0)
    report = "recall " + ", ".join(f"{k} {np.mean(v):.3f}" for k, v in recall.items())
    report += "; FDR " + ", ".join(f"{k} {np.mean(v):.4f}" for k, v in fdp.items())
    print(report)  # noqa: T201 - the numbers docs/analyse.md quotes
    assert np.mean(fdp["gi"]) <= ALPHA, report
    assert np.mean(fdp["moran"]) <= ALPHA, report
    assert np.mean(recall["gi_core"]) >= 0.8, report
    assert np.mean(recall["moran_core"]) >= 0.8, report


@pytest.mark.slow
def test_on_null_maps_a_discovery_is_rare() -> None:
    """No cluster at all: every discovery is false, so P(any) is the FDR; at most the level."""
    n = 10
    graph = restrict(queen_graph(grid(n)), list(grid(n)))
    any_gi = any_moran = 0
    for seed in range(100):
        rng = np.random.default_rng(1000 + seed)
        y = rng.normal(20, 2, (n, n))
        values = {f"r{r:02d}c{c:02d}": float(v) for (r, c), v in np.ndenumerate(y)}
        result = local_hotspots(values, {}, graph, seed=seed)
        any_gi += any(r.gi_class in ("hoog", "laag") for r in result.rows)
        any_moran += any(r.moran_significant for r in result.rows)
    assert any_gi / 100 <= ALPHA and any_moran / 100 <= ALPHA, (any_gi, any_moran)


def test_same_seed_same_result_and_errors_in_dutch() -> None:
    shapes = grid(6)
    rng = np.random.default_rng(3)
    values = {c: float(v) for c, v in zip(shapes, rng.gamma(2.0, size=36), strict=True)}
    part = restrict(queen_graph(shapes), list(values))
    first = local_hotspots(values, {}, part, seed=5)
    assert first.rows == local_hotspots(values, {}, part, seed=5).rows
    assert first.rows != local_hotspots(values, {}, part, seed=6).rows
    with pytest.raises(HotspotError) as equal:
        local_hotspots(dict.fromkeys(values, 1.0), {}, part)
    assert equal.value.code == "BB-ANA-003"
    with pytest.raises(HotspotError) as negative:
        local_hotspots({**values, "r00c00": -1.0}, {}, part)
    assert negative.value.code == "BB-ANA-002"
    few = restrict(queen_graph(shapes), list(values)[:8])
    with pytest.raises(HotspotError) as too_few:
        local_hotspots({c: values[c] for c in list(values)[:8]}, {}, few)
    assert too_few.value.code == "BB-ANA-001" and "Te weinig" in too_few.value.message
