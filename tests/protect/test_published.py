"""The seam: relations of a published table, what a published value tells, ``verify``."""

from __future__ import annotations

import dataclasses

import pytest

from buurtbeeld.errors import InconsistentFiguresError
from buurtbeeld.protect import (
    TOTAL,
    AuditInput,
    Dimension,
    FrequencyRule,
    Mark,
    Profile,
    TableView,
    audit,
    get_profile,
    producible,
    published_interval,
    table_relations,
    verify,
)

CHILDREN = {"GM1": ["WK1"], "WK1": ["BU1", "BU2"]}
CBS = get_profile("cbs-zorg")
TEN = get_profile("drempel-10")


def test_relations_cover_regions_additive_totals_and_multi_valued_inequalities() -> None:
    cells = [(r, (c,)) for r in ("WK1", "BU1", "BU2") for c in (TOTAL, "a", "b")]
    additive = table_relations(CHILDREN, [Dimension("leeftijd")], cells)
    assert (("WK1", ("a",)), (("BU1", ("a",)), ("BU2", ("a",)))) in additive.equal
    assert (("BU1", (TOTAL,)), (("BU1", ("a",)), ("BU1", ("b",)))) in additive.equal
    assert not additive.at_least
    # GM1 is not in the table: no relation for it; WK1 has both buurten
    assert all(t[0] != "GM1" for t, _ in additive.equal)

    multi = [(r, (c,)) for r in ("WK1", "BU1", "BU2") for c in ("a", "b")]
    found = table_relations(CHILDREN, [Dimension("voorziening", additive=False)], multi)
    # no total = sum of categories; each category <= the distinct total (a cell of another
    # table), and the categories together >= it
    assert all(t[1] != (TOTAL,) for t, _ in found.equal)
    assert (((("BU1", (TOTAL,)),), (("BU1", ("a",)),))) in found.at_least
    assert ((("BU1", ("a",)), ("BU1", ("b",))), (("BU1", (TOTAL,)),)) in found.at_least


def test_a_published_count_tells_its_rounding_interval_and_that_it_is_not_small() -> None:
    assert published_interval(10, CBS) == (8, 14)  # never from 0..7
    assert published_interval(25, CBS) == (21, 29)
    assert published_interval(0, TEN) == (0, 0)  # drempel-10 publishes true zeros only
    assert published_interval(12.5, None) == (12.5, 12.5)
    assert [v for v in (0, 5, 10, 12, 15) if producible(v, CBS)] == [10, 15]
    assert [v for v in (0, 5, 10, 15) if producible(v, TEN)] == [0, 10, 15]


def test_contradicting_figures_raise_their_own_error_type() -> None:
    # total 10 = a + b with a published as 20: no table fits
    data = AuditInput(n_cells=3, relations=[(0, (1, 2))], known={0: (10, 10), 1: (20, 20)})
    with pytest.raises(InconsistentFiguresError) as info:
        audit(data)
    assert info.value.code == "BB-SDC-002"
    assert not isinstance(info.value, ValueError)  # callers catch this type, nothing broader


def test_inequalities_narrow_what_an_attacker_learns() -> None:
    # a multi-valued dimension: 3 hidden categories, each <= total, together >= total
    base = {"n_cells": 4, "relations": [], "known": {0: (16.0, 24.0)}}
    ineq = [((0,), (c,)) for c in (1, 2, 3)] + [((1, 2, 3), (0,))]
    free = audit(AuditInput(**base), exact_intervals=True)  # type: ignore[arg-type]
    bound = audit(AuditInput(**base, inequalities=ineq), exact_intervals=True)  # type: ignore[arg-type]
    assert free.intervals[1][1] == float("inf")  # nothing links the categories to the total
    assert bound.intervals[1] == pytest.approx((0.0, 24.0))
    # with the letter 'u' known (each in 0..7) the sum >= 16 pins each into [2, 7]
    letters = audit(
        AuditInput(**base, inequalities=ineq, bounds=dict.fromkeys((1, 2, 3), (0.0, 7.0))),  # type: ignore[arg-type]
        exact_intervals=True,
    )
    assert letters.intervals[1] == pytest.approx((2.0, 7.0))


def _view(marks: tuple[Mark | None, ...], values: tuple[float | None, ...]) -> list[TableView]:
    """A buurt with distinct total 20 and three hidden voorzieningen (the issue's example)."""
    total = TableView(
        name="clienten_totaal",
        period="2024",
        measure="aantal:personen",
        dimensions=(),
        keys=(("BU1", ()),),
        values=(20.0,),
        marks=(None,),
        profile=CBS,
    )
    cats = TableView(
        name="clienten",
        period="2024",
        measure="aantal:personen",
        dimensions=(Dimension("voorziening", additive=False),),
        keys=tuple(("BU1", (c,)) for c in ("a", "b", "c")),
        values=values,
        marks=marks,
        profile=CBS,
    )
    return [total, cats]


