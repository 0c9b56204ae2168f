"""The platform's register of partners' public keys (``partners.json`` in the workspace).

A partner's source toolkit signs every package with its private key; the platform accepts a
package only when the signature verifies with a key registered here, and only for the source
(``bron``) that key was made for. A partner may have several keys (rotation: register the new
key, let the partner switch, remove the old one). The register is a small JSON file beside the
database, written atomically, so keys can be managed while ``serve`` holds the database.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from buurtbeeld.errors import SignatureError
from buurtbeeld.package_format import PublicKey, parse_public_key
from buurtbeeld.store.workspace import Workspace

REGISTER = "partners.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Partner:
    """One registered key."""

    naam: str
    bron: str
    sleutel: str
    """The public key line (``buurtbeeld-ed25519 <base64> <bron>``)."""
    vingerafdruk: str
    geregistreerd: str

    @property
    def key(self) -> PublicKey:
        """The public key."""
        return parse_public_key(self.sleutel)


def _path(workspace: Workspace) -> Path:
    return workspace.root / REGISTER


def list_partners(workspace: Workspace) -> list[Partner]:
    """Every registered key, by name and fingerprint.

    Raises
    ------
    SignatureError
        ``BB-SIG-012`` when the register is damaged.
    """
    path = _path(workspace)
    if not path.exists():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["partners"]
        partners = [Partner(**row) for row in rows]
        for partner in partners:
            if partner.key.fingerprint != partner.vingerafdruk:
                raise ValueError("fingerprint")
    except (OSError, ValueError, KeyError, TypeError, SignatureError) as err:
        raise SignatureError(
            f"Het partnerregister '{REGISTER}' in de werkmap is beschadigd.",
            code="BB-SIG-012",
            hint="Zet een reservekopie terug, of verwijder het bestand en registreer de sleutels opnieuw.",
        ) from err
    return sorted(partners, key=lambda p: (p.naam, p.vingerafdruk))


def trusted_keys(workspace: Workspace) -> dict[str, PublicKey]:
    """Fingerprint → public key of every registered key (what the intake verifies against)."""
    return {p.vingerafdruk: p.key for p in list_partners(workspace)}


def _write(workspace: Workspace, partners: list[Partner]) -> None:
    path = _path(workspace)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps({"partners": [asdict(p) for p in partners]}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    os.replace(tmp, path)


def register_partner(workspace: Workspace, name: str, key_file: Path) -> Partner:
    """Register a partner's public key under ``name``.

    Raises
    ------
    SignatureError
        ``BB-SIG-003`` not a public key file; ``BB-SIG-010`` the key is already registered;
        ``BB-SIG-013`` an invalid name.
    """
    if not _NAME.match(name):
        raise SignatureError(
            "Ongeldige partnernaam.",
            code="BB-SIG-013",
            hint="Gebruik kleine letters, cijfers, - en _ (bijvoorbeeld wmo-dordrecht), hoogstens 40 tekens.",
        )
    try:
        text = key_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SignatureError(
            f"Sleutelbestand '{key_file.name}' is niet te lezen.",
            code="BB-SIG-003",
            hint="Geef het bestand '<bron>-sleutel.pub' dat de partner u stuurde.",
        ) from err
    key = parse_public_key(text)
    partners = list_partners(workspace)
    for other in partners:
        if other.vingerafdruk == key.fingerprint:
            raise SignatureError(
                f"Deze sleutel is al geregistreerd voor partner '{other.naam}'.",
                code="BB-SIG-010",
                hint="Bekijk de sleutels met 'buurtbeeld partner lijst'.",
            )
    partner = Partner(
        naam=name,
        bron=key.source,
        sleutel=key.line().strip(),
        vingerafdruk=key.fingerprint,
        geregistreerd=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    _write(workspace, [*partners, partner])
    return partner


def remove_partner(
    workspace: Workspace, name: str, fingerprint: str | None = None
) -> list[Partner]:
    """Remove every key of ``name`` (or only the one with ``fingerprint``); return what went.

    Packages accepted earlier stay in the cube; new packages signed with a removed key are
    refused.

    Raises
    ------
    SignatureError
        ``BB-SIG-011`` when no such partner (or key) is registered.
    """
    partners = list_partners(workspace)
    gone = [
        p
        for p in partners
        if p.naam == name and (fingerprint is None or p.vingerafdruk.startswith(fingerprint))
    ]
    if not gone:
        raise SignatureError(
            "Geen geregistreerde sleutel met deze partnernaam"
            + (" en vingerafdruk." if fingerprint else "."),
            code="BB-SIG-011",
            hint="Bekijk de sleutels met 'buurtbeeld partner lijst'.",
        )
    _write(workspace, [p for p in partners if p not in gone])
    return gone
