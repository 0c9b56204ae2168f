"""Synthetic linked counts with known truth, and the partners' real signed packages.

Until ``buurtbeeld koppel`` (helper *link*) is on main, the link counts are built here by hand in
the contract's shapes (contracts.md §3): households of GM0678 with a random set of provisions,
each provision with its own record (buurt, month); some households moved, so one provision's
extract places them elsewhere than the link rule (latest month over all extracts, ties → the
smallest buurtcode). The partners' packages are made by the real toolkit from their own records
(aggregate → protect → signed package), exactly as a partner would.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from pathlib import Path
from typing import Any, cast

import pyarrow as pa

from buurtbeeld.package_format import SigningKey
from buurtbeeld.protect import TOTAL
from buurtbeeld.source.aggregate import AggregatedTable, Aggregation, aggregate
from buurtbeeld.source.package import write_delivery
from buurtbeeld.source.periods import Period
from buurtbeeld.source.protection import protect_delivery
from buurtbeeld.source.regions import Division, load_division
from buurtbeeld.source.spec import TableSpec, parse_spec
from tests.signing import make_key

GEMEENTE = "GM0678"
BUURTEN = ["BU06780000", "BU06780009", "BU06780100", "BU06780109", "BU06780200", "BU06780209"]
PROVISIONS = {
    "wmo": ("Wmo", "Wmo-team (test)"),
    "jeugd": ("Jeugdhulp", "Jeugdteam (test)"),
    "schuld": ("Schuldsignalen", "Schuldhulp (test)"),
}
PERIOD = Period("2024", date(2024, 1, 1), date(2024, 12, 31))
PARTNER_SPEC = """dataset: {name}
bron: {bron}
gemeente: GM0678
profiel: cbs-zorg
bestanden: [{{pad: {name}.csv}}]
eenheid: huishoudens
sleutels: {{huishouden: h}}
regio: {{buurtcode: b}}
periode: {{soort: gedurende, begin: d, formaat: "%d-%m-%Y", jaar: 2024}}
tabellen:
  - {{naam: voorzieningen_totaal, titel: Huishoudens met {titel}}}
"""


@dataclass
class Extract:
    """A koppelspec extract entry (the fields joint protection reads)."""

    naam: str
    titel: str
    pakket: Path | None = None
    pakkettabel: str | None = "voorzieningen_totaal"


@dataclass
class Spec:
    """The koppelspec fields joint protection reads."""

    extracten: list[Extract]
    dataset: str = "stapeling"
    bron: str = "Onderzoek gemeente (koppelpartij test)"
    profiel: str = "cbs-zorg"
    indelingsjaar: int = 2023
    gemeenten: list[str] = field(default_factory=lambda: [GEMEENTE])
    zaadbestand: Path | None = None
    logboek: Path | None = None

    def sha256(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()


@dataclass
class Counts:
    """:class:`buurtbeeld.source.link.LinkedCounts` in the contract's shape."""

    spec: Spec
    division: Division
    periods: list[Period]
    tables: list[AggregatedTable]
    categories: dict[str, list[str]]
    movers: pa.Table

    def to_aggregation(self) -> Aggregation:
        return Aggregation(
            spec=cast(Any, self.spec),
            division=self.division,
            periods=self.periods,
            tables=self.tables,
            categories=self.categories,
            rows_read=0,
        )


Record = tuple[str, int]  # (buurt, month)


def households(n: int, seed: int, movers: float) -> dict[int, dict[str, Record]]:
    """Household → provision → its record (buurt, month); a share of them moved."""
    rng = random.Random(seed)
    weights = [5, 1, 4, 3, 2, 6]
    out: dict[int, dict[str, Record]] = {}
    for h in range(n):
        home = rng.choices(BUURTEN, weights)[0]
        chosen = [p for p in PROVISIONS if rng.random() < 0.45] or [rng.choice(list(PROVISIONS))]
        records = {p: (home, rng.randint(1, 12)) for p in chosen}
        if len(chosen) >= 2 and rng.random() < movers:
            old = rng.choice([b for b in BUURTEN if b != home])
            first, later = chosen[0], chosen[1]
            records[first] = (old, 2)
            records[later] = (home, 11)
        out[h] = records
    return out


