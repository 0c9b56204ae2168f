"""Primary (sensitivity) rules and protection profiles.

Rules (SDC.md §1.1, ESSnet Handbook 4.2):

- **Frequency rule**: a count ``n`` with ``hidden_min <= n <= hidden_max`` is sensitive. Profile
  ``cbs-zorg`` hides 0..7 (CBS KWB rule for jeugdzorg/Wmo), ``drempel-10`` hides 1..9 and
  publishes zeros. The required protection is that the attacker's interval for the cell does not
  lie inside the hidden range (otherwise the attacker learns "small").
- **p%-rule** (amount tables): with contributions ``x1 >= x2 >= ...`` per holding and total
  ``X``, the cell is sensitive when ``X - x1 - ... - x(n+1) < p/100 * x1`` (``n`` is the
  coalition size). Required protection (upper = lower protection level):
  ``p/100 * x1 - (X - x1 - ... - x(n+1))``.
- **Minimum number of contributors** (amount tables): ``0 < N < min_contributors`` is
  sensitive; required protection: no exact disclosure.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from buurtbeeld.errors import ProtectionSettingError, SingletonRuleError
from buurtbeeld.protect.table import Cell, CellKey, CellStatus, Table

COST_FUNCTIONS: dict[str, str] = {
    "minste-cellen": "zo min mogelijk afgeschermde cellen, met opschoning",
    "minste-waarde": "zo weinig mogelijk afgeschermde waarde: grote cellen eerst zichtbaar",
    "totalen-zichtbaar": "totalen zo veel mogelijk zichtbaar",
    "geen": "zo min mogelijk afgeschermde cellen, zonder opschoning (standaard)",
}
"""Cost functions (``Profile.kosten``): the elimination's publication order
(:func:`~buurtbeeld.protect.suppress.publication_order`; ``geen`` and ``minste-cellen``
share the fewest-cells order) and, for all but ``geen``, the clean-up after it."""

SINGLETON_RULES: dict[str, str] = {
    "streng": "geen enkele bijdrager kan een andere afgeschermde primaire cel berekenen (standaard)",
    "enkelingen": "geen enkele bijdrager kan een cel met één andere eenheid of met niemand berekenen",
}
"""What singleton protection guards against a cell's one contributor (``Profile.singleton_regel``,
:mod:`buurtbeeld.protect.singletons`)."""


class Reason(StrEnum):
    """Why a cell is hidden (or, for forced cells, why it is published)."""

    FREQUENCY = "frequency"
    P_PERCENT = "p-percent"
    MIN_CONTRIBUTORS = "min-contributors"
    MANUAL = "manual"
    SECONDARY = "secondary"
    SINGLETON = "singleton"
    INTERVAL = "interval"


@dataclass(frozen=True, slots=True)
class FrequencyRule:
    """Counts in ``hidden_min..hidden_max`` (inclusive) are sensitive."""

    hidden_min: int
    hidden_max: int

    def __post_init__(self) -> None:
        if not 0 <= self.hidden_min <= self.hidden_max:
            raise ValueError("a frequency rule needs 0 <= hidden_min <= hidden_max")

    def is_sensitive(self, count: int) -> bool:
        """Whether a count must be hidden."""
        return self.hidden_min <= count <= self.hidden_max


@dataclass(frozen=True, slots=True)
class PercentRule:
    """The p%-rule with a coalition of ``coalition`` holdings and a minimum of contributors."""

    p: float = 15.0
    coalition: int = 1
    min_contributors: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.p <= 100 or self.coalition < 1 or self.min_contributors < 0:
            raise ValueError("a p%-rule needs 0 < p <= 100, coalition >= 1, min_contributors >= 0")

    def protection_level(self, cell: Cell) -> float:
        """How far the attacker's interval must reach beyond the value (<= 0: safe)."""
        if cell.value is None or cell.count == 0:
            return 0.0
        top = sorted(cell.top, reverse=True)
        needed = self.coalition + 1
        if len(top) < min(needed, cell.count):
            raise ValueError(f"cell {cell.key!r} lacks its {needed} largest contributions")
        x1 = top[0] if top else 0.0
        rest = cell.value - sum(top[:needed])
        return self.p / 100.0 * x1 - rest


