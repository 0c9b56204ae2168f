"""Synthetic pseudonymised extracts with known overlaps, and the truth computed in plain Python.

The four demo registers are drawn from one synthetic population (``source.synthetic``), so the
same person appears in several registers. Each extract is written in the contract format with
pyarrow directly (one row per unit per period, ``buurtbeeld`` metadata), pseudonyms made with
``hmac`` here — independent of the code under test. Some rows are made *movers* (another buurt
and month than the person's home), some tie on the month, a few lie outside the gemeente.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from buurtbeeld.source.synthetic import (
    arrears_records,
    benefit_records,
    synthetic_population,
    wmo_records,
    youth_records,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
PERIODS = ("2023", "2024")
OUTSIDE = "BU03630000"  # a buurt of Amsterdam: outside GM0505
REGISTERS = {
    "wmo": (wmo_records, "personen"),
    "jeugdhulp": (youth_records, "personen"),
    "bijstand": (benefit_records, "personen"),
    "schuldsignalen": (arrears_records, "huishoudens"),
}


def pseudonym(key: bytes, value: str) -> int:
    """First 8 bytes of HMAC-SHA-256, signed big-endian (contract §1)."""
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def check_value(key: bytes) -> str:
    """The key check value (contract §1)."""
    return hmac.new(key, b"buurtbeeld-koppelsleutel-controle", hashlib.sha256).digest()[:16].hex()


def meta(name: str, unit: str, *, key: bytes = KEY, **changes: Any) -> dict[str, Any]:
    """The ``buurtbeeld`` metadata of an extract (contract §2)."""
    data: dict[str, Any] = {
        "formaat": "buurtbeeld-pseudoniemen",
        "versie": 1,
        "dataset": name,
        "bron": f"{name} (test)",
        "eenheid": unit,
        "gemeenten": ["GM0505"],
        "indelingsjaar": 2023,
        "perioden": list(PERIODS),
        "periodesoort": "gedurende",
        "sleutelcontrole": check_value(key),
        "project": "test",
        "regels": {"gelezen": 10, "geldig": 10, "buiten_de_periode": 0, "ongeldig_per_reden": {}},
        "spec_sha256": "0" * 64,
        "software": "test",
    }
    data.update(changes)
    return data


def write_extract(path: Path, rows: list[dict[str, Any]], info: dict[str, Any]) -> Path:
    """Write rows in the extract format with the metadata ``info``."""
    table = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("periode", pa.string()),
                ("persoon", pa.int64()),
                ("huishouden", pa.int64()),
                ("buurt", pa.string()),
                ("maand", pa.int32()),
            ]
        ),
    )
    table = table.replace_schema_metadata({"buurtbeeld": json.dumps(info)})
    pq.write_table(table, path)
    return path


@dataclass
class Extracts:
    """Written extracts: name → (path, unit, rows as dicts)."""

    paths: dict[str, Path]
    units: dict[str, str]
    rows: dict[str, list[dict[str, Any]]]


def make_rows(
    *, seed: int = 7, scale: float = 0.3, key: bytes = KEY, keys: dict[str, bytes] | None = None
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Rows per register (contract format), from one synthetic Dordrecht population."""
    pop = synthetic_population("GM0505", seed=seed, scale=scale)
    buurten = np.unique(pop.buurt)
    out: dict[str, list[dict[str, Any]]] = {}
    units: dict[str, str] = {}
    for number, (name, (make, unit)) in enumerate(REGISTERS.items()):
        use = (keys or {}).get(name, key)
        rng = np.random.default_rng([seed, number])
        members = np.unique(make(pop, "GM0505", 2024, rng).columns["i"])
        rows: list[dict[str, Any]] = []
        for i in members.tolist():
            for period in PERIODS:
                if period == "2023" and rng.random() < 0.3:
                    continue  # not a client in 2023
                buurt = str(pop.buurt[i])
                month = int(period) * 100 + int(rng.integers(1, 13))
                draw = rng.random()
                if draw < 0.08:  # a mover: this register saw another address
                    buurt = str(rng.choice(buurten))
                elif draw < 0.10:  # a tie: month 12 (latest), another buurt
                    buurt, month = str(rng.choice(buurten)), int(period) * 100 + 12
                elif draw < 0.105:
                    buurt = OUTSIDE
                person = pseudonym(use, f"{pop.person[i]}")
                household = pseudonym(use, f"hh-{pop.household[i]}")
                rows.append(
                    {
                        "periode": period,
                        "persoon": person if unit == "personen" else None,
                        "huishouden": household,
                        "buurt": buurt,
                        "maand": month,
                    }
                )
        out[name] = rows
        units[name] = unit
    return out, units


