"""The stapelkaart: in how many selected indicators does a buurt fall in the worst fifth?

For each indicator (respecting polarity) the worst fifth is defined relative to a
reference: the buurten of the same gemeente, or all buurten of the Netherlands. Hidden
and missing figures are never counted as problems; the number of indicators that could
be judged is reported next to the count so a low score is never mistaken for "no problems".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from buurtbeeld.catalog.models import Indicator, Polarity
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.store.cube import Cube

WORST_SHARE = 0.2


class StackingError(BuurtbeeldError, ValueError):
    """The chosen indicators cannot be stacked."""

    code = "BB-STP-001"
    http_status = 422
    default_hint = (
        "Kies twee of meer verhoudingscijfers met een richting (hoger is ongunstiger of gunstiger)."
    )


def stackable(indicator: Indicator) -> bool:
    """Rates with a polarity can be stacked; counts depend on buurt size, neutral ones have no 'worse'."""
    return indicator.polarity is not Polarity.NEUTRAL and not indicator.is_count


@dataclass(frozen=True)
class Threshold:
    """Boundary of the worst fifth of one indicator."""

    indicator: Indicator
    period: str
    value: float
    reference_count: int


@dataclass(frozen=True)
class StackRow:
    """Result for one buurt: ``count`` of the ``judged`` indicators (of ``chosen``) in the worst fifth."""

    code: str
    name: str
    count: int
    judged: int
    flags: dict[str, bool | None]  # indicator id -> in worst fifth (None: not judged)
    chosen: int = 0

    @property
    def share(self) -> float | None:
        """Share of the judged indicators in the worst fifth (None: nothing judged)."""
        return self.count / self.judged if self.judged else None

    @property
    def uncertain(self) -> bool:
        """Judged on some, but fewer than half, of the chosen indicators: hatched, read with care.

        A buurt judged on none is not uncertain but without figures ("niet te beoordelen").
        """
        return self.judged > 0 and 2 * self.judged < self.chosen

    @property
    def label(self) -> str:
        """Dutch: '2 van 2 beoordeeld' – what was judged, never '2 van 6'."""
        if not self.judged:
            return "niet te beoordelen"
        return f"{self.count} van {self.judged} beoordeeld"


def ranked(rows: list[StackRow]) -> list[StackRow]:
    """Most stacking first, by share of what was judged; more evidence first; unjudged last."""
    return sorted(rows, key=lambda r: (r.share is None, -(r.share or 0.0), -r.judged, r.code))


def _threshold(values: np.ndarray, indicator: Indicator) -> float:
    quantile = 1 - WORST_SHARE if indicator.polarity is Polarity.HIGHER_IS_WORSE else WORST_SHARE
    return float(np.quantile(values, quantile))


def stack(
    cube: Cube, gemeente: str, indicators: list[Indicator], *, reference: str = "gemeente"
) -> tuple[list[Threshold], list[StackRow]]:
    """Count, per buurt of ``gemeente``, the indicators in the worst fifth.

    Raises
    ------
    StackingError
        Fewer than two indicators, or one that cannot be stacked.
    """
    if len(indicators) < 2:
        raise StackingError("Kies ten minste twee indicatoren voor de stapelkaart.")
    wrong = [i.label for i in indicators if not stackable(i)]
    if wrong:
        raise StackingError(f"Deze indicatoren kunnen niet gestapeld worden: {', '.join(wrong)}.")
    if reference not in ("gemeente", "nederland"):
        raise StackingError(
            f"Onbekende referentie '{reference}'.", hint="Kies 'gemeente' of 'nederland'."
        )
    buurten = cube.children(gemeente, "buurt")
    codes = [b.code for b in buurten]
    reference_codes = (
        codes if reference == "gemeente" else [b.code for b in cube.children("NL00", "buurt")]
    )
    thresholds = []
    flags: dict[str, dict[str, bool | None]] = {c: {} for c in codes}
    for indicator in indicators:
        period = cube.default_period(indicator.id, codes)
        if period is None:
            for c in codes:
                flags[c][indicator.id] = None
            continue
        ref_values = cube.published_values(indicator.id, period, reference_codes)
        if ref_values.size < 5:
            for c in codes:
                flags[c][indicator.id] = None
            continue
        limit = _threshold(ref_values, indicator)
        thresholds.append(Threshold(indicator, period, limit, int(ref_values.size)))
        cells = cube.cells(indicator.id, period, codes)
        for c in codes:
            value = cells[c].value
            if value is None:
                flags[c][indicator.id] = None
            elif indicator.polarity is Polarity.HIGHER_IS_WORSE:
                flags[c][indicator.id] = value >= limit
            else:
                flags[c][indicator.id] = value <= limit
    rows = [
        StackRow(
            code=b.code,
            name=b.name,
            count=sum(1 for f in flags[b.code].values() if f),
            judged=sum(1 for f in flags[b.code].values() if f is not None),
            flags=flags[b.code],
            chosen=len(indicators),
        )
        for b in buurten
    ]
    return thresholds, rows
