"""RIVM/CBS Gezondheidsmonitor per wijk en buurt (StatLine OData dump, indeling 2020)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from buurtbeeld.errors import RegionCodeError
from buurtbeeld.geo.codes import normalize_code
from buurtbeeld.opendata.cbs_values import parse_codes, parse_column
from buurtbeeld.opendata.frames import SourceFrame

DATASET = "gezondheidsmonitor"
DIVISION_YEAR = 2020
POINT_ESTIMATE = "MW00000"
DIMENSIONS = (
    "ID",
    "Leeftijd",
    "Marges",
    "WijkenEnBuurten",
    "Perioden",
    "Gemeentenaam_1",
    "SoortRegio_2",
    "Codering_3",
)


def looks_like_health(table: pa.Table) -> bool:
    """Whether the table is a Gezondheidsmonitor OData dump."""
    return {"WijkenEnBuurten", "Perioden", "Leeftijd"} <= set(table.column_names)


def column_key(column: str, age: str) -> str:
    """Source key of an indicator column for one age group (``Eenzaam_28@20300``)."""
    return f"{column}@{age}"


def read_health(table: pa.Table, *, path: Path, wanted: set[str]) -> list[SourceFrame]:
    """One frame per period, with columns keyed by ``column@age`` (point estimates only)."""
    text = {
        c: pc.utf8_trim_whitespace(pc.cast(table[c], pa.string())) for c in ("Leeftijd", "Perioden")
    }
    if "Marges" in table.column_names:
        keep = pc.equal(
            pc.utf8_trim_whitespace(pc.cast(table["Marges"], pa.string())), POINT_ESTIMATE
        )
        table = table.filter(keep)
        text = {
            c: pc.utf8_trim_whitespace(pc.cast(table[c], pa.string()))
            for c in ("Leeftijd", "Perioden")
        }
    raw_codes = parse_codes(table["WijkenEnBuurten"])
    codes = []
    for row, raw in enumerate(raw_codes, start=2):
        try:
            codes.append(normalize_code(raw))
        except RegionCodeError as err:
            raise RegionCodeError(
                f"Ongeldige regiocode '{raw}' in '{path.name}' (rij {row}).", code="BB-GEO-002"
            ) from err
    code_arr = np.array(codes, dtype=object)
    periods = np.array(text["Perioden"].to_pylist(), dtype=object)
    ages = np.array(text["Leeftijd"].to_pylist(), dtype=object)
    indicator_columns = [c for c in table.column_names if c not in DIMENSIONS]
    names = {}
    if "Gemeentenaam_1" in table.column_names:
        for code, name in zip(codes, parse_codes(table["Gemeentenaam_1"]), strict=True):
            if code.startswith("GM") and name:
                names[code] = name
    frames = []
    for period in sorted(set(periods)):
        in_period = periods == period
        frame_codes = sorted(set(code_arr[in_period]))
        index = {c: i for i, c in enumerate(frame_codes)}
        columns = {}
        for age in sorted(set(ages[in_period])):
            rows = np.flatnonzero(in_period & (ages == age))
            positions = np.array([index[c] for c in code_arr[rows]], dtype=np.int64)
            for name in indicator_columns:
                key = column_key(name, age)
                if key not in wanted:
                    continue
                parsed = parse_column(
                    table[name].take(pa.array(rows)), name=name, file_name=path.name
                )
                values = np.full(len(frame_codes), np.nan)
                hidden = np.ones(len(frame_codes), dtype=bool)
                values[positions] = parsed.values
                hidden[positions] = parsed.hidden
                columns[key] = parsed.__class__(values, hidden)
        year = period[:4]
        frames.append(
            SourceFrame(
                dataset=DATASET,
                period=year,
                division_year=DIVISION_YEAR,
                codes=frame_codes,
                columns=columns,
                file_name=path.name,
                names=names,
            )
        )
    return frames
