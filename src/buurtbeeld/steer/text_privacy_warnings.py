"""The warnings of the text privacy check: person names and small numbers next to small areas.

A warning does not refuse a text; the author confirms it. Names come from the Dutch lists of the
``faker`` package (``nl_NL``: first names given today and surnames), completed with common names of
older generations; a title ("mevrouw", "dhr.") or an initial before a capitalised word counts too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from buurtbeeld.steer.text_privacy_kinds import Finding, Kind


def _finditer(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    yield from pattern.finditer(text)


_TITLE = re.compile(
    r"\b(?i:mevrouw|mevr\.|mw\.|meneer|mnr\.|dhr\.|de heer|mr\.|dr\.|familie|fam\.|juffrouw|"
    r"moeder|vader|zoon|dochter|cliënt|client|gezin|buurman|buurvrouw)\s+((?:[A-Z]\.\s*)*(?:(?:van|de|der|den|ter|ten|"
    r"het|te|op|in 't|van der|van de|van den|'t)\s+)*[A-ZÀ-Ý][a-zà-ÿ'\-]+)"
)
_INITIAL_SURNAME = re.compile(
    r"(?<![\w])(?:[A-Z]\.\s*){1,3}\s*(?:(?:van|de|der|den|ter|ten|het|te)\s+)*([A-ZÀ-Ý][a-zà-ÿ'\-]+)"
)
_CAPITALISED = re.compile(r"(?<![\w\-])[A-ZÀ-Ý][a-zà-ÿ'\-]+")
_TUSSEN = r"(?:van der|van den|van de|van|de|den|der|ter|ten|te|in 't|op de|'t)"
_SMALL_AREA = re.compile(
    r"\b(?:BU\d{8}|\w*straat|portiek\w*|flat\w*|woonblok\w*|complex\w*|hofje\w*|blok\w*|"
    r"appartement\w*|huizenblok\w*)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = "nul|twee|drie|vier|vijf|zes|zeven|acht|negen|één|een enkel"
_SMALL = re.compile(
    rf"(?<![\w.,\-/])(?:[0-9]|{_NUMBER_WORDS})(?![\w.,:\-/]|\s*(?:%|procent|januari|februari|"
    rf"maart|april|mei|juni|juli|augustus|september|oktober|november|december|uur|jaar|keer))",
    re.IGNORECASE,
)
_PEOPLE_AFTER = re.compile(
    r"\s*(?:\w+\s+)?(?:huishoud|gezin|inwoner|kind|jongere|melding|bewoner|persoon|personen|"
    r"cliënt|client|woning|adres|aanvra|dossier|uitkering|leerling|oudere|mens|traject|huurder|"
    r"geval|zak|kwestie)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


#: Faker's list holds names given to children today; these common names of older generations
#: complete it (adults are who duiding and doorbraken are about).
_OLDER_FIRST_NAMES = (
    "Kees", "Henk", "Piet", "Klaas", "Gerard", "Wim", "Willem", "Johan", "Hans", "Jaap", "Ton",
    "Theo", "Frans", "Joop", "Harry", "Peter", "Paul", "Marcel", "Richard", "Erik", "Sandra",
    "Monique", "Ingrid", "Marja", "Annie", "Truus", "Riet", "Corrie", "Ria", "Wilma", "Gerda",
    "Petra", "Linda", "Mariska", "Sanne", "Marieke", "Jolanda", "Yvonne", "Anneke", "Jeroen",
    "Sander", "Remco", "Dennis", "Martijn", "Mohammed", "Mohamed", "Ahmed", "Mustafa", "Hassan",
    "Khadija", "Naima", "Samira", "Ayse", "Fatma", "Mehmet", "Hatice", "Emine", "Youssef",
    "Anja", "Ellen", "Karin", "Mieke", "Tineke", "Bert", "Gert", "Ruud", "Rob", "Arjan", "Wouter",
)  # fmt: skip


@cache
def _name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """Dutch first names and surnames (the ``nl_NL`` person lists of the ``faker`` package)."""
    from faker.providers.person.nl_NL import Provider

    first = frozenset(
        n
        for n in (*Provider.first_names_male, *Provider.first_names_female, *_OLDER_FIRST_NAMES)
        if len(n) > 2
    )
    last = frozenset(n for n in Provider.last_names if " " not in n and len(n) > 3)
    return first, last


_NOT_NAMES = frozenset(
    {"Mei", "Juni", "April", "Maart", "Van", "De", "Het", "Een", "Zorg", "Wijk", "Buurt", "Jeugd",
     "Roos", "Hoop", "Vos", "Kok", "Bos", "Groen", "Zon", "Dekker", "Bakker", "Visser", "Smit",
     "Meer", "Wel", "Ook", "Maar", "Sinds", "Door", "Daarom", "Vanaf", "Hier", "Dit", "Deze"}
)  # fmt: skip
_COMMON_CAPITALS = frozenset(
    {"In", "De", "Het", "Een", "Sinds", "Door", "Na", "Bij", "Op", "Voor", "Ook", "Dit", "Deze",
     "Er", "Wij", "We", "Zij", "Ze", "Hij", "Dat", "Daarnaast", "Volgens", "Sociaal", "Team",
     "Wijkteam", "Gemeente", "Jeugdhulp", "Wmo", "Participatiewet", "Schuldhulp", "Veel", "Meer"}
)  # fmt: skip


def _sentence_starts(text: str) -> set[int]:
    starts = {0}
    for m in re.finditer(r"[.!?:\n]\s*", text):
        starts.add(m.end())
    return starts


def names(text: str, areas: frozenset[str]) -> Iterator[Finding]:
    first, last = _name_lists()
    starts = _sentence_starts(text)
    for m in _finditer(_TITLE, text):
        # "gezin In Crabbehof" is no name; "Dhr. De Vries" is (a capitalised word follows)
        after = re.match(r"\s+([A-ZÀ-Ý][\w'\-]*)", text[m.end() :])
        common = m.group(1) in _COMMON_CAPITALS and (after is None or after[1].lower() in areas)
        if m.group(1).lower() not in areas and not common:
            yield Finding(Kind.NAME, m.start(), m.end())
    for m in _finditer(_INITIAL_SURNAME, text):
        if m.group(1).lower() not in areas and m.group(1) not in _COMMON_CAPITALS:
            yield Finding(Kind.NAME, m.start(), m.end())
    for m in _finditer(_CAPITALISED, text):
        word = m.group()
        if word.lower() in areas or word in _NOT_NAMES:
            continue
        tail = re.match(rf"\s+(?:{_TUSSEN}\s+)?([A-ZÀ-Ý][a-zà-ÿ'\-]+)", text[m.end() :])
        if word in first:
            end = m.end() + (tail.end() if tail else 0)
            if tail or m.start() not in starts:
                yield Finding(Kind.NAME, m.start(), end)
        elif word in last and len(word) > 4:
            before = text[max(0, m.start() - 8) : m.start()]
            if re.search(rf"\b{_TUSSEN}\s+$", before) and m.start() not in starts:
                yield Finding(Kind.NAME, m.start(), m.end())


def small_numbers(text: str, areas: frozenset[str]) -> Iterator[Finding]:
    for sentence in _SENTENCE.finditer(text):
        body = sentence.group()
        lowered = body.lower()
        small_area = bool(_SMALL_AREA.search(body)) or any(
            re.search(rf"(?<![\w]){re.escape(a)}(?![\w])", lowered) for a in areas if len(a) > 2
        )
        if not small_area:
            continue
        for m in _finditer(_SMALL, body):
            if m.group().lower() == "een enkel" or _PEOPLE_AFTER.match(body, m.end()):
                start = sentence.start() + m.start()
                yield Finding(Kind.SMALL_NUMBER, start, sentence.start() + m.end())
