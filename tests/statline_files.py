"""Build StatLine OData downloads (v3 and v4) from the real KWB 2024 files in ../shared/data/raw.

The snapshot holds 85984NED's real TableInfos and DataProperties and the values of its
TypedDataSet for eight topics (gemeenten and wijken, ``stripped_filtered_data_2024.json``);
this writes them back in the shape CBS's OData v3 API (and ``cbsodata``) saves, codes padded
to 10 characters as CBS does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import shared_file

RAW = "raw/kwb2024-metadata"


def kwb2024_values() -> dict[str, dict[str, Any]]:
    """The real values per region code (8 topics)."""
    data: dict[str, dict[str, Any]] = json.loads(
        shared_file(f"{RAW}/stripped_filtered_data_2024.json").read_text(encoding="utf-8")
    )
    return data


GENERIC_TITLE = "Regionale kerncijfers 2024 (kopie van 85984NED)"


def write_kwb2024_v3(
    folder: Path, *, gemeenten: tuple[str, ...] | None = None, generic: bool = False
) -> Path:
    """A v3 folder (TypedDataSet, DataProperties, TableInfos) of KWB 2024, as CBS serves it.

    ``generic``: retitle the table, so it is read as any StatLine table (not as the KWB,
    whose topics fill the KWB indicators).
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("TableInfos.json", "DataProperties.json"):
        shutil.copy(shared_file(f"{RAW}/{name}"), folder / name)
    if generic:
        infos = json.loads((folder / "TableInfos.json").read_text(encoding="utf-8"))
        infos[0]["Title"] = infos[0]["ShortTitle"] = GENERIC_TITLE
        (folder / "TableInfos.json").write_text(json.dumps(infos), encoding="utf-8")
    rows = []
    for number, (code, values) in enumerate(sorted(kwb2024_values().items())):
        if gemeenten and code[2:6] not in gemeenten:
            continue
        rows.append({"ID": number, "WijkenEnBuurten": f"{code:<10}", **values})
    (folder / "TypedDataSet.json").write_text(
        json.dumps(
            {"odata.metadata": "…/85984NED/$metadata#Cbs.OData.TypedDataSet", "value": rows}
        ),
        encoding="utf-8",
    )
    return folder


def write_kwb2024_v4(folder: Path, *, gemeenten: tuple[str, ...]) -> Path:
    """The same figures in the v4 shape: one observation per figure, MeasureCodes, Dimensions."""
    folder.mkdir(parents=True, exist_ok=True)
    props = json.loads(shared_file(f"{RAW}/DataProperties.json").read_text(encoding="utf-8"))
    topics = {p["Key"]: p for p in props if p["Type"] == "Topic"}
    observations = []
    used: set[str] = set()
    for code, values in sorted(kwb2024_values().items()):
        if code[2:6] not in gemeenten:
            continue
        for key, value in values.items():
            used.add(key)
            observations.append(
                {
                    "Id": len(observations),
                    "Measure": key,
                    "ValueAttribute": "None" if value is not None else "Unknown",
                    "Value": value,
                    "WijkenEnBuurten": code,
                }
            )
    measures = [
        {
            "Identifier": key,
            "Title": topics[key]["Title"],
            "Description": topics[key]["Description"],
            "Unit": topics[key]["Unit"],
            "Decimals": topics[key]["Decimals"],
            "DataType": topics[key]["Datatype"],
        }
        for key in sorted(used)
    ]
    dims = [{"Identifier": "WijkenEnBuurten", "Kind": "GeoDimension", "MapYear": 2024}]
    props_v4 = {"Identifier": "85984NED", "Title": GENERIC_TITLE}
    for name, content in (
        ("Observations.json", {"value": observations}),
        ("MeasureCodes.json", {"value": measures}),
        ("Dimensions.json", {"value": dims}),
        ("Properties.json", props_v4),
    ):
        (folder / name).write_text(json.dumps(content), encoding="utf-8")
    return folder
