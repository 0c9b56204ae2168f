"""Zip layout of the package contract: writing and verified reading.

Format ``buurtbeeld-pakket`` (docs/pakketformaat.md): one zip per delivery with
``manifest.json``, one ``<tabel>.parquet`` per table (``periode``, ``regiocode``, ``niveau``,
``categorie``, one column per dimension, ``waarde``, ``status``) and ``rapport.md``. The
manifest lists every other member with its SHA-256. Version 1 holds one period and count
tables with at most one dimension; version 2 only adds fields and columns (several periods,
several dimensions, amount tables with their own profile). Version 3 adds the signature:
``handtekening.json`` holds an Ed25519 signature of the exact ``manifest.json`` bytes
(:mod:`.signing`), and every manifest field is validated against :mod:`.manifest`.

The toolkit writes packages with :func:`write_package`; the platform reads them with
:func:`read_package` and trusts nothing it has not checked: sizes, member names and
compression ratios are bounded *before* anything is decompressed (:class:`ZipLimits`), then
the signature, the schema, the checksums and the tables' columns are checked. This module
does no protection and knows nothing of records: it only (de)serialises what is already
protected. The zip is reproducible: the same tables give the same bytes (fixed member
dates; Ed25519 signatures are deterministic), so the platform can recognise a package it has
already imported.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from buurtbeeld.errors import BuurtbeeldError, ImportFileError, SignatureError
from buurtbeeld.package_format.bounded import LIMITS, ZipLimits, open_members, refuse, too_big
from buurtbeeld.package_format.linkage import linkage_from_manifest
from buurtbeeld.package_format.manifest import is_plain_text, validate_manifest
from buurtbeeld.package_format.model import TOTAL, Linkage
from buurtbeeld.package_format.risk_estimates import RiskEstimates, risk_from_manifest
from buurtbeeld.package_format.signing import (
    SIGNATURE,
    PublicKey,
    SigningKey,
    sign_manifest,
    verify_manifest,
)

FORMAT = "buurtbeeld-pakket"
VERSION = 1
SIGNED_VERSION = 3
HIDDEN_STATUS_VERSION = 3
"""From this version every hidden cell has status ``HIDDEN_STATUS`` (one hidden status)."""
LATEST_VERSION = 3
VERSIONS = (1, 2, 3)
MANIFEST = "manifest.json"
REPORT = "rapport.md"
_DATE = (2020, 1, 1, 0, 0, 0)
REQUIRED_COLUMNS = ("regiocode", "waarde", "status")
BASE_COLUMNS = ("periode", "regiocode", "niveau", "categorie", "waarde", "status")
"""Columns every table may have; besides these only its dimension columns."""


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
    *,
    key: SigningKey | None = None,
) -> Path:
    """Write a package zip: ``manifest.json`` listing every member with its SHA-256.

    Parameters
    ----------
    path
        Target ``.zip``.
    manifest
        Manifest fields; ``formaat``, ``versie`` and ``bestanden`` are filled in.
    tables
        Table name → protected table (written as ``<name>.parquet``).
    report
        The Dutch report (``rapport.md``), if any.
    key
        The partner's signing key: the package becomes version 3 with ``handtekening.json``.
        Without a key the manifest's ``versie`` (1 or 2) is kept: an unsigned package, which
        the platform refuses (only for reading old formats and for tests).

    Raises
    ------
    ImportFileError
        ``BB-PKG-025`` when a manifest field is invalid (nothing is written).
    """
    members: dict[str, bytes] = {f"{n}.parquet": _parquet_bytes(t) for n, t in tables.items()}
    if report:
        members[REPORT] = report.encode("utf-8")
    version = SIGNED_VERSION if key is not None else int(manifest.get("versie", VERSION))
    if key is None and version >= SIGNED_VERSION:
        raise ValueError("a version 3 package needs a signing key")
    full = {
        "formaat": FORMAT,
        "versie": version,
        **{k: v for k, v in manifest.items() if k not in ("formaat", "versie", "bestanden")},
        "bestanden": {n: hashlib.sha256(b).hexdigest() for n, b in sorted(members.items())},
    }
    validate_manifest(full)
    manifest_bytes = json.dumps(full, ensure_ascii=False, indent=2, sort_keys=False).encode()
    head = [(MANIFEST, manifest_bytes)]
    if key is not None:
        head.append((SIGNATURE, sign_manifest(manifest_bytes, key)))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*head, *sorted(members.items())]:
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
    signer: PublicKey | None = None
    """The registered key that signed the package (``None``: signature not checked)."""

    @property
    def version(self) -> int:
        """Format version (1, 2 or 3)."""
        return int(self.manifest["versie"])

    @property
    def periods(self) -> list[str]:
        """Periods in the package (version 1: the single ``periode``)."""
        return list(self.manifest.get("perioden") or [self.manifest["periode"]])

    @property
    def linkage(self) -> Linkage | None:
        """The ``koppeling`` field of a linked package (``None``: a package of one partner)."""
        return linkage_from_manifest(self.manifest.get("koppeling"))

    @property
    def risk(self) -> RiskEstimates | None:
        """The ``risicofactoren`` field (``None``: a package without risk estimates)."""
        return risk_from_manifest(self.manifest)


def _check_signature(
    blobs: dict[str, bytes], manifest: dict[str, Any], trusted: Mapping[str, PublicKey]
) -> PublicKey:
    if manifest.get("versie", 0) < SIGNED_VERSION:
        raise SignatureError(
            f"Pakket geweigerd: formaat versie {manifest.get('versie')} is niet ondertekend.",
            code="BB-SIG-004",
            hint="Het platform neemt alleen ondertekende pakketten (formaat versie 3) aan. Vraag de "
            "partner het pakket opnieuw te maken met de huidige brontoolkit.",
        )
    signer = verify_manifest(blobs[MANIFEST], blobs.get(SIGNATURE), dict(trusted))
    if manifest.get("bron") != signer.source:
        raise SignatureError(
            "Pakket geweigerd: de sleutel is geregistreerd voor een andere bron dan het pakket noemt.",
            code="BB-SIG-008",
            hint="Een partner ondertekent alleen pakketten van de eigen bron. Registreer de sleutel van "
            "deze bron, of vraag de partner het pakket met de juiste specificatie te maken.",
        )
    return signer


def _table(name: str, meta: dict[str, Any], blob: bytes, limits: ZipLimits) -> pa.Table:
    """Read one Parquet member after bounding its size; refuse columns a table may not have."""
    try:
        parquet = pq.ParquetFile(io.BytesIO(blob))
        meta_data = parquet.metadata
        uncompressed = sum(
            meta_data.row_group(i).total_byte_size for i in range(meta_data.num_row_groups)
        )
        if meta_data.num_rows > limits.max_rows or uncompressed > limits.max_total_bytes:
            raise too_big(f"tabel '{name}' is uitgepakt te groot.")
        columns = list(parquet.schema_arrow.names)
        dims = [str(d["naam"]) for d in meta.get("dimensies") or []]
        if meta.get("dimensie"):
            dims.append(str(meta["dimensie"]))
        unknown = [c for c in columns if c not in BASE_COLUMNS and c not in dims]
        if unknown or len(set(columns)) != len(columns):
            raise ImportFileError(
                f"Pakket geweigerd: tabel '{name}' heeft {len(unknown) or 1} kolom(men) die niet in een "
                "pakkettabel horen (alleen periode, regiocode, niveau, categorie, de dimensies, waarde en status).",
                code="BB-PKG-024",
                hint="Een extra kolom kan verborgen cijfers bevatten. Vraag de partner het pakket "
                "opnieuw te maken met de brontoolkit.",
            )
        data = parquet.read()
    except BuurtbeeldError:
        raise
    except (pa.ArrowException, OSError, ValueError) as err:
        raise refuse(f"tabel '{name}' is geen leesbaar Parquet-bestand.", "BB-PKG-005") from err
    absent = [c for c in REQUIRED_COLUMNS if c not in data.column_names]
    if absent:
        raise refuse(f"tabel '{name}' mist kolommen ({', '.join(absent)}).", "BB-PKG-005")
    for column in [c for c in (*dims, "categorie") if c in data.column_names]:
        try:
            labels = pc.unique(data[column].cast(pa.string())).to_pylist()
        except pa.ArrowException as err:
            raise refuse(f"tabel '{name}', kolom '{column}' is geen tekst.", "BB-PKG-005") from err
        parts = {p for v in labels if v is not None for p in str(v).split(" | ")}
        if any(p != TOTAL and not is_plain_text(p) for p in parts):
            raise refuse(
                f"tabel '{name}', kolom '{column}' bevat een categorie met opmaak, een formule of "
                "niet toegestane tekens.",
                "BB-PKG-025",
            )
    return data


def read_package(
    path: Path,
    trusted: Mapping[str, PublicKey] | None = None,
    *,
    limits: ZipLimits = LIMITS,
) -> Package:
    """Open a package, verify signature, schema and checksums, and read its tables.

    Parameters
    ----------
    trusted
        Registered public keys by fingerprint. Given (the platform): the package must be a
        signed version 3 package whose signature verifies with one of them. ``None`` (the
        toolkit reading its own package): the signature is not checked.

    Raises
    ------
    ImportFileError
        ``BB-IMP-002`` missing file; ``BB-PKG-001`` not a zip; ``BB-PKG-002`` manifest
        missing, invalid or of an unknown format/version; ``BB-PKG-003`` a checksum differs;
        ``BB-PKG-004`` members and manifest differ; ``BB-PKG-005`` a table is unreadable or
        lacks columns; ``BB-PKG-020``…``023`` size, ratio, member count or names beyond
        :class:`ZipLimits`; ``BB-PKG-024`` a column a table may not have; ``BB-PKG-025`` a
        manifest field or category fails the schema.
    SignatureError
        ``BB-SIG-004``…``008`` (with ``trusted``): unsigned, unknown key, bad signature.
    """
    path = Path(path)
    blobs, sha256 = open_members(path, limits)
    if MANIFEST not in blobs:
        raise refuse(f"'{path.name}' heeft geen {MANIFEST}.", "BB-PKG-002")
    try:
        manifest = json.loads(blobs[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise refuse(f"{MANIFEST} is geen geldige JSON.", "BB-PKG-002") from err
    if (
        not isinstance(manifest, dict)
        or manifest.get("formaat") != FORMAT
        or manifest.get("versie") not in VERSIONS
    ):
        raise refuse(
            f"onbekend formaat (Buurtbeeld leest '{FORMAT}' versie 1, 2 en 3).", "BB-PKG-002"
        )
    signer = _check_signature(blobs, manifest, trusted) if trusted is not None else None
    listed = manifest.get("bestanden")
    if not isinstance(listed, dict):
        raise refuse(f"{MANIFEST} mist 'bestanden'.", "BB-PKG-002")
    if isinstance(manifest.get("tabellen"), list):
        names = [t.get("naam") for t in manifest["tabellen"] if isinstance(t, dict)]
        if len(set(names)) != len(names):
            raise refuse(f"een tabel staat twee keer in {MANIFEST}.", "BB-PKG-002")
    extra = sorted(set(blobs) - set(listed) - {MANIFEST, SIGNATURE})
    missing = sorted(set(listed) - set(blobs))
    if extra or missing or (SIGNATURE in blobs and manifest["versie"] < SIGNED_VERSION):
        raise refuse(
            f"bestanden in het pakket en in het manifest verschillen ({len(extra)} extra, "
            f"{len(missing)} ontbrekend).",
            "BB-PKG-004",
        )
    for name, expected in listed.items():
        if hashlib.sha256(blobs[name]).hexdigest() != expected:
            raise refuse(
                f"de controlesom van '{name}' klopt niet: het pakket is beschadigd of gewijzigd.",
                "BB-PKG-003",
            )
    validate_manifest(manifest)
    package = Package(path, sha256, manifest, signer=signer)
    for meta in manifest["tabellen"]:
        name = str(meta["naam"])
        package.tables[name] = PackageTable(
            name, dict(meta), _table(name, meta, blobs[str(meta["bestand"])], limits)
        )
    if REPORT in blobs:
        package.report = blobs[REPORT].decode("utf-8", errors="replace")
    return package
