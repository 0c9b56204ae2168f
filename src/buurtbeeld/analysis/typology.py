"""Buurttypen ("de kleur van de wijk"): a typology of buurten from a set of indicators.

Method (docs/analyse.md):

1. Per indicator the national default period; only buurten with a *published* figure for every
   indicator take part (complete cases); the others get no type, and the count is reported.
2. Standardised against all participating buurten of the Netherlands: z = (x − mean) / sd, cut
   at ±3 so that a few extreme buurten do not form a type of their own.
3. k-means (scikit-learn, ``n_init=10``, a fixed seed) for k = 3 … 8; the k with the highest
   silhouette score (on a seeded sample of 3,000 buurten) is chosen. Types are numbered by size,
   largest first, so the numbering does not depend on the seed.
4. Each type is described by its centre: the indicators on which it differs from the Netherlands
   by at least half a standard deviation, in words ("veel hoger", "hoger", "lager", "veel lager").
5. Stability (``stability``): the same k fitted with ``STABILITY_SEEDS`` other seeds; the adjusted Rand index
   against the chosen solution (1 = the same division) is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from threadpoolctl import threadpool_limits

from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.store.cube import Cube

K_RANGE = range(3, 9)
CLIP = 3.0
SILHOUETTE_SAMPLE = 3000
STABILITY_SEEDS = 10
DEFAULT_SEED = 2026
MIN_BUURTEN = 50
# Okabe-Ito, colour-blind safe, for at most 8 types
TYPE_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)


class TypologyError(BuurtbeeldError, ValueError):
    """The chosen indicators cannot make a typology."""

    code = "BB-ANA-020"
    http_status = 422
    default_hint = "Kies twee of meer indicatoren met cijfers voor de meeste buurten."


@dataclass(frozen=True)
class BuurtType:
    """One type: its number, size, centre (z) and what it means in words."""

    number: int
    size: int
    centre: dict[str, float]  # indicator id → mean z of the type
    means: dict[str, float]  # indicator id → mean of the type in the indicator's unit
    colour: str
    words: list[str]  # "veel hoger bijstand (uitkeringen per 1.000 inwoners)", …

    @property
    def name(self) -> str:
        """Short Dutch name: the two strongest differences, or 'gemiddeld'."""
        return "; ".join(self.words[:2]) if self.words else "rond het Nederlandse gemiddelde"


@dataclass(frozen=True)
class Typology:
    """Types, each buurt's type, the choice of k and the stability across seeds."""

    indicators: list[Indicator]
    periods: dict[str, str]
    types: list[BuurtType]
    assignment: dict[str, int]  # buurt code → type number (complete cases only)
    national_means: dict[str, float]
    silhouettes: dict[int, float]
    seed: int
    without_type: int  # buurten left out (a hidden or missing figure on some indicator)
    z: np.ndarray = field(repr=False, compare=False)  # standardised figures of the typed buurten
    labels: np.ndarray = field(repr=False, compare=False)  # k-means labels, in ``assignment`` order

    @property
    def k(self) -> int:
        """The number of types."""
        return len(self.types)

    def type_of(self, code: str) -> BuurtType | None:
        """The type of a buurt, or None."""
        number = self.assignment.get(code)
        return None if number is None else self.types[number - 1]


def _words(centre: dict[str, float], indicators: list[Indicator]) -> list[str]:
    ranked = sorted(indicators, key=lambda i: -abs(centre[i.id]))
    out = []
    for i in ranked:
        z = centre[i.id]
        if abs(z) < 0.5:
            continue
        word = (
            ("veel hoger" if z >= 1 else "hoger")
            if z > 0
            else ("veel lager" if z <= -1 else "lager")
        )
        out.append(f"{word}: {i.label.lower()}")
    return out


