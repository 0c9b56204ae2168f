"""Checksums are not a signature: one tamper test per attack, keys and the partner register.

Each attack recomputes the manifest's checksums (what defeated the intake before format 3);
where the attacker could also have the partner's own key (a compromised or buggy toolkit),
the package is re-signed with it and a content check must still refuse it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from buurtbeeld.errors import BuurtbeeldError, DisclosureError, SignatureError
from buurtbeeld.package_format import SigningKey, load_signing_key, write_package
from buurtbeeld.package_format.signing import sign_manifest
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.package_reader import read_package
from buurtbeeld.store.partners import trusted_keys
from buurtbeeld.store.workspace import Workspace
from tests.signing import make_key, register
from tests.store.test_import import fingerprint
from tests.store.test_intake import protected_contents
from tests.store.test_package_reader import manifest_and_table, package_from


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _zip(target: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def _tamper(
    good: Path,
    target: Path,
    change_table: Callable[[pa.Table], pa.Table],
    key: SigningKey | None = None,
) -> Path:
    """Change the table, recompute its checksum in the manifest, and re-sign with ``key``
    (``None``: keep the original signature, as an attacker without the key must)."""
    members = _members(good)
    table = change_table(pq.read_table(io.BytesIO(members["voorzieningen.parquet"])))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    members["voorzieningen.parquet"] = sink.getvalue()
    manifest = json.loads(members["manifest.json"])
    manifest["bestanden"]["voorzieningen.parquet"] = hashlib.sha256(sink.getvalue()).hexdigest()
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    if key is not None:
        members["handtekening.json"] = sign_manifest(members["manifest.json"], key)
    return _zip(target, members)


@pytest.fixture
def signed(filled_workspace: Workspace, tmp_path: Path) -> tuple[Workspace, SigningKey, Path]:
    """A workspace with the Wmo partner registered and a good signed package of theirs."""
    contents = protected_contents(filled_workspace)
    key = make_key(tmp_path / "partner", contents.source)
    register(filled_workspace, key, "wmo-dordrecht")
    return filled_workspace, key, package_from(contents, tmp_path / "goed.zip", key)


def _refused(workspace: Workspace, path: Path) -> BuurtbeeldError:
    before = fingerprint(workspace)
    with pytest.raises(BuurtbeeldError) as info:
        intake_package(workspace, read_package(path, trusted_keys(workspace)))
    assert fingerprint(workspace) == before
    return info.value


def _first(table: pa.Table, status: str) -> int:
    return int(table["status"].to_pylist().index(status))


def _set(table: pa.Table, row: int, value: float, status: str) -> pa.Table:
    values, statuses = table["waarde"].to_pylist(), table["status"].to_pylist()
    values[row], statuses[row] = value, status
    table = table.set_column(
        table.column_names.index("waarde"), "waarde", pa.array(values, pa.float64())
    )
    return table.set_column(table.column_names.index("status"), "status", pa.array(statuses))


def test_the_good_package_is_accepted(signed: tuple[Workspace, SigningKey, Path]) -> None:
    workspace, key, good = signed
    contents = read_package(good, trusted_keys(workspace))
    assert contents.signed_by == key.public.fingerprint
    assert intake_package(workspace, contents).published > 0


def test_extra_column_holding_hidden_values(
    signed: tuple[Workspace, SigningKey, Path], tmp_path: Path
) -> None:
    workspace, key, good = signed

    def add(table: pa.Table) -> pa.Table:
        secret = [3.0 if s == "u" else None for s in table["status"].to_pylist()]
        return table.append_column("echte_waarde", pa.array(secret, pa.float64()))

    assert _refused(workspace, _tamper(good, tmp_path / "a.zip", add)).code == "BB-SIG-006"
    err = _refused(workspace, _tamper(good, tmp_path / "b.zip", add, key))
    assert err.code == "BB-PKG-024" and "echte_waarde" not in err.message


def test_hidden_primary_republished_as_five(
    signed: tuple[Workspace, SigningKey, Path], tmp_path: Path
) -> None:
    workspace, key, good = signed

    def five(table: pa.Table) -> pa.Table:
        return _set(table, _first(table, "u"), 5.0, "s")

    assert _refused(workspace, _tamper(good, tmp_path / "a.zip", five)).code == "BB-SIG-006"
    err = _refused(workspace, _tamper(good, tmp_path / "b.zip", five, key))
    assert err.code == "BB-PKG-010" and "5.0" not in err.message and " 5 " not in err.message


def test_five_under_cbs_zorg_is_refused_by_the_intake_itself(filled_workspace: Workspace) -> None:
    """The content check on its own (it failed before: 5 passed as 'an interval 1..9')."""
    contents = protected_contents(filled_workspace)
    table = contents.tables[0]
    u = table.statuses.index("u")
    values, statuses = list(table.values), list(table.statuses)
    values[u], statuses[u] = 5.0, "s"
    tampered = dataclasses.replace(
        contents,
        tables=(dataclasses.replace(table, values=tuple(values), statuses=tuple(statuses)),),
    )
    with pytest.raises(DisclosureError) as info:
        intake_package(filled_workspace, tampered)
    assert info.value.code == "BB-PKG-010"


def test_forged_value_with_recomputed_checksum(
    signed: tuple[Workspace, SigningKey, Path], tmp_path: Path
) -> None:
    workspace, _, good = signed

    def forge(table: pa.Table) -> pa.Table:
        row = _first(table, "s")
        return _set(table, row, float(table["waarde"][row].as_py()) + 5.0, "s")

    assert _refused(workspace, _tamper(good, tmp_path / "a.zip", forge)).code == "BB-SIG-006"


def test_resigned_with_another_key(
    signed: tuple[Workspace, SigningKey, Path], tmp_path: Path
) -> None:
    workspace, _, good = signed
    contents = protected_contents(workspace)
    stranger = make_key(tmp_path / "vreemd", contents.source)
    forged = _tamper(good, tmp_path / "a.zip", lambda t: t, stranger)
    assert _refused(workspace, forged).code == "BB-SIG-005"
    # a registered key of another source may not sign this source's package
    other = make_key(tmp_path / "ander", "Jeugdhulpregio")
    register(workspace, other, "jeugd")
    assert _refused(workspace, package_from(contents, tmp_path / "b.zip", other)).code == (
        "BB-SIG-008"
    )


def test_swapped_manifest(signed: tuple[Workspace, SigningKey, Path], tmp_path: Path) -> None:
    workspace, key, good = signed
    contents = protected_contents(workspace)
    table = contents.tables[0]
    other = dataclasses.replace(
        contents, tables=(dataclasses.replace(table, title="Andere tabel"),)
    )
    second = package_from(other, tmp_path / "tweede.zip", key)
    ours, theirs = _members(good), _members(second)
    # the other package's manifest with our signature: the signature does not match
    swapped = _zip(tmp_path / "a.zip", {**ours, "manifest.json": theirs["manifest.json"]})
    assert _refused(workspace, swapped).code == "BB-SIG-006"
    # the other package's manifest and signature over our tables: the checksums differ
    both = {
        **ours,
        "manifest.json": theirs["manifest.json"],
        "handtekening.json": theirs["handtekening.json"],
        "rapport.md": b"# Rapport\nandere tekst\n",
    }
    assert _refused(workspace, _zip(tmp_path / "b.zip", both)).code == "BB-PKG-003"


def test_unsigned_packages_are_refused(
    signed: tuple[Workspace, SigningKey, Path], tmp_path: Path
) -> None:
    workspace, _, good = signed
    without = {n: b for n, b in _members(good).items() if n != "handtekening.json"}
    assert _refused(workspace, _zip(tmp_path / "a.zip", without)).code == "BB-SIG-004"
    manifest, data = manifest_and_table(protected_contents(workspace))
    old = write_package(tmp_path / "v2.zip", {**manifest, "versie": 2}, {"voorzieningen": data})
    err = _refused(workspace, old)
    assert err.code == "BB-SIG-004" and "versie 2" in err.message


def test_private_key_is_private_and_never_printed(tmp_path: Path) -> None:
    key = make_key(tmp_path, "Wmo-team Dordrecht")
    private = tmp_path / ".sleutel-wmo-team-dordrecht"
    assert private.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE" not in repr(key)
    os.chmod(private, 0o644)
    with pytest.raises(SignatureError) as info:
        load_signing_key(private, "Wmo-team Dordrecht")
    assert info.value.code == "BB-SIG-002"


def _manifest(path: Path) -> dict[str, Any]:
    return dict(json.loads(_members(path)["manifest.json"]))


def test_the_signature_covers_exactly_the_manifest(
    signed: tuple[Workspace, SigningKey, Path], tmp_path: Path
) -> None:
    """Whitespace is content: re-serialising the same manifest breaks the signature."""
    workspace, _, good = signed
    members = _members(good)
    members["manifest.json"] = json.dumps(_manifest(good)).encode()  # same fields, other bytes
    assert _refused(workspace, _zip(tmp_path / "a.zip", members)).code == "BB-SIG-006"
