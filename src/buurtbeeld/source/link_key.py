"""The shared link key of a stapeling project: a key file and the keyed pseudonyms it gives.

The partners of one project share a *koppelsleutel*: 32 random bytes in a text file
(``buurtbeeld-koppelsleutel 1`` / ``project: <naam>`` / ``sleutel: <base64>``, mode 0600). Each
partner replaces person and household identifiers by HMAC-SHA-256(key, normalised identifier),
truncated to the first 8 bytes (a signed big-endian ``int64``). The linking party never holds
the key; it sees only the :attr:`LinkKey.check_value`, an HMAC of a fixed text, which shows
that all extracts used the same key without revealing it.

The key is never printed, logged or put in an error: :class:`LinkKey` keeps only a keyed HMAC
object (no ``bytes`` attribute), its ``repr`` shows project and check value, and it refuses to
be pickled. docs/stapeling.md ("Voor de privacyfunctionaris") explains the design.

64 bits per pseudonym: the chance that two of *n* different identifiers collide is about
n²/2⁶⁵ (17 million persons: about 1 in 100,000); a collision merges two units in the counts.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from buurtbeeld.errors import BuurtbeeldError

HEADER = "buurtbeeld-koppelsleutel 1"
KEY_BYTES = 32
CHECK_TEXT = b"buurtbeeld-koppelsleutel-controle"
PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}")
_BATCH = 1 << 18  # identifiers hashed per Python batch (bounded memory for the byte strings)


class LinkKeyError(BuurtbeeldError, ValueError):
    """The link key file is missing or unreadable (``BB-PSE-001``)."""

    code = "BB-PSE-001"
    http_status = 422
    default_hint = (
        "Controleer het pad naar het koppelsleutelbestand van dit project; u krijgt het van de "
        "partner of privacyfunctionaris die het project coördineert."
    )


class LinkKeyFormatError(LinkKeyError):
    """The file is not a Buurtbeeld link key (``BB-PSE-002``); the message never quotes it."""

    code = "BB-PSE-002"
    default_hint = (
        "Gebruik het bestand dat 'buurtbeeld bron koppelsleutel' maakte, ongewijzigd; vraag "
        "anders de sleutelhouder van het project om een nieuw exemplaar."
    )


class LinkKeyExposedError(LinkKeyError):
    """The key file is readable or writable by others (``BB-PSE-003``)."""

    code = "BB-PSE-003"
    default_hint = (
        "Maak het bestand alleen voor uzelf leesbaar (chmod 600) en overleg met de "
        "privacyfunctionaris of de sleutel vervangen moet worden."
    )


class LinkKeyExistsError(LinkKeyError):
    """A key file exists already at the path: never overwritten (``BB-PSE-004``)."""

    code = "BB-PSE-004"
    default_hint = (
        "Kies een ander pad, of verwijder het oude bestand bewust (na afloop van het project)."
    )


class ProjectNameError(LinkKeyError):
    """The project name is not a short plain name (``BB-PSE-005``)."""

    code = "BB-PSE-005"
    default_hint = (
        "Gebruik letters, cijfers, spatie, punt, '-' of '_' (hoogstens 80 tekens), "
        "bijvoorbeeld 'stapeling-dordrecht-2024'."
    )


def check_project(name: str) -> str:
    """``name`` when it is a valid project name.

    Raises
    ------
    ProjectNameError
        ``BB-PSE-005``.
    """
    if not PROJECT.fullmatch(name):
        raise ProjectNameError("De projectnaam is ongeldig.")
    return name


@dataclass(frozen=True, repr=False)
class LinkKey:
    """A loaded link key: the project, the check value and the keyed HMAC (never the bytes)."""

    project: str
    check_value: str
    _mac: Any = field(compare=False)

    @classmethod
    def _from_secret(cls, secret: bytes, project: str) -> LinkKey:
        mac = hmac.new(secret, digestmod="sha256")
        check = hmac.new(secret, CHECK_TEXT, "sha256").digest()[:16].hex()
        return cls(project, check, mac)

    @classmethod
    def load(cls, path: Path) -> LinkKey:
        """Read a key file.

        Raises
        ------
        LinkKeyError
            ``BB-PSE-001`` missing or unreadable, ``BB-PSE-002`` not a key file,
            ``BB-PSE-003`` readable or writable by others.
        """
        path = Path(path)
        try:
            info = path.stat()
        except OSError:
            raise LinkKeyError(
                f"Koppelsleutelbestand '{path.name}' bestaat niet of is niet te lezen."
            ) from None
        if not stat.S_ISREG(info.st_mode):
            raise LinkKeyError(f"'{path.name}' is geen bestand.")
        if os.name == "posix" and info.st_mode & 0o077:
            raise LinkKeyExposedError(
                f"Koppelsleutelbestand '{path.name}' is ook voor anderen leesbaar of schrijfbaar "
                f"(rechten {stat.filemode(info.st_mode)})."
            )
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise LinkKeyError(f"Koppelsleutelbestand '{path.name}' is niet te lezen.") from err
        return cls._parse(raw, path.name)

    @classmethod
    def _parse(cls, raw: bytes, name: str) -> LinkKey:
        # no exception chaining below: a decode error could quote the file's bytes
        bad = f"'{name}' is geen koppelsleutelbestand van Buurtbeeld"
        try:
            lines = raw.decode("ascii").splitlines()
        except UnicodeDecodeError:
            raise LinkKeyFormatError(f"{bad} (geen platte tekst).") from None
        if not lines or lines[0].strip() != HEADER:
            if lines and lines[0].startswith("buurtbeeld-koppelsleutel "):
                raise LinkKeyFormatError(f"{bad} van deze versie (andere formaatversie).")
            raise LinkKeyFormatError(f"{bad} (eerste regel ontbreekt of klopt niet).")
        fields: dict[str, str] = {}
        for line in lines[1:]:
            if not line.strip():
                continue
            name_part, sep, value = line.partition(":")
            if not sep or name_part.strip() not in ("project", "sleutel"):
                raise LinkKeyFormatError(f"{bad} (onbekende regel).")
            fields[name_part.strip()] = value.strip()
        if "sleutel" not in fields or "project" not in fields:
            raise LinkKeyFormatError(f"{bad} (regel 'project' of 'sleutel' ontbreekt).")
        try:
            secret = base64.b64decode(fields["sleutel"], validate=True)
        except (binascii.Error, ValueError):
            raise LinkKeyFormatError(f"{bad} (sleutel is geen base64).") from None
        if len(secret) != KEY_BYTES:
            raise LinkKeyFormatError(f"{bad} (sleutel heeft niet {KEY_BYTES} bytes).")
        try:
            project = check_project(fields["project"])
        except ProjectNameError:
            raise LinkKeyFormatError(f"{bad} (ongeldige projectnaam).") from None
        return cls._from_secret(secret, project)

    def __repr__(self) -> str:
        return f"LinkKey(project={self.project!r}, check_value={self.check_value!r})"

    def __reduce__(self) -> Any:
        raise TypeError("a LinkKey is never pickled (it would carry the key)")

    def digest(self, value: bytes) -> bytes:
        """HMAC-SHA-256(key, value), all 32 bytes (tests and the check value)."""
        mac = self._mac.copy()
        mac.update(value)
        return bytes(mac.digest())

    def pseudonyms(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """The ``int64`` pseudonym of every normalised identifier string; nulls stay null.

        The first 8 bytes of HMAC-SHA-256(key, UTF-8 of the value), read as a signed big-endian
        integer; hashed in batches (bounded memory for the Python byte strings).
        """
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            values = values.cast(
                pa.large_binary() if pa.types.is_large_string(values.type) else pa.binary()
            )
        if not (pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type)):
            raise TypeError("pseudonyms() takes normalised identifiers as text")
        parts = [
            self._hash_batch(values.slice(i, _BATCH).drop_null().to_pylist())
            for i in range(0, len(values), _BATCH)
        ]
        numbers = np.concatenate(parts) if parts else np.empty(0, np.int64)
        if not values.null_count:
            return pa.array(numbers, pa.int64())
        missing = values.is_null().to_numpy(zero_copy_only=False)
        full = np.zeros(len(values), np.int64)
        full[~missing] = numbers
        return pa.array(full, pa.int64(), mask=missing)

    def _hash_batch(self, batch: list[bytes]) -> np.ndarray:
        # the OpenSSL HMAC state inside the stdlib object copies ~35 % faster than the wrapper
        copy = getattr(self._mac, "_hmac", self._mac).copy

        def first8(value: bytes) -> bytes:
            mac = copy()
            mac.update(value)
            return bytes(mac.digest()[:8])

        joined = b"".join(map(first8, batch))
        return np.frombuffer(joined, dtype=">i8").astype(np.int64)


def create_key_file(path: Path, project: str) -> LinkKey:
    """Write a new key file (32 bytes from :mod:`secrets`, mode 0600); never overwrites.

    Raises
    ------
    LinkKeyError
        ``BB-PSE-004`` the file exists, ``BB-PSE-005`` invalid project name, ``BB-PSE-001``
        the folder does not exist.
    """
    path = Path(path)
    check_project(project)
    if path.exists() or path.is_symlink():
        raise LinkKeyExistsError(f"'{path.name}' bestaat al; een sleutel wordt nooit overschreven.")
    if not path.parent.is_dir():
        raise LinkKeyError(
            f"De map voor '{path.name}' bestaat niet.", hint="Maak de map eerst, of kies een pad."
        )
    secret = secrets.token_bytes(KEY_BYTES)
    text = f"{HEADER}\nproject: {project}\nsleutel: {base64.b64encode(secret).decode('ascii')}\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise LinkKeyExistsError(
            f"'{path.name}' bestaat al; een sleutel wordt nooit overschreven."
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        if os.name == "posix":
            os.fchmod(out.fileno(), 0o600)
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    return LinkKey._from_secret(secret, project)


__all__ = [
    "HEADER",
    "LinkKey",
    "LinkKeyError",
    "LinkKeyExistsError",
    "LinkKeyExposedError",
    "LinkKeyFormatError",
    "ProjectNameError",
    "check_project",
    "create_key_file",
]
