"""Benchmark: joint protection of a linked (stapeling) delivery with the partners' marginals.

Synthetic link counts in the shapes ``buurtbeeld koppel`` produces (contracts.md §3), drawn per
buurt of the real 2023 division: persons with Wmo, jeugdhulp and bijstand (7 exclusive
combinations + 3 marginals + the total per region; 27 cells of the 3^k cross table before
2026-12-04), households with those three and schuldsignalen (15 + 4 + 1 per region; 81 before); about 1 % of
each provision's units *moved* (the link rule places them in another buurt than the partner's
extract, mostly within the wijk); schuldsignalen has no movers. Each partner's own package
(its distinct totals per region, protected with ``cbs-zorg`` by the toolkit and signed) is
made first. Then, timed:

1. ``protect_link``: verify the four partner packages, build the joint system (combinations,
   partner cells, movers) and protect it (suppression + LP audit + rounding);
2. write the signed linked package;
3. the platform's intake audit of it, with the partners' published marginals from a workspace
   where the partner packages were imported (``audit_package`` + ``partner_figures``).

Usage::

    python benchmarks/bench_link_protect.py                    # whole country (NL00)
    python benchmarks/bench_link_protect.py --gemeenten 20     # the first 20 gemeenten
    python benchmarks/bench_link_protect.py --gemeenten GM0505 # one gemeente
    python benchmarks/bench_link_protect.py --land 20          # NL00 over the first 20 gemeenten
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pyarrow as pa

from buurtbeeld.geo.codes import parent_of
from buurtbeeld.package_format import create_key_pair, read_package, write_package
from buurtbeeld.source.aggregate import AggregatedTable, Aggregation
from buurtbeeld.source.link_package import write_linked_package
from buurtbeeld.source.link_protection import protect_link
from buurtbeeld.source.link_results import exclusive_combos
from buurtbeeld.source.periods import Period
from buurtbeeld.source.protection import protect_delivery
from buurtbeeld.source.regions import Division, load_division
from buurtbeeld.source.spec import TableSpec
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.intake_audit import audit_package, partner_figures
from buurtbeeld.store.package_reader import read_package as platform_read
from buurtbeeld.store.partners import register_partner, trusted_keys
from buurtbeeld.store.workspace import create_workspace

PERIOD = Period("2024", date(2024, 1, 1), date(2024, 12, 31))
PROVISIONS = {  # name: (unit of the partner's table, share of residents, moves)
    "wmo": ("personen", 0.05, True),
    "jeugdhulp": ("personen", 0.03, True),
    "bijstand": ("personen", 0.02, True),
    "schuldsignalen": ("huishoudens", 0.03, False),
}
UNITS = {
    "personen": ["wmo", "jeugdhulp", "bijstand"],
    "huishoudens": ["wmo", "jeugdhulp", "bijstand", "schuldsignalen"],
}


@dataclass
class Extract:
    naam: str
    titel: str
    pakket: Path | None = None
    pakkettabel: str | None = "voorzieningen_totaal"


@dataclass
class Spec:
    extracten: list[Extract]
    gemeenten: list[str]
    dataset: str = "stapeling"
    bron: str = "Koppelpartij (benchmark)"
    profiel: str = "cbs-zorg"
    indelingsjaar: int = 2023

    def sha256(self) -> str:
        return "0" * 64


@dataclass
class Counts:
    spec: Spec
    division: Division
    periods: list[Period]
    tables: list[AggregatedTable] = field(default_factory=list)
    categories: dict[str, list[str]] = field(default_factory=dict)
    movers: pa.Table = field(default_factory=lambda: pa.table({}))

    def to_aggregation(self) -> Aggregation:
        return Aggregation(
            spec=cast(Any, self.spec),
            division=self.division,
            periods=self.periods,
            tables=self.tables,
            categories=self.categories,
            rows_read=0,
        )


def _chains(division: Division, buurten: list[str]) -> list[list[str]]:
    extra = ["NL00"] if division.national else []
    return [[b, *division.buurten[b], *extra] for b in buurten]


def _regions(division: Division) -> list[str]:
    return division.all_codes()


def synthetic(division: Division, rng: np.random.Generator) -> tuple[dict[str, Any], Counts]:
    """Exclusive combination counts per buurt, rolled up; movers; the partners' true totals."""
    buurten = sorted(division.buurten)
    regions = _regions(division)
    at = {r: i for i, r in enumerate(regions)}
    chains = _chains(division, buurten)
    members = np.array([[at[c] for c in chain] for chain in chains], dtype=np.int64)
    size = np.maximum(rng.lognormal(6.5, 0.9, len(buurten)).astype(int), 5)
    spec = Spec([], list(division.area))
    counts = Counts(spec, division, [PERIOD])
    partner_truth: dict[str, np.ndarray] = {}
    mover_rows: list[dict[str, Any]] = []
    for unit, names in UNITS.items():
        k = len(names)
        share = np.array([PROVISIONS[n][1] for n in names])
        pop = size if unit == "personen" else size // 2 + 1
        exclusive = np.zeros((len(buurten), 2**k), dtype=np.int64)
        for mask in range(1, 2**k):
            bits = [(mask >> i) & 1 for i in range(k)]
            rate = np.prod([share[i] if b else 1 - share[i] for i, b in enumerate(bits)])
            rate *= 3 ** (sum(bits) - 1)  # provisions cluster in the same households
            exclusive[:, mask] = rng.poisson(pop * rate)
        combos = list(exclusive_combos(names))  # what `koppel` publishes (not 3^k)
        match = np.array(
            [
                [
                    all(
                        v == "totaal" or (v == "ja") == bool((mask >> i) & 1)
                        for i, v in enumerate(combo)
                    )
                    for mask in range(2**k)
                ]
                for combo in combos
            ],
            dtype=np.int64,
        )
        per_buurt = exclusive @ match.T  # buurt × combo
        table = np.zeros((len(regions), len(combos)), dtype=np.int64)
        for level in range(members.shape[1]):
            np.add.at(table, members[:, level], per_buurt)
        nz_r, nz_c = np.nonzero(table)
        cols: dict[str, Any] = {
            "periode": pa.array([PERIOD.label] * len(nz_r)),
            "regiocode": pa.array([regions[i] for i in nz_r]),
        }
        for i, n in enumerate(names):
            cols[n] = pa.array([combos[c][i] for c in nz_c])
        cols["aantal"] = pa.array(table[nz_r, nz_c])
        counts.tables.append(
            AggregatedTable(
                name=unit,
                spec=TableSpec.model_construct(
                    naam=unit, titel=unit, dimensies=names, richting="neutraal"
                ),
                title=f"{unit.capitalize()} naar combinatie van voorzieningen",
                dimensions=names,
                additive=dict.fromkeys(names, True),
                measure="aantal",
                unit=unit,
                data=pa.table(cols),
                combos=tuple(combos),
            )
        )
        for i, name in enumerate(names):
            counts.categories[name] = ["ja", "nee"]
            combo = combos.index(tuple("ja" if j == i else "totaal" for j in range(k)))
            linked = per_buurt[:, combo].copy()  # units of P per buurt by the link rule
            left = linked.copy()
            moves: list[tuple[int, int, int]] = []  # (link buurt, partner's buurt, units)
            if PROVISIONS[name][2]:
                n_moves = int(linked.sum() * 0.01)
                src = rng.choice(len(buurten), n_moves, p=linked / linked.sum())
                for b in src:  # the partner placed this unit in another buurt
                    if left[b] == 0:
                        continue
                    wijk = division.buurten[buurten[b]][0]
                    near = division.hierarchy.get(wijk, [])
                    other = (
                        buurten.index(rng.choice(near))
                        if len(near) > 1 and rng.random() < 0.7
                        else int(rng.integers(len(buurten)))
                    )
                    if other == b:
                        continue
                    left[b] -= 1
                    moves.append((b, other, 1))
            stay = np.zeros(len(regions), dtype=np.int64)
            binnen = np.zeros(len(regions), dtype=np.int64)
            buiten = np.zeros(len(regions), dtype=np.int64)
            moved = np.zeros(len(buurten), dtype=np.int64)
            for b, _o, n in moves:
                moved[b] += n
            for level in range(members.shape[1]):
                np.add.at(stay, members[:, level], linked - moved)
            for link_b, own_b, n in moves:
                for a, c in zip(members[link_b], members[own_b], strict=True):
                    if a == c:
                        stay[a] += n
                    else:
                        binnen[a] += n
                        buiten[c] += n
            truth = stay + buiten
            if (unit, name) == (PROVISIONS[name][0], name):
                partner_truth[name] = truth
            for r in np.nonzero(stay + binnen + buiten)[0]:
                mover_rows.append(
                    {
                        "periode": PERIOD.label,
                        "regiocode": regions[r],
                        "eenheid": unit,
                        "voorziening": name,
                        "blijft": int(stay[r]),
                        "binnen": int(binnen[r]),
                        "buiten": int(buiten[r]),
                    }
                )
    counts.movers = pa.Table.from_pylist(mover_rows)
    return partner_truth, counts


