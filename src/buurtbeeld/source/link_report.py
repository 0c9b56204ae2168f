"""What a linking run tells the linking party: units per extract and overlaps per gemeente, and
warnings when two extracts overlap implausibly little.

Only gemeente-level counts, rounded to tens when shown (:func:`about`): no pseudonym and no
buurt count appears. The low-overlap rule (docs/source-toolkit.md, "Stapeling"):

    For two extracts P and Q, a gemeente and a unit (persons: KWB 2023 inhabitants ``a_inw``,
    households: ``a_hh``), independence would give ``expected = n_P * n_Q / N`` common units.
    The pair is *evaluable* there when ``expected >= 20``. The run warns when the pair is
    evaluable for at least one unit and for every evaluable unit the linked overlap is below a
    quarter of ``expected``.

Registers of the social domain overlap *more* than independence (poverty, age and health
cluster); a quarter of the independent overlap is only reached when pseudonyms do not match —
another key file, or client numbers pseudonymised instead of BSNs. Persons of two registers can
be nearly disjoint by age (Wmo and jeugdhulp); their households are not, hence "every evaluable
unit".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.protect.published import TOTAL
from buurtbeeld.source.link_extracts import Extract
from buurtbeeld.source.link_spec import LinkSpec
from buurtbeeld.source.regions import Division
from buurtbeeld.source.synthetic import KWB

if TYPE_CHECKING:
    from buurtbeeld.source.aggregate import AggregatedTable

LOW_FACTOR = 0.25
MIN_EXPECTED = 20.0
POPULATION = {"personen": "a_inw", "huishoudens": "a_hh"}


@dataclass(frozen=True)
class Overlap:
    """Common units of two extracts in one gemeente and period (before protection)."""

    unit: str
    period: str
    gemeente: str
    first: str
    second: str
    observed: int
    expected: float | None
    """Under independence, from the gemeente's KWB 2023 population (None: not known)."""

    @property
    def evaluable(self) -> bool:
        """Whether the independence baseline is large enough to judge."""
        return self.expected is not None and self.expected >= MIN_EXPECTED

    @property
    def low(self) -> bool:
        """Below :data:`LOW_FACTOR` of the independence baseline."""
        return self.expected is not None and self.observed < LOW_FACTOR * self.expected


@dataclass
class LinkReport:
    """Counts for the linking party's report (gemeente level only, no pseudonym)."""

    rows: dict[str, int]
    """Rows per extract (name → rows)."""
    units: dict[tuple[str, str, str, str], int]
    """(unit, period, gemeente, extract) → linked units of that extract."""
    overlaps: list[Overlap]
    outside: Counter[str] = field(default_factory=Counter)
    """Units per unit kind whose linked buurt lies outside the division (not linked)."""
    warnings: list[str] = field(default_factory=list)


def about(n: float) -> str:
    """A count as shown in the report: ``minder dan 10``, else rounded to tens (``12.340``)."""
    if n < 10:
        return "minder dan 10"
    return f"{int(round(n, -1)):,}".replace(",", ".")


@lru_cache(maxsize=1)
def _population() -> dict[str, dict[str, float]]:
    table = pq.read_table(KWB, columns=["gwb_code_10", *POPULATION.values()]).to_pylist()
    return {
        str(r["gwb_code_10"]): {k: float(r[k] or 0) for k in POPULATION.values()}
        for r in table
        if str(r["gwb_code_10"]).startswith("GM")
    }


def _gemeenten(division: Division) -> list[str]:
    if division.national:
        return list(division.hierarchy.get(COUNTRY_CODE, []))
    return list(division.area)


def build_report(
    spec: LinkSpec,
    division: Division,
    extracts: list[Extract],
    tables: list[AggregatedTable],
    outside: Counter[str],
) -> LinkReport:
    """Units per extract and pairwise overlaps per gemeente, and the low-overlap warnings."""
    gemeenten = set(_gemeenten(division))
    units: dict[tuple[str, str, str, str], int] = {}
    overlaps: list[Overlap] = []
    population = _population()
    for table in tables:
        dims = table.dimensions
        cells: dict[tuple[str, str, frozenset[str]], int] = {}
        data = table.data
        mask = pc.is_in(data["regiocode"], pa.array(sorted(gemeenten), pa.string()))
        for d in dims:
            mask = pc.and_(mask, pc.not_equal(data[d], TOTAL))
        # the exclusive combinations at gemeente level (small): a provision's units, and a
        # pair's, are the sums of the combinations that hold it
        for row in data.filter(mask).to_pylist():
            yes = [d for d in dims if row[d] == "ja"]
            n = int(row["aantal"])
            for width in (1, 2):
                for part in combinations(yes, width):
                    key = (row["periode"], row["regiocode"], frozenset(part))
                    cells[key] = cells.get(key, 0) + n
        periods = sorted({p for p, _, _ in cells})
        for period in periods:
            for gm in sorted(gemeenten):
                for d in dims:
                    units[(table.unit, period, gm, d)] = cells.get((period, gm, frozenset([d])), 0)
                size = population.get(gm, {}).get(POPULATION[table.unit])
                for a, b in combinations(dims, 2):
                    n_a = units[(table.unit, period, gm, a)]
                    n_b = units[(table.unit, period, gm, b)]
                    expected = n_a * n_b / size if size else None
                    observed = cells.get((period, gm, frozenset([a, b])), 0)
                    overlaps.append(Overlap(table.unit, period, gm, a, b, observed, expected))
    report = LinkReport(
        rows={e.name: e.rows for e in extracts},
        units=units,
        overlaps=overlaps,
        outside=outside,
    )
    report.warnings = _warnings(spec, overlaps, outside)
    return report


def _warnings(spec: LinkSpec, overlaps: list[Overlap], outside: Counter[str]) -> list[str]:
    out: list[str] = []
    grouped: dict[tuple[str, str, str, str], list[Overlap]] = {}
    for o in overlaps:
        grouped.setdefault((o.period, o.gemeente, o.first, o.second), []).append(o)
    titles = {e.naam: e.titel for e in spec.extracten}
    for (period, gm, a, b), items in grouped.items():
        judged = [o for o in items if o.evaluable]
        if judged and all(o.low for o in judged):
            o = judged[-1]  # households when they were judged, else persons
            out.append(
                f"De extracten '{titles[a]}' en '{titles[b]}' overlappen in {gm} ({period}) "
                f"onwaarschijnlijk weinig: {about(o.observed)} {o.unit} in beide, bij toeval "
                f"zouden het er ongeveer {about(o.expected or 0)} zijn. Zijn beide met hetzelfde "
                "sleutelbestand én uit het BSN gepseudonimiseerd (niet uit een klantnummer)?"
            )
    for unit, n in sorted(outside.items()):
        if n:
            out.append(
                f"{about(n).capitalize()} {unit} hebben volgens de regel 'laatste adres' een buurt "
                "buiten het gebied van de koppelspecificatie; zij zijn niet gekoppeld."
            )
    return out


__all__ = ["LOW_FACTOR", "MIN_EXPECTED", "LinkReport", "Overlap", "about", "build_report"]
