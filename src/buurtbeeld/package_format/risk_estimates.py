"""The ``risicofactoren`` manifest field: group-level risk estimates of a risk-factor package.

An optional field of format version 3 (issue 15 item 4). ``buurtbeeld bron risicofactoren``
writes it; older packages and every other package have none. It carries only what the toolkit
already released after its output checks (docs/risicofactoren.md), rounded as the package's
``rapport.md`` shows them:

- shares (prevalence of a factor, share of children with the outcome) to 0.1 percentage point,
  relative risks and their 95 % interval bounds to two decimals, attributable fractions to
  0.1 percentage point;
- per released estimate ``kleinste_groep``: a lower bound of the smallest cell behind it (the
  cell's number of children rounded *down* to a multiple of 5, never below the toolkit's own
  threshold, at most 50), so the platform can re-check the threshold and warn about small
  groups without receiving a count (the cap keeps large cells, whose sum is the area's total,
  from narrowing the rounded totals of the package's table);
- per withheld estimate only the rules it failed (codes of :data:`RULES`), never a value.

No field can hold anything of a person or household: the models forbid unknown fields, names
are slugs and titles plain text. The field sits in the signed ``manifest.json``: a tampered
estimate breaks the signature like any other byte of the manifest.

Validation errors carry their own error type, which :func:`buurtbeeld.package_format.manifest.
validate_manifest` turns into the refusal codes ``BB-PKG-060`` … ``BB-PKG-064``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
PlainText = Annotated[str, Field(pattern=r"^[\w][\w .,'()&/:+-]*$", min_length=1, max_length=200)]
Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Ratio = Annotated[float, Field(gt=0.0, le=1000.0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=-1000.0, le=1.0, allow_inf_nan=False)]
GroupBound = Annotated[int, Field(ge=0, le=100_000_000)]

RULES: dict[str, str] = {
    "drempel": "te weinig kinderen in een groep (drempelregel)",
    "een_huishouden": "alle kinderen van een groep uit één huishouden (groep van één eenheid)",
    "dominantie": "een groep wordt gedomineerd door een of twee huishoudens (dominantieregel)",
    "vrijheidsgraden": "te weinig resterende vrijheidsgraden (modelregel)",
    "niet_te_schatten": "niet te schatten (geen variatie of factoren niet te scheiden)",
    "uitkomst": "het aandeel met de uitkomst haalt de controle niet",
    "geen_factor": "geen enkele factor haalt de celcontrole",
    "factor_controle": "een factor van het model haalt de celcontrole niet",
}
"""Codes of the output-checking rules a withheld estimate failed, with the Dutch reason."""
RISK_RULES = RULES
RuleCode = Literal[
    "drempel",
    "een_huishouden",
    "dominantie",
    "vrijheidsgraden",
    "niet_te_schatten",
    "uitkomst",
    "geen_factor",
    "factor_controle",
]
MAX_FACTORS = 10
ROUNDING = 5
"""``kleinste_groep`` is rounded down to a multiple of this."""
GROUP_CAP = 50
"""``kleinste_groep`` is at most this: "at least 50 children" says all a reader needs."""

# error types of the validators below → refusal codes (manifest.validate_manifest)
ERROR_CODES = {
    "rsk_range": "BB-PKG-061",
    "rsk_threshold": "BB-PKG-062",
    "rsk_inconsistent": "BB-PKG-063",
    "rsk_version": "BB-PKG-064",
}
FIELD_CODE = "BB-PKG-060"
"""Any other error inside the field: an unknown (e.g. individual-level) field, a wrong type or
size."""


def risk_error(kind: str, message: str) -> PydanticCustomError:
    """A validation error of type ``kind`` (a key of :data:`ERROR_CODES`); the message is
    fixed text, never the package's content."""
    return PydanticCustomError(kind, message)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Checked(_Strict):
    """An estimate with its check: released (values and ``kleinste_groep``) or withheld (only
    the rule codes in ``achtergehouden``), never both."""

    kleinste_groep: GroupBound | None = None
    achtergehouden: list[RuleCode] = Field(default_factory=list, max_length=len(RULES))

    @property
    def released(self) -> bool:
        """Whether the toolkit released this estimate."""
        return not self.achtergehouden

    def _values(self) -> list[float | None]:
        raise NotImplementedError

    def _released_or_withheld(self) -> None:
        values = [*self._values(), self.kleinste_groep]
        if self.released and any(v is None for v in values):
            raise risk_error("rsk_inconsistent", "een vrijgegeven schatting zonder waarde")
        if not self.released and any(v is not None for v in values):
            raise risk_error("rsk_inconsistent", "een achtergehouden schatting met een waarde")


