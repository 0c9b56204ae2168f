"""The definition file of a gemeente's own table (``importeer-tabel --definitie DEF.yaml``).

Written by a user, so its keys are Dutch::

    tabel: schulden_ggd            # indicator ids become eigen_<tabel>_<kolom>
    bron: GGD Zuid-Holland Zuid
    licentie: intern gebruik
    regio: {kolom: buurtcode, soort: code}          # code | naam | postcode
    periode: {waarde: "2024"}                       # or {kolom: jaar}
    aantallen: onbeveiligd                          # or beveiligd (protected at the source)
    indicatoren:
      - kolom: huishoudens_schulden
        titel: Huishoudens met problematische schulden
        eenheid: aantal
        telt: huishoudens                           # personen | huishoudens: a count of people
        richting: hoger_is_slechter
        thema: inkomen
      - id: schulden_pct                            # derived: teller / noemer × factor
        titel: Aandeel huishoudens met schulden
        eenheid: procent
        teller: huishoudens_schulden
        noemer: huishoudens
        factor: 100
        zichtbaarheid: openbaar                     # default intern
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from buurtbeeld.errors import ImportFileError


class RegionKey(BaseModel):
    """Which column holds the region, and how to read it."""

    model_config = ConfigDict(extra="forbid")

    kolom: str
    soort: Literal["code", "naam", "postcode"] = "code"
    niveau: Literal["gemeente", "wijk", "buurt"] | None = Field(
        default=None, description="the level of the names or codes (default: any)"
    )
    gemeente: str | None = Field(
        default=None, description="naam: only regions of this gemeente (names repeat nationally)"
    )
    postcodetabel: str | None = Field(
        default=None, description="postcode: CSV/XLSX with columns postcode and buurtcode"
    )


class PeriodKey(BaseModel):
    """The period: a column of the file or one value for the whole file."""

    model_config = ConfigDict(extra="forbid")

    kolom: str | None = None
    waarde: str | None = None

    @model_validator(mode="after")
    def _one(self) -> PeriodKey:
        if (self.kolom is None) == (self.waarde is None):
            raise ValueError("geef precies één van 'kolom' of 'waarde'")
        return self


class OwnIndicator(BaseModel):
    """One indicator of the table: a column, or a ratio of two (teller / noemer)."""

    model_config = ConfigDict(extra="forbid")

    kolom: str | None = None
    id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    titel: str
    definitie: str | None = None
    eenheid: str = "aantal"
    decimalen: int = Field(default=0, ge=0, le=3)
    richting: Literal["hoger_is_slechter", "hoger_is_beter", "neutraal"] = "neutraal"
    thema: str = "eigen_cijfers"
    telt: Literal["personen", "huishoudens"] | None = None
    teller: str | None = None
    noemer: str | None = None
    factor: float = 100.0
    minimale_noemer: float = 100.0
    zichtbaarheid: Literal["intern", "openbaar"] = "intern"

    @model_validator(mode="after")
    def _column_or_ratio(self) -> OwnIndicator:
        if (self.kolom is None) == (self.teller is None or self.noemer is None):
            raise ValueError("geef 'kolom', of 'teller' en 'noemer' (een verhoudingscijfer)")
        if self.kolom is None and self.id is None:
            raise ValueError("een verhoudingscijfer heeft een 'id'")
        return self


class OwnTableDefinition(BaseModel):
    """The whole definition file."""

    model_config = ConfigDict(extra="forbid")

    tabel: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    bron: str
    licentie: str | None = None
    regio: RegionKey
    periode: PeriodKey
    aantallen: Literal["beveiligd", "onbeveiligd"] = "onbeveiligd"
    indicatoren: list[OwnIndicator] = Field(min_length=1)


def read_definition(path: Path) -> OwnTableDefinition:
    """The definition file, or ``BB-TAB-001`` naming every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise definition_error(
            f"'{path.name}' is geen leesbare YAML ({type(err).__name__})."
        ) from None
    try:
        return OwnTableDefinition.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(bestand)'}: {e['msg']}"
            for e in err.errors()[:6]
        )
        raise definition_error(f"'{path.name}' klopt niet: {problems}.") from None


def definition_error(message: str) -> ImportFileError:
    """``BB-TAB-001``."""
    return ImportFileError(
        message,
        code="BB-TAB-001",
        hint="Zie docs/eigen-tabellen.md voor een voorbeeld: tabel, bron, regio, periode en "
        "indicatoren (kolom, titel, eenheid).",
    )
