"""The link's small results, computed in Python from what the engine returned.

- movers: the (own buurt, linked buurt) pairs per provision, rolled up to every level as
  ``blijft`` / ``binnen`` / ``buiten``;
- the cells of a linked table (:func:`exclusive_combos`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import product
from typing import Any

import pyarrow as pa

from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.protect.published import TOTAL
from buurtbeeld.source.regions import Division

YES, NO = "ja", "nee"


def exclusive_combos(names: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """The cells of a linked table per region (issue 11; CBS 85637NED's shape).

    The ``2^k`` exclusive combinations (every provision ``ja`` or ``nee``; the all-``nee``
    one is zero by construction and left out of the package), the ``k`` per-provision
    marginals (that provision ``ja``, every other ``totaal``: the cells the partners'
    packages publish too) and the total (every provision ``totaal``). Not the ``3^k`` cross
    table: its other cells follow from these or add relations without adding a figure anyone
    asked for.
    """
    k = len(names)
    leaves = [c for c in product((YES, NO), repeat=k) if YES in c]
    marginals = [tuple(YES if j == i else TOTAL for j in range(k)) for i in range(k)]
    return (*leaves, (NO,) * k, *marginals, (TOTAL,) * k)


def movers_table(movers: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(
        movers,
        schema=pa.schema(
            [
                ("periode", pa.string()),
                ("regiocode", pa.string()),
                ("eenheid", pa.string()),
                ("voorziening", pa.string()),
                ("blijft", pa.int64()),
                ("binnen", pa.int64()),
                ("buiten", pa.int64()),
            ]
        ),
    )


def _chain(division: Division, code: str) -> list[str]:
    parents = division.buurten.get(code)
    if parents is None:
        return []
    return [code, *parents, *([COUNTRY_CODE] if division.national else [])]


def movers(
    pairs: list[dict[str, Any]],
    names: dict[int, str],
    label: str,
    division: Division,
    codes: list[str],
) -> list[dict[str, Any]]:
    """``blijft``/``binnen``/``buiten`` per period, region (every level) and provision."""
    cells: defaultdict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in pairs:
        period, name, n = row["periode"], names[int(row["src"])], int(row["n"])
        own = _chain(division, codes[int(row["pb"])])
        linked = _chain(division, codes[int(row["lb"])])
        for level in range(max(len(own), len(linked))):
            r_own = own[level] if own else None
            r_link = linked[level] if linked else None
            if r_own is not None and r_own == r_link:
                cells[(period, r_own, name)][0] += n
                continue
            if r_link is not None:
                cells[(period, r_link, name)][1] += n
            if r_own is not None:
                cells[(period, r_own, name)][2] += n
    return [
        {
            "periode": period,
            "regiocode": region,
            "eenheid": label,
            "voorziening": name,
            "blijft": v[0],
            "binnen": v[1],
            "buiten": v[2],
        }
        for (period, region, name), v in sorted(cells.items())
    ]


__all__ = ["NO", "YES", "exclusive_combos", "movers", "movers_table"]
