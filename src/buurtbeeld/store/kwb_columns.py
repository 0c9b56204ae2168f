"""Every column of a KWB file as an indicator, with CBS's titles and units (issue 17 item 2).

The curated catalogue (``catalog/indicators/kwb.yaml``) defines some KWB columns with its own
names, rounding and derived ratios; it wins. Every other column of the file becomes an
indicator ``kwb_<short name>`` defined from CBS's description of *Kerncijfers wijken en buurten
2024* (``data/cbs/85984NED_DataProperties.json``), through ``data/cbs/kwb_kolommen.yaml``
which maps the short Excel names (``a_00_14``) to its OData keys (``k_0Tot15Jaar_8``). Code
and name columns, and columns CBS's description does not know, are listed with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.opendata.statline_meta import Topic, parse_data_properties
from buurtbeeld.store.statline_definitions import definition_for

DATA = Path(__file__).resolve().parents[1] / "data" / "cbs"
PROPERTIES = DATA / "85984NED_DataProperties.json"
MAPPING = DATA / "kwb_kolommen.yaml"
TABLE_ID = "85984NED"
TABLE_TITLE = "Kerncijfers wijken en buurten"
SOURCE_LABEL = "CBS, Kerncijfers wijken en buurten"
UNKNOWN = "niet in de CBS-beschrijving van de KWB (kwb_kolommen.yaml): niet geïmporteerd"


@dataclass(frozen=True)
class KwbColumns:
    """Short name → CBS topic, and the text columns with what they hold."""

    topics: dict[str, Topic]
    text: dict[str, str]

    def odata_to_short(self) -> dict[str, str]:
        """OData key (``AantalInwoners_5``) → short name (``a_inw``)."""
        return {t.key: short for short, t in self.topics.items()}


@cache
def kwb_columns() -> KwbColumns:
    """The bundled column dictionary (read once)."""
    _, topics = parse_data_properties(
        json.loads(PROPERTIES.read_text(encoding="utf-8")), PROPERTIES.name
    )
    by_key = {t.key: t for t in topics}
    mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    out: dict[str, Topic] = {}
    for short, target in mapping["kolommen"].items():
        if isinstance(target, str):
            out[short] = by_key[target]
        else:
            out[short] = Topic(
                key=short,
                title=str(target["title"]),
                description=str(target.get("description", "")),
                unit=str(target["unit"]),
                decimals=int(target.get("decimals", 0)),
                datatype="Double",
                groups=(str(target["group"]),),
            )
    return KwbColumns(out, {str(k): str(v) for k, v in mapping["tekst"].items()})


def indicator_id(short: str) -> str:
    """``a_00_14`` → ``kwb_a_00_14``."""
    return f"kwb_{short.lower()}"


def kwb_indicators(columns: list[str], catalog: Catalog) -> tuple[list[Indicator], dict[str, str]]:
    """Indicators for the file's columns the catalogue does not read, and every column's fate.

    Returns (new indicators, column → indicator id or the reason it is none).
    """
    known = kwb_columns()
    curated = {
        i.source.column: i.id
        for i in catalog.indicators
        if i.source is not None and i.source.dataset == "kwb"
    }
    made: list[Indicator] = []
    fate: dict[str, str] = {}
    for column in columns:
        if column in curated:
            fate[column] = curated[column]
        elif column in known.text:
            fate[column] = f"tekst: {known.text[column]}"
        elif column in known.topics:
            indicator = definition_for(
                known.topics[column],
                table_id=TABLE_ID,
                table_title=TABLE_TITLE,
                dataset="kwb",
                ident=indicator_id(column),
                column=column,
            )
            made.append(
                indicator.model_copy(
                    update={
                        "source": indicator.source.model_copy(update={"table": None})
                        if indicator.source
                        else None,
                        "source_label": SOURCE_LABEL,
                    }
                )
            )
            fate[column] = made[-1].id
        else:
            fate[column] = UNKNOWN
    return made, fate
