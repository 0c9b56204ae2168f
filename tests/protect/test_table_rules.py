"""Table model and primary rules."""

from __future__ import annotations

import pytest

from buurtbeeld.protect import (
    Cell,
    CellStatus,
    PercentRule,
    Profile,
    Table,
    apply_primary_rules,
    build_cross_table,
    build_magnitude_table,
    cells_above,
    get_profile,
    link_tables,
    protect_table,
    threshold_profile,
)

REGIONS = {"GM1": ["WK1", "WK2"], "WK1": ["BU1", "BU2"], "WK2": ["BU3"]}
CATS = {"totaal": ["wmo", "jeugd"]}


def test_cross_table_has_every_level_and_adds_up() -> None:
    counts = {("BU1", "wmo"): 3, ("BU1", "jeugd"): 12, ("BU2", "wmo"): 20, ("BU3", "jeugd"): 1}
    table = build_cross_table(counts, [REGIONS, CATS])
    assert len(table) == 6 * 3
    assert table.cells[table.index[("GM1", "totaal")]].count == 36
    assert table.cells[table.index[("WK2", "wmo")]].count == 0
    # region relations for every category, category relations for every region
    assert len(table.relations) == 3 * 3 + 6
    levels = dict(zip((c.key for c in table.cells), table.levels(), strict=True))
    assert levels[("BU1", "wmo")] == 0
    assert levels[("GM1", "totaal")] == 3
    assert cells_above(table, REGIONS, depth=0) == {("GM1", c) for c in ("totaal", "wmo", "jeugd")}
    assert len(cells_above(table, REGIONS, depth=1)) == 9


def test_table_refuses_relations_that_do_not_add_up_without_printing_values() -> None:
    with pytest.raises(ValueError, match="does not add up") as info:
        Table.from_relations(
            [Cell(("t",), 5), Cell(("a",), 2), Cell(("b",), 2)], [(("t",), [("a",), ("b",)])]
        )
    assert "2" not in str(info.value) and "5" not in str(info.value)
    with pytest.raises(ValueError, match="twice"):
        Table.from_relations([Cell(("a",), 1), Cell(("a",), 1)], [])
    with pytest.raises(ValueError, match="unknown cell"):
        Table.from_relations([Cell(("a",), 1)], [(("a",), [("b",)])])
    with pytest.raises(ValueError, match="negative"):
        Cell(("a",), -1)


def test_link_tables_unites_cells_and_relations() -> None:
    a = build_cross_table({("x",): 1, ("y",): 2}, [{"T": ["x", "y"]}])
    b = build_cross_table({("x",): 1, ("y",): 2}, [{"T": ["y", "x"]}])
    assert len(link_tables(a, b)) == 3
    c = build_cross_table({("x",): 5, ("y",): 2}, [{"T": ["x", "y"]}])
    with pytest.raises(ValueError, match="differs"):
        link_tables(a, c)


@pytest.mark.parametrize(
    ("profile", "hidden"),
    [("cbs-zorg", set(range(8))), ("drempel-10", set(range(1, 10)))],
)
def test_frequency_profiles(profile: str, hidden: set[int]) -> None:
    rule = get_profile(profile).frequency
    assert rule is not None
    assert {n for n in range(30) if rule.is_sensitive(n)} == hidden
    assert threshold_profile(5).frequency == type(rule)(1, 4)
    assert threshold_profile(5, hide_zeros=True).frequency == type(rule)(0, 4)
    with pytest.raises(ValueError, match="unknown protection profile"):
        get_profile("geen-idee")


def test_p_percent_rule_with_households_as_holdings() -> None:
    rule = PercentRule(p=15, coalition=1, min_contributors=3)
    # X - x1 - x2 < 0.15 x1  ->  100 - 80 - 10 = 10 < 12: sensitive, protection level 2
    cell = Cell(("a",), 3, value=100.0, top=(80.0, 10.0))
    assert rule.protection_level(cell) == pytest.approx(2.0)
    assert rule.protection_level(Cell(("a",), 4, value=100.0, top=(40.0, 30.0))) < 0
    # two persons of one household are one holding: their amounts add up
    contributions = {
        ("BU1", "schuld"): [("hh1", 500.0), ("hh1", 400.0), ("hh2", 50.0), ("hh3", 60.0)],
        ("BU2", "schuld"): [("hh4", 300.0), ("hh5", 280.0), ("hh6", 310.0), ("hh7", 290.0)],
    }
    table = build_magnitude_table(contributions, [{"W": ["BU1", "BU2"]}, {"t": ["schuld"]}])
    bu1 = table.cells[table.index[("BU1", "schuld")]]
    assert bu1.count == 3 and bu1.top == (900.0, 60.0)
    profile = Profile("bedragen", percent=rule, rounding_base=None)
    primary = apply_primary_rules(table, profile)
    hidden = {table.cells[i].key for i, s in enumerate(primary.statuses) if s.suppressed}
    assert hidden == {("BU1", "schuld"), ("BU1", "t")}
    assert primary.requirements[table.index[("BU1", "schuld")]].upper > 0
    # fewer than min_contributors holdings is sensitive too (protection: not exact)
    small = build_magnitude_table(
        {("BU1", "x"): [("h", 5.0), ("h2", 5.0)]}, [{"W": ["BU1"]}, {"t": ["x"]}]
    )
    assert all(s.suppressed for s in apply_primary_rules(small, profile).statuses)


def test_forced_and_manual_cells() -> None:
    table = build_cross_table(
        {("BU1", "wmo"): 30, ("BU2", "wmo"): 40, ("BU3", "wmo"): 50}, [REGIONS, CATS]
    )
    protected = protect_table(
        table, profile="drempel-10", suppress=[("BU1", "wmo")], publish=[("GM1", "totaal")]
    )
    assert protected.status(("GM1", "totaal")) == CellStatus.FORCED_PUBLISHABLE
    assert protected.status(("BU1", "wmo")) == CellStatus.PRIMARY_SUPPRESSED
    assert protected.reasons[("BU1", "wmo")].value == "manual"
    assert protected.report.n_secondary >= 1
