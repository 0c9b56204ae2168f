"""The kinds of personal data the text privacy check finds, and one finding (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """Kinds of personal data; values are stable identifiers (also used in the sample set)."""

    BSN = "bsn"
    IBAN = "iban"
    PHONE = "telefoon"
    EMAIL = "email"
    ADDRESS = "adres"
    POSTCODE = "postcode_huisnummer"
    BIRTH_DATE = "geboortedatum"
    NAME = "naam"
    POSTCODE_ONLY = "postcode"
    DATE = "datum"
    SMALL_NUMBER = "klein_aantal"


LABELS: dict[Kind, str] = {
    Kind.BSN: "een burgerservicenummer (BSN)",
    Kind.IBAN: "een rekeningnummer (IBAN)",
    Kind.PHONE: "een telefoonnummer",
    Kind.EMAIL: "een e-mailadres",
    Kind.ADDRESS: "een straatnaam met huisnummer",
    Kind.POSTCODE: "een postcode met huisnummer",
    Kind.BIRTH_DATE: "een geboortedatum",
    Kind.NAME: "mogelijk een persoonsnaam",
    Kind.POSTCODE_ONLY: "een volledige postcode",
    Kind.DATE: "een volledige datum (mogelijk een geboortedatum)",
    Kind.SMALL_NUMBER: "een aantal kleiner dan 10 bij een klein gebied",
}

#: Kinds that refuse a text; the others only warn.
REFUSED: frozenset[Kind] = frozenset(
    {Kind.BSN, Kind.IBAN, Kind.PHONE, Kind.EMAIL, Kind.ADDRESS, Kind.POSTCODE, Kind.BIRTH_DATE}
)
#: Kinds measured for recall in the benchmark (the structured kinds of the issue).
STRUCTURED: tuple[Kind, ...] = (
    Kind.BSN,
    Kind.IBAN,
    Kind.PHONE,
    Kind.EMAIL,
    Kind.ADDRESS,
    Kind.POSTCODE,
    Kind.BIRTH_DATE,
)


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and position (``text[start:end]``), never its value."""

    kind: Kind
    start: int
    end: int

    @property
    def refused(self) -> bool:
        """Whether this finding refuses the text (else it is a warning)."""
        return self.kind in REFUSED

    def describe(self, text: str) -> str:
        """Dutch: what and where, e.g. "een telefoonnummer (regel 2, teken 14-25)"."""
        line = text.count("\n", 0, self.start) + 1
        return f"{LABELS[self.kind]} (regel {line}, teken {self.start + 1}-{self.end})"
