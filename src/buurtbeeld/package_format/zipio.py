"""Zip layout of the package contract: writing and verified reading.

Format ``buurtbeeld-pakket`` (docs/pakketformaat.md): one zip per delivery with
``manifest.json``, one ``<tabel>.parquet`` per table (``periode``, ``regiocode``, ``niveau``,
``categorie``, one column per dimension, ``waarde``, ``status``) and ``rapport.md``. The
manifest lists every other member with its SHA-256. Version 1 holds one period and count
tables with at most one dimension; version 2 only adds fields and columns (several periods,
several dimensions, amount tables with their own profile).

The toolkit writes packages with :func:`write_package`; the platform reads them with
:func:`read_package` and trusts nothing it has not checked. This module does no protection
and knows nothing of records: it only (de)serialises what is already protected.
The zip is reproducible: the same tables give the same bytes (fixed member dates), so the
platform can recognise a package it has already imported.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from buurtbeeld.errors import ImportFileError

FORMAT = "buurtbeeld-pakket"
VERSION = 1
LATEST_VERSION = 2
VERSIONS = (1, 2)
MANIFEST = "manifest.json"
REPORT = "rapport.md"
_DATE = (2020, 1, 1, 0, 0, 0)
REQUIRED_COLUMNS = ("regiocode", "waarde", "status")


# -- writing --------------------------------------------------------------------------------


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", store_schema=False)
    return sink.getvalue()


def write_package(
    path: Path,
    manifest: dict[str, Any],
    tables: dict[str, pa.Table],
    report: str = "",
) -> Path:
    """Write a package zip: ``manifest.json`` listing every member with its SHA-256.

    Parameters
    ----------
    path
        Target ``.zip``.
    manifest
        Manifest fields; ``formaat``, ``versie`` (default 1) and ``bestanden`` are filled in.
    tables
        Table name → protected table (written as ``<name>.parquet``).
    report
        The Dutch report (``rapport.md``), if any.
    """
    members: dict[str, bytes] = {f"{n}.parquet": _parquet_bytes(t) for n, t in tables.items()}
    if report:
        members[REPORT] = report.encode("utf-8")
    full = {
        "formaat": FORMAT,
        "versie": manifest.get("versie", VERSION),
        **{k: v for k, v in manifest.items() if k not in ("formaat", "versie", "bestanden")},
        "bestanden": {n: hashlib.sha256(b).hexdigest() for n, b in sorted(members.items())},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [
            (MANIFEST, json.dumps(full, ensure_ascii=False, indent=2, sort_keys=False).encode()),
            *sorted(members.items()),
        ]:
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    os.replace(tmp, path)
    return path


# -- reading (for the platform's intake) ----------------------------------------------------


@dataclass
class PackageTable:
    """One table of a package: its manifest entry and its protected cells."""

    name: str
    meta: dict[str, Any]
    data: pa.Table

    @property
    def dimensions(self) -> list[str]:
        """Dimension columns (version 1: the single ``dimensie``, if any)."""
        dims = self.meta.get("dimensies")
        if dims is not None:
            return [str(d["naam"]) for d in dims]
        single = self.meta.get("dimensie")
        return [str(single)] if single else []


@dataclass
class Package:
    """A verified package: manifest, tables and report (checksums already checked)."""

    path: Path
    sha256: str
    manifest: dict[str, Any]
    tables: dict[str, PackageTable] = field(default_factory=dict)
    report: str = ""

    @property
    def version(self) -> int:
        """Format version (1 or 2)."""
        return int(self.manifest["versie"])

    @property
    def periods(self) -> list[str]:
        """Periods in the package (version 1: the single ``periode``)."""
        return list(self.manifest.get("perioden") or [self.manifest["periode"]])


def refuse(message: str, code: str) -> ImportFileError:
    """The error that refuses a package (the message names files and fields, never values)."""
    return ImportFileError(
        f"Pakket geweigerd: {message}",
        code=code,
        hint="Vraag de partner het pakket opnieuw te maken met de brontoolkit; wijzig pakketten nooit met de hand.",
    )


def read_package(path: Path) -> Package:
    """Open a package, verify every checksum and read its tables (pure Python + PyArrow).

    Raises
    ------
    ImportFileError
        ``BB-IMP-002`` missing file; ``BB-PKG-001`` not a zip; ``BB-PKG-002`` manifest
        missing, invalid or of an unknown format/version; ``BB-PKG-003`` a checksum differs;
        ``BB-PKG-004`` members and manifest differ; ``BB-PKG-005`` a table is unreadable or
        lacks columns.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFileError(
            f"Bestand '{path.name}' bestaat niet.", code="BB-IMP-002", hint="Controleer het pad."
        )
    raw = path.read_bytes()
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = archive.namelist()
    except zipfile.BadZipFile as err:
        raise refuse(f"'{path.name}' is geen leesbaar zip-bestand.", "BB-PKG-001") from err
    with archive:
        if len(set(names)) != len(names):
            raise refuse("een bestand komt twee keer voor in het pakket.", "BB-PKG-004")
        if MANIFEST not in names:
            raise refuse(f"'{path.name}' heeft geen {MANIFEST}.", "BB-PKG-002")
        try:
            manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise refuse(f"{MANIFEST} is geen geldige JSON.", "BB-PKG-002") from err
        if (
            not isinstance(manifest, dict)
            or manifest.get("formaat") != FORMAT
            or manifest.get("versie") not in VERSIONS
        ):
            raise refuse(
                f"onbekend formaat (Buurtbeeld leest '{FORMAT}' versie 1 en 2).", "BB-PKG-002"
            )
        listed = manifest.get("bestanden")
        if not isinstance(listed, dict):
            raise refuse(f"{MANIFEST} mist 'bestanden'.", "BB-PKG-002")
        extra = sorted(set(names) - set(listed) - {MANIFEST})
        missing = sorted(set(listed) - set(names))
        if extra or missing:
            raise refuse(
                f"bestanden in het pakket en in het manifest verschillen (extra: {', '.join(extra) or 'geen'}; "
                f"ontbrekend: {', '.join(missing) or 'geen'}).",
                "BB-PKG-004",
            )
        blobs = {name: archive.read(name) for name in listed}
    for name, expected in listed.items():
        if hashlib.sha256(blobs[name]).hexdigest() != expected:
            raise refuse(
                f"de controlesom van '{name}' klopt niet: het pakket is beschadigd of gewijzigd.",
                "BB-PKG-003",
            )
    package = Package(path, hashlib.sha256(raw).hexdigest(), manifest)
    try:
        for key in ("bron", "dataset", "periode", "indelingsjaar", "profiel", "tabellen"):
            if key not in manifest:
                raise KeyError(key)
        for meta in manifest["tabellen"]:
            name, member = str(meta["naam"]), str(meta["bestand"])
            if name in package.tables:
                raise refuse(f"tabel '{name}' staat twee keer in {MANIFEST}.", "BB-PKG-002")
            if member not in blobs:
                raise refuse(f"tabel '{name}' verwijst naar een ontbrekend bestand.", "BB-PKG-004")
            try:
                data = pq.read_table(io.BytesIO(blobs[member]))
            except pa.ArrowInvalid as err:
                raise refuse(
                    f"tabel '{name}' is geen leesbaar Parquet-bestand.", "BB-PKG-005"
                ) from err
            absent = [c for c in REQUIRED_COLUMNS if c not in data.column_names]
            if absent:
                raise refuse(f"tabel '{name}' mist kolommen ({', '.join(absent)}).", "BB-PKG-005")
            package.tables[name] = PackageTable(name, dict(meta), data)
    except (KeyError, TypeError) as err:
        raise refuse(f"{MANIFEST} mist of bevat een ongeldig veld ({err}).", "BB-PKG-002") from err
    if REPORT in blobs:
        package.report = blobs[REPORT].decode("utf-8", errors="replace")
    return package