class ShareMeta(_Checked):
    """A share with its check: released (``aandeel``) or withheld (``achtergehouden``)."""

    aandeel: Share | None = None

    def _values(self) -> list[float | None]:
        return [self.aandeel]

    @model_validator(mode="after")
    def _consistent(self) -> ShareMeta:
        self._released_or_withheld()
        return self


class RatioMeta(_Checked):
    """A relative risk with its 95 % interval, released or withheld."""

    rr: Ratio | None = None
    laag: Ratio | None = None
    hoog: Ratio | None = None

    def _values(self) -> list[float | None]:
        return [self.rr, self.laag, self.hoog]

    @model_validator(mode="after")
    def _consistent(self) -> RatioMeta:
        self._released_or_withheld()
        values = (self.laag, self.rr, self.hoog)
        if None not in values and not values[0] <= values[1] <= values[2]:  # type: ignore[operator]
            raise risk_error("rsk_range", "de grenzen van het interval liggen niet om de schatting")
        return self


class FactorMeta(_Strict):
    """One household factor's estimates."""

    naam: Slug
    titel: PlainText
    prevalentie: ShareMeta
    rr_ruw: RatioMeta
    rr_gecorrigeerd: RatioMeta
    toe_te_schrijven: Fraction | None = None
    """Population-attributable fraction (with the adjusted RR); only with a released model."""


class ModelMeta(_Strict):
    """The multivariable model (modified Poisson, household-clustered intervals)."""

    soort: Literal["poisson-log-huishoudclusters"] = "poisson-log-huishoudclusters"
    factoren: list[Slug] = Field(default_factory=list, max_length=MAX_FACTORS)
    basisrisico: Share | None = None
    """Risk of the outcome without any factor."""
    toe_te_schrijven: Fraction | None = None
    """Attributable fraction of all factors together."""
    achtergehouden: list[RuleCode] = Field(default_factory=list, max_length=len(RULES))

    @property
    def released(self) -> bool:
        """Whether the toolkit released the model."""
        return not self.achtergehouden

    @model_validator(mode="after")
    def _consistent(self) -> ModelMeta:
        values = (self.basisrisico, self.toe_te_schrijven)
        if self.released and (not self.factoren or any(v is None for v in values)):
            raise risk_error("rsk_inconsistent", "een vrijgegeven model zonder factoren of waarden")
        if not self.released and (self.factoren or any(v is not None for v in values)):
            raise risk_error("rsk_inconsistent", "een achtergehouden model met factoren of waarden")
        return self


class ControlMeta(_Strict):
    """The output-checking rules the toolkit applied (its spec's ``controle``)."""

    minimum_aantal: int = Field(ge=5, le=1000)
    minimum_huishoudens: int = Field(ge=2, le=100)
    dominantie_n: int = Field(ge=1, le=5)
    dominantie_k: float = Field(gt=0.5, lt=1.0)
    minimum_vrijheidsgraden: int = Field(ge=5, le=10_000)


class RiskEstimatesMeta(_Strict):
    """``risicofactoren``: the released group-level estimates for one outcome, whole area."""

    uitkomst: Slug
    uitkomst_titel: PlainText
    eenheid: Literal["kinderen"] = "kinderen"
    tabel: Slug
    """The package's table of children by number of factors (per wijk and gemeente)."""
    controle: ControlMeta
    aandeel_uitkomst: ShareMeta
    factoren: list[FactorMeta] = Field(min_length=1, max_length=MAX_FACTORS)
    model: ModelMeta

    @model_validator(mode="after")
    def _consistent(self) -> RiskEstimatesMeta:
        names = [f.naam for f in self.factoren]
        if len(set(names)) != len(names):
            raise risk_error("rsk_inconsistent", "een factor staat twee keer in de schattingen")
        adjusted = {f.naam for f in self.factoren if f.rr_gecorrigeerd.released}
        crude = {f.naam for f in self.factoren if f.rr_ruw.released}
        in_model = set(self.model.factoren)
        if len(in_model) != len(self.model.factoren) or adjusted != in_model:
            raise risk_error(
                "rsk_inconsistent", "de factoren van het model en de gecorrigeerde schattingen"
            )
        if not in_model <= crude:
            raise risk_error(
                "rsk_inconsistent", "een factor in het model zonder vrijgegeven cellen"
            )
        with_paf = {f.naam for f in self.factoren if f.toe_te_schrijven is not None}
        if with_paf != adjusted:
            raise risk_error("rsk_inconsistent", "een toe te schrijven deel zonder model")
        if (crude or self.model.released) and not self.aandeel_uitkomst.released:
            raise risk_error("rsk_inconsistent", "relatieve risico's zonder vrijgegeven uitkomst")
        for bound in self.group_bounds():
            if bound < self.controle.minimum_aantal:
                raise risk_error("rsk_threshold", "een schatting op een te kleine groep")
        return self

    def group_bounds(self) -> list[int]:
        """``kleinste_groep`` of every released estimate."""
        checked: list[_Checked] = [self.aandeel_uitkomst]
        for f in self.factoren:
            checked += [f.prevalentie, f.rr_ruw, f.rr_gecorrigeerd]
        return [c.kleinste_groep for c in checked if c.kleinste_groep is not None]


