"""A linked (stapeling) package built by the real toolkit: records → aggregate → protect → package.

Synthetic households of Hendrik-Ido-Ambacht (GM0531: 5 wijken, 12 buurten, division 2023;
small, so the joint protection takes seconds), each with a known set of provisions
(Wmo, jeugdhulp, bijstand; never none: the universe of a linkage), and 1-3 persons who share
their household's provisions. The toolkit counts them per combination of the three binary
dimensions for persons and for households, protects both tables jointly (cbs-zorg), and writes a
signed package with the ``koppeling`` field (package_format.Linkage), as ``buurtbeeld koppel``
does. Tests compare what the platform shows with the package's published cells.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow.parquet as pq

from buurtbeeld.package_format import Linkage, Provision, SigningKey
from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.package import write_delivery
from buurtbeeld.source.protection import protect_delivery
from buurtbeeld.source.regions import load_division
from buurtbeeld.source.spec import load_spec
from buurtbeeld.store.importer import BUNDLED_FILES

PROVISIONS = (
    ("wmo", "Wmo", "Wmo-team gemeente (demo)", 0.55),
    ("jeugdhulp", "Jeugdhulp", "Jeugdhulpregio (demo)", 0.35),
    ("bijstand", "Bijstand", "Sociale dienst (demo)", 0.35),
)
SOURCE = "Onderzoeksbureau Drechtsteden (koppelpartij)"
GEMEENTE = "GM0531"
KWB = BUNDLED_FILES[0]
SPEC = f"""dataset: stapeling
bron: {SOURCE}
gemeente: {GEMEENTE}
indelingsjaar: 2023
profiel: drempel-10
bestanden:
  - pad: gekoppeld.csv
eenheid: huishoudens
sleutels:
  persoon: persoon
  huishouden: huishouden
regio:
  buurtcode: buurt
periode:
  soort: gedurende
  begin: datum
  jaar: 2024
dimensies:
{"".join(f"  - naam: {n}{chr(10)}    kolom: {n}{chr(10)}" for n, *_ in PROVISIONS)}tabellen:
  - naam: huishoudens
    titel: Huishoudens naar combinatie van voorzieningen
    dimensies: [wmo, jeugdhulp, bijstand]
    eenheid: huishoudens
  - naam: personen
    titel: Personen naar combinatie van voorzieningen
    dimensies: [wmo, jeugdhulp, bijstand]
    eenheid: personen
"""
LINKAGE = Linkage(
    kind="stapeling",
    rule="laatste-adres",
    provisions=tuple(
        Provision(name, title, source, name, "voorzieningen_totaal")
        for name, title, source, _ in PROVISIONS
    ),
)


def write_records(folder: Path, *, households: int = 4000, seed: int = 7) -> Path:
    """The linked records (one row per person) as the toolkit reads them."""
    rng = random.Random(seed)
    division = load_division([GEMEENTE], 2023)
    buurten = sorted(division.buurten)
    kwb = pq.read_table(KWB, columns=["gwb_code_10", "a_hh"]).to_pylist()
    size = {r["gwb_code_10"]: r["a_hh"] or 0.0 for r in kwb}
    # calibrated to CBS's households per buurt, with buurten of more and of less stapeling
    weights = [size.get(b, 0.0) * rng.choice((0.5, 1.0, 2.0)) for b in buurten]
    lines = ["persoon;huishouden;buurt;datum;" + ";".join(n for n, *_ in PROVISIONS)]
    person = 0
    for h in range(households):
        flags = ["nee"] * len(PROVISIONS)
        while "ja" not in flags:
            flags = ["ja" if rng.random() < p else "nee" for *_, p in PROVISIONS]
        buurt = rng.choices(buurten, weights)[0]
        for _ in range(rng.choice((1, 1, 2, 3))):
            person += 1
            lines.append(f"P{person:06d};H{h:05d};{buurt};15-06-2024;" + ";".join(flags))
    path = folder / "gekoppeld.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build_linked_package(folder: Path, key: SigningKey, *, seed: int = 7) -> Path:
    """Records → aggregate → protect_delivery → write_delivery (with ``koppeling``)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_records(folder, seed=seed)
    spec_path = folder / "stapeling.yaml"
    spec_path.write_text(SPEC, encoding="utf-8")
    spec = load_spec(spec_path)
    delivery = protect_delivery(aggregate(spec), seed=f"zaad-{seed}")
    return write_delivery(delivery, folder / f"stapeling-{GEMEENTE}-2024.zip", key, linkage=LINKAGE)


def published_cells(package: Path, table: str) -> dict[tuple[str, str, str, str], float | None]:
    """The package's own cells of ``table`` read straight from its Parquet member:
    ``(regiocode, wmo, jeugdhulp, bijstand) -> value`` (None: hidden)."""
    import io
    import zipfile

    with zipfile.ZipFile(package) as z:
        name = next(n for n in z.namelist() if n.endswith(f"{table}.parquet"))
        data = pq.read_table(io.BytesIO(z.read(name))).to_pylist()
    return {
        (r["regiocode"], r["wmo"], r["jeugdhulp"], r["bijstand"]): (
            None if r["status"] == "v" else r["waarde"]
        )
        for r in data
    }
