"""Parts of a delivery spec: the identifier columns, the period and the dimensions.

:mod:`buurtbeeld.source.spec` assembles them into a :class:`~buurtbeeld.source.spec.DeliverySpec`;
docs/source-toolkit.md describes every field for the data steward.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from buurtbeeld.source.periods import (
    DateFormat,
    Period,
    compile_format,
    finer_or_equal,
    period_of,
    periods_between,
)

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
KeyKind = Literal["sleutel", "bsn"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class KeyColumn(_Model):
    """An identifier column and what it holds.

    ``soort: bsn``: burgerservicenummers, normalised (leading zeros) and checked with the
    elfproef before units are counted (:mod:`buurtbeeld.source.identifiers`). ``soort: sleutel``
    (default): an opaque key such as a client or household number, only trimmed.
    """

    kolom: str = Field(min_length=1)
    soort: KeyKind = "sleutel"


class Keys(_Model):
    """Columns with the person and household identifiers (a column name, or ``kolom`` + ``soort``)."""

    persoon: KeyColumn | None = None
    huishouden: KeyColumn | None = None

    @field_validator("persoon", "huishouden", mode="before")
    @classmethod
    def _column_shorthand(cls, value: Any) -> Any:
        return {"kolom": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _some(self) -> Keys:
        if not (self.persoon or self.huishouden):
            raise ValueError("geef de kolom met het persoons- en/of huishoudnummer op")
        return self

    def column(self, key: str) -> str | None:
        """The column of ``persoon`` or ``huishouden`` (``None`` when not given)."""
        found = self.persoon if key == "persoon" else self.huishouden
        return None if found is None else found.kolom

    def kind(self, key: str) -> KeyKind:
        """``bsn`` or ``sleutel``."""
        found = self.persoon if key == "persoon" else self.huishouden
        return "sleutel" if found is None else found.soort

    def canonical(self) -> dict[str, Any]:
        """As in the spec hash: a plain key column by name only, so adding ``soort`` to the
        spec format kept the hash of every existing spec."""
        out: dict[str, Any] = {}
        for name in ("persoon", "huishouden"):
            found = getattr(self, name)
            if found is not None and found.soort == "sleutel":
                out[name] = found.kolom
            else:
                out[name] = None if found is None else found.model_dump(mode="json")
        return out


class PeriodSpec(_Model):
    """Which records count in which period.

    ``gedurende`` (flow): a unit counts in a period when one of its records is active at some
    moment in it. ``peildatum`` (stock): when a record is active on the period's reference day
    (its last day, or its first with ``peildag: begin``). A snapshot extract without date
    columns (*stand per peildatum*) gives the day itself: ``peildatum: 2024-12-31``; every
    record of the extract then counts in the period of that day.
    """

    soort: Literal["gedurende", "peildatum"] = "gedurende"
    begin: str | None = Field(
        default=None, description="column with the start date (or the event date)"
    )
    einde: str | None = Field(default=None, description="column with the end date (empty: open)")
    formaat: str = "%d-%m-%Y"
    per: Literal["maand", "kwartaal", "jaar"] = "jaar"
    jaar: int | None = Field(default=None, ge=1900, le=2100)
    van: date | None = None
    tot: date | None = None
    peildag: Literal["einde", "begin"] = "einde"
    peildatum: date | None = Field(
        default=None, description="the reference day of a snapshot extract without date column"
    )

    @model_validator(mode="before")
    @classmethod
    def _snapshot_is_a_stock(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("peildatum") is not None and "soort" not in data:
            return {**data, "soort": "peildatum"}
        return data

    @field_validator("formaat")
    @classmethod
    def _format(cls, value: str) -> str:
        compile_format(value)
        return value

    @model_validator(mode="after")
    def _range(self) -> PeriodSpec:
        if self.peildatum is not None:
            self._check_snapshot(self.peildatum)
        else:
            if self.begin is None:
                raise ValueError(
                    "geef de kolom met de (begin)datum op ('begin'), of voor een stand zonder "
                    "datumkolom de 'peildatum' (bijvoorbeeld peildatum: 2024-12-31)"
                )
            if self.jaar is not None and (self.van or self.tot):
                raise ValueError("geef 'jaar' óf 'van' en 'tot' op, niet beide")
            if self.jaar is None and (self.van is None or self.tot is None):
                raise ValueError(
                    "geef 'jaar' op, of 'van' en 'tot' (datums, bijvoorbeeld 2024-01-01)"
                )
            if self.van and self.tot and self.tot < self.van:
                raise ValueError("'tot' ligt voor 'van'")
            if self.soort == "peildatum" and self.einde is None:
                raise ValueError(
                    "'peildatum' vraagt om een kolom met de einddatum ('einde'), of om een vaste "
                    "'peildatum' (bijvoorbeeld peildatum: 2024-12-31) als de export een stand is"
                )
        if self.begin is not None:
            fmt = compile_format(self.formaat)
            if not finer_or_equal(fmt.granularity, self.per):
                raise ValueError(
                    f"datums in formaat '{self.formaat}' ({fmt.granularity}) zijn te grof voor perioden per {self.per}"
                )
        elif self.einde is not None:
            raise ValueError("'einde' vraagt om een kolom met de begindatum ('begin')")
        if len(self.periods()) > 120:
            raise ValueError("meer dan 120 perioden in één levering; splits de levering")
        return self

    def _check_snapshot(self, day: date) -> None:
        if self.soort != "peildatum":
            raise ValueError("een vaste 'peildatum' hoort bij soort 'peildatum' (een stand)")
        if self.jaar is not None or self.van or self.tot:
            raise ValueError("geef een vaste 'peildatum' óf 'jaar' of 'van' en 'tot', niet beide")
        period = period_of(day, self.per)
        reference = period.end if self.peildag == "einde" else period.start
        if day != reference:
            which = "laatste" if self.peildag == "einde" else "eerste"
            raise ValueError(
                f"peildatum {day.isoformat()} is niet de {which} dag van een {self.per} "
                f"(bijvoorbeeld {reference.isoformat()} voor {period.label}); "
                "kies 'per' en 'peildag' zo dat de peildatum de peildag van de periode is"
            )

    @property
    def date_format(self) -> DateFormat:
        """The compiled date format."""
        return compile_format(self.formaat)

    def periods(self) -> list[Period]:
        """The reporting periods of this delivery."""
        if self.peildatum is not None:
            return [period_of(self.peildatum, self.per)]
        first = self.van or date(int(self.jaar or 0), 1, 1)
        last = self.tot or date(int(self.jaar or 0), 12, 31)
        return periods_between(first, last, self.per)

    def reference_int(self, period: Period) -> int:
        """The reference day (``yyyymmdd``) of a period for stocks."""
        return period.end_int if self.peildag == "einde" else period.start_int


class Dimension(_Model):
    """A breakdown of the counts, e.g. voorziening or age band.

    ``meerdere_per_eenheid``: a unit may fall in several categories (a client with two
    voorzieningen); its total is then a distinct count, published as a separate table
    ``<tabel>_totaal``. Otherwise each unit gets the category of its latest record and the
    categories add up to the total.
    """

    naam: Identifier
    kolom: str
    soort: Literal["categorie", "leeftijd", "getal"] = "categorie"
    meerdere_per_eenheid: bool = False
    waarden: dict[str, str] | None = Field(
        default=None, description="recoding of raw values to published categories"
    )
    overig: str | None = Field(default=None, description="category for values not in 'waarden'")
    klassen: list[int] | None = Field(
        default=None, description="lower bounds of the bands (leeftijd, getal)"
    )
    formaat: str = Field(default="%d-%m-%Y", description="date format of a birth date column")

    @model_validator(mode="after")
    def _check(self) -> Dimension:
        if self.soort in ("leeftijd", "getal"):
            bands = self.klassen or []
            if len(bands) < 2 or sorted(set(bands)) != bands or bands[0] < 0:
                raise ValueError(
                    "'klassen' moet oplopende ondergrenzen hebben, minstens twee (bijvoorbeeld [0, 18, 65])"
                )
            if self.waarden or self.overig:
                raise ValueError("'waarden' en 'overig' horen bij soort 'categorie'")
            if self.meerdere_per_eenheid:
                raise ValueError("een leeftijds- of getalklasse is er één per eenheid")
        elif self.klassen:
            raise ValueError("'klassen' hoort bij soort 'leeftijd' of 'getal'")
        if self.soort == "leeftijd":
            fmt = compile_format(self.formaat)
            if fmt.granularity == "jaar":
                raise ValueError("een geboortedatum heeft minstens een maand nodig")
        labels = self.categories()
        if "totaal" in labels:
            raise ValueError("'totaal' is gereserveerd voor het totaal")
        return self

    def band_labels(self) -> list[str]:
        """Labels of the bands: ``0-17``, ``18-64``, ``65+``."""
        bands = self.klassen or []
        return [
            f"{lo}-{hi - 1}" if hi is not None else f"{lo}+"
            for lo, hi in zip(bands, [*bands[1:], None], strict=True)
        ]

    def categories(self) -> list[str]:
        """Categories known from the spec (values seen in the data are added later)."""
        if self.soort != "categorie":
            return self.band_labels()
        labels = set((self.waarden or {}).values())
        if self.overig:
            labels.add(self.overig)
        return sorted(labels)


def gemeente_codes(value: str | list[str]) -> str | list[str]:
    """The ``gemeente`` field of every spec: one or more GM codes, or NL00 on its own."""
    codes = [value] if isinstance(value, str) else value
    if not codes:
        raise ValueError("geef minstens één gemeentecode op")
    for code in codes:
        if not re.fullmatch(r"GM\d{4}|NL00", code):
            raise ValueError(f"'{code}' is geen gemeentecode (GM + 4 cijfers) of NL00")
    if "NL00" in codes and len(codes) > 1:
        raise ValueError("NL00 (heel Nederland) staat alleen")
    return value