def partner_package(
    folder: Path, name: str, truth: np.ndarray, division: Division
) -> tuple[Path, Any]:
    """The partner's own protected, signed package of its distinct totals."""
    unit = PROVISIONS[name][0]
    regions = _regions(division)
    table = AggregatedTable(
        name="voorzieningen_totaal",
        spec=TableSpec(naam="voorzieningen_totaal", titel=name),
        title=f"{name} totaal",
        dimensions=[],
        additive={},
        measure="aantal",
        unit=unit,
        data=pa.table(
            {
                "periode": [PERIOD.label] * len(regions),
                "regiocode": regions,
                "aantal": pa.array(truth, pa.int64()),
            }
        ),
    )
    spec = SimpleNamespace(dataset=name, profiel="cbs-zorg")
    agg = Aggregation(cast(Any, spec), division, [PERIOD], [table], {}, rows_read=0)
    delivery = protect_delivery(agg, seed=f"partner-{name}")
    bron = f"Partner {name} (benchmark)"
    key = create_key_pair(folder / f".sleutel-{name}", folder / f"{name}.pub", bron)
    manifest = {
        "bron": bron,
        "dataset": name,
        "eenheid": unit,
        "periode": PERIOD.label,
        "perioden": [PERIOD.label],
        "indelingsjaar": 2023,
        "profiel": "cbs-zorg",
        "tabellen": [
            {
                "naam": "voorzieningen_totaal",
                "titel": f"{name} totaal",
                "bestand": "voorzieningen_totaal.parquet",
                "eenheid": unit,
                "profiel": "cbs-zorg",
            }
        ],
    }
    out = delivery.outputs[0].data
    path = write_package(folder / f"{name}.zip", manifest, {"voorzieningen_totaal": out}, key=key)
    return path, key


