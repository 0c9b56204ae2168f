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
    rules: list[str] = field(default_factory=list)
    """The code of the rule behind each reason (``package_format.RISK_RULES``), for the
    package's ``risicofactoren`` field."""

    def add(self, reason: str, rule: str) -> None:
        """Withhold the output for ``reason`` (Dutch), failing rule ``rule``."""
        self.reasons.append(reason)
        self.rules.append(rule)

    @property
    def released(self) -> bool:
        """Whether the output may leave."""
        return not self.reasons


def cell_rule(cell: CellSummary, rules: Rules) -> str | None:
    """The code of the first rule ``cell`` fails (``drempel``, ``een_huishouden``,
    ``dominantie``), or ``None``."""
    if cell.children < rules.minimum_aantal:
        return "drempel"
    if cell.households < rules.minimum_huishoudens:
        return "een_huishouden"
    top = sum(sorted(cell.largest, reverse=True)[: rules.dominantie_n])
    if top > rules.dominantie_k * cell.children:
        return "dominantie"
    return None


def cell_reason(cell: CellSummary, rules: Rules, what: str) -> str | None:
    """The first rule ``cell`` fails, as a Dutch sentence about ``what``, or ``None``."""
    rule = cell_rule(cell, rules)
    if rule == "drempel":
        return f"{what}: minder dan {rules.minimum_aantal} kinderen (drempelregel)"
    if rule == "een_huishouden":
        return f"{what}: alle kinderen uit één huishouden (groep van één eenheid)"
    if rule == "dominantie":
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
            verdict.add(reason, cell_rule(cell, rules) or "drempel")
    return verdict


def check_model(
    output: str, observations: int, parameters: int, failed_factors: Sequence[str], rules: Rules
) -> Verdict:
    """A model may leave with enough residual degrees of freedom and only checked factors."""
    verdict = Verdict(output)
    dof = observations - parameters
    if dof < rules.minimum_vrijheidsgraden:
        verdict.add(
            f"minder dan {rules.minimum_vrijheidsgraden} resterende vrijheidsgraden (modelregel)",
            "vrijheidsgraden",
        )
    for name in failed_factors:
        verdict.add(f"factor '{name}' haalt de celcontrole niet", "factor_controle")
    return verdict