def _chain(division: Division, code: str) -> list[str]:
    wijk, gemeente = division.buurten[code]
    return [code, wijk, gemeente]


def linked_buurt(records: dict[str, Record]) -> str:
    """The link rule: the buurt of the latest month; ties → the smallest buurtcode."""
    latest = max(m for _, m in records.values())
    return min(b for b, m in records.values() if m == latest)


def _marginal(names: list[str], name: str) -> tuple[str, ...]:
    return tuple("ja" if n == name else TOTAL for n in names)


def link_counts(data: dict[int, dict[str, Record]], spec: Spec) -> Counts:
    """The combination table and movers, counted here in plain Python."""
    division = load_division([GEMEENTE], 2023)
    names = [e.naam for e in spec.extracten]
    cells: Counter[tuple[str, tuple[str, ...]]] = Counter()
    moved: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for records in data.values():
        where = linked_buurt(records)
        own = tuple("ja" if n in records else "nee" for n in names)
        # the linked table's cells: the exclusive combination, each provision's marginal, total
        mine = [own, *(_marginal(names, n) for n in names if n in records), (TOTAL,) * len(names)]
        for region in _chain(division, where):
            for combo in mine:
                cells[(region, combo)] += 1
        for name, (buurt, _m) in records.items():
            for mine, linked in zip(_chain(division, buurt), _chain(division, where), strict=True):
                if mine == linked:
                    moved[(name, mine)][0] += 1
                else:
                    moved[(name, linked)][1] += 1
                    moved[(name, mine)][2] += 1
    rows = [
        {"periode": PERIOD.label, "regiocode": r, **dict(zip(names, c, strict=True)), "aantal": n}
        for (r, c), n in sorted(cells.items())
    ]
    table = AggregatedTable(
        name="huishoudens",
        spec=TableSpec(naam="huishoudens", titel="Huishoudens", dimensies=names),
        title="Huishoudens naar combinatie van voorzieningen",
        dimensions=names,
        additive=dict.fromkeys(names, True),
        measure="aantal",
        unit="huishoudens",
        data=pa.Table.from_pylist(rows),
        combos=(
            *(c for c in product(("ja", "nee"), repeat=len(names))),
            *(_marginal(names, n) for n in names),
            (TOTAL,) * len(names),
        ),
    )
    movers = pa.Table.from_pylist(
        [
            {
                "periode": PERIOD.label,
                "regiocode": region,
                "eenheid": "huishoudens",
                "voorziening": name,
                "blijft": v[0],
                "binnen": v[1],
                "buiten": v[2],
            }
            for (name, region), v in sorted(moved.items())
        ]
    )
    return Counts(spec, division, [PERIOD], [table], {n: ["ja", "nee"] for n in names}, movers)


def partner_package(
    folder: Path, name: str, data: dict[int, dict[str, Record]], key: SigningKey | None = None
) -> tuple[Path, SigningKey]:
    """The partner's own package of its own records, made by the toolkit and signed."""
    titel, bron = PROVISIONS[name]
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["h;b;d"] + [
        f"H{h};{rec[name][0]};15-{rec[name][1]:02d}-2024" for h, rec in data.items() if name in rec
    ]
    (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = parse_spec(PARTNER_SPEC.format(name=name, bron=bron, titel=titel), base=folder)
    spec.zaadbestand = folder / f".zaad-{name}"
    key = key or make_key(folder / "sleutels", bron)
    delivery = protect_delivery(aggregate(spec), seed=f"partner-{name}")
    return write_delivery(delivery, folder / f"{name}.zip", key), key
