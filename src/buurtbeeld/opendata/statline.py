"""Read a CBS StatLine table as users obtain it: the OData JSON (v3 or v4) or a CSV export.

*OData v3* (opendata.cbs.nl/ODataApi, what ``cbsodata`` and ``buurtbeeld statline`` save): a
folder with ``TypedDataSet.json``, ``DataProperties.json``, ``TableInfos.json`` and one file
per dimension (``WijkenEnBuurten.json``, ``Perioden.json``) with the codes' titles.
*OData v4* (datasets.cbs.nl): ``Observations.json`` (one row per figure: ``Measure``,
``Value``, ``ValueAttribute`` and the dimensions), ``MeasureCodes.json`` and
``Dimensions.json``. A file of the folder (e.g. ``TypedDataSet.json``) stands for the folder.
The *CSV met statistische symbolen* is read by :mod:`buurtbeeld.opendata.statline_csv`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json

from buurtbeeld.opendata.statline_meta import (
    PERIOD_KEY,
    REGION_KEYS,
    Dimension,
    TableMeta,
    code_titles,
    load_json,
    meta_error,
    parse_data_properties,
    parse_dimensions_v4,
    parse_measure_codes,
    parse_table_infos,
)
from buurtbeeld.opendata.statline_values import StatlineData, frames_from_rows

V3_DATA = "TypedDataSet.json"
V4_DATA = "Observations.json"
TABLE_ID = re.compile(r"^\d{5}[A-Z]{3}$|^\d{4,5}[a-z]{3}$")
V4_MARKERS = {
    "None": None,
    "Impossible": "",
    "Confidential": "x",
    "Secret": "x",
    "Unknown": ".",
    "NotAvailable": ".",
    "Unreliable": ".",
}
"""OData v4 ``ValueAttribute`` → the CSV symbol it stands for (``None``: the value itself)."""


def statline_folder(path: Path) -> Path | None:
    """The folder of a StatLine OData download, if ``path`` is one or a file in one."""
    folder = path if path.is_dir() else path.parent
    if path.is_file() and path.name not in {V3_DATA, V4_DATA}:
        return None
    if (folder / V3_DATA).is_file() or (folder / V4_DATA).is_file():
        return folder
    return None


def dataset_name(table_id: str) -> str:
    """The import dataset of a StatLine table (``statline:85984NED``)."""
    return f"statline:{table_id}"


def read_statline(path: Path) -> StatlineData:
    """Read a StatLine OData folder (v3 or v4) into frames with the table's metadata.

    Raises
    ------
    ImportFileError
        ``BB-STL-001`` (not a StatLine download or unreadable JSON), ``BB-STL-002`` (metadata
        missing or malformed) and the codes of :func:`frames_from_rows`.
    """
    folder = statline_folder(path)
    if folder is None:
        raise meta_error(
            f"'{path}' is geen download van een CBS StatLine-tabel (geen {V3_DATA} of {V4_DATA}).",
            "BB-STL-001",
            "Download de tabel met 'buurtbeeld statline TABEL' of bij opendata.cbs.nl, en geef "
            "de map op.",
        )
    if (folder / V3_DATA).is_file():
        meta, table = _read_v3(folder)
    else:
        meta, table = _read_v4(folder)
    data = frames_from_rows(table, meta, file_name=folder.name, dataset=dataset_name(meta.table_id))
    return data


def _fallback_id(folder: Path, rows: Any) -> str:
    if TABLE_ID.match(folder.name):
        return folder.name.upper()
    return re.sub(r"[^A-Za-z0-9]+", "_", folder.name).strip("_") or "tabel"


def fast_rows(path: Path) -> pa.Table | None:
    """An OData ``{"value": [{...}, ...]}`` file read by Arrow's JSON reader (in C++).

    A whole national KWB table (82 MB) in about a third of the time of ``json`` plus
    ``Table.from_pylist``. ``None`` whenever the file is not plainly that shape (a list at the
    top, a byte-order mark, mixed types in a column, types other than numbers, text and
    booleans, no rows): the caller then reads it the careful way, with its coded errors.
    """
    try:
        read = pa_json.read_json(
            path,
            read_options=pa_json.ReadOptions(block_size=path.stat().st_size + 1),
            parse_options=pa_json.ParseOptions(newlines_in_values=True),
        )
    except (pa.ArrowException, OSError, ValueError):
        return None
    if read.num_rows != 1 or "value" not in read.column_names:
        return None
    value = read.column("value").combine_chunks()
    if not pa.types.is_list(value.type) or not pa.types.is_struct(value.type.value_type):
        return None
    table = pa.Table.from_struct_array(value.flatten())
    plain = (pa.types.is_integer, pa.types.is_floating, pa.types.is_string, pa.types.is_boolean)
    if table.num_rows == 0 or not all(
        pa.types.is_null(f.type) or any(kind(f.type) for kind in plain) for f in table.schema
    ):
        return None
    return table


def _read_v3(folder: Path) -> tuple[TableMeta, pa.Table]:
    fast = fast_rows(folder / V3_DATA)
    rows = load_json(folder / V3_DATA) if fast is None else None
    props = folder / "DataProperties.json"
    if not props.is_file():
        raise meta_error(
            f"In '{folder.name}' ontbreekt DataProperties.json: zonder de beschrijving van CBS "
            "zijn de cijfers niet te duiden.",
            "BB-STL-002",
            "Download ook DataProperties.json van dezelfde tabel (buurtbeeld statline TABEL doet "
            "dat vanzelf).",
        )
    dimensions, topics = parse_data_properties(load_json(props), props.name)
    infos = folder / "TableInfos.json"
    table_id, title, modified, period = parse_table_infos(
        load_json(infos) if infos.is_file() else None, fallback_id=_fallback_id(folder, rows)
    )
    dimensions = [_with_titles(folder, d) for d in dimensions]
    meta = TableMeta(table_id, title, modified, period, dimensions, topics)
    return meta, fast if fast is not None else _rows_table(rows, folder.name + "/" + V3_DATA)


def _with_titles(folder: Path, dimension: Dimension) -> Dimension:
    for name in (f"{dimension.key}.json", f"{dimension.key}Codes.json"):
        if (folder / name).is_file():
            titles = code_titles(load_json(folder / name))
            return Dimension(
                dimension.key, dimension.kind, dimension.title, dimension.map_year, titles
            )
    return dimension


def _rows_table(rows: Any, file_name: str) -> pa.Table:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise meta_error(
            f"'{file_name}' bevat geen rijen van een CBS-tabel.",
            "BB-STL-001",
            "Download de cijfers (TypedDataSet) opnieuw bij CBS; het bestand is leeg of bewerkt.",
        )
    try:  # the common case, in C; mixed types in a column fall back to text below
        return pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        pass
    keys = list(dict.fromkeys(k for r in rows[:50] for k in r))
    keys += [k for k in dict.fromkeys(k for r in rows for k in r) if k not in keys]
    columns = {}
    for key in keys:
        cells = [r.get(key) for r in rows]
        try:
            columns[key] = pa.array(cells)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            columns[key] = pa.array([None if c is None else str(c) for c in cells], pa.string())
    return pa.table(columns)


def _read_v4(folder: Path) -> tuple[TableMeta, pa.Table]:
    observations = load_json(folder / V4_DATA)
    measures = folder / "MeasureCodes.json"
    if not measures.is_file():
        raise meta_error(
            f"In '{folder.name}' ontbreekt MeasureCodes.json (de beschrijving van de onderwerpen).",
            "BB-STL-002",
            "Download ook MeasureCodes.json en Dimensions.json van dezelfde tabel.",
        )
    topics = parse_measure_codes(load_json(measures), measures.name)
    if not isinstance(observations, list) or not observations:
        raise meta_error(
            f"'{V4_DATA}' in '{folder.name}' bevat geen waarnemingen.",
            "BB-STL-001",
            "Download de tabel opnieuw bij CBS.",
        )
    fixed = {"Id", "Measure", "ValueAttribute", "Value", "StringValue"}
    dim_keys = [k for k in observations[0] if k not in fixed]
    dims_file = folder / "Dimensions.json"
    if dims_file.is_file():
        dimensions = parse_dimensions_v4(load_json(dims_file))
    else:
        dimensions = [
            Dimension(
                k, "region" if k in REGION_KEYS else "period" if k == PERIOD_KEY else "other", k
            )
            for k in dim_keys
        ]
    dimensions = [_with_titles(folder, d) for d in dimensions]
    props = folder / "Properties.json"
    table_id, title, modified, period = parse_table_infos(
        load_json(props) if props.is_file() else None, fallback_id=_fallback_id(folder, None)
    )
    meta = TableMeta(table_id, title, modified, period, dimensions, topics)
    rows: dict[tuple[str, ...], dict[str, object]] = {}
    for obs in observations:
        key = tuple(str(obs.get(k, "")) for k in dim_keys)
        row = rows.setdefault(key, dict(zip(dim_keys, key, strict=True)))
        marker = V4_MARKERS.get(str(obs.get("ValueAttribute", "None")), ".")
        value = obs.get("Value")
        if obs.get("StringValue") is not None and value is None and marker is None:
            value = obs["StringValue"]
        cell = marker if marker is not None else ("." if value is None else str(value))
        measure = str(obs.get("Measure", ""))
        if measure in row:
            raise meta_error(
                f"'{V4_DATA}' in '{folder.name}' heeft twee waarnemingen voor {measure} in één cel.",
                "BB-STL-008",
                "Download de tabel opnieuw bij CBS.",
            )
        row[measure] = cell
    return meta, _rows_table(list(rows.values()), folder.name + "/" + V4_DATA)
