"""Opening a package zip within bounds: sizes, ratio, member count and names checked before
anything is decompressed, and no member decompressed beyond its declared size (zip bombs,
path traversal).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from buurtbeeld.errors import ImportFileError

_MEMBER = re.compile(r"^[a-z][a-z0-9_]*\.(json|parquet|md)$")
_MB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    """What the reader accepts before it decompresses anything (zip bombs, path traversal)."""

    max_file_bytes: int = 512 * _MB
    max_members: int = 210
    max_member_bytes: int = 256 * _MB
    max_total_bytes: int = 512 * _MB
    max_ratio: float = 100.0
    """Uncompressed / compressed size of a member (checked for members over 1 MB)."""
    max_rows: int = 20_000_000
    """Rows per table (Parquet pages are compressed too: a small file can hold billions)."""


LIMITS = ZipLimits()


def refuse(message: str, code: str) -> ImportFileError:
    """The error that refuses a package (the message names files and fields, never values)."""
    return ImportFileError(
        f"Pakket geweigerd: {message}",
        code=code,
        hint="Vraag de partner het pakket opnieuw te maken met de brontoolkit; wijzig pakketten nooit met de hand.",
    )


def too_big(what: str) -> ImportFileError:
    return ImportFileError(
        f"Pakket geweigerd: {what}",
        code="BB-PKG-020",
        hint="Een pakket van de brontoolkit blijft ruim binnen deze grenzen; vraag de partner het "
        "pakket opnieuw te maken, of splits een zeer grote levering per gemeente of periode.",
    )


def _check_members(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    """Bound count, names, sizes and ratios from the central directory, before decompressing."""
    if len(infos) > limits.max_members:
        raise ImportFileError(
            f"Pakket geweigerd: het zip-bestand heeft {len(infos)} onderdelen (hoogstens "
            f"{limits.max_members}).",
            code="BB-PKG-022",
            hint="Vraag de partner het pakket opnieuw te maken met de brontoolkit.",
        )
    for info in infos:
        if not _MEMBER.match(info.filename) or info.is_dir():
            raise ImportFileError(
                "Pakket geweigerd: het zip-bestand bevat een map of een bestandsnaam die niet in "
                "een pakket hoort (alleen namen als 'tabel.parquet'; geen mappen of paden).",
                code="BB-PKG-023",
                hint="Vraag de partner het pakket opnieuw te maken met de brontoolkit.",
            )
        if info.file_size > limits.max_member_bytes:
            raise too_big(
                f"'{info.filename}' is uitgepakt groter dan {limits.max_member_bytes // _MB} MB."
            )
        if info.file_size > _MB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ImportFileError(
                f"Pakket geweigerd: '{info.filename}' is verdacht sterk gecomprimeerd "
                f"(meer dan {limits.max_ratio:.0f} keer); het wordt niet uitgepakt.",
                code="BB-PKG-021",
                hint="Dit lijkt op een zip-bom. Vraag de partner het pakket opnieuw te maken met de brontoolkit.",
            )
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        raise too_big(
            f"de onderdelen zijn uitgepakt samen groter dan {limits.max_total_bytes // _MB} MB."
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Decompress at most the declared size (+1 byte to notice a lie)."""
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise refuse(f"'{info.filename}' is beschadigd (grootte klopt niet).", "BB-PKG-001")
    return data


def open_members(path: Path, limits: ZipLimits) -> tuple[dict[str, bytes], str]:
    """Every member's bytes (bounded) and the SHA-256 of the whole file."""
    if path.is_dir() or not path.exists():
        what = "is een map, geen pakketbestand" if path.is_dir() else "bestaat niet"
        raise ImportFileError(
            f"Bestand '{path.name}' {what}.",
            code="BB-IMP-002",
            hint="Geef het pad van het .zip-bestand.",
        )
    if path.stat().st_size > limits.max_file_bytes:
        raise too_big(f"'{path.name}' is groter dan {limits.max_file_bytes // _MB} MB.")
    raw = path.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            names = [i.filename for i in infos]
            if len(set(names)) != len(names):
                raise refuse("een bestand komt twee keer voor in het pakket.", "BB-PKG-004")
            _check_members(infos, limits)
            blobs = {i.filename: _read_member(archive, i) for i in infos}
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
        raise refuse(f"'{path.name}' is geen leesbaar zip-bestand.", "BB-PKG-001") from err
    return blobs, hashlib.sha256(raw).hexdigest()
