"""Seeded synthetic record-level partner extracts, calibrated to CBS KWB 2023 per buurt.

For demos, tests and benchmarks only: **fictitious** persons and households. The population of
every buurt follows KWB 2023 (inhabitants, households, one-person households, households with
children); register membership follows the published counts per buurt:

- Wmo clients ≈ ``a_wmo_t``, youths with jeugdhulp ≈ ``a_jz_tn``, bijstand ≈ ``a_soz_wb``;
- households with payment-arrears signals ≈ 6 % of households, scaled by ``p_hh_li``.

Where CBS hid a buurt value, the wijk's remainder (wijk minus the known buurten) is spread over
the hidden buurten by inhabitants; where the wijk is hidden too, the gemeente's remainder.
Person ids are nine digits like a BSN but deliberately **fail the 11-proef**, so they can never
be a real BSN. Postcodes (PC6) are fictitious but consistent with a generated PC6 → buurt table.

The extracts have the quirks of real exports: cp1252 and semicolons, decimal commas,
``1234 AB``/``1234ab`` postcodes, missing postcodes and codes, impossible dates, duplicate rows,
buurtcodes without ``BU``, an XLSX file and a typed Parquet file.

This module writes the whole set (:func:`generate`) and re-exports the public names of its parts:
``synthetic_calibration`` (KWB counts per buurt, hidden ones imputed), ``synthetic_households``
(persons, households, addresses, fake BSNs), ``synthetic_registers`` (who is in which register),
``synthetic_exports`` (the quirky files) and ``synthetic_specs`` (the delivery spec per register).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from buurtbeeld.source.synthetic_calibration import (
    KWB,
    Area,
    calibrated,
    expected_clients,
    kwb_gemeenten,
)
from buurtbeeld.source.synthetic_exports import (
    write_arrears,
    write_benefits,
    write_lookup,
    write_wmo,
    write_youth,
)
from buurtbeeld.source.synthetic_households import (
    Population,
    fake_bsn,
    passes_eleven_test,
    synthetic_population,
)
from buurtbeeld.source.synthetic_registers import (
    REGISTERS,
    Records,
    arrears_records,
    benefit_records,
    wmo_records,
    youth_records,
)
from buurtbeeld.source.synthetic_specs import SPEC_FILES, demo_spec

__all__ = [
    "KWB",
    "REGISTERS",
    "SPEC_FILES",
    "Area",
    "Extract",
    "Generated",
    "Population",
    "Records",
    "arrears_records",
    "benefit_records",
    "calibrated",
    "demo_spec",
    "expected_clients",
    "fake_bsn",
    "generate",
    "generate_wmo",
    "kwb_gemeenten",
    "passes_eleven_test",
    "synthetic_population",
    "wmo_records",
    "write_arrears",
    "write_benefits",
    "write_lookup",
    "write_wmo",
    "write_youth",
    "youth_records",
]


@dataclass
class Generated:
    """What :func:`generate` wrote."""

    folder: Path
    lookup: Path
    extracts: dict[str, Path]
    specs: dict[str, Path]
    rows: dict[str, int]
    persons: int


def generate(
    folder: Path,
    *,
    gemeente: str = "GM0505",
    seed: int = 2024,
    year: int = 2024,
    registers: tuple[str, ...] = REGISTERS,
    scale: float = 1.0,
) -> Generated:
    """Write the synthetic extracts, the PC6 table and a spec per register into ``folder``."""
    unknown = [r for r in registers if r not in REGISTERS]
    if unknown:
        raise ValueError(f"unknown register {unknown[0]!r}; choose from {REGISTERS}")
    folder.mkdir(parents=True, exist_ok=True)
    pop = synthetic_population(gemeente, seed=seed, scale=scale)
    lookup = write_lookup(pop, folder / "postcode_buurt.csv")
    extracts: dict[str, Path] = {}
    specs: dict[str, Path] = {}
    rows: dict[str, int] = {}
    makers = {
        "wmo": (wmo_records, write_wmo, "wmo_export.csv"),
        "jeugdhulp": (youth_records, write_youth, "jeugdhulp.xlsx"),
        "bijstand": (benefit_records, write_benefits, "bijstand.parquet"),
        "schuldsignalen": (arrears_records, write_arrears, "schuldsignalen.csv"),
    }
    for register in registers:
        rng = np.random.default_rng([seed, REGISTERS.index(register) + 1])
        make, write, name = makers[register]
        rec = make(pop, gemeente, year, rng)
        extracts[register] = folder / name
        rows[register] = write(pop, rec, extracts[register], rng)
        specs[register] = folder / SPEC_FILES[register]
        specs[register].write_text(demo_spec(gemeente, year, register), encoding="utf-8")
    return Generated(folder, lookup, extracts, specs, rows, len(pop))


@dataclass(frozen=True)
class Extract:
    """Paths of a generated Wmo extract and its postcode table (compatibility)."""

    records: Path
    lookup: Path
    rows: int
    persons: int


def generate_wmo(
    folder: Path, *, gemeente: str = "GM0505", seed: int = 2024, year: int = 2024
) -> Extract:
    """Write only the Wmo extract (``wmo_export.csv``) and ``postcode_buurt.csv``."""
    out = generate(folder, gemeente=gemeente, seed=seed, year=year, registers=("wmo",))
    (folder / "wmo.yaml").unlink(missing_ok=True)
    return Extract(out.extracts["wmo"], out.lookup, out.rows["wmo"], out.persons)
