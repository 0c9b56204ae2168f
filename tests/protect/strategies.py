"""Hypothesis strategies: small random gemeente > wijk > buurt x category tables."""

from __future__ import annotations

from hypothesis import strategies as st

from buurtbeeld.protect import Table, build_cross_table


@st.composite
def hierarchical_tables(draw: st.DrawFn, max_wijken: int = 3, max_buurten: int = 4) -> Table:
    """A gemeente > wijk > buurt x category table with many small counts."""
    n_wijken = draw(st.integers(1, max_wijken))
    regions: dict[str, list[str]] = {"GM0001": []}
    leaves = []
    for w in range(n_wijken):
        wijk = f"WK0001{w:02d}"
        regions["GM0001"].append(wijk)
        regions[wijk] = [f"BU0001{w:02d}{b:02d}" for b in range(draw(st.integers(1, max_buurten)))]
        leaves += regions[wijk]
    categories = [f"cat{k}" for k in range(draw(st.integers(1, 4)))]
    count = st.one_of(st.integers(0, 12), st.integers(0, 60))
    counts = {(b, c): draw(count) for b in leaves for c in categories}
    return build_cross_table(counts, [regions, {"totaal": categories}])


@st.composite
def magnitude_tables(draw: st.DrawFn) -> Table:
    """A wijk > buurt x category amount table; households contribute to one or more cells."""
    from buurtbeeld.protect import build_magnitude_table

    buurten = [f"BU{b}" for b in range(draw(st.integers(2, 4)))]
    categories = [f"cat{k}" for k in range(draw(st.integers(1, 3)))]
    contributions: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for b in buurten:
        for c in categories:
            n = draw(st.integers(0, 5))
            contributions[(b, c)] = [
                (f"hh{draw(st.integers(0, 12))}", float(draw(st.integers(1, 2000))))
                for _ in range(n)
            ]
    return build_magnitude_table(contributions, [{"WK": buurten}, {"totaal": categories}])