def national_part(n: int) -> Division:
    """The national division (NL00 > gemeente > wijk > buurt) cut to its first ``n`` gemeenten:
    the shape of a national delivery (one component through NL00) at a fraction of its size."""
    country = load_division(["NL00"], 2023)
    kept = sorted(country.hierarchy["NL00"])[:n]
    hierarchy = {"NL00": kept}
    for gm in kept:
        hierarchy[gm] = country.hierarchy[gm]
        for wk in country.hierarchy[gm]:
            if wk in country.hierarchy:
                hierarchy[wk] = country.hierarchy[wk]
    buurten = {b: up for b, up in country.buurten.items() if up[1] in hierarchy}
    return Division(2023, ("NL00",), buurten, hierarchy)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gemeenten", default="NL00", help="NL00, a number (the first N), or GM codes"
    )
    parser.add_argument(
        "--land",
        type=int,
        metavar="N",
        help="the national shape (NL00 > gemeenten) over the first N gemeenten only",
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.land:
        division = national_part(args.land)
        args.gemeenten = f"NL00 ({args.land} gemeenten)"
    elif args.gemeenten.isdigit():
        every = sorted(load_division(["NL00"], 2023).hierarchy["NL00"])
        division = load_division(every[: int(args.gemeenten)], 2023)
    else:
        division = load_division(args.gemeenten.split(","), 2023)
    rng = np.random.default_rng(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="bench-stapeling-"))
    print(f"# {platform.node()} {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    t = time.perf_counter()
    truth, counts = synthetic(division, rng)
    cells = sum(t.data.num_rows for t in counts.tables)
    print(
        f"area {args.gemeenten}: {len(division.buurten)} buurten, {len(_regions(division))} "
        f"regions; {cells:,} non-zero combination cells; generated in "
        f"{time.perf_counter() - t:.1f} s"
    )
    keys = {}
    for name in PROVISIONS:
        t = time.perf_counter()
        path, keys[name] = partner_package(folder, name, truth[name], division)
        counts.spec.extracten.append(Extract(name, name.capitalize(), pakket=path))
        print(f"partner package {name}: {time.perf_counter() - t:.1f} s")
    trusted = {k.public.fingerprint: k.public for k in keys.values()}
    t, cpu = time.perf_counter(), time.process_time()
    linked = protect_link(counts, seed="benchmark", trusted=trusted)
    protect_s, protect_cpu = time.perf_counter() - t, time.process_time() - cpu
    runs = linked.delivery.runs["aantallen"].report
    print(
        f"protect_link: {protect_s:.1f} s ({protect_cpu:.1f} s CPU); {runs.n_cells:,} cells in the joint system, "
        f"{runs.n_primary:,} primary + {runs.n_secondary:,} secondary hidden; peak {peak_mb():.0f} MB"
    )
    link_key = create_key_pair(folder / ".sleutel-koppel", folder / "koppel.pub", counts.spec.bron)
    t = time.perf_counter()
    package = write_linked_package(linked, folder / "stapeling.zip", link_key)
    print(f"write package: {time.perf_counter() - t:.1f} s")
    workspace = create_workspace(folder / "werkmap", name="Benchmark")
    for name in keys:
        register_partner(workspace, f"partner-{name}", folder / f"{name}.pub")
        intake_package(workspace, platform_read(folder / f"{name}.zip", trusted_keys(workspace)))
    register_partner(workspace, "koppelpartij", folder / "koppel.pub")
    t, cpu = time.perf_counter(), time.process_time()
    contents = platform_read(package, trusted_keys(workspace))
    con = workspace.connect(read_only=True)
    try:
        partners = partner_figures(con, contents)
        regions = dict(
            con.execute(
                "SELECT code, parent_code FROM region WHERE division_year = 2023"
            ).fetchall()
        )
    finally:
        con.close()
    for code in list(regions):
        regions[code] = regions[code] or parent_of(code)
    hidden = audit_package(contents, regions, (), partners)
    audit_s, audit_cpu = time.perf_counter() - t, time.process_time() - cpu
    print(
        f"platform audit: {audit_s:.1f} s ({audit_cpu:.1f} s CPU; {hidden:,} hidden cells, "
        f"{sum(len(v.keys) for v in partners):,} partner cells); peak {peak_mb():.0f} MB"
    )
    print(
        f"protection + audit: {protect_s + audit_s:.1f} s wall, "
        f"{protect_cpu + audit_cpu:.1f} s CPU (target <= 120 s)"
    )
    assert read_package(package).linkage is not None


if __name__ == "__main__":
    main()
