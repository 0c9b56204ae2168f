"""The manifest schema: every field of ``manifest.json`` validated (pydantic).

Names are slugs (``wmo``, ``voorzieningen``), periods match CBS-style labels (``2024``,
``2024-K1``, ``2024-03``, a range ``2024-K1/2024-K4``), free text (``bron``, ``titel``, category
names) is plain text: letters, digits, spaces and ``. , ' ( ) & / : + -``, beginning with a
letter or digit, so no markup, no SQL and no spreadsheet formula (a leading ``=``) can pass.
Unknown fields are refused. The writer validates before writing and the reader after reading,
so the toolkit never writes what the platform would refuse.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format.risk_estimates import (
    ERROR_CODES,
    FIELD_CODE,
    ControlMeta,
    FactorMeta,
    ModelMeta,
    RatioMeta,
    RiskEstimatesMeta,
    ShareMeta,
    risk_error,
)

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
ProfileName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=40)]
PlainText = Annotated[str, Field(pattern=r"^[\w][\w .,'()&/:+-]*$", min_length=1, max_length=200)]
"""Letters (any script), digits, space and a few punctuation marks; no markup, no formula."""
PERIOD = r"\d{4}(-(K[1-4]|0[1-9]|1[0-2]))?"
Period = Annotated[str, Field(pattern=rf"^{PERIOD}$")]
PeriodRange = Annotated[str, Field(pattern=rf"^{PERIOD}(/{PERIOD})?$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
MemberName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.(parquet|md)$", max_length=70)]
GemeenteCode = Annotated[str, Field(pattern=r"^(GM\d{4}|NL00)$")]
"""A gemeente of the delivery's area, or ``NL00`` on its own for a national delivery."""
NATIONAL = "NL00"
AT_LEAST = "minstens"
"""The one dimension of a ``combinaties: minstens`` table (its categories are the ``k``)."""
Count = Annotated[int, Field(ge=0)]
Polarity = Literal["hoger_is_slechter", "hoger_is_beter", "neutraal"]

_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_PLAIN = re.compile(r"^[\w][\w .,'()&/:+-]*$")


def is_plain_text(text: str, max_length: int = 200) -> bool:
    """Whether ``text`` is plain text as the schema allows it (no markup, no formula)."""
    return 0 < len(text) <= max_length and bool(_PLAIN.match(text))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DimensionMeta(_Strict):
    """A dimension of a table."""

    naam: Slug
    optelbaar: bool = True
    categorieen: list[PlainText] = Field(default_factory=list, max_length=500)


class TableMeta(_Strict):
    """A table's manifest entry."""

    naam: Slug
    titel: PlainText | None = None
    bestand: MemberName
    dimensie: Slug | None = None
    dimensies: list[DimensionMeta] | None = Field(default=None, max_length=6)
    maat: Literal["aantal", "som"] = "aantal"
    eenheid: Slug | None = None
    bedragkolom: Slug | None = None
    profiel: ProfileName | None = None
    richting: Polarity | None = None
    cellen: Count | None = None
    verborgen_per_reden: dict[Slug, Count] = Field(default_factory=dict)
    combinaties: Literal["exclusief", "minstens"] | None = None
    """``exclusief``: a linked table of exclusive combinations (issue 11) - only the leaves,
    the per-provision marginals and the total per region; each cell with ``totaal`` is the sum
    of the leaves that agree with it elsewhere. ``minstens``: units with ``k`` or more
    provisions - one dimension ``minstens`` whose categories are the ``k`` (2 or more), each
    cell the sum of the exclusive combinations of table ``minstens_van`` with at least ``k``
    times ``ja``. Absent: the full cross table."""
    minstens_van: Slug | None = None

    @model_validator(mode="after")
    def _file_is_named_after_table(self) -> TableMeta:
        if self.bestand != f"{self.naam}.parquet":
            raise ValueError("bestand moet <naam>.parquet heten")
        return self

    @model_validator(mode="after")
    def _at_least_shape(self) -> TableMeta:
        if (self.combinaties == "minstens") != (self.minstens_van is not None):
            raise ValueError("minstens_van hoort bij combinaties: minstens")
        if self.combinaties != "minstens":
            return self
        dims = self.dimensies or []
        if (
            self.maat != "aantal"
            or len(dims) != 1
            or dims[0].naam != AT_LEAST
            or dims[0].optelbaar
            or not dims[0].categorieen
            or any(not (c.isdigit() and 2 <= int(c) <= 12) for c in dims[0].categorieen)
        ):
            raise ValueError("een tabel 'minstens' telt aantallen naar k = 2, 3, ...")
        return self