def write_all(
    folder: Path,
    rows: dict[str, list[dict[str, Any]]],
    units: dict[str, str],
    metas: dict[str, dict[str, Any]] | None = None,
) -> Extracts:
    """Write every register's extract into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in rows.items():
        info = (metas or {}).get(name) or meta(name, units[name])
        paths[name] = write_extract(folder / f"{name}-pseudoniemen.parquet", data, info)
    return Extracts(paths, units, rows)


def link_spec_text(names: list[str], **extra: str) -> str:
    """A koppelspec over the extracts ``names`` written by :func:`write_all`."""
    lines = [
        "dataset: stapeling",
        "bron: Onderzoeksbureau (test)",
        "profiel: cbs-zorg",
        "gemeente: GM0505",
        "indelingsjaar: 2023",
        *[f"{k}: {v}" for k, v in extra.items()],
        "extracten:",
    ]
    for name in names:
        lines += [
            f"  - naam: {name}",
            f"    titel: {name.capitalize()}",
            f"    pad: {name}-pseudoniemen.parquet",
        ]
    return "\n".join(lines) + "\n"


# -- the truth, in plain Python -----------------------------------------------------------


def chain(buurt: str) -> list[str]:
    """Buurt, wijk, gemeente codes (CBS code structure)."""
    return [buurt, "WK" + buurt[2:8], "GM" + buurt[2:6]]


def place(rows: list[tuple[int, str]]) -> str:
    """The laatste-adres rule: latest month, ties → the smallest buurtcode."""
    latest = max(m for m, _ in rows)
    return min(b for m, b in rows if m == latest)


def truth(
    rows: dict[str, list[dict[str, Any]]], names: list[str], unit: str, inside: set[str]
) -> tuple[dict[tuple[str, ...], int], dict[str, tuple[str, set[str]]]]:
    """Every cell of a linked table at every level (the unit's exclusive combination, the
    marginal of each provision it has, the total), and each unit's (buurt, provisions)."""
    column = "persoon" if unit == "personen" else "huishouden"
    seen: dict[tuple[str, int], list[tuple[int, str]]] = {}
    has: dict[tuple[str, int], set[str]] = {}
    for name in names:
        for r in rows[name]:
            if r[column] is None:
                continue
            key = (r["periode"], r[column])
            seen.setdefault(key, []).append((r["maand"], r["buurt"]))
            has.setdefault(key, set()).add(name)
    cells: dict[tuple[str, ...], int] = {}
    placed = {}
    for key, found in seen.items():
        buurt = place(found)
        placed[f"{key[0]}|{key[1]}"] = (buurt, has[key])
        if buurt not in inside:
            continue
        flags = ["ja" if n in has[key] else "nee" for n in names]
        own = [tuple(flags)]
        own += [
            tuple("ja" if j == i else "totaal" for j in range(len(names)))
            for i, flag in enumerate(flags)
            if flag == "ja"
        ]
        own.append(("totaal",) * len(names))
        for region in chain(buurt):
            for values in own:
                cell = (key[0], region, *values)
                cells[cell] = cells.get(cell, 0) + 1
    return cells, placed
