"""Hostile zips: bombs, too many members, path traversal — refused before decompressing.

The bombs are generated here (small on disk, huge when unpacked). Before the limits, two of
them raised MemoryError in the reader.
"""

from __future__ import annotations

import hashlib
import io
import json
import resource
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format import LIMITS, SigningKey
from buurtbeeld.package_format.signing import sign_manifest
from buurtbeeld.store.package_reader import read_package
from buurtbeeld.store.workspace import Workspace
from tests.signing import make_key, trusted
from tests.store.test_intake import protected_contents
from tests.store.test_package_reader import package_from

ZEROS = b"\0" * (1 << 20)


def _good(workspace: Workspace, tmp_path: Path) -> tuple[Path, SigningKey]:
    contents = protected_contents(workspace)
    key = make_key(tmp_path / "partner", contents.source)
    return package_from(contents, tmp_path / "goed.zip", key), key


def _refusal(path: Path, key: SigningKey) -> str:
    # the bombs are read under a memory ceiling: an unbounded read would fail with MemoryError
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, hard))
    try:
        with pytest.raises(ImportFileError) as info:
            read_package(path, trusted(key))
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    return info.value.code


def _with_member(good: Path, target: Path, name: str, megabytes: int) -> Path:
    """``good`` plus a member of ``megabytes`` MB of zeros, streamed (never held in memory)."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.namelist():
            if item != name:
                dst.writestr(item, src.read(item))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as handle:
            for _ in range(megabytes):
                handle.write(ZEROS)
    return target


def test_a_member_too_big_when_unpacked(filled_workspace: Workspace, tmp_path: Path) -> None:
    good, key = _good(filled_workspace, tmp_path)
    mb = LIMITS.max_member_bytes // (1 << 20) + 1
    bomb = _with_member(good, tmp_path / "bom.zip", "voorzieningen.parquet", mb)
    assert bomb.stat().st_size < 2 << 20  # a few hundred KB on disk
    assert _refusal(bomb, key) == "BB-PKG-020"


def test_a_suspicious_compression_ratio(filled_workspace: Workspace, tmp_path: Path) -> None:
    good, key = _good(filled_workspace, tmp_path)
    assert _refusal(_with_member(good, tmp_path / "r.zip", "rapport2.md", 8), key) == "BB-PKG-021"


def test_nested_bomb_many_members(filled_workspace: Workspace, tmp_path: Path) -> None:
    good, key = _good(filled_workspace, tmp_path)
    target = tmp_path / "veel.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.namelist():
            dst.writestr(item, src.read(item))
        for i in range(LIMITS.max_members + 1):
            dst.writestr(f"t{i}.parquet", ZEROS[:1000])
    assert _refusal(target, key) == "BB-PKG-022"


@pytest.mark.parametrize(
    "name", ["../../buiten.parquet", "/etc/cron.d/x.parquet", "map/tabel.parquet", "a\\b.md"]
)
def test_member_names_cannot_leave_the_package(
    filled_workspace: Workspace, tmp_path: Path, name: str
) -> None:
    good, key = _good(filled_workspace, tmp_path)
    target = tmp_path / "pad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.namelist():
            dst.writestr(item, src.read(item))
        dst.writestr(zipfile.ZipInfo(name), b"x")
    assert _refusal(target, key) == "BB-PKG-023"


def test_a_parquet_bomb_signed_by_the_partner(filled_workspace: Workspace, tmp_path: Path) -> None:
    """Parquet compresses too: a small member may hold more rows than any package has.
    Even a package signed with the partner's own key is bounded before it is read."""
    good, key = _good(filled_workspace, tmp_path)
    chunk = pa.table(
        {
            "regiocode": pa.array(["BU05050100"] * 1_000_000),
            "waarde": pa.array([10.0] * 1_000_000),
            "status": pa.array(["s"] * 1_000_000),
        }
    )
    sink = io.BytesIO()
    with pq.ParquetWriter(sink, chunk.schema, compression="zstd") as writer:
        for _ in range(LIMITS.max_rows // 1_000_000 + 1):
            writer.write_table(chunk)
    blob = sink.getvalue()
    assert len(blob) < 4 << 20
    with zipfile.ZipFile(good) as src:
        members = {n: src.read(n) for n in src.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["bestanden"]["voorzieningen.parquet"] = hashlib.sha256(blob).hexdigest()
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    members["handtekening.json"] = sign_manifest(members["manifest.json"], key)
    members["voorzieningen.parquet"] = blob
    target = tmp_path / "parquetbom.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    assert _refusal(target, key) == "BB-PKG-020"


def test_a_directory_or_a_damaged_member_is_a_coded_refusal(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    good, key = _good(filled_workspace, tmp_path)
    with pytest.raises(ImportFileError) as info:
        read_package(tmp_path, trusted(key))
    assert info.value.code == "BB-IMP-002"
    raw = bytearray(good.read_bytes())
    start = raw.index(b"PK\x03\x04", 10)  # the second member's data is damaged
    raw[start + 80 : start + 90] = b"\xff" * 10
    (tmp_path / "kapot.zip").write_bytes(bytes(raw))
    with pytest.raises(ImportFileError) as info:
        read_package(tmp_path / "kapot.zip", trusted(key))
    assert info.value.code in {"BB-PKG-001", "BB-PKG-003"}