class Lines(_Strict):
    """Counts of rows read at the source (no content)."""

    gelezen: Count
    geldig: Count
    buiten_de_periode: Count
    ongeldig_per_reden: dict[PlainText, Count] = Field(default_factory=dict)


class ProvisionMeta(_Strict):
    """One provision of a linked package (``koppeling.voorzieningen``)."""

    naam: Slug
    titel: PlainText
    bron: PlainText
    dataset: Slug
    tabel: Slug | None = None
    pakket_sha256: Sha256 | None = None
    zonder_verhuizers: dict[Slug, list[Period]] = Field(default_factory=dict, max_length=4)
    """Unit → periods in which no unit of this provision was placed elsewhere than its own
    extract placed it (so the linked marginal equals the partner's published count)."""


class LinkageMeta(_Strict):
    """``koppeling``: the package holds combinations of provisions of several partners."""

    soort: Literal["stapeling"]
    regel: Literal["laatste-adres"]
    voorzieningen: list[ProvisionMeta] = Field(min_length=2, max_length=12)

    @model_validator(mode="after")
    def _provisions_once(self) -> LinkageMeta:
        names = [p.naam for p in self.voorzieningen]
        if len(set(names)) != len(names):
            raise ValueError("een voorziening staat twee keer in de koppeling")
        return self


class Manifest(_Strict):
    """``manifest.json`` of format versions 1, 2 and 3."""

    formaat: Literal["buurtbeeld-pakket"]
    versie: Literal[1, 2, 3]
    bron: PlainText
    dataset: Slug
    eenheid: Slug = "personen"
    periode: PeriodRange
    perioden: list[Period] | None = Field(default=None, max_length=400)
    periodesoort: Slug | None = None
    gebied: list[GemeenteCode] = Field(default_factory=list, max_length=400)
    indelingsjaar: int = Field(ge=2000, le=2100)
    profiel: ProfileName
    software: PlainText | None = None
    engine: Literal["duckdb", "spark"] | None = None
    spec_sha256: Sha256 | None = None
    verborgen_per_reden: dict[Slug, Count] = Field(default_factory=dict)
    regels: Lines | None = None
    tabellen: list[TableMeta] = Field(min_length=1, max_length=100)
    bestanden: dict[MemberName, Sha256]
    koppeling: LinkageMeta | None = None
    risicofactoren: RiskEstimatesMeta | None = None
    """Group-level risk estimates (version 3 only; :mod:`.risk_estimates`)."""

    @model_validator(mode="after")
    def _tables_once(self) -> Manifest:
        names = [t.naam for t in self.tabellen]
        if len(set(names)) != len(names):
            raise ValueError("een tabel staat twee keer in het manifest")
        return self

    @model_validator(mode="after")
    def _at_least_of_linked_table(self) -> Manifest:
        by_name = {t.naam: t for t in self.tabellen}
        for table in self.tabellen:
            if table.minstens_van is None:
                continue
            linked = by_name.get(table.minstens_van)
            if (
                self.koppeling is None
                or linked is None
                or linked.combinaties != "exclusief"
                or linked.eenheid != table.eenheid
                or any(int(c) >= len(linked.dimensies or []) for c in _at_least(table))
            ):
                raise ValueError("minstens_van noemt geen gekoppelde tabel van dezelfde eenheid")
        return self

    @model_validator(mode="after")
    def _national_alone(self) -> Manifest:
        if NATIONAL in self.gebied and len(self.gebied) > 1:
            raise ValueError("NL00 (heel Nederland) staat alleen in het gebied")
        return self

    @model_validator(mode="after")
    def _estimates_fit(self) -> Manifest:
        risk = self.risicofactoren
        if risk is None:
            return self
        if self.versie < 3 or self.koppeling is not None:
            raise risk_error("rsk_version", "schattingen in een pakket dat ze niet kan dragen")
        if risk.tabel not in {t.naam for t in self.tabellen}:
            raise risk_error("rsk_version", "de tabel van de schattingen ontbreekt")
        return self


