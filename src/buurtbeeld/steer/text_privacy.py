"""Privacy check of free text (duiding, doorbraken): pure, no I/O.

:func:`check_text` finds personal data in a short text and says *what kind* and *where* (character
positions), never the value itself, so a finding can be shown, logged or put in an error message.

Refused (the text is not saved): a BSN (nine digits passing the 11-proef, with or without
separators), an IBAN (ISO 13616 mod-97 checksum), a Dutch phone number (06, 0xx, +31, 0031, 0800/
0900), an e-mail address, a street address with house number, a postcode with house number and a
date of birth (a full date next to "geboren", "geb." or "geboortedatum").

Warned (the author confirms): a person name (a title such as "mevrouw" before a capitalised word,
or a first name from the Dutch name list of the ``faker`` package, alone or with a surname, or a
surname from that list after an initial or a tussenvoegsel), a six-position postcode without house
number, a bare full date with a year before the last ten years, and a number below 10 in a sentence
that names a small area (a buurt, a street, a flat).

Callers pass the names of the areas they know (buurt and wijk names), so that "Crabbehof 12" reads
as a count in an area rather than an address and "Reeland" is not taken for a person.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

from buurtbeeld.steer.text_privacy_kinds import LABELS, REFUSED, STRUCTURED, Finding, Kind
from buurtbeeld.steer.text_privacy_warnings import names, small_numbers

__all__ = ["LABELS", "REFUSED", "STRUCTURED", "Finding", "Kind", "TextCheck", "check_text"]


_ORDER = (
    Kind.EMAIL,
    Kind.IBAN,
    Kind.PHONE,
    Kind.BSN,
    Kind.POSTCODE,
    Kind.ADDRESS,
    Kind.BIRTH_DATE,
    Kind.NAME,
    Kind.POSTCODE_ONLY,
    Kind.DATE,
    Kind.SMALL_NUMBER,
)
_PRIORITY = {kind: i for i, kind in enumerate(_ORDER)}  # overlapping findings: the first wins


@dataclass(frozen=True)
class TextCheck:
    """The outcome of :func:`check_text`."""

    text: str
    findings: tuple[Finding, ...]

    @property
    def refusals(self) -> tuple[Finding, ...]:
        """Findings that refuse the text."""
        return tuple(f for f in self.findings if f.refused)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings the author must confirm."""
        return tuple(f for f in self.findings if not f.refused)

    @property
    def kinds(self) -> frozenset[Kind]:
        """The kinds found."""
        return frozenset(f.kind for f in self.findings)

    def masked(self) -> str:
        """The text with every finding replaced by its kind in brackets (safe to show)."""
        out, pos = [], 0
        for f in sorted(self.findings, key=lambda f: f.start):
            if f.start < pos:
                continue
            out += [self.text[pos : f.start], f"[{f.kind.value}]"]
            pos = f.end
        return "".join(out) + self.text[pos:]


# --- structured kinds ----------------------------------------------------------------------------

