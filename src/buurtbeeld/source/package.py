"""Protect an aggregation and write the package (format ``buurtbeeld-pakket`` v1).

All tables of a delivery are protected with the same profile; the category table and the
total table each carry the full gemeente > wijk > buurt hierarchy (zeros included), so no
cell can be recovered by subtraction along the hierarchy. The total counts distinct units, so
it is *not* the sum of the categories (a client can have two voorzieningen) and no such
relation is declared. Only protected values and statuses are written; the report for the
privacy officer says what was hidden and why, never a hidden value.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from buurtbeeld import __version__
from buurtbeeld.geo.registry import bundled_regions
from buurtbeeld.protect import Cell, CellStatus, ProtectedTable, Table, link_tables, protect_table
from buurtbeeld.source.aggregate import Aggregation
from buurtbeeld.source.spec import DeliverySpec

FORMAT = "buurtbeeld-pakket"
VERSION = 1
STATUS_LETTER = {
    CellStatus.PUBLISHABLE: "s",
    CellStatus.FORCED_PUBLISHABLE: "z",
    CellStatus.PRIMARY_SUPPRESSED: "u",
    CellStatus.SECONDARY_SUPPRESSED: "x",
}


def region_hierarchy(gemeente: str, division_year: int) -> dict[str, list[str]]:
    """parent -> children for the gemeente's wijken and buurten of a division."""
    codes = sorted(
        r.code
        for r in bundled_regions()
        if r.division_year == division_year
        and r.code[2:6] == gemeente[2:6]
        and r.level in ("wijk", "buurt")
    )
    hierarchy: dict[str, list[str]] = {gemeente: [c for c in codes if c.startswith("WK")]}
    for code in codes:
        if code.startswith("BU"):
            hierarchy.setdefault("WK" + code[2:8], []).append(code)
    return hierarchy


def _table(counts: dict[str, int], hierarchy: dict[str, list[str]], category: str) -> Table:
    leaves = {c for kids in hierarchy.values() for c in kids if c not in hierarchy}

    def total(code: str) -> int:
        return (
            counts.get(code, 0)
            if code in leaves
            else sum(total(k) for k in hierarchy.get(code, []))
        )

    nodes = list(hierarchy) + sorted(leaves)
    cells = [Cell(key=(code, category), count=total(code)) for code in nodes]
    relations = [((p, category), [(k, category) for k in kids]) for p, kids in hierarchy.items()]
    return Table.from_relations(cells, relations)


def protect_aggregation(spec: DeliverySpec, agg: Aggregation, *, seed: str) -> ProtectedTable:
    """Protect the category table and the total table jointly."""
    hierarchy = region_hierarchy(spec.gemeente, spec.indelingsjaar)
    tables = [
        _table(
            {b: n for (b, c), n in agg.by_category.items() if c == category}, hierarchy, category
        )
        for category in agg.categories
    ]
    tables.append(_table(agg.total, hierarchy, "totaal"))
    return protect_table(link_tables(*tables), profile=spec.profiel, seed=seed)


def spec_hash(spec: DeliverySpec) -> str:
    """SHA-256 of the spec's canonical JSON."""
    return hashlib.sha256(spec.model_dump_json().encode("utf-8")).hexdigest()


def write_package(
    path: Path, manifest: dict[str, Any], tables: dict[str, pa.Table], report: str = ""
) -> Path:
    """Write the zip: manifest.json listing every member with its SHA-256."""
    members: dict[str, bytes] = {}
    for name, table in tables.items():
        sink = io.BytesIO()
        pq.write_table(table, sink)
        members[f"{name}.parquet"] = sink.getvalue()
    if report:
        members["rapport.md"] = report.encode("utf-8")
    manifest = {
        **manifest,
        "formaat": FORMAT,
        "versie": VERSION,
        "bestanden": {n: hashlib.sha256(b).hexdigest() for n, b in members.items()},
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def build_package(spec: DeliverySpec, agg: Aggregation, target: Path) -> Path:
    """Protect and write one delivery."""
    digest = spec_hash(spec)
    protected = protect_aggregation(spec, agg, seed=digest)
    rows = {"regiocode": [], "categorie": [], "waarde": [], "status": []}
    totals = {"regiocode": [], "categorie": [], "waarde": [], "status": []}
    for key, value, status in zip(
        protected.keys, protected.values, protected.statuses, strict=True
    ):
        out = totals if key[1] == "totaal" else rows
        out["regiocode"].append(key[0])
        out["categorie"].append(key[1])
        out["waarde"].append(value)
        out["status"].append(STATUS_LETTER[status])
    report = protected.report
    manifest = {
        "bron": spec.bron,
        "dataset": spec.dataset,
        "eenheid": spec.eenheid,
        "periode": str(spec.periode.jaar),
        "indelingsjaar": spec.indelingsjaar,
        "profiel": spec.profiel,
        "software": f"buurtbeeld {__version__}",
        "spec_sha256": digest,
        "verborgen_per_reden": report.hidden_by_reason,
        "ongeldige_regels_per_reden": dict(agg.bad_rows),
        "tabellen": [
            {
                "naam": spec.tabel.naam,
                "titel": spec.tabel.titel,
                "dimensie": spec.categorie,
                "bestand": f"{spec.tabel.naam}.parquet",
                "richting": spec.tabel.richting,
            },
            {
                "naam": f"{spec.tabel.naam}_totaal",
                "titel": f"{spec.tabel.titel} (totaal)",
                "dimensie": None,
                "bestand": f"{spec.tabel.naam}_totaal.parquet",
                "richting": spec.tabel.richting,
            },
        ],
    }
    text = [
        f"# Beveiligingsrapport {spec.bron} — {spec.dataset} {spec.periode.jaar}",
        "",
        f"Profiel: {spec.profiel}. Eenheid: {spec.eenheid} (uniek geteld, nooit regels).",
        "",
        report.text(list_cells=True),
        "",
        "## Ongeldige regels (geteld, niet getoond)",
        "",
        *[f"- {reason}: {n}" for reason, n in sorted(agg.bad_rows.items())],
    ]
    tables = {
        spec.tabel.naam: pa.table(
            {
                k: pa.array(v, pa.float64() if k == "waarde" else pa.string())
                for k, v in rows.items()
            }
        ),
        f"{spec.tabel.naam}_totaal": pa.table(
            {
                k: pa.array(v, pa.float64() if k == "waarde" else pa.string())
                for k, v in totals.items()
            }
        ),
    }
    return write_package(target, manifest, tables, "\n".join(text) + "\n")