@dataclass(frozen=True, slots=True)
class Profile:
    """A protection profile: primary rules plus publication settings.

    Parameters
    ----------
    name
        Profile name as used in specs.
    frequency
        Frequency rule for count tables (``None``: no frequency rule).
    percent
        p%-rule for amount tables (``None``: no magnitude rule).
    rounding_base
        Published counts are randomly rounded to multiples of this (``None``: no rounding).
    min_denominator
        Ratios are only published for denominators of at least this.
    singletons
        Protect against a single contributor who knows their own cell (PS2).
    singleton_regel
        Which hidden primaries the contributor must not compute (one of
        :data:`SINGLETON_RULES`): ``"streng"`` (default) every primary of other units;
        ``"enkelingen"`` only those holding one other unit or none (count 0 or 1), as
        tau-Argus's singleton options guard, but over every derivation, not one line.
    range_protection
        Frequency primaries need an attacker's interval that leaves the hidden range
        (``False``: only exact disclosure is prevented, as tau-Argus ``FREQ(n,0)`` does).
    kosten
        Cost function (one of :data:`COST_FUNCTIONS`): the order in which the elimination
        publishes cells (fewest cells for ``"geen"`` and ``"minste-cellen"``, large cells
        first for ``"minste-waarde"``, totals first for ``"totalen-zichtbaar"``) and the
        clean-up that publishes needless secondaries again (``"geen"``, the default: no
        clean-up; it costs 4-8x the protection time for under 1 % fewer secondaries,
        docs/benchmarks.md). See :mod:`buurtbeeld.protect.cleanup`.
    """

    name: str
    frequency: FrequencyRule | None = None
    percent: PercentRule | None = None
    rounding_base: int | None = 5
    min_denominator: int = 100
    singletons: bool = True
    range_protection: bool = True
    kosten: str = "geen"
    singleton_regel: str = "streng"

    def __post_init__(self) -> None:
        if self.singleton_regel not in SINGLETON_RULES:
            raise SingletonRuleError(
                f"Onbekende singletonregel '{self.singleton_regel}' in beveiligingsprofiel "
                f"'{self.name}'.",
                hint="Kies een van: " + ", ".join(SINGLETON_RULES) + ".",
            )
        if self.kosten not in COST_FUNCTIONS:
            raise ProtectionSettingError(
                f"Onbekende kostenfunctie '{self.kosten}' in beveiligingsprofiel '{self.name}'.",
                hint="Kies een van: " + ", ".join(COST_FUNCTIONS) + ".",
            )


PROFILES: dict[str, Profile] = {
    "cbs-zorg": Profile("cbs-zorg", frequency=FrequencyRule(0, 7)),
    "drempel-10": Profile("drempel-10", frequency=FrequencyRule(1, 9)),
    "bedragen": Profile(
        "bedragen", percent=PercentRule(p=15.0, coalition=1, min_contributors=3), rounding_base=None
    ),
}
"""Built-in profiles (SDC.md §5.1)."""


def threshold_profile(threshold: int, *, hide_zeros: bool = False) -> Profile:
    """A frequency profile hiding counts below ``threshold`` (and zeros if asked)."""
    if threshold < 2:
        raise ValueError("a threshold must be at least 2")
    return Profile(
        f"drempel-{threshold}", frequency=FrequencyRule(0 if hide_zeros else 1, threshold - 1)
    )


