"""The partner's delivery spec: YAML, validated with pydantic, Dutch messages with line numbers.

A spec says which files to read, which unit to count (distinct persons or households, never
records), how records find their buurt, which period(s), which dimensions and measures, the
target region division and the protection profile. See docs/source-toolkit.md for every field.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from buurtbeeld.source.errors import SpecError
from buurtbeeld.source.spec_fields import (
    Dimension,
    Identifier,
    KeyColumn,
    Keys,
    PeriodSpec,
    _Model,
    gemeente_codes,
)
from buurtbeeld.source.yaml_model import read_text, validate_yaml

__all__ = [
    "DeliverySpec",
    "Dimension",
    "InputFile",
    "KeyColumn",
    "Keys",
    "LookupTable",
    "PeriodSpec",
    "RegionSpec",
    "SpecError",
    "TableSpec",
    "load_spec",
    "parse_spec",
]

FileFormat = Literal["csv", "xlsx", "parquet"]


class InputFile(_Model):
    """One input file of the delivery (several files are read as one)."""

    pad: Path
    formaat: FileFormat | None = Field(
        default=None, description="csv, xlsx or parquet; default: from the file name"
    )
    scheidingsteken: str = Field(default=";", min_length=1, max_length=1)
    tekenset: str = "utf-8"
    blad: str | None = Field(default=None, description="XLSX sheet (default: the first)")

    @field_validator("tekenset")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError as err:
            raise ValueError(f"onbekende tekenset '{value}' (bijvoorbeeld utf-8, cp1252)") from err
        return value

    @property
    def file_format(self) -> FileFormat:
        """The declared format, or the one the file name suggests."""
        if self.formaat:
            return self.formaat
        suffix = self.pad.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            return "xlsx"
        if suffix in (".parquet", ".pq"):
            return "parquet"
        return "csv"


class LookupTable(InputFile):
    """The partner's postcode table: PC6 (optionally + huisnummer) → buurtcode."""

    postcode: str = "postcode"
    huisnummer: str | None = None
    buurtcode: str = "buurtcode"


