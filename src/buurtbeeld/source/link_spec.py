"""The linking party's koppelspec: which pseudonymised extracts to link into one stapeling table.

YAML, validated with pydantic (strict, Dutch messages with line numbers, as
:mod:`buurtbeeld.source.spec`). Paths are relative to the spec file. See
docs/source-toolkit.md ("Stapeling") for every field.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.source.spec_fields import Identifier, _Model, gemeente_codes
from buurtbeeld.source.yaml_model import read_text, validate_yaml

__all__ = [
    "ExtractError",
    "ExtractReadError",
    "ExtractSpec",
    "KeyMismatchError",
    "LinkError",
    "LinkSpec",
    "MismatchError",
    "load_link_spec",
    "parse_link_spec",
]


RESERVED = frozenset(
    {
        "periode",
        "regiocode",
        "aantal",
        "buurt",
        "persoon",
        "huishouden",
        "eenheid",
        "k",
        "src",
        "minstens",
    }
)


class LinkError(BuurtbeeldError, ValueError):
    """The koppelspec is invalid (``BB-KOP-001``); the message names file, line and field."""

    code = "BB-KOP-001"
    http_status = 422
    default_hint = "Corrigeer de koppelspecificatie (YAML); zie docs/source-toolkit.md."


class ExtractError(LinkError):
    """A file is not a readable pseudonymised extract (``BB-KOP-002``)."""

    code = "BB-KOP-002"
    default_hint = (
        "Vraag de partner het bestand opnieuw te maken met 'buurtbeeld bron pseudonimiseer' "
        "en stuur het ongewijzigd door."
    )


class KeyMismatchError(LinkError):
    """The extracts were made with different key files (``BB-KOP-003``)."""

    code = "BB-KOP-003"
    default_hint = (
        "Alle partners moeten hetzelfde koppelsleutelbestand van dit project gebruiken; "
        "laat de afwijkende partner opnieuw pseudonimiseren."
    )


class MismatchError(LinkError):
    """Periods, period kind, division or area of the extracts do not fit (``BB-KOP-004``)."""

    code = "BB-KOP-004"
    default_hint = (
        "Laat de partners dezelfde perioden (bijvoorbeeld allemaal per jaar) en hetzelfde "
        "indelingsjaar gebruiken als de koppelspecificatie."
    )


class ExtractReadError(ExtractError):
    """The engine could not read an extract's rows (``BB-KOP-006``)."""

    code = "BB-KOP-006"
    default_hint = (
        "Een extract is beschadigd of onvolledig overgekomen: vraag de partner het opnieuw te "
        "sturen en vergelijk de SHA-256 van het bestand."
    )


class ExtractSpec(_Model):
    """One partner's pseudonymised extract (and optionally its signed package with marginals)."""

    naam: Identifier = Field(description="provision name = dimension name in the tables")
    titel: str = Field(min_length=1)
    pad: Path
    pakket: Path | None = Field(default=None, description="the partner's signed package")
    pakkettabel: str | None = Field(
        default=None, description="table of the package with the distinct unit totals"
    )

    @model_validator(mode="after")
    def _package_table(self) -> ExtractSpec:
        if self.pakkettabel and self.pakket is None:
            raise ValueError("'pakkettabel' hoort bij 'pakket'")
        return self