def group_bound(children: int, threshold: int) -> int:
    """``kleinste_groep`` of a released estimate whose smallest cell holds ``children``: rounded
    down to a multiple of :data:`ROUNDING`, not below the threshold it passed and not above
    :data:`GROUP_CAP` (a large cell's bound would narrow the package's rounded totals)."""
    return max(threshold, min(GROUP_CAP, children // ROUNDING * ROUNDING))


def rounded_share(value: float) -> float:
    """A share as it travels: 0.1 percentage point (as ``rapport.md`` shows it)."""
    return round(value, 3)


def rounded_ratio(value: float) -> float:
    """A relative risk or interval bound as it travels: two decimals (never 0)."""
    return max(round(value, 2), 0.01) if math.isfinite(value) else 1000.0


# -- the platform's view --------------------------------------------------------------------


@dataclass(frozen=True)
class RiskEstimate:
    """One released or withheld estimate as the platform stores it (no count, no person).

    ``kind``: ``aandeel_uitkomst``, ``prevalentie``, ``rr_ruw``, ``rr_gecorrigeerd``,
    ``toe_te_schrijven`` (per factor) or ``basisrisico``, ``toe_te_schrijven_alle`` (model).
    """

    kind: str
    factor: str | None
    factor_title: str | None
    value: float | None
    low: float | None
    high: float | None
    smallest_group: int | None
    withheld: tuple[str, ...]
    """Codes of :data:`RULES` (empty: released)."""


@dataclass(frozen=True)
class RiskEstimates:
    """The ``risicofactoren`` field of a verified package, flattened for the intake."""

    outcome: str
    outcome_title: str
    area: tuple[str, ...]
    """The gemeenten the estimates cover together (the manifest's ``gebied``)."""
    table: str
    minimum_count: int
    model_factors: tuple[str, ...]
    estimates: tuple[RiskEstimate, ...]


def _row(kind: str, f: FactorMeta | None, c: ShareMeta | RatioMeta) -> RiskEstimate:
    if isinstance(c, ShareMeta):
        value, low, high = c.aandeel, None, None
    else:
        value, low, high = c.rr, c.laag, c.hoog
    return RiskEstimate(
        kind,
        f.naam if f else None,
        f.titel if f else None,
        value,
        low,
        high,
        c.kleinste_groep,
        tuple(c.achtergehouden),
    )


def risk_from_manifest(manifest: dict[str, Any]) -> RiskEstimates | None:
    """The estimates of a validated manifest's ``risicofactoren`` (``None`` when absent)."""
    field = manifest.get("risicofactoren")
    if field is None:
        return None
    meta = RiskEstimatesMeta.model_validate(field)
    rows = [_row("aandeel_uitkomst", None, meta.aandeel_uitkomst)]
    model_withheld = tuple(meta.model.achtergehouden)
    for f in meta.factoren:
        rows += [
            _row("prevalentie", f, f.prevalentie),
            _row("rr_ruw", f, f.rr_ruw),
            _row("rr_gecorrigeerd", f, f.rr_gecorrigeerd),
        ]
        withheld = tuple(f.rr_gecorrigeerd.achtergehouden)  # the PAF uses the adjusted RR
        rows.append(
            RiskEstimate(
                "toe_te_schrijven", f.naam, f.titel, f.toe_te_schrijven, None, None, None, withheld
            )
        )
    for kind, value in (
        ("basisrisico", meta.model.basisrisico),
        ("toe_te_schrijven_alle", meta.model.toe_te_schrijven),
    ):
        rows.append(RiskEstimate(kind, None, None, value, None, None, None, model_withheld))
    return RiskEstimates(
        meta.uitkomst,
        meta.uitkomst_titel,
        tuple(sorted(str(code) for code in manifest.get("gebied") or ())),
        meta.tabel,
        meta.controle.minimum_aantal,
        tuple(meta.model.factoren),
        tuple(rows),
    )
