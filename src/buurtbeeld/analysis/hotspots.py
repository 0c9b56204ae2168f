"""Hotspots: Getis-Ord Gi* and local Moran's I per buurt or wijk (esda), with an FDR correction.

Method (docs/analyse.md says the same in Dutch):

- Only *published* figures take part. A region whose figure is hidden or missing, or that has
  no polygon, is left out of the analysis altogether, links included: its neighbours have fewer
  neighbours, and a cluster running through it can be missed or split. A region left with no
  neighbour among those taking part (an isolate) is not tested. Every region is reported with
  the reason it was or was not tested.
- Neighbours: queen contiguity of the boundary polygons (``analysis.neighbours``).
- Gi*: esda ``G_Local`` with the region itself among its neighbours (binary weights, self
  weight 1), row-standardised: the statistic compares the mean of a region and its neighbours
  with the mean of all regions taking part. Local Moran's I: esda ``Moran_Local``,
  row-standardised, without the region itself.
- Inference: conditional permutations (default 999) with a fixed seed, so the same choice
  always gives the same map. esda's pseudo p-value is one-sided in the direction observed;
  because the direction is chosen after looking, the p-value used here is two-sided:
  ``min(1, 2 × p_sim)``.
- Multiple testing: Benjamini-Hochberg at level ``alpha`` (default 0.05) over all tested
  regions (esda ``fdr``), separately for Gi* and for local Moran's I. Of all regions marked
  significant, on average at most 5 % are marked wrongly.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import esda
import numpy as np

from buurtbeeld.analysis.neighbours import Neighbours
from buurtbeeld.errors import BuurtbeeldError

ALPHA = 0.05
PERMUTATIONS = 999
DEFAULT_SEED = 2026
MIN_TESTED = 10

# Why a region was not tested (the key) and what the page says (the value).
REASONS = {
    "verborgen": "cijfer verborgen",
    "ontbreekt": "geen cijfer",
    "geen_vlak": "geen vlak in de grenzen",
    "geen_buren": "geen buren met een cijfer",
    "onzeker": "op minder dan de helft van de indicatoren beoordeeld (stapelscore)",
}
QUADRANTS = {1: "hoog-hoog", 2: "laag-hoog", 3: "laag-laag", 4: "hoog-laag"}


class HotspotError(BuurtbeeldError, ValueError):
    """The figures of this choice cannot be analysed for hotspots."""

    code = "BB-ANA-001"
    http_status = 422
    default_hint = "Kies een andere indicator of periode, of het niveau wijk in plaats van buurt."


@dataclass(frozen=True)
class LocalResult:
    """One region: its figure, whether it was tested, and both local statistics."""

    code: str
    value: float | None
    reason: str | None = None  # None: tested; else a key of REASONS
    gi_z: float | None = None  # Gi* as a z-score (esda Zs)
    gi_p: float | None = None  # two-sided permutation p-value
    gi_class: str | None = None  # 'hoog' | 'laag' | 'geen' (None: not tested)
    moran_i: float | None = None
    moran_p: float | None = None
    moran_quadrant: str | None = None  # 'hoog-hoog' | 'laag-hoog' | 'laag-laag' | 'hoog-laag'
    moran_significant: bool | None = None

    @property
    def tested(self) -> bool:
        """Whether the region took part in the tests."""
        return self.reason is None


@dataclass(frozen=True)
class HotspotResult:
    """Every region with its outcome, and the settings that produced it."""

    rows: list[LocalResult]
    alpha: float
    permutations: int
    seed: int
    gi_cutoff: float  # p-values below this are significant after FDR (Gi*)
    moran_cutoff: float  # idem, local Moran's I

    def count(self, reason: str | None) -> int:
        """Regions left out for ``reason`` (None: tested)."""
        return sum(1 for r in self.rows if r.reason == reason)

    def gi_count(self, kind: str) -> int:
        """Tested regions in Gi* class ``kind`` ('hoog', 'laag', 'geen')."""
        return sum(1 for r in self.rows if r.gi_class == kind)


def two_sided(p_sim: np.ndarray, permutations: int) -> np.ndarray:
    """esda's folded (one-sided, direction observed) pseudo p-value made two-sided.

    esda stores p_sim = (extreme + 1) / (permutations + 1) in float32; the count is recovered
    exactly so that 0.002 stays 0.002 (float32 would make it 0.0020000000949...).
    """
    extreme = np.rint(np.asarray(p_sim, dtype=float) * (permutations + 1))
    out: np.ndarray = np.minimum(1.0, 2.0 * extreme / (permutations + 1))
    return out


def significant(p: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Benjamini-Hochberg at ``alpha`` (esda.fdr): the mask of rejections and the cutoff."""
    cutoff = float(esda.fdr(p, alpha))
    return p < cutoff, cutoff


