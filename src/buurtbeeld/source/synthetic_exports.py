"""Writing register extracts with the quirks of real exports.

cp1252 and semicolons, decimal commas, ``1234 AB``/``1234ab`` postcodes, missing postcodes and
codes, impossible dates, duplicate rows, buurtcodes without ``BU``, an XLSX file and a typed
Parquet file.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from buurtbeeld.source.synthetic_households import Population, birth_dates
from buurtbeeld.source.synthetic_registers import Records


def _postcode_variants(pc6: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``1234 AB``, ``1234ab`` or ``1234AB``, as exports mix them."""
    codes = pc6.astype(str)
    spaced = np.char.add(
        np.char.add(np.char.ljust(codes, 4).astype("U4"), " "), np.char.lstrip(codes, "0123456789")
    )
    style = rng.integers(0, 3, len(codes))
    return np.where(style == 0, spaced, np.where(style == 1, np.char.lower(codes), codes))


def _fmt_dates(values: np.ndarray, pattern: str) -> list[str]:
    out = []
    for v in values:
        if np.isnat(v):
            out.append("")
        else:
            out.append(v.astype(date).strftime(pattern))
    return out


def _decimal_comma(values: np.ndarray) -> list[str]:
    return [f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") for v in values]


def _with_duplicates(
    rows: list[list[object]], rng: np.random.Generator, share: float = 0.02
) -> list[list[object]]:
    out: list[list[object]] = []
    for row in rows:
        out.append(row)
        if rng.random() < share:
            out.append(list(row))
    return out


def _write_csv(
    path: Path, header: list[str], rows: list[list[object]], *, encoding: str, delimiter: str
) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def write_lookup(pop: Population, path: Path) -> Path:
    """The partner's PC6 → buurtcode table (``postcode;buurtcode``, UTF-8)."""
    _write_csv(
        path,
        ["postcode", "buurtcode"],
        [[pc6, b] for pc6, b in sorted(pop.lookup.items())],
        encoding="utf-8",
        delimiter=";",
    )
    return path


def write_wmo(pop: Population, rec: Records, path: Path, rng: np.random.Generator) -> int:
    """Wmo export: cp1252, ``;``, dd-mm-jjjj, decimal comma, mixed postcodes, gaps, duplicates."""
    i = rec.columns["i"]
    postcode = _postcode_variants(pop.pc6[i], rng)
    missing = rng.random(len(i)) < 0.01
    postcode = np.where(missing, "", postcode)
    start = _fmt_dates(rec.columns["start"], "%d-%m-%Y")
    bad_date = np.flatnonzero(rng.random(len(i)) < 0.003)
    for j in bad_date:
        start[j] = f"31-02-{start[j][-4:]}" if start[j] else start[j]
    rows = [
        [
            f"{pop.person[k]:09d}",
            f"HH{pop.household[k]:08d}",
            f"{birth}",
            pc,
            int(pop.number[k]),
            kind,
            s,
            e,
            b,
        ]
        for k, birth, pc, kind, s, e, b in zip(
            i,
            _fmt_dates(birth_dates(pop.age[i], 2024, rng), "%d-%m-%Y"),
            postcode,
            rec.columns["voorziening"],
            start,
            _fmt_dates(rec.columns["einde"], "%d-%m-%Y"),
            _decimal_comma(rec.columns["bijdrage"]),
            strict=True,
        )
    ]
    rows = _with_duplicates(rows, rng)
    _write_csv(
        path,
        [
            "clientnr",
            "huishoudnr",
            "geboortedatum",
            "postcode",
            "huisnummer",
            "voorziening",
            "startdatum",
            "einddatum",
            "eigen_bijdrage",
        ],
        rows,
        encoding="cp1252",
        delimiter=";",
    )
    return len(rows)


def write_youth(pop: Population, rec: Records, path: Path, rng: np.random.Generator) -> int:
    """Jeugdhulp export as XLSX: buurtcodes with and without ``BU``, a few unknown or missing."""
    from openpyxl import Workbook

    i = rec.columns["i"]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Trajecten")
    sheet.append(
        ["bsn", "huishouden", "geboortedatum", "buurtcode", "hulpvorm", "begindatum", "einddatum"]
    )
    births = birth_dates(pop.age[i], 2024, rng)
    count = 0
    for j, k in enumerate(i):
        code = str(pop.buurt[k])
        r = rng.random()
        if r < 0.3:
            code = code[2:]  # systems that store the digits only
        elif r < 0.35:
            code = code.lower()
        elif r < 0.36:
            code = ""
        elif r < 0.365:
            code = "BU99999999"
        start = rec.columns["start"][j]
        end = rec.columns["einde"][j]
        row = [
            int(pop.person[k]),
            f"HH{pop.household[k]:08d}",
            births[j].astype(date),
            code,
            str(rec.columns["hulpvorm"][j]),
            start.astype(date),
            None if np.isnat(end) else end.astype(date).isoformat(),
        ]
        sheet.append(row)
        count += 1
        if rng.random() < 0.01:
            sheet.append(row)
            count += 1
    book.save(path)
    return count


def write_benefits(pop: Population, rec: Records, path: Path, rng: np.random.Generator) -> int:
    """Bijstand export as typed Parquet (int ids, real dates, nullable end dates)."""
    i = rec.columns["i"]
    table = pa.table(
        {
            "bsn": pa.array(pop.person[i], pa.int64()),
            "huishoudnr": pa.array([f"HH{h:08d}" for h in pop.household[i]]),
            "postcode": pa.array([str(p) for p in pop.pc6[i]]),
            "huisnummer": pa.array(pop.number[i], pa.int32()),
            "regeling": pa.array(rec.columns["regeling"].astype(str)),
            "ingangsdatum": pa.array(rec.columns["start"].astype("datetime64[D]"), pa.date32()),
            "einddatum": pa.array(rec.columns["einde"].astype("datetime64[D]"), pa.date32()),
        }
    )
    pq.write_table(table, path)
    return int(table.num_rows)


def write_arrears(pop: Population, rec: Records, path: Path, rng: np.random.Generator) -> int:
    """Schuldsignalen: UTF-8, ``;``, dates ``jjjjmmdd``, amounts ``1.234,56``, house-number suffixes."""
    i = rec.columns["i"]
    postcode = _postcode_variants(pop.pc6[i], rng)
    suffix = np.where(rng.random(len(i)) < 0.1, "a", "")
    rows = [
        [f"S{j:07d}", f"HH{pop.household[k]:08d}", pc, f"{pop.number[k]}{sfx}", kind, s, amt]
        for j, (k, pc, sfx, kind, s, amt) in enumerate(
            zip(
                i,
                postcode,
                suffix,
                rec.columns["schuldeiser"],
                _fmt_dates(rec.columns["start"], "%Y%m%d"),
                _decimal_comma(rec.columns["bedrag"]),
                strict=True,
            )
        )
    ]
    for j in np.flatnonzero(rng.random(len(rows)) < 0.005):
        rows[j][1] = ""  # missing household number
    rows = _with_duplicates(rows, rng, 0.01)
    _write_csv(
        path,
        [
            "signaalnr",
            "huishoudnr",
            "postcode",
            "huisnummer",
            "schuldeiser",
            "signaaldatum",
            "achterstand",
        ],
        rows,
        encoding="utf-8",
        delimiter=";",
    )
    return len(rows)
