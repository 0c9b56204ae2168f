"""CBS region codes: validation, level and hierarchy (pure, no I/O).

Codes follow CBS: ``NL00`` (the Netherlands), ``GM`` + 4 digits (gemeente), ``WK`` + 6
digits (wijk: gemeente digits + 2) and ``BU`` + 8 digits (buurt: wijk digits + 2). CBS
Since 2022 Amsterdam uses letters in the wijk and buurt part (``WK0363AA``,
``BU0363AA01``), so those positions are alphanumeric. StatLine exports pad codes with spaces to 10 characters; RIVM files use ``NL01`` for the
country. :func:`normalize_code` removes both quirks.
"""

from __future__ import annotations

import re
from enum import StrEnum

from buurtbeeld.errors import RegionCodeError

COUNTRY_CODE = "NL00"
_PATTERN = re.compile(r"^(NL0[01]|GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$")


class RegionLevel(StrEnum):
    """Administrative level of a region, from coarse to fine."""

    LAND = "land"
    GEMEENTE = "gemeente"
    WIJK = "wijk"
    BUURT = "buurt"

    @property
    def label(self) -> str:
        """Dutch display name."""
        return {"land": "Nederland", "gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}[
            self.value
        ]

    @property
    def plural(self) -> str:
        """Dutch plural display name."""
        return {"land": "land", "gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}[
            self.value
        ]


_PREFIX_LEVEL = {
    "NL": RegionLevel.LAND,
    "GM": RegionLevel.GEMEENTE,
    "WK": RegionLevel.WIJK,
    "BU": RegionLevel.BUURT,
}


def is_region_code(code: str) -> bool:
    """Return whether ``code`` (already normalised) is a well-formed CBS region code."""
    return bool(_PATTERN.match(code))


def normalize_code(raw: str) -> str:
    """Strip CBS padding, upper-case and map ``NL01`` to ``NL00``.

    Raises
    ------
    RegionCodeError
        When the result is not a well-formed CBS code.
    """
    code = raw.strip().upper()
    if not _PATTERN.match(code):
        raise RegionCodeError(f"'{raw.strip()}' is geen geldige CBS-regiocode.")
    return COUNTRY_CODE if code.startswith("NL") else code


def level_of(code: str) -> RegionLevel:
    """Level of a normalised code (``GM0505`` → gemeente)."""
    if not _PATTERN.match(code):
        raise RegionCodeError(f"'{code}' is geen geldige CBS-regiocode.")
    return _PREFIX_LEVEL[code[:2]]


def parent_of(code: str) -> str | None:
    """The code one level up, derived from the digits (``BU05050101`` → ``WK050501``)."""
    level = level_of(code)
    if level is RegionLevel.BUURT:
        return "WK" + code[2:8]
    if level is RegionLevel.WIJK:
        return "GM" + code[2:6]
    if level is RegionLevel.GEMEENTE:
        return COUNTRY_CODE
    return None


def gemeente_of(code: str) -> str | None:
    """The gemeente code a wijk or buurt belongs to (``None`` for the country)."""
    level = level_of(code)
    if level is RegionLevel.LAND:
        return None
    return "GM" + code[2:6]