def _at_least(table: TableMeta) -> list[str]:
    return (table.dimensies or [])[0].categorieen if table.dimensies else []


_FIELDS = {
    name
    for model in (
        DimensionMeta,
        TableMeta,
        Lines,
        ProvisionMeta,
        LinkageMeta,
        Manifest,
        RiskEstimatesMeta,
        ControlMeta,
        ShareMeta,
        RatioMeta,
        FactorMeta,
        ModelMeta,
    )
    for name in model.model_fields
}

_WHY = {
    "missing": "ontbreekt",
    "extra_forbidden": "onbekend veld",
    "string_pattern_mismatch": "niet toegestane tekens of vorm",
    "string_too_long": "te lang",
    "string_too_short": "leeg",
    "literal_error": "onbekende waarde",
    "too_long": "te veel onderdelen",
    "too_short": "te weinig onderdelen",
    "value_error": "klopt niet met de rest van het manifest",
}


def validate_manifest(data: Any) -> Manifest:
    """Validate a parsed ``manifest.json``.

    Raises
    ------
    ImportFileError
        ``BB-PKG-025`` naming the first invalid field (never its content).
    """
    try:
        return Manifest.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        # name the field, never echo what the package put there (a dict key is content)
        where = ".".join(
            str(p) if isinstance(p, int) or p in _FIELDS or _FIELD_NAME.match(p) else "…"
            for p in first["loc"]
        )
        where = where or "manifest"
        if first["type"] in ERROR_CODES or first["loc"][:1] == ("risicofactoren",):
            kind = "rsk_range" if first["type"] in _RANGE_ERRORS else first["type"]
            raise _risk_refusal(kind, where) from None
        why = _WHY.get(first["type"], "ongeldige waarde")
        raise ImportFileError(
            f"Pakket geweigerd: veld '{where}' van manifest.json is ongeldig ({why}).",
            code="BB-PKG-025",
            hint="Namen bestaan uit kleine letters, cijfers en _, perioden zijn als 2024, 2024-K1 of "
            "2024-03, en vrije tekst bevat geen opmaak of formules. Maak het pakket opnieuw met de brontoolkit.",
        ) from None  # the validation error quotes the input: keep it out of tracebacks


_RANGE_ERRORS = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "finite_number",
}
_RISK_WHY = {
    "BB-PKG-061": "een waarde ligt buiten haar bereik of een betrouwbaarheidsinterval ligt niet om "
    "de schatting",
    "BB-PKG-062": "een vrijgegeven schatting berust op een groep kleiner dan de drempel",
    "BB-PKG-063": "de schattingen spreken elkaar tegen (vrijgegeven zonder waarde, achtergehouden "
    "met waarde, of model en factoren verschillen)",
    "BB-PKG-064": "het pakket kan deze schattingen niet dragen (alleen een ondertekend pakket van "
    "formaat 3 met de tabel per wijk)",
}


def _risk_refusal(kind: str, where: str) -> ImportFileError:
    """The refusal of an invalid ``risicofactoren`` field (``BB-PKG-060`` … ``064``)."""
    code = ERROR_CODES.get(kind, FIELD_CODE)
    why = _RISK_WHY.get(code) or (
        f"veld '{where}' is ongeldig ({_WHY.get(kind, 'ongeldige waarde')}); er mogen alleen "
        "groepsuitkomsten in staan, nooit iets van een persoon of huishouden"
    )
    return ImportFileError(
        f"Pakket geweigerd: de risicoschattingen in manifest.json: {why}.",
        code=code,
        hint="De brontoolkit (buurtbeeld bron risicofactoren) schrijft alleen schattingen die de "
        "uitvoercontrole doorstaan. Vraag de partner het pakket opnieuw te maken; wijzig een "
        "pakket nooit met de hand.",
    )