def build_typology(
    values: dict[str, dict[str, float | None]],
    indicators: list[Indicator],
    periods: dict[str, str],
    *,
    seed: int = DEFAULT_SEED,
    k: int | None = None,
) -> Typology:
    """A typology of the buurten in ``values`` (code → indicator id → published figure or None).

    Raises
    ------
    TypologyError
        Fewer than two indicators, or fewer than ``MIN_BUURTEN`` complete buurten.
    """
    if len(indicators) < 2:
        raise TypologyError(
            "Kies ten minste twee indicatoren voor de buurttypen.", code="BB-ANA-020"
        )
    ids = [i.id for i in indicators]
    complete = [c for c, v in values.items() if all(v.get(i) is not None for i in ids)]
    if len(complete) < MIN_BUURTEN:
        raise TypologyError(
            f"Te weinig buurten met een cijfer voor alle gekozen indicatoren: {len(complete)} "
            f"(minimaal {MIN_BUURTEN}).",
            code="BB-ANA-021",
        )
    x = np.array([[float(values[c][i] or 0.0) for i in ids] for c in complete])
    # One thread: OpenMP's threads in k-means fight over the cores (21 s instead of 0.5 s for
    # 8,000 buurten on a busy 2-core machine); the web app serves requests in threads anyway.
    with threadpool_limits(1):
        return _fit(x, complete, indicators, periods, seed, k, len(values) - len(complete))


def _fit(
    x: np.ndarray,
    complete: list[str],
    indicators: list[Indicator],
    periods: dict[str, str],
    seed: int,
    k: int | None,
    without_type: int,
) -> Typology:
    ids = [i.id for i in indicators]
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    z = np.clip((x - mean) / sd, -CLIP, CLIP)
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(z), size=min(SILHOUETTE_SAMPLE, len(z)), replace=False)
    fits: dict[int, np.ndarray] = {}
    silhouettes: dict[int, float] = {}
    for kk in [k] if k else K_RANGE:
        labels = KMeans(kk, n_init=10, random_state=seed).fit_predict(z)
        fits[kk] = labels
        silhouettes[kk] = float(silhouette_score(z[sample], labels[sample]))
    chosen = max(silhouettes, key=lambda kk: silhouettes[kk])
    labels = fits[chosen]
    order = sorted(range(chosen), key=lambda t: (-int((labels == t).sum()), t))
    number = {t: n + 1 for n, t in enumerate(order)}
    types = []
    for t in order:
        member = labels == t
        centre = {i: float(v) for i, v in zip(ids, z[member].mean(axis=0), strict=True)}
        means = {i: float(v) for i, v in zip(ids, x[member].mean(axis=0), strict=True)}
        types.append(
            BuurtType(
                number[t],
                int(member.sum()),
                centre,
                means,
                TYPE_COLOURS[number[t] - 1],
                _words(centre, indicators),
            )
        )
    return Typology(
        indicators,
        periods,
        types,
        {c: number[int(t)] for c, t in zip(complete, labels, strict=True)},
        {i: float(m) for i, m in zip(ids, mean, strict=True)},
        silhouettes,
        seed,
        without_type,
        z,
        labels,
    )


def stability(typology: Typology, seeds: int = STABILITY_SEEDS) -> list[float]:
    """Adjusted Rand index of the chosen division against k-means with ``seeds`` other seeds."""
    out = []
    with threadpool_limits(1):
        for s in range(typology.seed + 1, typology.seed + 1 + seeds):
            other = KMeans(typology.k, n_init=10, random_state=s).fit_predict(typology.z)
            out.append(float(adjusted_rand_score(typology.labels, other)))
    return out


# Jeugdzorg (%) is left out of the default: it is hidden for 5,633 of 14,421 buurten (small
# numbers), which would leave 42 % of the buurten without a type instead of about a third.
DEFAULT_INDICATORS = (
    "huishoudens_laag_inkomen_pct",
    "bijstand_per_1000",
    "eenpersoonshuishoudens_pct",
    "huishoudens_met_kinderen_pct",
    "aow_pct",
    "woz_waarde",
    "wmo_per_1000",
)


def national_typology(
    cube: Cube, indicators: list[Indicator], *, seed: int = DEFAULT_SEED
) -> Typology:
    """The typology of all buurten of the Netherlands (a gemeente's view is a cut-out of it)."""
    codes = [b.code for b in cube.children(COUNTRY_CODE, "buurt")]
    values: dict[str, dict[str, float | None]] = {c: {} for c in codes}
    periods: dict[str, str] = {}
    for indicator in indicators:
        period = cube.default_period(indicator.id, codes)
        if period is None:
            raise TypologyError(
                f"Voor {indicator.label} zijn er geen cijfers in deze werkmap.", code="BB-ANA-022"
            )
        periods[indicator.id] = period
        for code, cell in cube.cells(indicator.id, period, codes).items():
            values[code][indicator.id] = cell.value
    return build_typology(values, indicators, periods, seed=seed)
