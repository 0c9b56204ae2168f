"""Indicator definitions.

An indicator is either *sourced* (read from a column of a dataset, e.g. KWB ``a_inw``) or
*derived* (numerator / denominator × factor from two other indicators, computed only where
the denominator reaches ``min_denominator``, following CBS's rule for ratios).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Polarity(StrEnum):
    """Whether a higher value is worse, better, or neither (for stacking and colours)."""

    HIGHER_IS_WORSE = "hoger_is_slechter"
    HIGHER_IS_BETTER = "hoger_is_beter"
    NEUTRAL = "neutraal"

    @property
    def label(self) -> str:
        """Dutch display text."""
        return {
            "hoger_is_slechter": "hoger is ongunstiger",
            "hoger_is_beter": "hoger is gunstiger",
            "neutraal": "geen waardeoordeel",
        }[self.value]


Unit = Literal[
    "aantal",
    "procent",
    "per_1000",
    "euro",
    "euro_x1000",
    "gemiddelde",
    "km",
    "per_km2",
    "klasse",
    "anders",
]
"""``anders``: a unit the list does not name (kWh, m³, ha, score); ``unit_text`` says which."""

UNIT_LABELS: dict[str, str] = {
    "aantal": "aantal",
    "procent": "%",
    "per_1000": "per 1.000",
    "euro": "€",
    "euro_x1000": "× € 1.000",
    "gemiddelde": "gemiddelde",
    "km": "km",
    "per_km2": "per km²",
    "klasse": "klasse",
    "anders": "",
}


UNIT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "aantal": (0.0, None),
    "procent": (0.0, 100.0),
    "per_1000": (0.0, 1000.0),
    "km": (0.0, None),
    "per_km2": (0.0, None),
}
"""Valid values an indicator's unit implies, unless the indicator declares its own ``range``."""


class SourceRef(BaseModel):
    """Where a sourced indicator's values come from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: Literal["kwb", "gezondheidsmonitor", "pakket", "statline", "tabel"]
    column: str
    table: str | None = Field(
        default=None, description="StatLine: the CBS table id; tabel: the own table's name"
    )
    age: str | None = Field(default=None, description="Gezondheidsmonitor: Leeftijd code")
    package_source: str | None = Field(default=None, description="Pakket: the delivering party")

    @property
    def key(self) -> str:
        """Source column key as produced by the dataset reader."""
        return f"{self.column}@{self.age}" if self.age else self.column


class Derivation(BaseModel):
    """numerator / denominator × factor, only for denominators ≥ min_denominator."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    numerator: str
    denominator: str
    factor: float = 1000.0
    min_denominator: float = 100.0


