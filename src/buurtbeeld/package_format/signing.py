"""Ed25519 signatures on package manifests (format version 3).

A partner's source toolkit holds a private key (PKCS#8 PEM, file mode 0600, never printed)
and signs the exact bytes of ``manifest.json``; the manifest holds the SHA-256 of every other
member, so the signature covers the whole package. The signature travels as the member
``handtekening.json`` (algorithm, key fingerprint, signature in base64). The platform keeps
the partners' public keys (one line: ``buurtbeeld-ed25519 <base64> <bron>``) and verifies
with :func:`verify_manifest`. Checksums alone prove nothing: anyone can recompute them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from buurtbeeld.errors import SignatureError
from buurtbeeld.package_format.manifest import is_plain_text

SIGNATURE = "handtekening.json"
ALGORITHM = "ed25519"
PUBLIC_PREFIX = "buurtbeeld-ed25519"
_HINT = "Vraag de partner het pakket opnieuw te maken en te ondertekenen met de brontoolkit."


def fingerprint(raw: bytes) -> str:
    """Short stable name of a public key: the first 32 hex digits of its SHA-256."""
    return hashlib.sha256(raw).hexdigest()[:32]


@dataclass(frozen=True)
class PublicKey:
    """A partner's public key and the source (``bron``) it signs for."""

    raw: bytes
    source: str

    @property
    def fingerprint(self) -> str:
        """See :func:`fingerprint`."""
        return fingerprint(self.raw)

    def line(self) -> str:
        """The public key file's one line."""
        return f"{PUBLIC_PREFIX} {base64.b64encode(self.raw).decode('ascii')} {self.source}\n"


@dataclass(frozen=True)
class SigningKey:
    """A loaded private key (never printed: ``repr`` shows only the fingerprint)."""

    key: Ed25519PrivateKey
    source: str

    @property
    def public(self) -> PublicKey:
        """The matching public key."""
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return PublicKey(raw, self.source)

    def __repr__(self) -> str:
        return f"SigningKey(fingerprint={self.public.fingerprint!r})"


def parse_public_key(text: str) -> PublicKey:
    """Read a public key line (``buurtbeeld-ed25519 <base64> <bron>``).

    Raises
    ------
    SignatureError
        ``BB-SIG-003`` when the text is not such a line.
    """
    parts = text.strip().split(" ", 2)
    try:
        if len(parts) != 3 or parts[0] != PUBLIC_PREFIX or not is_plain_text(parts[2].strip()):
            raise ValueError("layout")
        raw = base64.b64decode(parts[1], validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error) as err:
        raise SignatureError(
            "Dit is geen publieke sleutel van de Buurtbeeld-brontoolkit.",
            code="BB-SIG-003",
            hint="Gebruik het bestand '<bron>-sleutel.pub' dat 'buurtbeeld bron sleutel' maakt.",
        ) from err
    return PublicKey(raw, parts[2].strip())


def create_key_pair(private_path: Path, public_path: Path, source: str) -> SigningKey:
    """Create a new key pair: the private key with mode 0600, the public key beside it.

    Raises
    ------
    SignatureError
        ``BB-SIG-001`` when the private key file already exists (it is never overwritten).
    """
    if not is_plain_text(source):
        raise SignatureError(
            "De bronnaam is geen platte tekst (geen opmaak of formules).",
            code="BB-SIG-003",
            hint="Geef de bron in de specificatie een naam van letters, cijfers en spaties.",
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as err:
        raise SignatureError(
            f"Sleutelbestand '{private_path.name}' bestaat al; het wordt nooit overschreven.",
            code="BB-SIG-001",
            hint="Gebruik de bestaande sleutel, of verwijder het bestand bewust om een nieuwe te maken "
            "(meld de nieuwe publieke sleutel dan bij het platform).",
        ) from err
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    signing = SigningKey(key, source)
    public_path.write_text(signing.public.line(), encoding="utf-8")
    return signing


def load_signing_key(path: Path, source: str) -> SigningKey:
    """Load a private key; refuse one that others than its owner can read.

    Raises
    ------
    SignatureError
        ``BB-SIG-002`` unreadable, not an Ed25519 key, or readable by group or others.
    """
    hint = "Maak een sleutel met 'buurtbeeld bron sleutel SPEC' en laat alleen uzelf het bestand lezen (chmod 600)."
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SignatureError(
                f"Sleutelbestand '{path.name}' is leesbaar voor anderen dan de eigenaar.",
                code="BB-SIG-002",
                hint=hint,
            )
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as err:
        raise SignatureError(
            f"Sleutelbestand '{path.name}' is niet te lezen als Ed25519-sleutel.",
            code="BB-SIG-002",
            hint=hint,
        ) from err
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(
            f"Sleutelbestand '{path.name}' is geen Ed25519-sleutel.", code="BB-SIG-002", hint=hint
        )
    return SigningKey(key, source)


def sign_manifest(manifest: bytes, key: SigningKey) -> bytes:
    """The ``handtekening.json`` member for these exact manifest bytes."""
    body = {
        "algoritme": ALGORITHM,
        "sleutel": key.public.fingerprint,
        "handtekening": base64.b64encode(key.key.sign(manifest)).decode("ascii"),
    }
    return json.dumps(body, indent=2).encode("ascii")


def verify_manifest(
    manifest: bytes, signature: bytes | None, trusted: dict[str, PublicKey]
) -> PublicKey:
    """Check the signature of ``manifest.json`` against the registered keys; return the signer.

    ``trusted`` maps fingerprints to registered public keys.

    Raises
    ------
    SignatureError
        ``BB-SIG-004`` no signature; ``BB-SIG-007`` an unreadable signature member;
        ``BB-SIG-005`` a key that is not registered; ``BB-SIG-006`` a signature that does not
        match the manifest.
    """
    if signature is None:
        raise SignatureError(
            "Pakket geweigerd: het pakket is niet ondertekend.",
            code="BB-SIG-004",
            hint="Het platform neemt alleen ondertekende pakketten (formaat versie 3) aan. "
            + _HINT,
        )
    try:
        body = json.loads(signature.decode("ascii"))
        if not isinstance(body, dict) or body.get("algoritme") != ALGORITHM:
            raise ValueError("algorithm")
        key_id = str(body["sleutel"])
        sig = base64.b64decode(str(body["handtekening"]), validate=True)
    except (UnicodeDecodeError, ValueError, KeyError, binascii.Error) as err:
        raise SignatureError(
            f"Pakket geweigerd: {SIGNATURE} is onleesbaar.", code="BB-SIG-007", hint=_HINT
        ) from err
    key = trusted.get(key_id)
    if key is None:
        raise SignatureError(
            "Pakket geweigerd: ondertekend met een sleutel die op dit platform niet is geregistreerd.",
            code="BB-SIG-005",
            hint="Registreer de publieke sleutel van de partner met 'buurtbeeld partner registreer', "
            "nadat u buiten Buurtbeeld om (telefoon, persoonlijk) hebt nagegaan dat hij echt van de partner is.",
        )
    try:
        Ed25519PublicKey.from_public_bytes(key.raw).verify(sig, manifest)
    except InvalidSignature as err:
        raise SignatureError(
            "Pakket geweigerd: de handtekening klopt niet bij het manifest; het pakket is gewijzigd.",
            code="BB-SIG-006",
            hint=_HINT + " Wijzig pakketten nooit met de hand.",
        ) from err
    return key
