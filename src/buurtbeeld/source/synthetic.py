"""Seeded synthetic record-level Wmo extract for a gemeente, calibrated to KWB 2023.

For demos and tests only: fictitious persons with the quirks of real municipal exports
(cp1252, semicolons, "1234 AB" vs "1234ab" postcodes, missing postcodes, duplicate rows). The
expected number of clients per buurt follows CBS's published Wmo count (`a_wmo_t`); where CBS
hid a buurt, the wijk's remainder is spread over its hidden buurten by population.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

KWB = Path(__file__).resolve().parents[1] / "data" / "cbs" / "kwb2023.parquet"
VOORZIENINGEN = (
    "hulp bij het huishouden",
    "begeleiding",
    "hulpmiddelen",
    "woonvoorziening",
    "vervoer",
)
SHARES = (0.38, 0.22, 0.25, 0.08, 0.07)


@dataclass(frozen=True)
class Extract:
    """Paths of a generated extract and its postcode lookup table."""

    records: Path
    lookup: Path
    rows: int
    persons: int


def expected_clients(gemeente: str) -> dict[str, float]:
    """Expected Wmo clients per buurt: CBS's count, hidden buurten imputed from the wijk remainder."""
    table = pq.read_table(KWB, columns=["gwb_code_10", "a_wmo_t", "a_inw"])
    codes = table["gwb_code_10"].to_pylist()
    wmo = table["a_wmo_t"].to_pylist()
    inw = table["a_inw"].to_pylist()
    rows = {c: (w, i) for c, w, i in zip(codes, wmo, inw, strict=True) if c[2:6] == gemeente[2:6]}
    if gemeente not in rows:
        raise ValueError(f"gemeente {gemeente} not in KWB 2023")
    out: dict[str, float] = {}
    for wijk in (c for c in rows if c.startswith("WK")):
        buurten = [c for c in rows if c.startswith("BU" + wijk[2:])]
        known = sum(rows[b][0] or 0 for b in buurten)
        hidden = [b for b in buurten if rows[b][0] is None]
        remainder = max(0.0, (rows[wijk][0] or 0) - known)
        population = sum(rows[b][1] or 0 for b in hidden) or 1
        for b in buurten:
            out[b] = (
                rows[b][0] if rows[b][0] is not None else remainder * (rows[b][1] or 0) / population
            )
    return out


def _postcodes(buurten: list[str], rng: np.random.Generator) -> dict[str, list[str]]:
    """A fictitious but consistent set of PC6 codes per buurt (4 digits + 2 letters)."""
    letters = "ABCDEFGHJKLMNPRSTVWXZ"
    out: dict[str, list[str]] = {}
    for n, buurt in enumerate(buurten):
        digits = 3300 + n // 4
        out[buurt] = [
            f"{digits}{letters[(n * 7 + k) % 21]}{letters[(n + k * 3) % 21]}" for k in range(4)
        ]
    return out


def generate_wmo(
    folder: Path, *, gemeente: str = "GM0505", seed: int = 2024, year: int = 2024
) -> Extract:
    """Write ``wmo_export.csv`` (cp1252, ';') and ``postcode_buurt.csv`` into ``folder``."""
    rng = np.random.default_rng(seed)
    expected = expected_clients(gemeente)
    buurten = sorted(expected)
    pcs = _postcodes(buurten, rng)
    folder.mkdir(parents=True, exist_ok=True)
    lookup = folder / "postcode_buurt.csv"
    with lookup.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["postcode", "buurtcode"])
        for buurt in buurten:
            for pc6 in pcs[buurt]:
                writer.writerow([pc6, buurt])
    records = folder / "wmo_export.csv"
    rows = persons = 0
    start = date(year, 1, 1)
    with records.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            [
                "clientnr",
                "huishoudnr",
                "postcode",
                "huisnummer",
                "voorziening",
                "startdatum",
                "bedrag_eigen_bijdrage",
            ]
        )
        for buurt in buurten:
            n = int(rng.poisson(expected[buurt]))
            for _ in range(n):
                persons += 1
                client = f"C{seed % 97:02d}{persons:07d}"
                household = f"H{persons // 2 + 1:07d}"
                pc6 = pcs[buurt][int(rng.integers(0, 4))]
                postcode = f"{pc6[:4]} {pc6[4:]}" if rng.random() < 0.5 else pc6.lower()
                if rng.random() < 0.01:
                    postcode = ""  # missing in the source system
                kinds = rng.choice(
                    len(VOORZIENINGEN), size=1 + int(rng.random() < 0.3), replace=False, p=SHARES
                )
                for k in kinds:
                    day = start + timedelta(days=int(rng.integers(0, 365)))
                    amount = f"{rng.uniform(0, 20.6):.2f}".replace(".", ",")
                    row = [
                        client,
                        household,
                        postcode,
                        int(rng.integers(1, 200)),
                        VOORZIENINGEN[k],
                        day.strftime("%d-%m-%Y"),
                        amount,
                    ]
                    writer.writerow(row)
                    rows += 1
                    if rng.random() < 0.02:
                        writer.writerow(row)  # duplicate export row
                        rows += 1
    return Extract(records=records, lookup=lookup, rows=rows, persons=persons)


def kwb_gemeenten() -> list[str]:
    """Gemeente codes in the bundled KWB."""
    codes = pq.read_table(KWB, columns=["gwb_code_10"])["gwb_code_10"]
    return [str(c) for c in pc.filter(codes, pc.starts_with(codes, "GM")).to_pylist()]


def demo_spec(gemeente: str = "GM0505", year: int = 2024) -> str:
    """The delivery spec (YAML) for a generated extract; examples/wmo/spec.yaml is the same for GM0505."""
    return f"""dataset: wmo
bron: Wmo-team gemeente (demo)
bestanden:
  - pad: wmo_export.csv
    scheidingsteken: ";"
    tekenset: cp1252
eenheid: personen
sleutel: clientnr
regio:
  postcode: postcode
  koppeltabel: postcode_buurt.csv
gemeente: {gemeente}
indelingsjaar: 2023
periode:
  kolom: startdatum
  formaat: "%d-%m-%Y"
  jaar: {year}
categorie: voorziening
profiel: cbs-zorg
tabel:
  naam: voorzieningen
  titel: Wmo-cliënten naar voorziening
  richting: hoger_is_slechter
"""
