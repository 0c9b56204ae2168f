"""The elimination's publication order follows the cost function (issue 14 item 1).

Under ``minste-cellen`` (and the default ``geen``) a cell that is the only possible partner of
a lone primary in several relations is published last, so the elimination hides it - one
secondary protecting several primaries - instead of a large cell per primary. ``minste-waarde``
keeps the value order (large cells published first). Both must keep every guarantee; the
patterns are attacked by the independent LP of ``test_cleanup``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from buurtbeeld.protect import (
    FrequencyRule,
    Profile,
    Table,
    build_cross_table,
    cells_above,
    link_tables,
    protect_table,
)
from buurtbeeld.protect.rules import apply_primary_rules
from buurtbeeld.protect.suppress import one_partition
from buurtbeeld.protect.system import build_system, make_problem

from .test_cleanup import assert_safe

RULE = FrequencyRule(1, 7)
TAU_LIKE = Profile(
    "tau-norm", frequency=RULE, rounding_base=None, singletons=False, range_protection=False
)
STRICT = Profile("strikt", frequency=RULE, rounding_base=None)


def random_table(seed: int) -> tuple[Table, dict[str, list[str]]]:
    """A gemeente > wijk > buurt x 4 categories table, about a quarter of the cells unsafe."""
    rng = np.random.default_rng(seed)
    regions: dict[str, list[str]] = {"GM01": []}
    for w in range(8):
        wijk = f"WK01{w:02d}"
        regions["GM01"].append(wijk)
        regions[wijk] = [f"BU01{w:02d}{b:02d}" for b in range(int(rng.integers(2, 6)))]
    buurten = [b for w in regions["GM01"] for b in regions[w]]
    categories = ["a", "b", "c", "d"]
    share = rng.dirichlet(np.full(4, 2.0)) * 4
    size = rng.lognormal(0.0, 0.8, len(buurten))
    counts = rng.poisson(np.outer(size, share) * 14.0 / 4 * 1.2)
    leaf = {
        (b, c): int(counts[i, k]) for i, b in enumerate(buurten) for k, c in enumerate(categories)
    }
    return build_cross_table(leaf, [regions, {"totaal": categories}]), regions


TABLES = [random_table(seed) for seed in range(6)]


def _secondaries(profile: Profile) -> tuple[int, float]:
    n, value = 0, 0.0
    for table, regions in TABLES:
        link = cells_above(table, regions, depth=1)
        protected = protect_table(table, profile=profile, link_cells=link, rounding=False)
        assert_safe(table, protected, profile)
        secondary = [i for i, s in enumerate(protected.statuses) if s.suppressed and s.value == "x"]
        n += len(secondary)
        value += sum(table.cells[i].count for i in secondary)
    return n, value


@pytest.mark.parametrize("profile", [TAU_LIKE, STRICT], ids=["tau-norm", "strikt"])
def test_fewest_cells_order_hides_fewer_cells_than_the_value_order(profile: Profile) -> None:
    cells, _ = _secondaries(profile)  # kosten "geen": the fewest-cells order
    by_value, _ = _secondaries(dataclasses.replace(profile, kosten="minste-waarde"))
    assert cells < by_value


def test_least_value_order_hides_less_value() -> None:
    _, value_default = _secondaries(TAU_LIKE)
    _, value_least = _secondaries(dataclasses.replace(TAU_LIKE, kosten="minste-waarde"))
    assert value_least < value_default


def test_tables_linked_without_their_cross_table_keep_the_value_order() -> None:
    # one person's single-contributor cells in two such tables are probed as two contributors
    # (docs/protect.md, Singletons, Limits): the fewest-cells order would let such a person
    # combine them (tests/protect/test_singletons.py), so only one partition gets it
    regions = {"GM": ["BU1", "BU2"]}
    by_cat = build_cross_table(
        {("BU1", "wmo"): 1, ("BU2", "jeugd"): 3}, [regions, {"totaal": ["wmo", "jeugd"]}]
    )
    by_age = build_cross_table(
        {("BU1", "jong"): 1, ("BU2", "oud"): 3}, [regions, {"totaal": ["jong", "oud"]}]
    )
    for table, expected in ((by_cat, True), (link_tables(by_cat, by_age), False)):
        system = build_system(table, apply_primary_rules(table, STRICT), None)
        problem = make_problem(system, list(range(len(system.keys))))
        assert one_partition(problem) is expected
