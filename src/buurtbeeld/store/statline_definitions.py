"""Indicator definitions from what CBS says about its tables, reviewable and overridable in YAML.

Every figure of a StatLine table becomes an indicator ``cbs_<tabel>_<sleutel>`` (for a
category of another dimension ``…_<code>``) with CBS's title, unit, decimals and description,
source "CBS, <table title> (<id>)" and licence "Bron: CBS". CBS says nothing about direction,
so polarity is *neutraal*; the theme follows CBS's topic group. A YAML file (``definities.yaml``
beside the download, or ``--definities``) lists the generated definitions with their source
column (``kolom``); what a user changes there wins, and ``weglaten: true`` leaves a column out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from buurtbeeld.catalog.models import Indicator, Polarity, SourceRef
from buurtbeeld.errors import ImportFileError
from buurtbeeld.opendata.statline_meta import Topic

LICENCE = "Bron: CBS"
DEFINITIONS_FILE = "definities.yaml"
UNITS: dict[str, tuple[str, str | None]] = {
    "aantal": ("aantal", None),
    "%": ("procent", None),
    "procent": ("procent", None),
    "per 1 000 inwoners": ("per_1000", None),
    "per 1000 inwoners": ("per_1000", None),
    "per 1 000": ("per_1000", None),
    "x 1 000 euro": ("euro_x1000", None),
    "1 000 euro": ("euro_x1000", None),
    "euro": ("euro", None),
    "€": ("euro", None),
    "km": ("km", None),
    "per km²": ("per_km2", None),
    "aantal inwoners per km²": ("per_km2", None),
    "code": ("klasse", None),
    "klasse": ("klasse", None),
}
THEMES = {
    "bevolking": "bevolking",
    "huishoudens": "huishoudens",
    "wonen": "wonen",
    "wonen en vastgoed": "wonen",
    "energie": "energie",
    "onderwijs": "onderwijs_werk",
    "arbeid": "onderwijs_werk",
    "opleidingsniveau": "onderwijs_werk",
    "inkomen": "inkomen",
    "ses-woa": "inkomen",
    "sociale zekerheid": "uitkeringen",
    "zorg": "wmo",
    "gezondheid en welzijn": "voorzieningen",
    "bedrijfsvestigingen, sbi 2008": "bedrijven_vervoer",
    "motorvoertuigen": "bedrijven_vervoer",
    "verkeer en vervoer": "voorzieningen",
    "nabijheid voorzieningen": "voorzieningen",
    "detailhandel": "voorzieningen",
    "horeca": "voorzieningen",
    "kinderopvang": "voorzieningen",
    "onderwijs en kinderopvang": "voorzieningen",
    "cultuur en vrije tijd": "voorzieningen",
    "vrije tijd en cultuur": "voorzieningen",
    "groenvoorzieningen": "voorzieningen",
    "oppervlakte": "gebied",
    "postcode": "gebied",
    "stedelijkheid": "gebied",
}
"""CBS's top topic group (lower case) → catalogue theme; others go to ``cbs_overig``."""
OVERRIDABLE = set(Indicator.model_fields) - {"id", "source"}


