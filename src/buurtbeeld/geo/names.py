"""Names of buurten, wijken and gemeenten (CBS, division 2024), and name folding for search.

The bundled file ``data/geo/gwb_namen_2024.parquet`` (code, name; Bron: CBS) names 98.9 % of
the buurt codes of the 2023 division: where a code exists in both years it names the same
buurt. The 155 buurt codes of the 13 gemeenten that redrew their buurten in 2024 have no 2024
name; they keep their code, with a note (``NAME_NOTES``). A region without any name falls back
to its code, with a note too. Pure lookups; the workspace stores the result per region
(``region.name``, ``region.name_note``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import pyarrow.parquet as pq

from buurtbeeld.geo.codes import COUNTRY_CODE, level_of

NAMES_FILE = Path(__file__).resolve().parents[1] / "data" / "geo" / "gwb_namen_2024.parquet"
NAMES_YEAR = 2024
NAMES_SOURCE = "Bron: CBS, Wijk- en buurtkaart 2024 (namen)"

# Why a region shows its code instead of (or next to) a CBS name; None: the CBS name.
NAME_NOTES = {
    "herindeling_2024": (
        "Geen naam bekend: de gemeente heeft haar buurten opnieuw ingedeeld en deze buurtcode "
        "bestaat in de indeling 2024 niet meer. Daarom staat hier de code."
    ),
    "naam_2024": (
        "Naam uit de indeling 2024; in de indeling van deze cijfers kan het gebied andere "
        "grenzen hebben."
    ),
    "naam_2022": (
        "Naam uit de wijkindeling 2022 (zonder accenten): CBS heeft deze wijkcode in 2024 niet "
        "meer."
    ),
    "geen_naam": "Geen naam bekend bij CBS voor deze code; daarom staat hier de code.",
}


@cache
def bundled_names() -> dict[str, str]:
    """Code → CBS name (2024 division) of every gemeente, wijk and buurt."""
    table = pq.read_table(NAMES_FILE, columns=["code", "name"])
    return dict(zip(table["code"].to_pylist(), table["name"].to_pylist(), strict=True))


def fallback_name(code: str) -> str:
    """The label of a region without a name: its level and code ("Buurt BU17010101")."""
    if code == COUNTRY_CODE:
        return "Nederland"
    return f"{level_of(code).label} {code}"


def name_for(code: str, division_year: int) -> tuple[str | None, str | None]:
    """(CBS name or None, note key or None) of ``code`` in a division.

    A code of the 2023 or 2024 division with a 2024 name gets it without a note (CBS keeps a
    code for the same area). An older division's code gets the 2024 name with a note (its
    borders may differ). A buurt code of a gemeente that has other buurt codes in 2024 was
    redrawn (note ``herindeling_2024``); any other code has no name (``geen_naam``).
    """
    if code == COUNTRY_CODE:
        return "Nederland", None
    names = bundled_names()
    name = names.get(code)
    if name is not None:
        return name, (None if division_year >= NAMES_YEAR - 1 else "naam_2024")
    if code.startswith("BU") and _has_buurten(code[2:6]):
        return None, "herindeling_2024"
    return None, "geen_naam"


@cache
def _gemeenten_with_buurten() -> frozenset[str]:
    return frozenset(c[2:6] for c in bundled_names() if c.startswith("BU"))


def _has_buurten(gemeente_digits: str) -> bool:
    return gemeente_digits in _gemeenten_with_buurten()


_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, without accents or punctuation, single spaces ("Skarsterlân" → "skarsterlan")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain).strip()
