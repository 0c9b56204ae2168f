"""Turn a verified package (``buurtbeeld-pakket`` v1 or v2) into what the intake audits.

The package format and its checksum verification are the shared contract in
:mod:`buurtbeeld.package_format`; the platform reads packages only through it, never through
the source toolkit. This module maps manifest and tables onto :class:`PublishedTable` cells:
one table per period, keyed by region code and the value per dimension. See
docs/pakketformaat.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from buurtbeeld.errors import BuurtbeeldError, ImportFileError
from buurtbeeld.package_format import (
    TOTAL,
    Package,
    PackageContents,
    PackageTable,
    PublicKey,
    PublishedTable,
    TableDimension,
    linkage_from_manifest,
    refuse,
)
from buurtbeeld.package_format import read_package as read_verified
from buurtbeeld.protect import PROFILES, get_profile


def read_package(path: Path, trusted: Mapping[str, PublicKey]) -> PackageContents:
    """Open a package, verify signature, schema and checksums, and map its tables for the intake.

    ``trusted``: the workspace's registered partner keys
    (:func:`buurtbeeld.store.partners.trusted_keys`); an unsigned package or one signed with
    another key is refused (``BB-SIG-…``).

    Raises
    ------
    ImportFileError
        ``BB-IMP-002`` missing file, ``BB-PKG-001`` not a readable zip, ``BB-PKG-002`` manifest
        missing or invalid, ``BB-PKG-003`` a checksum differs, ``BB-PKG-004`` unlisted or
        missing members, ``BB-PKG-005`` a table lacks required columns.
    """
    package = read_verified(Path(path), trusted)
    manifest = package.manifest
    try:
        profile = str(manifest["profiel"])
        _known_profile(profile)
        for meta in manifest["tabellen"]:
            if meta.get("profiel"):
                _known_profile(str(meta["profiel"]))
        tables: list[PublishedTable] = []
        for meta in manifest["tabellen"]:
            tables.extend(_tables(package, package.tables[str(meta["naam"])]))
        return PackageContents(
            file_name=package.path.name,
            sha256=package.sha256,
            source=str(manifest["bron"]),
            dataset=str(manifest["dataset"]),
            unit=str(manifest.get("eenheid", "personen")),
            period=str(manifest["periode"]),
            division_year=int(manifest["indelingsjaar"]),
            profile=profile,
            tables=tuple(tables),
            signed_by=package.signer.fingerprint if package.signer else None,
            linkage=linkage_from_manifest(manifest.get("koppeling")),
            risk=package.risk,
        )
    except BuurtbeeldError:
        raise  # already coded (BB-PKG-005, BB-PKG-025, …): never re-labelled as BB-PKG-002
    except (KeyError, TypeError, ValueError) as err:
        raise refuse(
            f"manifest.json mist of bevat een ongeldig veld ({err}).", "BB-PKG-002"
        ) from err


def _known_profile(name: str) -> None:
    try:
        get_profile(name)
    except (KeyError, ValueError) as err:
        raise ImportFileError(
            "Pakket geweigerd: het manifest noemt een onbekend beveiligingsprofiel.",
            code="BB-PKG-025",
            hint=f"Bekende profielen: {', '.join(sorted(PROFILES))}. Maak het pakket opnieuw met de brontoolkit.",
        ) from err


def _dimensions(table: PackageTable) -> tuple[TableDimension, ...]:
    dims: list[dict[str, Any]] | None = table.meta.get("dimensies")
    if dims is not None:
        return tuple(TableDimension(str(d["naam"]), bool(d.get("optelbaar", True))) for d in dims)
    single = table.meta.get("dimensie")
    return (TableDimension(str(single)),) if single else ()


def _at_least_of(package: Package, meta: dict[str, Any]) -> tuple[str, ...]:
    """The provisions of the linked table a ``combinaties: minstens`` table sums (the manifest
    checked that the table exists and is a linked table of the same unit)."""
    if meta.get("combinaties") != "minstens":
        return ()
    linked = package.tables[str(meta["minstens_van"])]
    return tuple(d.name for d in _dimensions(linked))


def _column(data: pa.Table, name: str, table: str) -> list[Any]:
    if name not in data.column_names:
        raise refuse(f"tabel '{table}' mist de kolom '{name}'.", "BB-PKG-005")
    values: list[Any] = data[name].to_pylist()
    return values


def _tables(package: Package, table: PackageTable) -> list[PublishedTable]:
    """One :class:`PublishedTable` per period of a package table."""
    meta, data, name = table.meta, table.data, table.name
    dims = _dimensions(table)
    codes = [str(c).strip().upper() for c in data["regiocode"].to_pylist()]
    n = len(codes)
    combos: list[tuple[str, ...]]
    if len(dims) == 1 and dims[0].name not in data.column_names:
        # version 1 written by hand: the single dimension lives in 'categorie'
        raw = data["categorie"].to_pylist() if "categorie" in data.column_names else [None] * n
        combos = [(str(c or TOTAL),) for c in raw]
    else:
        columns = [_column(data, d.name, name) for d in dims]
        combos = [tuple(str(col[i] or TOTAL) for col in columns) for i in range(n)]
    periods = (
        [str(p) for p in data["periode"].to_pylist()]
        if "periode" in data.column_names
        else [package.periods[0]] * n
    )
    values = [None if v is None else float(v) for v in data["waarde"].to_pylist()]
    statuses = [str(s) for s in data["status"].to_pylist()]
    measure = str(meta.get("maat", "aantal"))
    out = []
    for period in sorted(set(periods)):
        rows = [i for i in range(n) if periods[i] == period]
        out.append(
            PublishedTable(
                name=name,
                title=str(meta.get("titel", name)),
                period=period,
                dimensions=dims,
                keys=tuple((codes[i], combos[i]) for i in rows),
                values=tuple(values[i] for i in rows),
                statuses=tuple(statuses[i] for i in rows),
                polarity=str(meta.get("richting") or "neutraal"),
                measure=measure,
                profile=str(meta["profiel"]) if meta.get("profiel") else None,
                unit=str(meta.get("eenheid") or package.manifest.get("eenheid", "personen")),
                amount_column=str(meta["bedragkolom"]) if meta.get("bedragkolom") else None,
                exclusive=meta.get("combinaties") == "exclusief",
                at_least_of=_at_least_of(package, meta),
            )
        )
    return out
