"""Earlier releases are part of the audit: differencing across deliveries is caught."""

from __future__ import annotations

from buurtbeeld.protect import (
    CellStatus,
    Relation,
    ReleaseLedger,
    audit_protected,
    build_cross_table,
    protect_table,
    threshold_profile,
)

COUNTIES = {
    "Total": ["county-1", "county-2"],
    "county-1": ["A", "B", "I", "J"],
    "county-2": ["K", "L", "M", "N"],
}
SIZE = {"Total": ["big", "small"], "big": ["L", "M"], "small": ["A", "B", "I", "J", "K", "N"]}
COUNTS = {("A",): 2, ("B",): 2, ("I",): 8, ("J",): 8, ("K",): 3, ("L",): 3, ("M",): 3, ("N",): 7}
PROFILE = threshold_profile(4)


def test_a_later_overlapping_table_is_protected_against_the_earlier_one() -> None:
    first = protect_table(build_cross_table(COUNTS, [COUNTIES]), profile=PROFILE, rounding=False)
    assert first.status(("N",)) == CellStatus.PUBLISHABLE
    ledger = ReleaseLedger().add(first.to_release("2024-gebieden"))
    size = build_cross_table(COUNTS, [SIZE])
    # alone, the size table publishes 'small'; with the earlier release, small - county-1 = K + N
    # and N is already public, so K would be disclosed: the ledger run must prevent that
    alone = protect_table(size, profile=PROFILE, rounding=False)
    assert not audit_protected(size, alone, ledger=ledger).passed
    later = protect_table(size, profile=PROFILE, ledger=ledger, rounding=False)
    assert audit_protected(size, later, ledger=ledger).passed
    assert later.status(("N",)) == CellStatus.PUBLISHABLE  # fixed by the earlier release
    assert later.report.n_earlier_cells == len(first.keys) - len(set(first.keys) & set(later.keys))
    assert "eerdere leveringen" in later.report.text()


def test_period_differencing_year_minus_half_year() -> None:
    # H1 released earlier; now the year table. year = H1 + H2 per buurt (a link relation).
    regions = {"W": ["b1", "b2"]}
    h1 = build_cross_table({("b1",): 20, ("b2",): 30}, [regions])
    h1_keys = {c.key: ("H1", *c.key) for c in h1.cells}
    from buurtbeeld.protect import Cell, Table

    h1_cells = [Cell(h1_keys[c.key], c.count) for c in h1.cells]
    h1_table = Table.from_relations(h1_cells, [(("H1", "W"), [("H1", "b1"), ("H1", "b2")])])
    first = protect_table(h1_table, profile=PROFILE, rounding=False)
    assert first.hidden_keys == ()
    year = Table.from_relations(
        [
            Cell(("Y", "W"), 53),
            Cell(("Y", "b1"), 22),
            Cell(("Y", "b2"), 31),
            Cell(("H2", "W"), 3),
            Cell(("H2", "b1"), 2),
            Cell(("H2", "b2"), 1),
        ],
        [
            (("Y", "W"), [("Y", "b1"), ("Y", "b2")]),
            (("H2", "W"), [("H2", "b1"), ("H2", "b2")]),
        ],
    )
    links = [Relation(("Y", k), (("H1", k), ("H2", k))) for k in ("W", "b1", "b2")]
    ledger = ReleaseLedger().add(first.to_release("H1"), links=links)
    # without the ledger only the H2 cells are hidden, and Y - H1 gives them away
    alone = protect_table(year, profile=PROFILE, rounding=False)
    assert not audit_protected(year, alone, ledger=ledger).passed
    protected = protect_table(year, profile=PROFILE, ledger=ledger, rounding=False)
    assert audit_protected(year, protected, ledger=ledger).passed
    assert protected.status(("Y", "b1")).suppressed


def test_rounded_earlier_values_are_intervals_for_the_attacker() -> None:
    first = protect_table(build_cross_table(COUNTS, [COUNTIES]), profile=PROFILE, seed=1)
    release = first.to_release("afgerond")
    assert all(c.rounding_base == 5 for c in release.cells if c.value is not None)
    assert all(c.value is None for c in release.cells if c.status.suppressed)
