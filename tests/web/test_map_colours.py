"""Map classes stay apart: contrast and grey-scale of the lightest classes (issue 13 item 6)."""

from __future__ import annotations

from itertools import pairwise

from buurtbeeld.analysis.classify import MISSING_COLOUR, RAMP_NEUTRAL, RAMP_WORSE
from buurtbeeld.web.stacking_view import STACK_COLOURS, STACK_LEGEND

BACKGROUND = "#f7f7f7"  # the map's background (static/js/kaart.mjs)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance (what grey-scale print keeps of a colour)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_stapelkaart_zero_one_and_no_figures_are_distinguishable() -> None:
    zero, one = STACK_COLOURS[0], STACK_COLOURS[1]
    # "0 van N" and "1 van N" were 1.04:1 and equal in grey-scale; "geen cijfers" is dotted
    assert contrast(zero, one) >= 1.3
    assert contrast(one, BACKGROUND) >= 1.2
    # grey-scale: every class has its own lightness, in order
    lightness = [luminance(c) for c in STACK_COLOURS]
    assert lightness == sorted(lightness, reverse=True)
    assert min(a - b for a, b in pairwise(lightness)) > 0.05
    assert [c for c, _label in STACK_LEGEND] == list(STACK_COLOURS)


def test_lightest_choropleth_class_is_visible() -> None:
    for ramp in (RAMP_WORSE, RAMP_NEUTRAL):
        assert contrast(ramp[0], BACKGROUND) >= 1.2, ramp[0]
        assert contrast(ramp[0], MISSING_COLOUR) >= 1.3, ramp[0]
        lightness = [luminance(c) for c in ramp]
        assert lightness == sorted(lightness, reverse=True)