def local_hotspots(
    values: dict[str, float | None],
    reasons: dict[str, str],
    neighbours: Neighbours,
    *,
    seed: int = DEFAULT_SEED,
    permutations: int = PERMUTATIONS,
    alpha: float = ALPHA,
) -> HotspotResult:
    """Gi* and local Moran's I for the connected regions of ``neighbours``.

    ``values``: every region of the view (code → published figure or None), in display order.
    ``reasons``: why regions without a usable figure are left out ('verborgen', 'ontbreekt',
    'geen_vlak'); ``neighbours`` must have been restricted to the other regions.

    Raises
    ------
    HotspotError
        Fewer than ``MIN_TESTED`` regions to test, a negative figure, or all figures equal.
    """
    codes = list(neighbours.codes)
    if neighbours.graph is None or len(codes) < MIN_TESTED:
        raise HotspotError(
            f"Te weinig gebieden om te toetsen: {len(codes)} gebieden hebben een gepubliceerd "
            f"cijfer, een vlak en minstens één buur met een cijfer (minimaal {MIN_TESTED}).",
            code="BB-ANA-001",
        )
    y = np.array([values[c] for c in codes], dtype=float)
    if (y < 0).any():
        raise HotspotError(
            "Getis-Ord Gi* kan alleen cijfers van nul of hoger toetsen; deze indicator heeft "
            "negatieve cijfers.",
            code="BB-ANA-002",
            hint="Kies een indicator zonder negatieve cijfers.",
        )
    if np.ptp(y) == 0:
        raise HotspotError(
            "Alle getoetste gebieden hebben hetzelfde cijfer: er valt geen cluster te vinden.",
            code="BB-ANA-003",
        )
    graph = neighbours.graph
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda/libpysal warn about transforms we set on purpose
        gi = esda.G_Local(
            y,
            graph.assign_self_weight(1),
            transform="R",
            star=None,
            permutations=permutations,
            seed=seed,
            n_jobs=1,
            keep_simulations=False,
        )
        moran = esda.Moran_Local(
            y,
            graph,
            transformation="r",
            permutations=permutations,
            seed=seed,
            n_jobs=1,
            keep_simulations=False,
        )
    gi_p = two_sided(gi.p_sim, permutations)
    gi_sig, gi_cut = significant(gi_p, alpha)
    mo_p = two_sided(moran.p_sim, permutations)
    mo_sig, mo_cut = significant(mo_p, alpha)
    tested: dict[str, LocalResult] = {}
    for k, code in enumerate(codes):
        z = float(gi.Zs[k])
        tested[code] = LocalResult(
            code,
            float(y[k]),
            None,
            gi_z=z,
            gi_p=float(gi_p[k]),
            gi_class=("hoog" if z > 0 else "laag") if gi_sig[k] else "geen",
            moran_i=float(moran.Is[k]),
            moran_p=float(mo_p[k]),
            moran_quadrant=QUADRANTS[int(moran.q[k])],
            moran_significant=bool(mo_sig[k]),
        )
    isolates = set(neighbours.isolates)
    rows = []
    for code, value in values.items():
        if code in tested:
            rows.append(tested[code])
        else:
            reason = reasons.get(code) or ("geen_buren" if code in isolates else "geen_vlak")
            rows.append(LocalResult(code, value, reason))
    return HotspotResult(rows, alpha, permutations, seed, gi_cut, mo_cut)