class LinkSpec(_Model):
    """A linking run: two or more extracts, the target area, division and protection profile."""

    dataset: Identifier
    bron: str = Field(min_length=1)
    profiel: Literal["cbs-zorg", "drempel-10"] = "cbs-zorg"
    gemeente: str | list[str] = Field(
        description="GM code(s) of the target area; NL00 for the whole country"
    )
    indelingsjaar: int = 2023
    engine: Literal["duckdb", "spark"] = "duckdb"
    uitvoer: Path | None = None
    extracten: list[ExtractSpec] = Field(min_length=2, max_length=8)
    minstens: list[Literal["land", "gemeente", "wijk", "buurt"]] | None = Field(
        default=None,
        description='levels with "k or more provisions" cells of their own (default: all; '
        "[]: none, the platform derives them from the combinations)",
    )
    zaadbestand: Path | None = Field(
        default=None,
        description="secret file with the rounding seed (default: .buurtbeeld-zaad beside the spec)",
    )
    logboek: Path | None = Field(
        default=None,
        description="release ledger folder (default: .buurtbeeld-logboek beside the spec)",
    )

    @field_validator("gemeente")
    @classmethod
    def _codes(cls, value: str | list[str]) -> str | list[str]:
        return gemeente_codes(value)

    @model_validator(mode="after")
    def _unique(self) -> LinkSpec:
        names = [e.naam for e in self.extracten]
        taken = sorted(set(names) & RESERVED)
        if taken:
            raise ValueError(f"'{taken[0]}' is een gereserveerde kolomnaam; kies een andere naam")
        double = sorted({n for n in names if names.count(n) > 1})
        if double:
            raise ValueError(f"twee extracten heten '{double[0]}': elke naam één keer")
        paths = [e.pad for e in self.extracten]
        if len(set(paths)) != len(paths):
            raise ValueError("hetzelfde extract staat twee keer in de specificatie")
        return self

    @property
    def gemeenten(self) -> list[str]:
        """The target gemeente codes (``["NL00"]`` for the whole country)."""
        return [self.gemeente] if isinstance(self.gemeente, str) else list(self.gemeente)

    @property
    def at_least_levels(self) -> tuple[str, ...] | None:
        """Code prefixes of the regions with "k or more" cells (``None``: every region)."""
        if self.minstens is None:
            return None
        prefixes = {"land": "NL", "gemeente": "GM", "wijk": "WK", "buurt": "BU"}
        return tuple(prefixes[level] for level in self.minstens)

    @property
    def names(self) -> list[str]:
        """Provision names in spec order."""
        return [e.naam for e in self.extracten]

    def canonical_json(self) -> str:
        """The spec as canonical JSON (file paths by name only)."""
        data = self.model_dump(mode="json", exclude={"zaadbestand", "logboek", "uitvoer"})
        for item in data["extracten"]:
            for key in ("pad", "pakket"):
                if item.get(key):
                    item[key] = Path(item[key]).name
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def sha256(self) -> str:
        """SHA-256 of :meth:`canonical_json` (recorded in the manifest)."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


def parse_link_spec(
    text: str, *, name: str = "koppelspecificatie", base: Path | None = None
) -> LinkSpec:
    """Validate a koppelspec given as YAML text; relative paths are relative to ``base``.

    Raises
    ------
    LinkError
        ``BB-KOP-001`` with file, line and field of every problem.
    """
    spec = validate_yaml(
        text, LinkSpec, name=name, error=LinkError, invalid="De koppelspecificatie is ongeldig:"
    )
    if base is not None:
        _resolve(spec, base)
    return spec


def _resolve(spec: LinkSpec, base: Path) -> None:
    for item in spec.extracten:
        if not item.pad.is_absolute():
            item.pad = base / item.pad
        if item.pakket is not None and not item.pakket.is_absolute():
            item.pakket = base / item.pakket
    for field in ("uitvoer", "zaadbestand", "logboek"):
        value = getattr(spec, field)
        if value is not None and not value.is_absolute():
            setattr(spec, field, base / value)


def load_link_spec(path: Path) -> LinkSpec:
    """Read and validate a koppelspec file; relative paths are relative to its folder.

    Raises
    ------
    LinkError
        ``BB-KOP-001``: unreadable or invalid; the message names file, line and field.
    """
    path = Path(path)
    text = read_text(path, LinkError)
    spec = parse_link_spec(text, name=path.name, base=path.parent)
    if spec.zaadbestand is None:
        spec.zaadbestand = path.parent / ".buurtbeeld-zaad"
    if spec.logboek is None:
        spec.logboek = path.parent / ".buurtbeeld-logboek"
    return spec
