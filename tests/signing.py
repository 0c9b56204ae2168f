"""Test helpers for signed packages: a partner key per source, registered in a workspace."""

from __future__ import annotations

import re
from pathlib import Path

from buurtbeeld.package_format import PublicKey, SigningKey, create_key_pair
from buurtbeeld.store.partners import register_partner
from buurtbeeld.store.workspace import Workspace


def make_key(folder: Path, source: str) -> SigningKey:
    """A fresh key pair for ``source`` in ``folder`` (private 0600, public ``<slug>.pub``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")
    folder.mkdir(parents=True, exist_ok=True)
    return create_key_pair(folder / f".sleutel-{slug}", folder / f"{slug}.pub", source)


def trusted(*keys: SigningKey) -> dict[str, PublicKey]:
    """The fingerprint → public key mapping the reader verifies against."""
    return {k.public.fingerprint: k.public for k in keys}


def register(workspace: Workspace, key: SigningKey, name: str = "partner") -> None:
    """Register ``key``'s public half as partner ``name`` (what the data adviser does)."""
    path = workspace.root.parent / f"{name}.pub"
    path.write_text(key.public.line(), encoding="utf-8")
    register_partner(workspace, name, path)


def toolkit_keys(spec: Path) -> dict[str, PublicKey]:
    """The public key the source toolkit made for this spec's source, as the platform trusts it."""
    from buurtbeeld.package_format import parse_public_key
    from buurtbeeld.source.keys import key_files
    from buurtbeeld.source.spec import load_spec

    key = parse_public_key(key_files(load_spec(spec)).public.read_text(encoding="utf-8"))
    return {key.fingerprint: key}
