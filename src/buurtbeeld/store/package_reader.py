"""Read a protected package (format ``buurtbeeld-pakket`` v1) on the platform side.

The package is the contract between a partner's source toolkit and the platform; the platform
reads it with its own code and trusts nothing it cannot check. Format (see docs/pakketformaat.md):
a zip with ``manifest.json`` and one Parquet file per table (columns ``regiocode``,
``categorie``, ``waarde``, ``status``), every member listed with its SHA-256 in the manifest.
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

from buurtbeeld.catalog.models import Polarity
from buurtbeeld.errors import ImportFileError
from buurtbeeld.protect import get_profile
from buurtbeeld.store.intake import TOTAL, PackageContents, PublishedTable

FORMAT = "buurtbeeld-pakket"
VERSION = 1
COLUMNS = {"regiocode", "categorie", "waarde", "status"}


def _error(
    message: str,
    code: str,
    hint: str = "Vraag de partner het pakket opnieuw te maken met de brontoolkit.",
) -> ImportFileError:
    return ImportFileError(f"Pakket geweigerd: {message}", code=code, hint=hint)


def read_package(path: Path) -> PackageContents:
    """Open, verify checksums and parse a package.

    Raises
    ------
    ImportFileError
        ``BB-PKG-001`` not a readable zip, ``BB-PKG-002`` manifest missing or invalid,
        ``BB-PKG-003`` a checksum differs, ``BB-PKG-004`` unlisted or missing members,
        ``BB-PKG-005`` a table does not have the required columns.
    """
    if not path.exists():
        raise ImportFileError(
            f"Bestand '{path}' bestaat niet.", code="BB-IMP-002", hint="Controleer het pad."
        )
    raw = path.read_bytes()
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = set(archive.namelist())
    except zipfile.BadZipFile as err:
        raise _error(f"'{path.name}' is geen leesbaar zip-bestand.", "BB-PKG-001") from err
    with archive:
        if "manifest.json" not in names:
            raise _error(f"'{path.name}' heeft geen manifest.json.", "BB-PKG-002")
        try:
            manifest: dict[str, Any] = json.loads(archive.read("manifest.json").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise _error("manifest.json is geen geldige JSON.", "BB-PKG-002") from err
        if manifest.get("formaat") != FORMAT or manifest.get("versie") != VERSION:
            raise _error(
                f"onbekend formaat ({manifest.get('formaat')!r} versie {manifest.get('versie')!r}).",
                "BB-PKG-002",
                f"Buurtbeeld leest '{FORMAT}' versie {VERSION}.",
            )
        listed: dict[str, str] = manifest.get("bestanden") or {}
        extra = sorted(names - set(listed) - {"manifest.json"})
        missing = sorted(set(listed) - names)
        if extra or missing:
            raise _error(
                f"bestanden in het pakket en in het manifest verschillen (extra: {', '.join(extra) or 'geen'}; "
                f"ontbrekend: {', '.join(missing) or 'geen'}).",
                "BB-PKG-004",
            )
        for name, expected in listed.items():
            if hashlib.sha256(archive.read(name)).hexdigest() != expected:
                raise _error(
                    f"de controlesom van '{name}' klopt niet: het pakket is beschadigd of gewijzigd.",
                    "BB-PKG-003",
                )
        try:
            get_profile(str(manifest["profiel"]))
            tables = tuple(_table(archive, spec) for spec in manifest["tabellen"])
            return PackageContents(
                file_name=path.name,
                sha256=hashlib.sha256(raw).hexdigest(),
                source=str(manifest["bron"]),
                dataset=str(manifest["dataset"]),
                unit=str(manifest.get("eenheid", "personen")),
                period=str(manifest["periode"]),
                division_year=int(manifest["indelingsjaar"]),
                profile=str(manifest["profiel"]),
                tables=tables,
            )
        except (KeyError, TypeError, ValueError) as err:
            raise _error(
                f"manifest.json mist of bevat een ongeldig veld ({err}).", "BB-PKG-002"
            ) from err


def _table(archive: zipfile.ZipFile, spec: dict[str, Any]) -> PublishedTable:
    name = str(spec["naam"])
    try:
        table = pq.read_table(io.BytesIO(archive.read(str(spec["bestand"]))))
    except (pa.ArrowInvalid, KeyError) as err:
        raise _error(f"tabel '{name}' is geen leesbaar Parquet-bestand.", "BB-PKG-005") from err
    if not {"regiocode", "waarde", "status"} <= set(table.column_names):
        raise _error(
            f"tabel '{name}' mist kolommen (nodig: {', '.join(sorted(COLUMNS))}).", "BB-PKG-005"
        )
    codes = [str(c).strip().upper() for c in table["regiocode"].to_pylist()]
    categories = (
        table["categorie"].to_pylist()
        if "categorie" in table.column_names
        else [TOTAL] * len(codes)
    )
    values = [None if v is None else float(v) for v in table["waarde"].to_pylist()]
    return PublishedTable(
        name=name,
        title=str(spec.get("titel", name)),
        dimension=spec.get("dimensie"),
        keys=tuple((c, str(k or TOTAL)) for c, k in zip(codes, categories, strict=True)),
        values=tuple(values),
        statuses=tuple(str(s) for s in table["status"].to_pylist()),
        polarity=Polarity(spec.get("richting", Polarity.NEUTRAL.value)),
    )