_SEP = r"[ .\-]"
_BSN = re.compile(rf"(?<![\w€])(?<!\d{_SEP})\d(?:{_SEP}?\d){{8}}(?!{_SEP}?\d)(?!\s*(?:euro|%))")
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ .\-]?[A-Za-z0-9])")
_EMAIL = re.compile(
    r"[\w.+\-]+\s*(?:@|\[at\]|\(at\)|\bat\b(?=\s*[\w\-]+\s*(?:\.|\[punt\]|\(punt\))\s*[a-z]{2,}))\s*"
    r"[\w\-]+(?:\s*(?:\.|\[punt\]|\(punt\))\s*[\w\-]+)*\s*(?:\.|\[punt\]|\(punt\))\s*[a-z]{2,}\b",
    re.IGNORECASE,
)
_PSEP = r"(?:\s?[.\-/]\s?|\s)"  # one separator, also " - " as people type it
_PHONE = re.compile(rf"(?<![\w+])(?:\+|00)?\(?\d[\d()]*(?:{_PSEP}?\(?\d\)?){{6,13}}(?!{_PSEP}?\d)")
_POSTCODE = re.compile(
    r"(?<![\w])[1-9]\d{3}(?:\s?(?!SA|SD|SS)[A-Z]{2}|(?!sa|sd|ss)[a-z]{2})(?![\w])"
)
_HOUSE_NUMBER = r"\d{1,5}(?:\s?[a-zA-Z](?![\w])|\s?-\s?\d{1,4}|\s?(?:bis|hs|huis|boven|rd|zw))?"
_AFTER_POSTCODE = re.compile(
    rf"\s*,?\s*(?:(?:nr\.?|nummer|huisnummer)\s*)?{_HOUSE_NUMBER}(?![\d%]|[.,]\d)"
)
_BEFORE_POSTCODE = re.compile(r"(?<![\d,.])\d{1,5}[a-zA-Z]?\s*,?\s*$")
_NUMBER_BEFORE_POSTCODE = re.compile(  # "huisnummer 7 in postcode 3312AB"
    r"(?i:huisnummer|nummer|nr\.?)\s*\d{1,5}[a-zA-Z]?(?![\w])[^.\n\d]{0,25}$"
)
_STREET_SUFFIX = (
    "straat|laan|weg|plein|singel|gracht|kade|dijk|park|hof|plantsoen|steeg|pad|dreef|markt|"
    "boulevard|wal|haven|ring|erf|veld|baan|allee|zijde|dam|burcht|hoven|kanaal|passage|promenade|"
    "straatje|pleintje|laantje|steegje|hoek|polder|rijn|lei|vliet|gang|wetering|oever|poort"
)
_PLAIN_SUFFIX = "straat|laan|weg|plein|singel|gracht|kade|dijk"
_TUSSEN_STREET = r"(?:van|de|der|den|het|ter|ten|op|aan|in|'t)"
_STREET = re.compile(
    rf"(?<![\w])((?:(?:'s-|'t\s)?[A-Z][\w'\-.]*\s+(?:{_TUSSEN_STREET}\s+)*)*"
    rf"(?:'s-)?[\w'\-]*(?i:{_STREET_SUFFIX}))\s+({_HOUSE_NUMBER})(?![\w%]|[.,]\d)",
)
_LIVES_AT = re.compile(
    rf"\b(?:woon\w*|wonend|woont|adres\w*|verhuisd\w*|bij|aan|op)\s+(?:de\s+|het\s+)?"
    rf"([A-ZÀ-Ý][\w'\-]+(?:\s+[A-ZÀ-Ý][\w'\-]+)?)\s+({_HOUSE_NUMBER})(?![\w%]|[.,]\d)"
)
_NOT_STREETS = frozenset(
    {"Groep", "Wijk", "Buurt", "Fase", "Artikel", "Hoofdstuk", "Paragraaf", "Kwartaal", "Bijlage",
     "Tabel", "Figuur", "Lid", "Week", "Jaar", "Niveau", "Stap", "Versie", "Pagina", "Blok",
     "Team", "Route", "Lijn", "Bus", "Tram", "Punt", "Categorie", "Klasse", "Deel"}
)  # fmt: skip
_HOUSE_WORD = re.compile(r"\b(?:huisnummer|huisnr\.?)\s*\d{1,5}[a-zA-Z]?\b", re.IGNORECASE)
_COUNT_AFTER = re.compile(
    r"\s*(?:[a-z]+\s+)?(?:huishoudens|gezinnen|inwoners|kinderen|jongeren|meldingen|bewoners|"
    r"personen|cliënten|clienten|woningen|adressen|procent|keer|jaar|maanden|dagen|mensen|"
    r"trajecten|aanvragen|dossiers|uitkeringen|leerlingen|ouderen|plekken|mensen)\b",
    re.IGNORECASE,
)

_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    "jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
_DATE = re.compile(
    rf"(?<![\d])(?:(?:[0-3]?\d)[\-/.](?:[01]?\d)[\-/.](?:19|20)\d{{2}}|(?:19|20)\d{{2}}-[01]\d-[0-3]\d|"
    rf"[0-3]?\d\s+(?:{_MONTHS})\.?\s+(?:19|20)\d{{2}})(?![\d])",
    re.IGNORECASE,
)
_BIRTH_WORD = re.compile(
    r"\b(?:geboren|geb\.|geb\b|geboortedatum|geboortedag|gebdat|geboren\s+op|d\.o\.b|dob)\b",
    re.IGNORECASE,
)


