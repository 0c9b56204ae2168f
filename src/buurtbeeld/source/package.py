"""The package: one zip per delivery with protected Parquet tables, a manifest and a report.

Format ``buurtbeeld-pakket`` (docs/source-toolkit.md, "Pakketformaat"): ``manifest.json``,
one ``<tabel>.parquet`` per table (``periode``, ``regiocode``, ``niveau``, ``categorie``, one
column per dimension, ``waarde``, ``status``) and ``rapport.md``. The manifest lists every
other member with its SHA-256. The writer marks a package ``versie: 1`` when the original
format can express it (one period; count tables with the package profile and at most one
dimension) and ``versie: 2`` otherwise; version 2 only adds fields and columns.

The zip is reproducible: the same delivery gives the same bytes (fixed member dates, sorted
keys), so the platform can recognise a package it has already imported.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import secrets
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from buurtbeeld import __version__
from buurtbeeld.errors import ImportFileError
from buurtbeeld.source.aggregate import Aggregation
from buurtbeeld.source.protection import ProtectedDelivery, protect_delivery
from buurtbeeld.source.report import delivery_report
from buurtbeeld.source.spec import DeliverySpec

FORMAT = "buurtbeeld-pakket"
VERSION = 1
LATEST_VERSION = 2
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


def _version(delivery: ProtectedDelivery) -> int:
    agg = delivery.aggregation
    simple = len(agg.periods) == 1 and all(
        o.source.measure == "aantal" and len(o.source.dimensions) <= 1 for o in delivery.outputs
    )
    return VERSION if simple else LATEST_VERSION


def manifest_for(delivery: ProtectedDelivery) -> dict[str, Any]:
    """The manifest fields of a protected delivery (``bestanden`` is added by the writer)."""
    agg = delivery.aggregation
    spec = agg.spec
    periods = [p.label for p in agg.periods]
    tables = []
    for out in delivery.outputs:
        src = out.source
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
                        "categorieen": agg.categories[d],
                    }
                    for d in src.dimensions
                ],
                "maat": src.measure,
                "eenheid": src.unit,
                "bedragkolom": src.spec.kolom if src.measure == "som" else None,
                "profiel": out.profile,
                "richting": src.spec.richting,
                "cellen": out.data.num_rows,
                "verborgen_per_reden": out.hidden_by_reason,
            }
        )
    return {
        "formaat": FORMAT,
        "versie": _version(delivery),
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
        "verborgen_per_reden": delivery.hidden_by_reason(),
        "regels": {
            "gelezen": agg.rows_read,
            "geldig": agg.valid_rows,
            "buiten_de_periode": agg.outside_period,
            "ongeldig_per_reden": dict(sorted(agg.bad_rows.items())),
        },
        "tabellen": tables,
    }


def write_delivery(delivery: ProtectedDelivery, target: Path) -> Path:
    """Write a protected delivery as a package with its report."""
    manifest = manifest_for(delivery)
    report = delivery_report(delivery, manifest)
    return write_package(
        target, manifest, {o.name: o.data for o in delivery.outputs}, report=report
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


def _refuse(message: str, code: str) -> ImportFileError:
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
        raise _refuse(f"'{path.name}' is geen leesbaar zip-bestand.", "BB-PKG-001") from err
    with archive:
        if len(set(names)) != len(names):
            raise _refuse("een bestand komt twee keer voor in het pakket.", "BB-PKG-004")
        if MANIFEST not in names:
            raise _refuse(f"'{path.name}' heeft geen {MANIFEST}.", "BB-PKG-002")
        try:
            manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise _refuse(f"{MANIFEST} is geen geldige JSON.", "BB-PKG-002") from err
        if (
            not isinstance(manifest, dict)
            or manifest.get("formaat") != FORMAT
            or manifest.get("versie") not in (1, 2)
        ):
            raise _refuse(
                f"onbekend formaat (Buurtbeeld leest '{FORMAT}' versie 1 en 2).", "BB-PKG-002"
            )
        listed = manifest.get("bestanden")
        if not isinstance(listed, dict):
            raise _refuse(f"{MANIFEST} mist 'bestanden'.", "BB-PKG-002")
        extra = sorted(set(names) - set(listed) - {MANIFEST})
        missing = sorted(set(listed) - set(names))
        if extra or missing:
            raise _refuse(
                f"bestanden in het pakket en in het manifest verschillen (extra: {', '.join(extra) or 'geen'}; "
                f"ontbrekend: {', '.join(missing) or 'geen'}).",
                "BB-PKG-004",
            )
        blobs = {name: archive.read(name) for name in listed}
    for name, expected in listed.items():
        if hashlib.sha256(blobs[name]).hexdigest() != expected:
            raise _refuse(
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
            if member not in blobs:
                raise _refuse(f"tabel '{name}' verwijst naar een ontbrekend bestand.", "BB-PKG-004")
            try:
                data = pq.read_table(io.BytesIO(blobs[member]))
            except pa.ArrowInvalid as err:
                raise _refuse(
                    f"tabel '{name}' is geen leesbaar Parquet-bestand.", "BB-PKG-005"
                ) from err
            absent = [c for c in REQUIRED_COLUMNS if c not in data.column_names]
            if absent:
                raise _refuse(f"tabel '{name}' mist kolommen ({', '.join(absent)}).", "BB-PKG-005")
            package.tables[name] = PackageTable(name, dict(meta), data)
    except (KeyError, TypeError) as err:
        raise _refuse(f"{MANIFEST} mist of bevat een ongeldig veld ({err}).", "BB-PKG-002") from err
    if REPORT in blobs:
        package.report = blobs[REPORT].decode("utf-8", errors="replace")
    return package