class RegionSpec(_Model):
    """How a record finds its buurt: a buurtcode column, or postcode (+ huisnummer) via a table."""

    buurtcode: str | None = None
    postcode: str | None = None
    huisnummer: str | None = None
    koppeltabel: LookupTable | None = None

    @field_validator("koppeltabel", mode="before")
    @classmethod
    def _path_shorthand(cls, value: Any) -> Any:
        return {"pad": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_way(self) -> RegionSpec:
        if (self.buurtcode is None) == (self.postcode is None):
            raise ValueError("geef precies één van 'buurtcode' of 'postcode' op")
        if self.postcode and self.koppeltabel is None:
            raise ValueError("'postcode' vraagt om een 'koppeltabel' (postcode → buurtcode)")
        if self.huisnummer and (self.koppeltabel is None or self.koppeltabel.huisnummer is None):
            raise ValueError(
                "'huisnummer' vraagt om een koppeltabel met een kolom 'huisnummer' (postcode + huisnummer → buurtcode)"
            )
        return self


class TableSpec(_Model):
    """One published table: a measure broken down by dimensions over all region levels."""

    naam: Identifier
    titel: str
    dimensies: list[str] = Field(default_factory=list, max_length=3)
    maat: Literal["aantal", "som"] = "aantal"
    kolom: str | None = Field(default=None, description="amount column (maat: som)")
    eenheid: Literal["personen", "huishoudens"] | None = None
    richting: Literal["hoger_is_slechter", "hoger_is_beter", "neutraal"] = "neutraal"

    @model_validator(mode="after")
    def _measure(self) -> TableSpec:
        if self.maat == "som" and not self.kolom:
            raise ValueError("'maat: som' vraagt om een bedragkolom ('kolom')")
        if self.maat == "aantal" and self.kolom:
            raise ValueError("'kolom' hoort bij 'maat: som'")
        if len(set(self.dimensies)) != len(self.dimensies):
            raise ValueError("een dimensie staat twee keer in de tabel")
        return self


class DeliverySpec(_Model):
    """A delivery: inputs, unit, region, period, dimensions, tables and protection profile."""

    dataset: Identifier
    bron: str = Field(min_length=1)
    gemeente: str | list[str] = Field(
        description="GM code(s) of the target area; NL00 for the whole country"
    )
    indelingsjaar: int = 2023
    profiel: Literal["cbs-zorg", "drempel-10"] = "cbs-zorg"
    engine: Literal["duckdb", "spark"] = "duckdb"
    bestanden: list[InputFile] = Field(min_length=1)
    eenheid: Literal["personen", "huishoudens"] = "personen"
    sleutels: Keys
    decimaalteken: Literal[",", "."] = ","
    regio: RegionSpec
    periode: PeriodSpec
    dimensies: list[Dimension] = Field(default_factory=list, max_length=6)
    tabellen: list[TableSpec] = Field(min_length=1)
    zaadbestand: Path | None = Field(
        default=None,
        description="secret file with the rounding seed (default: .buurtbeeld-zaad beside the spec)",
    )
    logboek: Path | None = Field(
        default=None,
        description="release ledger folder: what sent packages published (default: "
        ".buurtbeeld-logboek beside the spec)",
    )

    @field_validator("gemeente")
    @classmethod
    def _codes(cls, value: str | list[str]) -> str | list[str]:
        return gemeente_codes(value)

    @model_validator(mode="after")
    def _consistent(self) -> DeliverySpec:
        names = [d.naam for d in self.dimensies]
        if len(set(names)) != len(names):
            raise ValueError("twee dimensies hebben dezelfde naam")
        tables = [t.naam for t in self.tabellen]
        if len(set(tables)) != len(tables):
            raise ValueError("twee tabellen hebben dezelfde naam")
        by_name = {d.naam: d for d in self.dimensies}
        for table in self.tabellen:
            unknown = [d for d in table.dimensies if d not in by_name]
            if unknown:
                raise ValueError(
                    f"tabel '{table.naam}' noemt onbekende dimensie '{unknown[0]}' (kies uit: {', '.join(names) or 'geen'})"
                )
            multi = [d for d in table.dimensies if by_name[d].meerdere_per_eenheid]
            if len(multi) > 1:
                raise ValueError(
                    f"tabel '{table.naam}': hoogstens één dimensie met 'meerdere_per_eenheid'"
                )
            if table.maat == "aantal" and any(
                t.naam == f"{table.naam}_totaal" for t in self.tabellen
            ):
                raise ValueError(f"tabelnaam '{table.naam}_totaal' is gereserveerd")
            unit = table.eenheid or self.eenheid
            if unit == "personen" and not self.sleutels.persoon:
                raise ValueError(f"tabel '{table.naam}' telt personen: geef 'sleutels.persoon' op")
            if unit == "huishoudens" and not self.sleutels.huishouden:
                raise ValueError(
                    f"tabel '{table.naam}' telt huishoudens: geef 'sleutels.huishouden' op"
                )
        return self

    # -- derived -------------------------------------------------------------------------

    @property
    def gemeenten(self) -> list[str]:
        """The target gemeente codes (``["NL00"]`` for the whole country)."""
        return [self.gemeente] if isinstance(self.gemeente, str) else list(self.gemeente)

    def dimension(self, name: str) -> Dimension:
        """A dimension by name."""
        return next(d for d in self.dimensies if d.naam == name)

    def table_unit(self, table: TableSpec) -> str:
        """``personen`` or ``huishoudens`` for a table."""
        return table.eenheid or self.eenheid

    def used_dimensions(self) -> list[Dimension]:
        """Dimensions used by at least one table, in spec order."""
        used = {d for t in self.tabellen for d in t.dimensies}
        return [d for d in self.dimensies if d.naam in used]

    def canonical_json(self) -> str:
        """The spec as canonical JSON (file paths by name only, so moving a folder keeps the hash)."""
        data = self.model_dump(mode="json", exclude={"zaadbestand", "logboek"})
        # fields added later are left out at their default: existing specs keep their hash
        data["sleutels"] = self.sleutels.canonical()
        if data["periode"].get("peildatum") is None:
            data["periode"].pop("peildatum", None)
        for item in data["bestanden"]:
            item["pad"] = Path(item["pad"]).name
        if data["regio"].get("koppeltabel"):
            data["regio"]["koppeltabel"]["pad"] = Path(data["regio"]["koppeltabel"]["pad"]).name
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def sha256(self) -> str:
        """SHA-256 of :meth:`canonical_json` (recorded in the manifest)."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


def parse_spec(text: str, *, name: str = "specificatie", base: Path | None = None) -> DeliverySpec:
    """Validate a spec given as YAML text; relative paths are relative to ``base``.

    Raises
    ------
    SpecError
        ``BB-SPEC-001`` with file, line and field of every problem.
    """
    spec = validate_yaml(
        text, DeliverySpec, name=name, error=SpecError, invalid="De specificatie is ongeldig:"
    )
    if base is not None:
        for item in spec.bestanden:
            if not item.pad.is_absolute():
                item.pad = base / item.pad
        lookup = spec.regio.koppeltabel
        if lookup is not None and not lookup.pad.is_absolute():
            lookup.pad = base / lookup.pad
        if spec.zaadbestand is not None and not spec.zaadbestand.is_absolute():
            spec.zaadbestand = base / spec.zaadbestand
        if spec.logboek is not None and not spec.logboek.is_absolute():
            spec.logboek = base / spec.logboek
    return spec


def load_spec(path: Path) -> DeliverySpec:
    """Read and validate a spec file; relative paths are relative to the spec's folder.

    Raises
    ------
    SpecError
        ``BB-SPEC-001``: unreadable or invalid; the message names file, line and field.
    """
    path = Path(path)
    text = read_text(path, SpecError)
    spec = parse_spec(text, name=path.name, base=path.parent)
    if spec.zaadbestand is None:
        spec.zaadbestand = path.parent / ".buurtbeeld-zaad"
    if spec.logboek is None:
        spec.logboek = path.parent / ".buurtbeeld-logboek"
    return spec


def period_labels(spec: DeliverySpec) -> list[str]:
    """Labels of the delivery's periods, e.g. ``["2024"]`` or ``["2024-K1", …]``."""
    return [p.label for p in spec.periode.periods()]
