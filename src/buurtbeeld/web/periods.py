"""How many regions each period of an indicator covers (for the indicator page)."""

from __future__ import annotations


def regions_per_period(coverage: list[tuple[str, str, int, int, int]]) -> list[tuple[str, int]]:
    """(period, regions with a figure, published or hidden), oldest first, from ``Cube.coverage``."""
    out: dict[str, int] = {}
    for period, _level, values, hidden, _missing in coverage:
        out[period] = out.get(period, 0) + values + hidden
    return list(out.items())
