"""Legend classes and colours for choropleth maps."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import mapclassify
import numpy as np

from buurtbeeld.catalog.models import Indicator, Polarity, Rounding

# ColorBrewer sequential ramps (5 classes), light to dark. The lightest is the second of the
# 6-class ramp, so that it stays visible against white ("ontbreekt") and the map's background
# (issue 13: #fef0d9 was 1.04:1 to the background).
RAMP_WORSE = (
    "#fdd49e",
    "#fdbb84",
    "#fc8d59",
    "#e34a33",
    "#b30000",
)  # OrRd: darker = less favourable
RAMP_NEUTRAL = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")  # Blues
HIDDEN_COLOUR = "#9e9e9e"
MISSING_COLOUR = "#ffffff"


@dataclass(frozen=True)
class LegendClass:
    """One class of a legend."""

    lower: float
    upper: float
    colour: str
    count: int
    note: str | None = None  # what a single published value stands for ("0–4")


@dataclass(frozen=True)
class Legend:
    """Classes (in ascending value order) and the colour of each value."""

    classes: tuple[LegendClass, ...]
    method: str
    rounding_note: str | None = None  # Dutch: how the source rounded, and what 0 means

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


@dataclass(frozen=True)
class SourceRounding:
    """The rounding behind a map's values: of the count itself, or of a ratio's numerator."""

    rounding: Rounding
    numerator: Indicator | None = None  # set for a ratio of a rounded count

    def note(self, value: float) -> str | None:
        """What a single published value stands for: '0–4' (count) or '0–4 personen met …'."""
        if self.numerator is None:
            low, high = self.rounding.interval(value)
            return f"{low}–{high}"
        if value != 0:
            return None  # a ratio's other values depend on each region's denominator
        low, high = self.rounding.interval(0)
        name = self.numerator.name
        return f"{low}–{high} {name[0].lower() + name[1:]}"

    def explanation(self) -> str:
        """Dutch footnote for the legend."""
        if self.numerator is None:
            return self.rounding.explanation()
        low, high = self.rounding.interval(0)
        return (
            f"De teller ({self.numerator.name}) is door de bron {self.rounding.words}: "
            f"een 0 betekent {low} tot en met {high}, niet per se niemand."
        )


def source_rounding(
    indicator: Indicator, level: str, numerator: Indicator | None = None
) -> SourceRounding | None:
    """The rounding that applies to ``indicator``'s values at ``level`` (``numerator``: of a ratio)."""
    if indicator.rounding is not None and level in indicator.rounding.levels:
        return SourceRounding(indicator.rounding)
    if (
        numerator is not None
        and numerator.rounding is not None
        and level in numerator.rounding.levels
    ):
        return SourceRounding(numerator.rounding, numerator)
    return None


def make_legend(
    indicator: Indicator,
    values: list[float],
    *,
    k: int = 5,
    rounding: SourceRounding | None = None,
) -> Legend:
    """Quantile classes (5 by default) over the published values of the map.

    Quantiles suit skewed social-domain figures and give each colour a similar number of
    areas; with fewer distinct values than classes, each distinct value is its own class.
    Class boundaries are always published values (never an interpolated 26 where the source
    publishes only tens), and with a known source rounding a single-value class says what it
    stands for ("0 (0–4)").
    """
    data = np.asarray([v for v in values if v is not None], dtype=float)
    footnote = rounding.explanation() if rounding else None
    if data.size == 0:
        return Legend((), "geen", footnote)

    def note(lower: float, upper: float) -> str | None:
        return rounding.note(lower) if rounding and lower == upper else None

    distinct = np.unique(data)
    if distinct.size <= k:
        colours = _ramp(indicator, int(distinct.size))
        classes = tuple(
            LegendClass(
                float(v), float(v), colours[i], int((data == v).sum()), note(float(v), float(v))
            )
            for i, v in enumerate(distinct)
        )
        return Legend(classes, "unieke waarden", footnote)
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
    for i, edge in enumerate(bins):
        # The largest published value in the class: the same members, an honest boundary.
        upper = float(distinct[np.searchsorted(distinct, edge + 1e-12, side="right") - 1])
        result.append(LegendClass(lower, upper, colours[i], int(counts[i]), note(lower, upper)))
        lower = upper
    return Legend(tuple(c for c in result if c.count > 0), "kwantielen", footnote)
