"""A national count table for tests: NL00 > gemeenten > 3 wijken > 4 buurten x 3 categories."""

from __future__ import annotations

from collections.abc import Callable

from buurtbeeld.protect import Table, build_cross_table

CATEGORIES = ("a", "b", "c")


def national_table(n_gemeenten: int, count: Callable[[int, str, int], int]) -> Table:
    """``count(gemeente number, buurt code, category number)`` gives each buurt cell."""
    regions: dict[str, list[str]] = {"NL00": []}
    counts: dict[tuple[str, ...], int] = {}
    for g in range(n_gemeenten):
        gem = f"GM{g:04d}"
        regions["NL00"].append(gem)
        regions[gem] = [f"WK{g:04d}{w:02d}" for w in range(3)]
        for w, wijk in enumerate(regions[gem]):
            regions[wijk] = [f"BU{g:04d}{w:02d}{b:02d}" for b in range(4)]
            for buurt in regions[wijk]:
                for k, cat in enumerate(CATEGORIES):
                    counts[(buurt, cat)] = count(g, buurt, k)
    return build_cross_table(counts, [regions, {"totaal": list(CATEGORIES)}])
