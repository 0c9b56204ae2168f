"""The ``koppeling`` manifest field ↔ :class:`~buurtbeeld.package_format.model.Linkage`.

An optional field of format version 3 (older packages and packages of one partner have none):
a package made by the linking party (``buurtbeeld koppel``) says which partners' provisions
its combination tables combine, by which rule units were placed, and which published partner
table every provision was protected against. Validation is in :mod:`.manifest`.
"""

from __future__ import annotations

from typing import Any

from buurtbeeld.package_format.model import Linkage, Provision


def linkage_to_manifest(linkage: Linkage) -> dict[str, Any]:
    """The ``koppeling`` field of a manifest (JSON-ready, stable order)."""
    provisions = []
    for p in linkage.provisions:
        entry: dict[str, Any] = {
            "naam": p.name,
            "titel": p.title,
            "bron": p.source,
            "dataset": p.dataset,
        }
        if p.table is not None:
            entry["tabel"] = p.table
        if p.package_sha256 is not None:
            entry["pakket_sha256"] = p.package_sha256
        if p.no_movers:
            by_unit: dict[str, list[str]] = {}
            for unit, period in sorted(p.no_movers):
                by_unit.setdefault(unit, []).append(period)
            entry["zonder_verhuizers"] = by_unit
        provisions.append(entry)
    return {"soort": linkage.kind, "regel": linkage.rule, "voorzieningen": provisions}


def linkage_from_manifest(field: dict[str, Any] | None) -> Linkage | None:
    """The :class:`Linkage` of a validated manifest's ``koppeling`` (``None`` when absent)."""
    if field is None:
        return None
    return Linkage(
        kind=str(field["soort"]),
        rule=str(field["regel"]),
        provisions=tuple(
            Provision(
                name=str(p["naam"]),
                title=str(p["titel"]),
                source=str(p["bron"]),
                dataset=str(p["dataset"]),
                table=str(p["tabel"]) if p.get("tabel") else None,
                package_sha256=p.get("pakket_sha256"),
                no_movers=tuple(
                    sorted(
                        (str(unit), str(period))
                        for unit, periods in (p.get("zonder_verhuizers") or {}).items()
                        for period in periods
                    )
                ),
            )
            for p in field["voorzieningen"]
        ),
    )
