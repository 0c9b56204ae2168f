"""Output checking before anything leaves: the ESSnet rules as research data centres apply them.

Pure functions, no I/O. The rules are those of the ESSnet *Guidelines for the checking of
output based on microdata research* as implemented in SACRO/ACRO (thresholds as ACRO's
defaults, configurable in the spec's ``controle``):

- **threshold**: every cell behind an output holds at least ``minimum_aantal`` children;
- **no single-unit groups**: every cell holds at least ``minimum_huishoudens`` households
  (children of one family are one unit: a cell of five siblings describes one household);
- **(n, k)-dominance**: the ``n`` largest households hold at most ``k`` of a cell's children;
- **models**: at least ``minimum_vrijheidsgraden`` residual degrees of freedom, and every
  factor's cells (exposed/unexposed × outcome yes/no) pass the table rules.

We do not use the ``acro`` package itself: acro 1.0.2 pins pandas < 3 (we pin pandas 3.1.1)
and brings matplotlib, rdflib and lxml; the rules are a few lines (docs/risicofactoren.md).
Every reason is a Dutch sentence that names the rule and the output, never a count below the
threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from buurtbeeld.source.riskfactors_spec import Rules


@dataclass(frozen=True)
class CellSummary:
    """What the rules need of a cell: children, households, the largest households' children."""

    children: int
    households: int
    largest: tuple[int, ...] = ()
    """Children of the largest households, largest first (at least ``dominantie_n`` of them)."""


@dataclass
class Verdict:
    """The check of one output: released or withheld, with the reasons (Dutch)."""

    output: str
    reasons: list[str] = field(default_factory=list)

    @property
    def released(self) -> bool:
        """Whether the output may leave."""
        return not self.reasons


def cell_reason(cell: CellSummary, rules: Rules, what: str) -> str | None:
    """The first rule ``cell`` fails, as a Dutch sentence about ``what``, or ``None``."""
    if cell.children < rules.minimum_aantal:
        return f"{what}: minder dan {rules.minimum_aantal} kinderen (drempelregel)"
    if cell.households < rules.minimum_huishoudens:
        return f"{what}: alle kinderen uit één huishouden (groep van één eenheid)"
    top = sum(sorted(cell.largest, reverse=True)[: rules.dominantie_n])
    if top > rules.dominantie_k * cell.children:
        share = round(100 * rules.dominantie_k)
        return (
            f"{what}: de {rules.dominantie_n} grootste huishoudens hebben meer dan {share} % "
            "van de kinderen (dominantieregel)"
        )
    return None


def check_cells(output: str, cells: Iterable[tuple[str, CellSummary]], rules: Rules) -> Verdict:
    """Check every cell behind ``output`` (label, summary); withheld if any fails."""
    verdict = Verdict(output)
    for label, cell in cells:
        reason = cell_reason(cell, rules, label)
        if reason is not None:
            verdict.reasons.append(reason)
    return verdict


def check_model(
    output: str, observations: int, parameters: int, failed_factors: Sequence[str], rules: Rules
) -> Verdict:
    """A model may leave with enough residual degrees of freedom and only checked factors."""
    verdict = Verdict(output)
    dof = observations - parameters
    if dof < rules.minimum_vrijheidsgraden:
        verdict.reasons.append(
            f"minder dan {rules.minimum_vrijheidsgraden} resterende vrijheidsgraden (modelregel)"
        )
    for name in failed_factors:
        verdict.reasons.append(f"factor '{name}' haalt de celcontrole niet")
    return verdict