def snake(key: str) -> str:
    """``AantalInwoners_5`` → ``aantal_inwoners_5``; ``k_0Tot15Jaar_8`` → ``k_0_tot15_jaar_8``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def indicator_id(table_id: str, key: str, categories: tuple[str, ...] = ()) -> str:
    """``cbs_85984ned_aantal_inwoners_5`` (+ ``_20300`` per category of another dimension)."""
    table = re.sub(r"[^a-z0-9]+", "_", table_id.lower()).strip("_")
    parts = ["cbs", table, snake(key), *(snake(c) for c in categories)]
    ident = "_".join(p for p in parts if p)
    return ident if ident[0].isalpha() else f"cbs_{ident}"


def unit_of(cbs_unit: str) -> tuple[str, str | None]:
    """(catalogue unit, display text for ``anders``) of a CBS unit text."""
    text = " ".join(cbs_unit.split())
    return UNITS.get(text.lower(), ("anders", text or None))


SUBTHEMES = {"particuliere huishoudens": "huishoudens"}
"""Inner CBS groups with a theme of their own (KWB: Bevolking → Particuliere huishoudens)."""
TABLE_THEMES = {"nabijheid voorzieningen": "voorzieningen"}
"""Tables whose every topic has one theme, whatever its group (distance to a school is about
facilities, not education)."""


def theme_of(topic: Topic, table_title: str = "") -> str:
    """The catalogue theme of a topic: by its table, a subtheme, or its outermost CBS group."""
    title = " ".join(table_title.lower().split())
    for words, table_theme in TABLE_THEMES.items():
        if words in title:
            return table_theme
    for group in topic.groups:
        if group.strip().lower() in SUBTHEMES:
            return SUBTHEMES[group.strip().lower()]
    for group in topic.groups:
        theme = THEMES.get(group.strip().lower())
        if theme:
            return theme
    return THEMES.get(topic.title.strip().lower(), "cbs_overig")


def definition_for(
    topic: Topic,
    *,
    table_id: str,
    table_title: str,
    categories: tuple[tuple[str, str], ...] = (),
    category_titles: dict[str, dict[str, str]] | None = None,
    dataset: str = "statline",
    ident: str | None = None,
    column: str | None = None,
) -> Indicator:
    """The generated indicator of one topic (and category of the other dimensions)."""
    unit, unit_text = unit_of(topic.unit)
    titles = category_titles or {}
    labels = [titles.get(dim, {}).get(code, code) for dim, code in categories]
    inner = list(topic.groups[1:])  # the outermost group is the theme (Bevolking, Wonen …)
    # the full path is the label: "Naar woningtype – Appartement" would be both kWh and m³
    name = " – ".join([*inner, topic.title.strip(), *labels])
    description = topic.description or f"{topic.title.strip()} ({table_title})."
    if labels:
        description = f"{description} Categorie: {', '.join(labels)}."
    return Indicator(
        id=ident or indicator_id(table_id, topic.key, tuple(c for _, c in categories)),
        name=name,
        definition=" ".join(description.split())[:2000],
        unit=unit,  # type: ignore[arg-type]
        unit_text=unit_text,
        decimals=max(0, min(topic.decimals, 3)),
        polarity=Polarity.NEUTRAL,
        theme=theme_of(topic, table_title),
        source=SourceRef(
            dataset=dataset,  # type: ignore[arg-type]
            column=column or "@".join([topic.key, *(c for _, c in categories)]),
            table=table_id,
        ),
        source_label=f"CBS, {table_title} ({table_id})"
        if table_id not in table_title
        else f"CBS, {table_title}",
        licence=LICENCE,
    )


def definitions_yaml(indicators: list[Indicator], *, table_id: str) -> str:
    """The generated definitions as YAML for review (``kolom`` names the source column)."""
    entries = []
    for indicator in indicators:
        data = indicator.model_dump(mode="json", exclude_none=True, exclude={"source"})
        assert indicator.source is not None
        entries.append({"kolom": indicator.source.column, **data})
    head = (
        f"# Indicatoren van CBS-tabel {table_id}, gemaakt uit de beschrijving van CBS.\n"
        "# Pas namen, thema, richting (polarity) of eenheid aan en importeer opnieuw;\n"
        "# 'weglaten: true' laat een kolom weg. 'kolom' en 'id' horen bij de bron: niet wijzigen.\n"
    )
    return head + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=100)


def read_overrides(path: Path) -> dict[str, dict[str, Any]]:
    """``kolom`` → the fields a definitions file sets.

    Raises
    ------
    ImportFileError
        ``BB-STL-011`` when the file is no list of entries with ``kolom`` or sets a field
        an indicator does not have.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise _override_error(
            f"'{path.name}' is geen leesbare YAML ({type(err).__name__})."
        ) from None
    if data is None:
        return {}
    if not isinstance(data, list):
        raise _override_error(f"'{path.name}' moet een lijst met definities zijn.")
    out: dict[str, dict[str, Any]] = {}
    for number, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("kolom"), str):
            raise _override_error(f"Definitie {number} in '{path.name}' noemt geen 'kolom'.")
        fields = {k: v for k, v in entry.items() if k not in {"kolom", "id"}}
        unknown = sorted(set(fields) - OVERRIDABLE - {"weglaten"})
        if unknown:
            raise _override_error(
                f"Definitie {number} ('{entry['kolom']}') in '{path.name}' heeft onbekende velden: "
                f"{', '.join(unknown)}."
            )
        out[entry["kolom"]] = fields
    return out


def apply_override(indicator: Indicator, fields: dict[str, Any], file_name: str) -> Indicator:
    """The indicator with a user's fields applied (validated like the catalogue)."""
    data = indicator.model_dump(mode="json")
    data.update({k: v for k, v in fields.items() if k != "weglaten"})
    try:
        return Indicator.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(indicator)'}: {e['msg']}"
            for e in err.errors()
        )
        raise _override_error(f"'{file_name}', indicator '{indicator.id}': {problems}.") from None


def _override_error(message: str) -> ImportFileError:
    return ImportFileError(
        message,
        code="BB-STL-011",
        hint="Elke definitie heeft 'kolom' (de CBS-kolom) en velden zoals in de catalogus "
        "(name, short_name, definition, unit, decimals, polarity, theme, note). Schrijf het "
        "bestand opnieuw met 'buurtbeeld statline … --definities-naar'.",
    )