def get_profile(profile: str | Profile) -> Profile:
    """A profile by name (``cbs-zorg``, ``drempel-10``, ``bedragen``) or as given."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(
            f"unknown protection profile {profile!r}; choose one of {sorted(PROFILES)}"
        ) from None


@dataclass(frozen=True, slots=True)
class Requirement:
    """What the attacker's interval ``[low, up]`` of a hidden cell must satisfy.

    Always: ``up - low`` larger than the audit tolerance (no exact disclosure). With a hidden
    range: the interval must not lie inside ``[hidden_min, hidden_max]``. With protection
    levels: ``up >= value + upper`` and ``low <= value - lower``. With a span: the interval
    must reach ``span_min`` and ``span_max`` (a cell the attacker already knows to lie in that
    range, e.g. from a status letter, must not be narrowed further).
    """

    hidden_min: int | None = None
    hidden_max: int | None = None
    upper: float = 0.0
    lower: float = 0.0
    span_min: int | None = None
    span_max: int | None = None


@dataclass(frozen=True, slots=True)
class Primary:
    """Outcome of the primary rules: a status, reason and requirement per cell."""

    statuses: tuple[CellStatus, ...]
    reasons: dict[int, Reason]
    requirements: dict[int, Requirement]


def apply_primary_rules(
    table: Table,
    profile: Profile,
    *,
    suppress: Collection[CellKey] = (),
    publish: Collection[CellKey] = (),
) -> Primary:
    """Mark sensitive cells primary suppressed (``u``).

    Parameters
    ----------
    table
        The table (or linked tables) to protect.
    profile
        Rules to apply; the frequency rule applies to count tables, the p%-rule to amount tables.
    suppress
        Keys of cells to hide whatever their value (manual primaries; exact-disclosure protection).
    publish
        Keys of cells that must be published, e.g. totals that are public anyway (status ``z``).
    """
    unknown = [k for k in (*suppress, *publish) if k not in table.index]
    if unknown:
        raise ValueError(f"unknown cell {unknown[0]!r}")
    forced = {table.index[k] for k in publish}
    manual = {table.index[k] for k in suppress}
    if forced & manual:
        raise ValueError("a cell cannot be both forced published and manually suppressed")
    statuses: list[CellStatus] = []
    reasons: dict[int, Reason] = {}
    requirements: dict[int, Requirement] = {}
    for i, cell in enumerate(table.cells):
        found = _check(cell, table, profile)
        if i in manual and found is None:
            found = (Reason.MANUAL, Requirement())
        if found is None or i in forced:
            statuses.append(
                CellStatus.FORCED_PUBLISHABLE if i in forced else CellStatus.PUBLISHABLE
            )
            continue
        statuses.append(CellStatus.PRIMARY_SUPPRESSED)
        reasons[i], requirements[i] = found
    if forced and any(
        table.cells[i].count > 0 and _check(table.cells[i], table, profile) for i in forced
    ):
        raise ValueError("a forced published cell is sensitive under the profile's rules")
    return Primary(tuple(statuses), reasons, requirements)


def _check(cell: Cell, table: Table, profile: Profile) -> tuple[Reason, Requirement] | None:
    if table.kind == "frequency":
        rule = profile.frequency
        if rule is not None and rule.is_sensitive(cell.count):
            if not profile.range_protection:
                return Reason.FREQUENCY, Requirement()
            return Reason.FREQUENCY, Requirement(rule.hidden_min, rule.hidden_max)
        return None
    percent = profile.percent
    if percent is None or cell.count == 0:
        return None
    if cell.count < percent.min_contributors:
        return Reason.MIN_CONTRIBUTORS, Requirement()
    level = percent.protection_level(cell)
    if level > 0:
        return Reason.P_PERCENT, Requirement(upper=level, lower=level)
    return None


def singleton_cells(table: Table, statuses: Sequence[CellStatus]) -> list[int]:
    """Suppressed cells with exactly one contributor: that contributor knows the cell's value."""
    return [i for i, s in enumerate(statuses) if s.suppressed and table.cells[i].count == 1]
