"""What CBS says about a StatLine table: TableInfos and DataProperties (OData v3) or the v4 shape.

A StatLine table has dimensions (the region dimension ``WijkenEnBuurten`` or ``RegioS``, the
period dimension ``Perioden``, others such as ``Leeftijd``) and topics (the figures), grouped
in topic groups. This module reads that metadata into plain data; it knows nothing of the cube.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buurtbeeld.errors import ImportFileError

REGION_KEYS = ("WijkenEnBuurten", "RegioS", "Gemeenten", "Regio")
"""Keys CBS uses for a region dimension (a ``GeoDetail``/``GeoDimension`` may use another)."""
PERIOD_KEY = "Perioden"


@dataclass(frozen=True)
class Topic:
    """One figure of a table (an OData ``Topic`` or a v4 measure)."""

    key: str
    title: str
    description: str
    unit: str
    decimals: int
    datatype: str
    groups: tuple[str, ...] = ()
    """Titles of the topic groups above it, outermost first."""

    @property
    def is_text(self) -> bool:
        """A text column (a name or a code), not a figure."""
        return self.datatype.lower() in {"string", "char"}


@dataclass(frozen=True)
class Dimension:
    """A dimension of a table: ``region``, ``period`` or ``other``; ``titles`` of its codes."""

    key: str
    kind: str
    title: str
    map_year: int | None = None
    titles: dict[str, str] = field(default_factory=dict)


@dataclass
class TableMeta:
    """A StatLine table's metadata."""

    table_id: str
    title: str
    modified: str = ""
    period: str = ""
    dimensions: list[Dimension] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)

    @property
    def region(self) -> Dimension | None:
        """The region dimension, if the table has one."""
        return next((d for d in self.dimensions if d.kind == "region"), None)

    @property
    def period_dimension(self) -> Dimension | None:
        """The period dimension, if the table has one."""
        return next((d for d in self.dimensions if d.kind == "period"), None)

    @property
    def others(self) -> list[Dimension]:
        """Dimensions other than region and period (e.g. Leeftijd, Marges)."""
        return [d for d in self.dimensions if d.kind == "other"]

    def topic(self, key: str) -> Topic | None:
        """The topic with this key."""
        return next((t for t in self.topics if t.key == key), None)


def meta_error(message: str, code: str, hint: str) -> ImportFileError:
    """A coded Dutch error about a StatLine file."""
    return ImportFileError(message, code=code, hint=hint)


def load_json(path: Path) -> Any:
    """A JSON file, or ``BB-STL-001``; an OData wrapper ``{"value": [...]}`` is unwrapped."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise meta_error(
            f"'{path.name}' is geen leesbaar JSON-bestand van CBS StatLine ({type(err).__name__}).",
            "BB-STL-001",
            "Download het bestand opnieuw bij CBS (opendata.cbs.nl); het is onvolledig of bewerkt.",
        ) from None
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        return data["value"]
    return data


def parse_table_infos(entries: Any, *, fallback_id: str) -> tuple[str, str, str, str]:
    """(table id, title, modified, period) from a TableInfos list (v3) or Properties object (v4)."""
    info = entries[0] if isinstance(entries, list) and entries else entries
    if not isinstance(info, dict):
        return fallback_id, fallback_id, "", ""
    table_id = str(info.get("Identifier") or fallback_id).strip()
    title = str(info.get("Title") or info.get("ShortTitle") or table_id).strip()
    modified = str(info.get("Modified") or "")
    period = str(info.get("Period") or info.get("TemporalCoverage") or "")
    return table_id, title, modified, period


def parse_data_properties(entries: Any, file_name: str) -> tuple[list[Dimension], list[Topic]]:
    """Dimensions and topics from an OData v3 DataProperties list.

    Raises
    ------
    ImportFileError
        ``BB-STL-002`` when the list is not DataProperties.
    """
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and "Type" in e for e in entries
    ):
        raise meta_error(
            f"'{file_name}' is geen DataProperties-lijst van CBS StatLine.",
            "BB-STL-002",
            "Gebruik DataProperties.json zoals CBS het levert (opendata.cbs.nl/ODataApi/odata/"
            "<tabel>/DataProperties).",
        )
    groups: dict[int, tuple[str | None, int | None]] = {}
    for e in entries:
        if e["Type"] == "TopicGroup":
            groups[int(e["ID"])] = (str(e.get("Title") or "").strip(), e.get("ParentID"))
    dimensions: list[Dimension] = []
    topics: list[Topic] = []
    for e in entries:
        kind = str(e["Type"])
        key = str(e.get("Key") or "")
        title = str(e.get("Title") or key).strip()
        if kind in {"GeoDetail", "GeoDimension"}:
            year = e.get("MapYear")
            dimensions.append(Dimension(key, "region", title, int(year) if year else None))
        elif kind == "TimeDimension":
            dimensions.append(Dimension(key, "period", title))
        elif kind == "Dimension":
            dimensions.append(Dimension(key, "other", title))
        elif kind == "Topic":
            path: list[str] = []
            parent = e.get("ParentID")
            while parent is not None and int(parent) in groups and len(path) < 10:
                name, parent = groups[int(parent)]
                path.insert(0, name or "")
            topics.append(
                Topic(
                    key=key,
                    title=title,
                    description=str(e.get("Description") or "").strip(),
                    unit=str(e.get("Unit") or "").strip(),
                    decimals=int(e.get("Decimals") or 0),
                    datatype=str(e.get("Datatype") or "Double"),
                    groups=tuple(p for p in path if p),
                )
            )
    return dimensions, topics


def parse_measure_codes(entries: Any, file_name: str) -> list[Topic]:
    """Topics from an OData v4 MeasureCodes list (``Identifier``, ``Title``, ``Unit``, …)."""
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and "Identifier" in e for e in entries
    ):
        raise meta_error(
            f"'{file_name}' is geen MeasureCodes-lijst van CBS (OData v4).",
            "BB-STL-002",
            "Gebruik MeasureCodes.json zoals CBS het levert (datasets.cbs.nl/odata/v1/CBS/<tabel>).",
        )
    return [
        Topic(
            key=str(e["Identifier"]),
            title=str(e.get("Title") or e["Identifier"]).strip(),
            description=str(e.get("Description") or "").strip(),
            unit=str(e.get("Unit") or "").strip(),
            decimals=int(e.get("Decimals") or 0),
            datatype=str(e.get("DataType") or "Double"),
            groups=(),
        )
        for e in entries
    ]


def parse_dimensions_v4(entries: Any) -> list[Dimension]:
    """Dimensions from an OData v4 Dimensions list (``Kind``: GeoDimension, TimeDimension …)."""
    out = []
    for e in entries if isinstance(entries, list) else []:
        kind = str(e.get("Kind", ""))
        key = str(e.get("Identifier", ""))
        title = str(e.get("Title") or key)
        if kind.startswith("Geo"):
            out.append(Dimension(key, "region", title, e.get("MapYear")))
        elif kind.startswith("Time"):
            out.append(Dimension(key, "period", title))
        else:
            out.append(Dimension(key, "other", title))
    return out


def code_titles(entries: Any) -> dict[str, str]:
    """Code → title of a dimension file (v3 ``Key``/``Title``, v4 ``Identifier``/``Title``)."""
    out: dict[str, str] = {}
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict):
            code = str(e.get("Key", e.get("Identifier", ""))).strip()
            if code:
                out[code] = str(e.get("Title") or code).strip()
    return out
