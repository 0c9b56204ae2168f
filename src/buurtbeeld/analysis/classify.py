"""Legend classes and colours for choropleth maps."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import mapclassify
import numpy as np

from buurtbeeld.catalog.models import Indicator, Polarity

# ColorBrewer sequential ramps (5 classes), light to dark.
RAMP_WORSE = (
    "#fef0d9",
    "#fdcc8a",
    "#fc8d59",
    "#e34a33",
    "#b30000",
)  # OrRd: darker = less favourable
RAMP_NEUTRAL = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")  # Blues
HIDDEN_COLOUR = "#9e9e9e"
MISSING_COLOUR = "#ffffff"


@dataclass(frozen=True)
class LegendClass:
    """One class of a legend."""

    lower: float
    upper: float
    colour: str
    count: int


@dataclass(frozen=True)
class Legend:
    """Classes (in ascending value order) and the colour of each value."""

    classes: tuple[LegendClass, ...]
    method: str

    def colour_of(self, value: float | None) -> str | None:
        """Colour of a published value (None for hidden/missing)."""
        if value is None:
            return None
        for legend_class in self.classes:
            if value <= legend_class.upper + 1e-12:
                return legend_class.colour
        return self.classes[-1].colour if self.classes else None

    def class_index(self, value: float | None) -> int | None:
        """Index of the class of a value."""
        if value is None:
            return None
        for index, legend_class in enumerate(self.classes):
            if value <= legend_class.upper + 1e-12:
                return index
        return len(self.classes) - 1


def _ramp(indicator: Indicator, k: int) -> list[str]:
    ramp = list(RAMP_NEUTRAL if indicator.polarity is Polarity.NEUTRAL else RAMP_WORSE)
    if indicator.polarity is Polarity.HIGHER_IS_BETTER:
        ramp.reverse()  # low values are the unfavourable ones: darkest
    if k >= len(ramp):
        return ramp
    positions = np.linspace(0, len(ramp) - 1, k).round().astype(int)
    return [ramp[p] for p in positions]


def make_legend(indicator: Indicator, values: list[float], *, k: int = 5) -> Legend:
    """Quantile classes (5 by default) over the published values of the map.

    Quantiles suit skewed social-domain figures and give each colour a similar number of
    areas; with fewer distinct values than classes, each distinct value is its own class.
    """
    data = np.asarray([v for v in values if v is not None], dtype=float)
    if data.size == 0:
        return Legend((), "geen")
    distinct = np.unique(data)
    if distinct.size <= k:
        colours = _ramp(indicator, int(distinct.size))
        classes = tuple(
            LegendClass(float(v), float(v), colours[i], int((data == v).sum()))
            for i, v in enumerate(distinct)
        )
        return Legend(classes, "unieke waarden")
    with warnings.catch_warnings():
        # With many ties (e.g. lots of zeros) mapclassify merges classes and says so; that is
        # exactly what the legend should do.
        warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
        classifier = mapclassify.Quantiles(data, k=k)
    bins = np.asarray(classifier.bins, dtype=float)
    counts = np.asarray(classifier.counts, dtype=int)
    colours = _ramp(indicator, len(bins))
    lower = float(data.min())
    result: list[LegendClass] = []
    for i, upper in enumerate(bins):
        result.append(LegendClass(lower, float(upper), colours[i], int(counts[i])))
        lower = float(upper)
    return Legend(tuple(c for c in result if c.count > 0), "kwantielen")
