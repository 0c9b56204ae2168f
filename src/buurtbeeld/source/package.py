"""The package of a delivery: manifest fields, the partner's rounding seed, the written zip.

The format itself (zip layout, checksums, signature, reading) is the shared contract in
:mod:`buurtbeeld.package_format`. This module fills the manifest from a protected delivery;
every package is written as format version 3, signed with the source's key
(:mod:`buurtbeeld.source.keys`). Every hidden cell carries the one hidden status, so no package tells
a small count (primary) from a secondary.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from buurtbeeld import __version__
from buurtbeeld.package_format import (
    FORMAT,
    SIGNED_VERSION,
    TOTAL,
    Linkage,
    Package,
    PackageTable,
    SigningKey,
    linkage_to_manifest,
    read_package,
    write_package,
)
from buurtbeeld.source.aggregate import AggregatedTable, Aggregation
from buurtbeeld.source.keys import signing_key
from buurtbeeld.source.protection import ProtectedDelivery, protect_delivery
from buurtbeeld.source.report import delivery_report
from buurtbeeld.source.spec import DeliverySpec

__all__ = [
    "Package",
    "PackageTable",
    "build_package",
    "manifest_for",
    "read_package",
    "rounding_seed",
    "table_entries",
    "write_delivery",
    "write_package",
]


def spec_hash(spec: DeliverySpec) -> str:
    """SHA-256 of the spec's canonical JSON (file paths by name)."""
    return spec.sha256()


def rounding_seed(spec: DeliverySpec) -> str:
    """The secret rounding seed of this source and dataset.

    Kept in ``spec.zaadbestand`` (created on first use with 256 random bits, readable only by
    the owner; default ``.buurtbeeld-zaad`` beside the spec). It never leaves the partner's
    machine: whoever knows it could narrow down the true value behind a rounded count. The
    seed for the cells is an HMAC of the secret with the source and dataset, so every
    delivery of the same dataset rounds a cell the same way (no averaging over deliveries).
    """
    path = spec.zaadbestand
    if path is None:
        raise ValueError("spec.zaadbestand is not set; use load_spec or pass seed=")
    if path.exists():
        secret = path.read_text(encoding="ascii").strip()
    else:
        secret = secrets.token_hex(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret + "\n")
    message = f"{spec.bron}|{spec.dataset}|{','.join(spec.gemeenten)}".encode()
    return hmac.new(secret.encode("ascii"), message, hashlib.sha256).hexdigest()


def _one_reason(by_reason: dict[str, int]) -> dict[str, int]:
    """Hidden cells as one count: the split into primary and secondary would tell, e.g. for a
    table with only primaries, that every hidden cell is a small count (docs/protect.md)."""
    total = sum(by_reason.values())
    return {"verborgen": total} if total else {}


def _categories(table: AggregatedTable, i: int, known: list[str]) -> list[str]:
    """The categories of dimension ``i`` that a table of chosen combinations uses, in the
    order of ``known``."""
    used = {c[i] for c in table.combos or ()} - {TOTAL}
    return [c for c in known if c in used] or sorted(used, key=lambda c: (len(c), c))


def table_entries(delivery: ProtectedDelivery) -> list[dict[str, Any]]:
    """The manifest's ``tabellen`` of a protected delivery."""
    agg = delivery.aggregation
    tables = []
    for out in delivery.outputs:
        src = out.source
        shape: dict[str, str] = {}
        if src.at_least_of is not None:
            shape = {"combinaties": "minstens", "minstens_van": src.at_least_of}
        elif src.combos is not None:
            shape = {"combinaties": "exclusief"}
        tables.append(
            {
                "naam": src.name,
                "titel": src.title,
                "bestand": f"{src.name}.parquet",
                "dimensie": src.dimensions[0] if len(src.dimensions) == 1 else None,
                "dimensies": [
                    {
                        "naam": d,
                        "optelbaar": src.additive[d],
                        "categorieen": _categories(src, i, agg.categories.get(d, []))
                        if src.combos is not None
                        else agg.categories[d],
                    }
                    for i, d in enumerate(src.dimensions)
                ],
                "maat": src.measure,
                "eenheid": src.unit,
                "bedragkolom": src.spec.kolom if src.measure == "som" else None,
                "profiel": out.profile,
                "richting": src.spec.richting,
                "cellen": out.data.num_rows,
                "verborgen_per_reden": _one_reason(out.hidden_by_reason),
                **shape,
            }
        )
    return tables


def manifest_for(delivery: ProtectedDelivery, linkage: Linkage | None = None) -> dict[str, Any]:
    """The manifest fields of a protected delivery (``bestanden`` is added by the writer).

    ``linkage``: the ``koppeling`` field of a package of the linking party (issue 11).
    """
    agg = delivery.aggregation
    spec = agg.spec
    periods = [p.label for p in agg.periods]
    manifest: dict[str, Any] = {
        "formaat": FORMAT,
        "versie": SIGNED_VERSION,
        "bron": spec.bron,
        "dataset": spec.dataset,
        "eenheid": spec.eenheid,
        "periode": periods[0] if len(periods) == 1 else f"{periods[0]}/{periods[-1]}",
        "perioden": periods,
        "periodesoort": spec.periode.soort,
        "gebied": spec.gemeenten,
        "indelingsjaar": spec.indelingsjaar,
        "profiel": spec.profiel,
        "software": f"buurtbeeld {__version__}",
        "engine": agg.engine,
        "spec_sha256": spec.sha256(),
        "verborgen_per_reden": _one_reason(delivery.hidden_by_reason()),
        "regels": {
            "gelezen": agg.rows_read,
            "geldig": agg.valid_rows,
            "buiten_de_periode": agg.outside_period,
            "ongeldig_per_reden": dict(sorted(agg.bad_rows.items())),
        },
        "tabellen": table_entries(delivery),
    }
    if linkage is not None:
        manifest["koppeling"] = linkage_to_manifest(linkage)
    return manifest


def write_delivery(
    delivery: ProtectedDelivery,
    target: Path,
    key: SigningKey | None = None,
    *,
    linkage: Linkage | None = None,
) -> Path:
    """Write a protected delivery as a signed package with its report.

    ``key``: default the source's key (:func:`buurtbeeld.source.keys.signing_key`, created on
    first use). ``linkage``: the ``koppeling`` field of a linked package.
    """
    manifest = manifest_for(delivery, linkage)
    report = delivery_report(delivery, manifest)
    if key is None:
        key, _ = signing_key(delivery.aggregation.spec)
    return write_package(
        target, manifest, {o.name: o.data for o in delivery.outputs}, report=report, key=key
    )


def build_package(
    spec: DeliverySpec, agg: Aggregation, target: Path, *, seed: str | None = None
) -> Path:
    """Protect an aggregation and write the package (aggregate → protect → package).

    Parameters
    ----------
    seed
        Rounding seed; default :func:`rounding_seed` (the partner's secret file).
    """
    delivery = protect_delivery(agg, seed=seed if seed is not None else rounding_seed(spec))
    return write_delivery(delivery, target)
