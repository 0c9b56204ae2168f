"""The partner's delivery spec (YAML, validated with pydantic; Dutch messages)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from buurtbeeld.errors import BuurtbeeldError


class SpecError(BuurtbeeldError, ValueError):
    """A delivery spec is invalid."""

    code = "BB-SPEC-001"
    http_status = 422
    default_hint = "Corrigeer de specificatie (YAML); zie examples/ voor een voorbeeld."


class InputFile(BaseModel):
    """One input file of the delivery."""

    model_config = ConfigDict(extra="forbid")
    pad: Path
    scheidingsteken: str = ";"
    tekenset: str = "utf-8"


class RegionSpec(BaseModel):
    """How records find their buurt: a buurtcode column, or postcode via a lookup table."""

    model_config = ConfigDict(extra="forbid")
    buurtcode: str | None = None
    postcode: str | None = None
    koppeltabel: Path | None = Field(
        default=None, description="CSV with columns postcode;buurtcode"
    )


class PeriodSpec(BaseModel):
    """Which records count: a date column and the year (flow: 'gedurende' the year)."""

    model_config = ConfigDict(extra="forbid")
    kolom: str
    formaat: str = "%d-%m-%Y"
    jaar: int


class TableSpec(BaseModel):
    """How the table is named in the package."""

    model_config = ConfigDict(extra="forbid")
    naam: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    titel: str
    richting: Literal["hoger_is_slechter", "hoger_is_beter", "neutraal"] = "neutraal"


class DeliverySpec(BaseModel):
    """A delivery: inputs, unit, region, period, category, protection profile."""

    model_config = ConfigDict(extra="forbid")
    dataset: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    bron: str
    bestanden: list[InputFile] = Field(min_length=1)
    eenheid: Literal["personen", "huishoudens"] = "personen"
    sleutel: str = Field(
        description="Column with the person (or household) id; records are never counted"
    )
    regio: RegionSpec
    gemeente: str = Field(pattern=r"^GM\d{4}$")
    indelingsjaar: int = 2023
    periode: PeriodSpec
    categorie: str | None = None
    profiel: Literal["cbs-zorg", "drempel-10"] = "cbs-zorg"
    tabel: TableSpec


def load_spec(path: Path) -> DeliverySpec:
    """Read and validate a spec; relative file paths are relative to the spec's folder."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SpecError(f"'{path}' is niet te lezen als YAML ({type(err).__name__}).") from err
    try:
        spec = DeliverySpec.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        raise SpecError(f"{path.name}: {problems}.") from err
    base = path.parent
    for item in spec.bestanden:
        if not item.pad.is_absolute():
            item.pad = base / item.pad
    if spec.regio.koppeltabel is not None and not spec.regio.koppeltabel.is_absolute():
        spec.regio.koppeltabel = base / spec.regio.koppeltabel
    if (spec.regio.buurtcode is None) == (spec.regio.postcode is None):
        raise SpecError(
            f"{path.name}: geef in 'regio' precies één van 'buurtcode' of 'postcode' op."
        )
    if spec.regio.postcode and spec.regio.koppeltabel is None:
        raise SpecError(
            f"{path.name}: 'regio.postcode' vraagt om een 'koppeltabel' (postcode;buurtcode)."
        )
    return spec