def test_verify_assumes_the_attacker_knows_status_letters() -> None:
    hidden = (None, None, None)
    lettered = verify(_view((Mark.PRIMARY,) * 3, hidden), CHILDREN)
    assert [i.kind for i in lettered.issues] == ["disclosure"]
    assert lettered.issues[0].cells == ("BU1/a", "BU1/b", "BU1/c")
    # one hidden status: the same figures tell nothing (each category may be 8 or more)
    assert verify(_view((Mark.HIDDEN,) * 3, hidden), CHILDREN).passed


def test_verify_refuses_a_count_the_profile_cannot_publish() -> None:
    five = verify(_view((None, Mark.HIDDEN, Mark.HIDDEN), (5.0, None, None)), CHILDREN)
    assert [(i.kind, i.cells) for i in five.issues] == [("value", ("BU1/a",))]


UNROUNDED = Profile("onafgerond", frequency=FrequencyRule(1, 9), rounding_base=None)


def _linked(marks: tuple[Mark | None, ...], zeros: bool) -> list[TableView]:
    """A linked combination table of two provisions in one buurt, without the all-nee cell."""
    keys = (("BU1", (TOTAL, "nee")), ("BU1", ("ja", "nee")), ("BU1", ("nee", "ja")))
    return [
        TableView(
            name="stapeling",
            period="2024",
            measure="aantal:personen",
            dimensions=(Dimension("wmo"), Dimension("jeugdhulp")),
            keys=keys,
            values=tuple(None if m else v for m, v in zip(marks, (10.0, 10.0, 20.0), strict=True)),
            marks=marks,
            profile=UNROUNDED,
            zeros=(("BU1", ("nee", "nee")),) if zeros else (),
        )
    ]


def test_verify_knows_the_structural_zero_of_a_linked_table() -> None:
    # totaal|nee and ja|nee are published and equal: the left-out nee|nee is computable as 0,
    # which every reader of a linked package knows (its units have at least one provision)
    unknown = verify(_linked((None, None, None), zeros=False), {})
    assert [(i.kind, i.cells) for i in unknown.issues] == [("disclosure", ("BU1/nee, nee",))]
    assert verify(_linked((None, None, None), zeros=True), {}).passed
    # a structural zero does not hide what the table hides: nee|ja stays guarded
    hidden = verify(_linked((None, None, Mark.HIDDEN), zeros=True), {})
    assert hidden.passed and hidden.n_hidden == 1
    # a table that says a structural zero is 10 contradicts itself
    bad = _linked((None, None, None), zeros=True)[0]
    contradiction = TableView(
        **{
            **bad.__dict__,
            "keys": (*bad.keys, ("BU1", ("nee", "nee"))),
            "values": (*bad.values, 10.0),
            "marks": (*bad.marks, None),
        }
    )
    assert [i.kind for i in verify([contradiction], {}).issues] == ["different"]


def _rank(rows: list[dict[tuple[str, ...], float]], cols: list[tuple[str, ...]]) -> int:
    import numpy as np

    matrix = np.array([[row.get(c, 0.0) for c in cols] for row in rows])
    return int(np.linalg.matrix_rank(matrix))


def test_exclusive_relations_state_the_cross_tables_sums_directly() -> None:
    """``exclusive=True``: each cell with totals is the sum of its leaves. On a full 3x3x3
    cross table (with the all-nee leaf a known zero) that is the same affine space as the
    one-dimension totals: an attacker learns the same either way."""
    from itertools import product

    combos = list(product((TOTAL, "ja", "nee"), repeat=3))
    dims = [Dimension(n) for n in ("wmo", "jeugd", "bijstand")]
    keys = [("BU1", c) for c in combos]

    def rows(exclusive: bool) -> list[dict[tuple[str, ...], float]]:
        found = table_relations({}, dims, keys, exclusive=exclusive)
        out = []
        for (_, total), parts in found.equal:
            row = {total: 1.0}
            for _, part in parts:
                row[part] = row.get(part, 0.0) - 1.0
            out.append(row)
        return [*out, {("nee",) * 3: 1.0}]

    chained, leaves = rows(False), rows(True)
    assert _rank(chained, combos) == _rank(leaves, combos) == _rank(chained + leaves, combos) == 20
    # the linked table's own cells: the marginal of wmo is the sum of the 4 leaves with wmo
    found = table_relations({}, dims, keys, exclusive=True)
    marginal = ("ja", TOTAL, TOTAL)
    parts = next(p for (_, t), p in found.equal if t == marginal)
    assert sorted(c for _, c in parts) == sorted(
        ("ja", *rest) for rest in product(("ja", "nee"), repeat=2)
    )