def _spans(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    yield from pattern.finditer(text)


def _bsn(text: str) -> Iterator[Finding]:
    for m in _spans(_BSN, text):
        digits = re.sub(r"\D", "", m.group())
        if stdnum_bsn.is_valid(digits):
            yield Finding(Kind.BSN, m.start(), m.end())


def _iban(text: str) -> Iterator[Finding]:
    for m in _spans(_IBAN_START, text):
        chars: list[str] = []
        end = pos = m.start()
        found = None
        while pos < len(text) and len(chars) < 34:
            ch = text[pos]
            if ch.isascii() and ch.isalnum():
                chars.append(ch.upper())
                end = pos + 1
                if len(chars) >= 15 and stdnum_iban.is_valid("".join(chars)):
                    found = end  # keep going: the longest valid reading wins
            elif ch not in " .-" or pos + 1 >= len(text) or not text[pos + 1].isalnum():
                break  # one space, dot or dash between groups: NL02-RABO-4426-6604-94
            pos += 1
        if found is not None:
            yield Finding(Kind.IBAN, m.start(), found)


def _phone_digits_ok(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+") or raw.startswith("00"):
        digits = digits[2:] if raw.startswith("00") else digits
        if not digits.startswith("31"):
            return len(digits) >= 10 and raw.startswith("+")  # a foreign number
        rest = digits[2:]
        rest = rest[1:] if rest.startswith("0") else rest  # +31 (0)20 …
        return len(rest) == 9
    if not digits.startswith("0") or digits.startswith("00"):
        return False
    if digits[:4] in ("0800", "0900", "0906", "0909"):
        return len(digits) in (8, 11)
    return len(digits) == 10


def _phone(text: str) -> Iterator[Finding]:
    for m in _spans(_PHONE, text):
        raw = m.group()
        start = m.start()
        if raw.startswith("(") and not raw.startswith("(0"):
            continue
        if _DATE.fullmatch(raw.strip()):
            continue
        if re.search(r"[A-Za-z]{2}\d{2}\s?[A-Za-z]{4}\s?$", text[max(0, start - 12) : start]):
            continue  # the account part of an IBAN (with a wrong checksum)
        if _phone_digits_ok(raw):
            yield Finding(Kind.PHONE, start, m.end())


def _email(text: str) -> Iterator[Finding]:
    for m in _spans(_EMAIL, text):
        yield Finding(Kind.EMAIL, m.start(), m.end())


def _postcode(text: str) -> Iterator[Finding]:
    for m in _spans(_POSTCODE, text):
        after = _AFTER_POSTCODE.match(text, m.end())
        if after and not _COUNT_AFTER.match(text, after.end()):
            yield Finding(Kind.POSTCODE, m.start(), after.end())
            continue
        before = _BEFORE_POSTCODE.search(text[max(0, m.start() - 12) : m.start()])
        if before is None:
            before = _NUMBER_BEFORE_POSTCODE.search(text[max(0, m.start() - 45) : m.start()])
        if before:
            yield Finding(Kind.POSTCODE, m.start() - (len(before.group())), m.end())
            continue
        yield Finding(Kind.POSTCODE_ONLY, m.start(), m.end())


def _address(text: str, areas: frozenset[str]) -> Iterator[Finding]:
    for m in _spans(_STREET, text):
        street = m.group(1).strip()
        last_word = street.split()[-1] if street.split() else street
        if street.lower() in areas or last_word.lower() in areas:
            continue
        if _COUNT_AFTER.match(text, m.end()):
            continue
        last_upper = last_word[:1].isupper() or last_word.startswith("'")
        if not last_upper and not re.fullmatch(rf"\w+(?:{_PLAIN_SUFFIX})", last_word):
            continue
        yield Finding(
            Kind.ADDRESS, m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip())), m.end()
        )
    for m in _spans(_HOUSE_WORD, text):
        yield Finding(Kind.ADDRESS, m.start(), m.end())
    for m in _spans(_LIVES_AT, text):  # "woont aan Achterhakkers 12": a street without suffix
        word = m.group(1)
        if word.lower() in areas or word in _NOT_STREETS or _COUNT_AFTER.match(text, m.end()):
            continue
        if re.match(rf"\s*(?:{_MONTHS})\b", text[m.end() :], re.IGNORECASE):
            continue
        yield Finding(Kind.ADDRESS, m.start(1), m.end())


def _dates(text: str, recent_year: int) -> Iterator[Finding]:
    for m in _spans(_DATE, text):
        before = text[max(0, m.start() - 40) : m.start()]
        after = text[m.end() : m.end() + 15]
        if _BIRTH_WORD.search(before) or re.match(r"\s*\(?geboren", after, re.IGNORECASE):
            yield Finding(Kind.BIRTH_DATE, m.start(), m.end())
            continue
        year = int(re.findall(r"(?:19|20)\d{2}", m.group())[-1])
        if year < recent_year - 10:
            yield Finding(Kind.DATE, m.start(), m.end())


# --- the check -----------------------------------------------------------------------------------


def check_text(
    text: str,
    *,
    area_names: Collection[str] = (),
    small_areas: Collection[str] = (),
    current_year: int = 2026,
) -> TextCheck:
    """Find personal data in ``text``.

    ``area_names``: names of known areas (gemeenten, wijken, buurten), never taken for an address
    or a person. ``small_areas``: names of small areas (buurten) for the small-number warning.
    ``current_year``: dates with a year more than ten years earlier are flagged as possible dates
    of birth (a parameter, so the function stays pure and repeatable).
    """
    areas = frozenset(a.strip().lower() for a in area_names if a.strip())
    small = frozenset(a.strip().lower() for a in small_areas if a.strip())
    found: list[Finding] = [
        *_email(text),
        *_iban(text),
        *_phone(text),
        *_bsn(text),
        *_postcode(text),
        *_address(text, areas | small),
        *_dates(text, current_year),
        *names(text, areas | small),
        *small_numbers(text, small),
    ]
    return TextCheck(text, _resolve(found))


def _resolve(found: list[Finding]) -> tuple[Finding, ...]:
    """Drop findings inside a stronger one (a BSN inside a phone number, a name in an e-mail)."""
    ordered = sorted(found, key=lambda f: (_PRIORITY[f.kind], f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for f in ordered:
        if any(k.start < f.end and f.start < k.end for k in kept):
            continue
        kept.append(f)
    return tuple(sorted(kept, key=lambda f: (f.start, f.kind)))
