"""The partner's signing key: one Ed25519 key pair per source (``bron``), beside the spec.

The private key ``.buurtbeeld-sleutel-<bron>`` (mode 0600) never leaves the partner's
machine and is never printed; the public key ``<bron>-sleutel.pub`` goes to the platform's
data adviser, who registers it with ``buurtbeeld partner registreer``. Both live in the folder
of the spec's rounding seed (``zaadbestand``), so a folder with several sources keeps one key
per source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from buurtbeeld.package_format import SigningKey, create_key_pair, load_signing_key
from buurtbeeld.source.spec import DeliverySpec


@dataclass(frozen=True)
class KeyFiles:
    """Where a source's key pair lives."""

    private: Path
    public: Path


def key_files(spec: DeliverySpec) -> KeyFiles:
    """The key files of the spec's source."""
    folder = (spec.zaadbestand or Path(".buurtbeeld-zaad")).parent
    slug = re.sub(r"[^a-z0-9]+", "-", spec.bron.lower()).strip("-") or "bron"
    return KeyFiles(folder / f".buurtbeeld-sleutel-{slug}", folder / f"{slug}-sleutel.pub")


def signing_key(spec: DeliverySpec) -> tuple[SigningKey, bool]:
    """The source's signing key, created on first use; ``True`` when it was just created.

    Raises
    ------
    SignatureError
        ``BB-SIG-002`` when the private key file is unreadable or readable by others.
    """
    files = key_files(spec)
    if files.private.exists():
        key = load_signing_key(files.private, spec.bron)
        if not files.public.exists():
            files.public.write_text(key.public.line(), encoding="utf-8")
        return key, False
    return create_key_pair(files.private, files.public, spec.bron), True