def _exclusive_view(exclusive: bool) -> TableView:
    """Two provisions, exclusive shape: leaves, marginals, total; ja|ja hidden, its marginals
    hidden; total 55 minus the published singles 20 and 30 leaves it small."""
    cells = {
        ("ja", "ja"): None,
        ("ja", "nee"): 20.0,
        ("nee", "ja"): 30.0,
        ("ja", TOTAL): None,
        (TOTAL, "ja"): None,
        (TOTAL, TOTAL): 55.0,
    }
    return TableView(
        name="huishoudens",
        period="2024",
        measure="aantal:huishoudens",
        dimensions=(Dimension("wmo"), Dimension("jeugd")),
        keys=tuple(("BU1", c) for c in cells),
        values=tuple(cells.values()),
        marks=tuple(Mark.HIDDEN if v is None else None for v in cells.values()),
        profile=UNROUNDED,
        zeros=(("BU1", ("nee", "nee")),),
        exclusive=exclusive,
    )


def test_verify_reads_a_table_of_exclusive_combinations_with_its_own_relations() -> None:
    # total - ja|nee - nee|ja gives the hidden ja|ja: 5, inside 1..9
    found = verify([_exclusive_view(True)], {})
    assert [i.kind for i in found.issues] == ["disclosure"]
    assert "BU1/ja, ja" in found.issues[0].cells
    # read as a cross table, the chain of one-dimension totals breaks at the absent cells
    # (ja|totaal = ja|ja + ja|nee, nee|totaal absent): the same cells would pass unseen
    assert verify([_exclusive_view(False)], {}).passed


def _three(cells: dict[tuple[str, ...], float | None]) -> TableView:
    """Three provisions, exclusive shape (leaves and total only) in one buurt."""
    return TableView(
        name="huishoudens",
        period="2024",
        measure="aantal:huishoudens",
        dimensions=tuple(Dimension(n) for n in ("bijstand", "jeugd", "wmo")),
        keys=tuple(("BU1", c) for c in cells),
        values=tuple(cells.values()),
        marks=tuple(Mark.HIDDEN if v is None else None for v in cells.values()),
        profile=UNROUNDED,
        zeros=(("BU1", ("nee", "nee", "nee")),),
        exclusive=True,
    )


def _two_or_more(value: float | None, region: str = "BU1") -> TableView:
    return TableView(
        name="huishoudens_minstens",
        period="2024",
        measure="aantal:huishoudens",
        dimensions=(Dimension("minstens", additive=False),),
        keys=((region, ("2",)),),
        values=(value,),
        marks=(Mark.HIDDEN if value is None else None,),
        profile=UNROUNDED,
        exclusive=True,
        at_least_of=("bijstand", "jeugd", "wmo"),
    )


# the four combinations with two or more provisions; ja|ja|nee is small and hidden
PAIRS = {
    ("ja", "ja", "nee"): None,
    ("ja", "nee", "ja"): 20.0,
    ("nee", "ja", "ja"): 30.0,
    ("ja", "ja", "ja"): 40.0,
}


def test_a_k_or_more_cell_is_the_sum_of_its_combinations_in_the_audit() -> None:
    # 2+ published as 94 gives the hidden ja|ja|nee exactly: 94 - 20 - 30 - 40 = 4
    found = verify([_three(PAIRS), _two_or_more(94.0)], {})
    assert [i.kind for i in found.issues] == ["disclosure"]
    assert "BU1/ja, ja, nee" in found.issues[0].cells
    # without the "k or more" relation the same cells pass unseen: the relation is what counts
    plain = dataclasses.replace(_two_or_more(94.0), at_least_of=())
    assert verify([_three(PAIRS), plain], {}).passed
    # hidden, 2+ is as unknown as the combination it needs: nothing is disclosed
    assert verify([_three(PAIRS), _two_or_more(None)], {}).passed


def test_a_hidden_k_or_more_cell_recomputable_from_its_combinations_is_found() -> None:
    leaves = {**PAIRS, ("ja", "ja", "nee"): 15.0}
    found = verify([_three(leaves), _two_or_more(None)], {})
    assert [i.kind for i in found.issues] == ["disclosure"]
    assert found.issues[0].cells == ("BU1/2",)


def test_a_k_or_more_cell_that_contradicts_its_combinations_is_inconsistent() -> None:
    # 2+ = 50 below the published 20 + 30 + 40: no count of the hidden ja|ja|nee fits
    assert [i.kind for i in verify([_three(PAIRS), _two_or_more(50.0)], {}).issues] == [
        "inconsistent"
    ]
