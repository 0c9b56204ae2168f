"""The spec of ``buurtbeeld bron risicofactoren``: outcome, household factors, output checks.

YAML validated with pydantic (Dutch messages with line numbers, as the delivery spec). The
research table has one row per child: a person key, optionally a household key, a buurtcode,
one 0/1 column per factor and the outcome. docs/risicofactoren.md describes every field.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from buurtbeeld.source.errors import SpecError
from buurtbeeld.source.spec import DeliverySpec, InputFile
from buurtbeeld.source.spec_fields import Identifier, Keys, _Model, gemeente_codes
from buurtbeeld.source.yaml_model import read_text, validate_yaml

FACTOR_COUNT_DIMENSION = "aantal_factoren"
FACTOR_COUNT_TABLE = "kinderen_naar_aantal_factoren"
FACTOR_COUNT_CATEGORIES = ("0", "1", "2", "3 of meer")


class RiskSpecError(SpecError):
    """A risk-factor spec is invalid (``BB-RSK-001``); the message names file, line and field."""

    code = "BB-RSK-001"
    default_hint = (
        "Corrigeer de specificatie (YAML); zie docs/risicofactoren.md en "
        "'buurtbeeld bron genereer --risicofactoren' voor een voorbeeld."
    )


class Outcome(_Model):
    """The outcome: a 0/1 column per child (e.g. jeugdhulp in the year)."""

    kolom: str = Field(min_length=1)
    titel: str = Field(min_length=1, max_length=80)


class Factor(_Model):
    """A household factor: a 0/1 column (the household has it when any of its rows has it)."""

    naam: Identifier
    kolom: str = Field(min_length=1)
    titel: str = Field(min_length=1, max_length=80)


class Rules(_Model):
    """Output-checking rules (ESSnet guidelines, the SACRO/ACRO defaults)."""

    minimum_aantal: int = Field(default=10, ge=5, le=1000)
    """Minimum number of children in every cell behind an output (threshold rule)."""
    minimum_huishoudens: int = Field(default=2, ge=2, le=100)
    """Minimum number of households in every cell (no single-unit groups)."""
    dominantie_n: int = Field(default=2, ge=1, le=5)
    dominantie_k: float = Field(default=0.9, gt=0.5, lt=1.0)
    """(n, k)-dominance: the ``n`` largest households may hold at most ``k`` of a cell's children."""
    minimum_vrijheidsgraden: int = Field(default=10, ge=5, le=10_000)
    """Minimum residual degrees of freedom of a model."""


_TEXT = re.compile(r"^[\w][\w .,'()&/:+-]*$")


class RiskSpec(_Model):
    """``buurtbeeld bron risicofactoren``: one research table, one outcome, several factors."""

    dataset: Identifier
    bron: str = Field(min_length=1)
    gemeente: str | list[str]
    indelingsjaar: int = 2023
    profiel: Literal["cbs-zorg", "drempel-10"] = "cbs-zorg"
    jaar: int = Field(ge=2000, le=2100)
    bestand: InputFile
    sleutels: Keys
    buurtcode: str = Field(min_length=1)
    uitkomst: Outcome
    factoren: list[Factor] = Field(min_length=1, max_length=10)
    controle: Rules = Field(default_factory=Rules)
    uitvoer: Path | None = None
    zaadbestand: Path | None = None

    @field_validator("bestand", mode="before")
    @classmethod
    def _path_shorthand(cls, value: Any) -> Any:
        return {"pad": value} if isinstance(value, str) else value

    @field_validator("gemeente")
    @classmethod
    def _codes(cls, value: str | list[str]) -> str | list[str]:
        return gemeente_codes(value)

    @model_validator(mode="after")
    def _consistent(self) -> RiskSpec:
        if self.sleutels.persoon is None:
            raise ValueError("geef 'sleutels.persoon' op: elk kind telt één keer")
        names = [f.naam for f in self.factoren]
        if len(set(names)) != len(names):
            raise ValueError("twee factoren hebben dezelfde naam")
        columns = [f.kolom for f in self.factoren] + [self.uitkomst.kolom]
        if len(set(columns)) != len(columns):
            raise ValueError("een kolom is twee keer gebruikt (factoren en uitkomst)")
        keys = {self.sleutels.column("persoon"), self.sleutels.column("huishouden"), self.buurtcode}
        if keys & set(columns):
            raise ValueError("een sleutel- of buurtcodekolom kan geen factor of uitkomst zijn")
        for title in [self.uitkomst.titel, self.bron, *(f.titel for f in self.factoren)]:
            if not _TEXT.match(title):
                raise ValueError(
                    f"'{title[:40]}': alleen letters, cijfers, spaties en . , ' ( ) & / : + -"
                )
        return self

    @property
    def gemeenten(self) -> list[str]:
        """The target gemeente codes (``["NL00"]`` for the whole country)."""
        return [self.gemeente] if isinstance(self.gemeente, str) else list(self.gemeente)

    def sha256(self) -> str:
        """SHA-256 of the spec as canonical JSON (file paths by name only)."""
        data = self.model_dump(mode="json", exclude={"zaadbestand", "uitvoer"})
        data["bestand"]["pad"] = Path(data["bestand"]["pad"]).name
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def delivery(self) -> DeliverySpec:
        """The delivery spec of the package: one count table, children per wijk by number of
        factors, as a stand on 31 December of ``jaar`` (protected like any delivery)."""
        spec = DeliverySpec.model_validate(
            {
                "dataset": self.dataset,
                "bron": self.bron,
                "gemeente": self.gemeente,
                "indelingsjaar": self.indelingsjaar,
                "profiel": self.profiel,
                "bestanden": [self.bestand.model_dump()],
                "eenheid": "personen",
                "sleutels": self.sleutels.model_dump(),
                "regio": {"buurtcode": self.buurtcode},
                "periode": {"peildatum": date(self.jaar, 12, 31)},
                "dimensies": [{"naam": FACTOR_COUNT_DIMENSION, "kolom": FACTOR_COUNT_DIMENSION}],
                "tabellen": [
                    {
                        "naam": FACTOR_COUNT_TABLE,
                        "titel": "Kinderen naar aantal risicofactoren in het huishouden",
                        "dimensies": [FACTOR_COUNT_DIMENSION],
                        "richting": "neutraal",
                    }
                ],
            }
        )
        spec.zaadbestand = self.zaadbestand
        return spec


def load_risk_spec(path: Path) -> RiskSpec:
    """Read and validate a risk-factor spec; relative paths are relative to its folder.

    Raises
    ------
    RiskSpecError
        ``BB-RSK-001``: unreadable or invalid; the message names file, line and field.
    """
    path = Path(path)
    text = read_text(path, RiskSpecError)
    spec = validate_yaml(
        text,
        RiskSpec,
        name=path.name,
        error=RiskSpecError,
        invalid="De specificatie voor risicofactoren is ongeldig:",
    )
    base = path.parent
    if not spec.bestand.pad.is_absolute():
        spec.bestand.pad = base / spec.bestand.pad
    if spec.zaadbestand is None:
        spec.zaadbestand = base / ".buurtbeeld-zaad"
    elif not spec.zaadbestand.is_absolute():
        spec.zaadbestand = base / spec.zaadbestand
    if spec.uitvoer is not None and not spec.uitvoer.is_absolute():
        spec.uitvoer = base / spec.uitvoer
    return spec
