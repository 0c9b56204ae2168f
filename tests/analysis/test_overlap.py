"""The rules of the stapeling view on small hand-made cells (values chosen so sums are plain)."""

from __future__ import annotations

from buurtbeeld.analysis.overlap import at_least, cbs_layout, exclusive, share
from buurtbeeld.store.cube import Cell
from buurtbeeld.store.overlap_read import join

NAMES = ("wmo", "jeugdhulp", "bijstand")
TITLES = {n: n.capitalize() for n in NAMES}


def cells(
    values: dict[tuple[str, ...], float | None], total: float | None = 100.0
) -> dict[tuple[str, str], tuple[float | None, str]]:
    """Exclusive cells by their 'ja' provisions (None: hidden) and the total."""
    out = {(join(k), ""): (v, "value" if v is not None else "hidden") for k, v in values.items()}
    out[("", join(NAMES))] = (total, "value" if total is not None else "hidden")
    return out


ALL = {
    ("wmo",): 40.0,
    ("jeugdhulp",): 20.0,
    ("bijstand",): 10.0,
    ("wmo", "jeugdhulp"): 10.0,
    ("wmo", "bijstand"): 10.0,
    ("jeugdhulp", "bijstand"): 5.0,
    ("wmo", "jeugdhulp", "bijstand"): 5.0,
}


def test_all_published_sums_the_exclusive_combinations() -> None:
    c = cells(ALL)
    assert at_least(c, NAMES, 1).value == 100.0  # the published total itself
    assert at_least(c, NAMES, 2).value == 30.0  # 10 + 10 + 5 + 5
    assert at_least(c, NAMES, 3).value == 5.0
    assert "som van 4" in at_least(c, NAMES, 2).note or "totaal min 3" in at_least(c, NAMES, 2).note


def test_a_hidden_pair_is_bypassed_by_the_total_minus_the_singles() -> None:
    c = cells({**ALL, ("wmo", "bijstand"): None})
    two = at_least(c, NAMES, 2)
    assert (two.value, two.status) == (30.0, "value")  # 100 - 40 - 20 - 10
    assert "totaal min 3" in two.note
    assert at_least(c, NAMES, 3).value == 5.0


def test_hidden_on_both_sides_stays_hidden() -> None:
    c = cells({**ALL, ("wmo", "bijstand"): None, ("bijstand",): None})
    assert at_least(c, NAMES, 2).status == "hidden"
    assert at_least(c, NAMES, 2).value is None
    assert at_least(c, NAMES, 3).value == 5.0
    assert at_least(c, NAMES, 1).value == 100.0


def test_without_the_total_only_the_sum_is_possible() -> None:
    c = cells({**ALL, ("wmo", "bijstand"): None}, total=None)
    assert at_least(c, NAMES, 1).status == "hidden"
    assert at_least(c, NAMES, 2).status == "hidden"
    assert at_least(c, NAMES, 3).value == 5.0
    c = cells(ALL, total=None)
    assert at_least(c, NAMES, 1).value == 100.0  # the sum of all seven


def test_an_area_without_cells_is_missing_not_hidden() -> None:
    assert at_least({}, NAMES, 2).status == "missing"
    assert {c.figure.status for c in exclusive({}, NAMES, TITLES)} == {"missing"}


def test_exclusive_combinations_carry_no_value_when_hidden() -> None:
    out = exclusive(cells({**ALL, ("jeugdhulp",): None}), NAMES, TITLES)
    assert len(out) == 7
    hidden = [c for c in out if c.figure.status == "hidden"]
    assert [c.names for c in hidden] == [("jeugdhulp",)]
    assert hidden[0].figure.value is None
    assert [c.label for c in out][3] == "Wmo + Jeugdhulp"


def test_cbs_layout_leaves_a_fourth_provision_open() -> None:
    names = ("wmo", "jeugdhulp", "bijstand", "schulden")
    c = {
        ("jeugdhulp", "schulden"): (15.0, "value"),  # only Jeugd, any debts
        ("jeugdhulp+wmo", "schulden"): (25.0, "value"),
        ("bijstand+jeugdhulp+wmo", "schulden"): (None, "hidden"),
        ("jeugdhulp", ""): (999.0, "value"),  # only Jeugd and no debts: not CBS's category
    }
    layout = dict(cbs_layout(c, names) or [])
    assert layout["Alleen Jeugd"].value == 15.0
    assert layout["Jeugd en Wmo"].value == 25.0
    assert layout["Jeugd, Wmo en P-wet"].status == "hidden"
    assert layout["Alleen Wmo"].status == "hidden"  # absent cell: never a number
    assert cbs_layout(c, ("wmo", "jeugdhulp", "schulden")) is None


def test_cbs_layout_of_four_provisions_sums_the_exclusive_combinations() -> None:
    """A linked package since 2026-12-04 holds only exclusive combinations (no cell with a
    fourth provision open): CBS's category is the sum of those it covers, when all are
    published."""
    names = ("wmo", "jeugdhulp", "bijstand", "schulden")
    c = {
        ("jeugdhulp", ""): (15.0, "value"),  # only Jeugd, no debts
        ("jeugdhulp+schulden", ""): (10.0, "value"),  # only Jeugd, with debts
        ("jeugdhulp+wmo", ""): (20.0, "value"),
        ("jeugdhulp+schulden+wmo", ""): (None, "hidden"),
    }
    layout = dict(cbs_layout(c, names) or [])
    assert (layout["Alleen Jeugd"].value, layout["Alleen Jeugd"].status) == (25.0, "value")
    assert "som van 2" in layout["Alleen Jeugd"].note
    assert layout["Jeugd en Wmo"].status == "hidden"  # one part hidden: never an estimate
    assert layout["Jeugd en Wmo"].value is None
    assert layout["Alleen Wmo"].status == "hidden"  # absent cells: never a number


def test_shares_follow_cbs_rule_for_ratios() -> None:
    count = at_least(cells(ALL), NAMES, 2)  # 30
    assert share(count, Cell("WK1", 600.0, "value", None)).value == 5.0
    assert share(count, Cell("WK1", 99.0, "value", None)).status == "hidden"
    assert share(count, Cell("WK1", None, "hidden", "bron")).status == "missing"
    assert share(count, Cell("WK1", 20.0, "value", None)).status == "hidden"  # < 100
    assert share(count, Cell("WK1", 25.0, "value", None)).value is None
    hidden = at_least(cells({**ALL, ("wmo", "bijstand"): None, ("bijstand",): None}), NAMES, 2)
    assert share(hidden, Cell("WK1", 600.0, "value", None)).status == "hidden"


def test_all_provisions_stay_hidden_when_their_one_cell_is_hidden() -> None:
    c = cells({**ALL, ("wmo", "jeugdhulp", "bijstand"): None})
    # 100 - 40 - 20 - 10 - 10 - 10 - 5 would estimate the hidden cell: not shown
    assert at_least(c, NAMES, 3).status == "hidden"
    assert at_least(c, NAMES, 3).value is None
    two = at_least(c, NAMES, 2)  # a sum of several combinations: from the total
    assert (two.value, two.status) == (30.0, "value")