ROUNDING_WORDS = {5: "vijftallen", 10: "tientallen", 100: "honderdtallen", 1000: "duizendtallen"}
LEVEL_PLURALS = {"land": "het land", "gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}
RegionLevel = Literal["land", "gemeente", "wijk", "buurt"]


class Rounding(BaseModel):
    """How the source rounded a published count (e.g. CBS's KWB benefit counts: to tens).

    ``gewoon``: to the nearest multiple (CBS: 0 means 0–4 when rounding to tens);
    ``aselect``: CBS's random rounding, up or down with chances by distance (15 can be 11–19).
    ``levels``: the region levels the rounding applies to (CBS rounds KWB population counts
    of wijken and buurten, not of gemeenten).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: int = Field(ge=2)
    method: Literal["gewoon", "aselect"] = "gewoon"
    levels: tuple[RegionLevel, ...] = ("land", "gemeente", "wijk", "buurt")
    secret_upto: int | None = Field(
        default=None, ge=0, description="True counts 0..secret_upto are not published (hidden)"
    )

    def interval(self, published: float) -> tuple[int, int]:
        """The whole counts a published value can stand for (0 → (0, 4) for tens)."""
        value = round(published)
        if self.method == "aselect":
            low, high = value - self.base + 1, value + self.base - 1
        else:
            low, high = value - self.base // 2, value + (self.base - 1) // 2
        floor = 0 if self.secret_upto is None else self.secret_upto + 1
        return max(floor, low), high

    @property
    def words(self) -> str:
        """Dutch: 'afgerond op tientallen' / 'aselect afgerond op vijftallen'."""
        unit = ROUNDING_WORDS.get(self.base, f"veelvouden van {self.base}")
        return ("aselect " if self.method == "aselect" else "") + f"afgerond op {unit}"

    def explanation(self) -> str:
        """Dutch sentence on what a published value means, with CBS's own example values."""
        first = self.base if self.method == "aselect" else 0
        if self.secret_upto is not None:
            first = -(-(self.secret_upto + 1) // self.base) * self.base
        second = first + self.base
        parts = [
            f"{v} betekent {lo} tot en met {hi}"
            for v in (first, second)
            for lo, hi in [self.interval(v)]
        ]
        where = (
            ""
            if len(self.levels) == 4
            else " (alleen bij " + " en ".join(LEVEL_PLURALS[lvl] for lvl in self.levels) + ")"
        )
        secret = (
            ""
            if self.secret_upto is None
            else f" Aantallen van 0 tot en met {self.secret_upto} publiceert de bron niet (verborgen)."
        )
        return f"De bron heeft dit aantal {self.words}{where}: {' en '.join(parts)}.{secret}"


class Indicator(BaseModel):
    """One indicator of the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    short_name: str | None = None
    definition: str
    unit: Unit
    unit_text: str | None = Field(
        default=None, description="Display text of the unit when it is 'anders' (kWh, m³, ha)"
    )
    decimals: int = Field(default=0, ge=0, le=3)
    polarity: Polarity
    theme: str
    source: SourceRef | None = None
    derived: Derivation | None = None
    published_check: Derivation | None = Field(
        default=None,
        description="For a CBS-published ratio: the derivation CBS used, checked in tests",
    )
    source_label: str
    licence: str | None = Field(default=None, description="e.g. 'Bron: CBS' (CC BY 4.0)")
    reference_date: str | None = None
    note: str | None = None
    rounding: Rounding | None = Field(
        default=None, description="How the source rounded this count (not the display decimals)"
    )
    range: tuple[float | None, float | None] | None = Field(
        default=None,
        description="Valid values [low, high] (null: unbounded); default implied by the unit",
    )

    @model_validator(mode="after")
    def _exactly_one_origin(self) -> Indicator:
        if (self.source is None) == (self.derived is None):
            raise ValueError("geef precies één van 'source' of 'derived'")
        return self

    @property
    def valid_range(self) -> tuple[float | None, float | None]:
        """Declared range, or the one the unit implies (counts ≥ 0, percentages 0–100)."""
        if self.range is not None:
            return self.range
        return UNIT_RANGES.get(self.unit, (None, None))

    @property
    def label(self) -> str:
        """Short display name."""
        return self.short_name or self.name

    @property
    def label_with_unit(self) -> str:
        """Short name with its unit, unless the name already says it ("Jeugdzorg (%)")."""
        return (
            self.label
            if self.names_unit(self.label) or self.unit == "aantal"
            else f"{self.label} ({self.unit_label})"
        )

    def names_unit(self, text: str) -> bool:
        """Whether ``text`` already says the unit (``%``, ``€`` or the word ``euro``)."""
        return self.unit_label in text or (self.unit == "euro" and "euro" in text.lower())

    @property
    def unit_label(self) -> str:
        """Dutch unit text."""
        return self.unit_text or UNIT_LABELS[self.unit]

    @property
    def is_count(self) -> bool:
        """Counts are not comparable between regions of different size."""
        return self.unit == "aantal"


class Theme(BaseModel):
    """A theme groups indicators on pages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str


class Relation(BaseModel):
    """A relation CBS guarantees between two indicators in every region: smaller ≤ larger.

    ``slack`` allows for CBS's rounding of small counts (to fives), so a buurt with 5
    households and 0 inhabitants after rounding is no contradiction.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    smaller: str
    larger: str
    slack: float = Field(default=5.0, ge=0)
    why: str
