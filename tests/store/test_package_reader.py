"""Packages written by hand on the platform side: signature, checksums, manifest, end-to-end through the CLI."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format import SigningKey, write_package
from buurtbeeld.package_format.signing import sign_manifest
from buurtbeeld.store.intake import PackageContents
from buurtbeeld.store.package_reader import read_package
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.app import create_app
from tests.signing import make_key, register, trusted
from tests.store.test_import import fingerprint
from tests.store.test_intake import WMO, protected_contents


def manifest_and_table(contents: PackageContents) -> tuple[dict[str, object], pa.Table]:
    """The manifest fields and the table a hand-written package of ``contents`` holds."""
    table = contents.tables[0]
    manifest = {
        "bron": contents.source,
        "dataset": contents.dataset,
        "eenheid": contents.unit,
        "periode": contents.period,
        "indelingsjaar": contents.division_year,
        "profiel": contents.profile,
        "tabellen": [
            {
                "naam": table.name,
                "titel": table.title,
                "dimensie": table.dimensions[0].name,
                "bestand": f"{table.name}.parquet",
                "richting": table.polarity.value,
            }
        ],
    }
    data = pa.table(
        {
            "regiocode": [k[0] for k in table.keys],
            "categorie": [k[1][0] for k in table.keys],
            "waarde": pa.array(table.values, pa.float64()),
            "status": list(table.statuses),
        }
    )
    return manifest, data


def package_from(contents: PackageContents, path: Path, key: SigningKey) -> Path:
    """A signed (version 3) package of ``contents``."""
    manifest, data = manifest_and_table(contents)
    return write_package(
        path,
        manifest,
        {contents.tables[0].name: data},
        report="# Rapport\nGeen verborgen waarden.\n",
        key=key,
    )


def test_round_trip_keeps_every_cell(filled_workspace: Workspace, tmp_path: Path) -> None:
    contents = protected_contents(filled_workspace)
    key = make_key(tmp_path / "sleutels", contents.source)
    read = read_package(package_from(contents, tmp_path / "wmo.zip", key), trusted(key))
    assert read.tables[0].keys == contents.tables[0].keys
    assert read.tables[0].values == contents.tables[0].values
    assert read.tables[0].statuses == contents.tables[0].statuses


def _rewrite(path: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            if name in change:
                if change[name] is not None:
                    dst.writestr(name, change[name])
            else:
                dst.writestr(name, src.read(name))
        for name, data in change.items():
            if name not in src.namelist() and data is not None:
                dst.writestr(name, data)
    return target


def test_tampered_or_broken_packages_are_refused(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    contents = protected_contents(filled_workspace)
    key = make_key(tmp_path / "sleutels", contents.source)
    good = package_from(contents, tmp_path / "wmo.zip", key)
    cases = {
        "BB-PKG-003": _rewrite(good, tmp_path / "a.zip", {"rapport.md": b"# gewijzigd\n"}),
        "BB-PKG-004": _rewrite(good, tmp_path / "b.zip", {"records.parquet": b"bsn;wmo\n"}),
        "BB-PKG-023": _rewrite(good, tmp_path / "e.zip", {"records.csv": b"bsn;wmo\n"}),
        "BB-PKG-002": _rewrite(good, tmp_path / "c.zip", {"manifest.json": b"{niet json"}),
    }
    (tmp_path / "d.zip").write_bytes(good.read_bytes()[:200])
    cases["BB-PKG-001"] = tmp_path / "d.zip"
    for code, path in cases.items():
        with pytest.raises(ImportFileError) as info:
            read_package(path, trusted(key))
        assert info.value.code == code, path


def test_end_to_end_cli_import_and_map(filled_workspace: Workspace, tmp_path: Path) -> None:
    contents = protected_contents(filled_workspace)
    key = make_key(tmp_path / "sleutels", contents.source)
    package = package_from(contents, tmp_path / "wmo-dordrecht-2024.zip", key)
    runner = CliRunner()
    refused = runner.invoke(
        app, ["importeer-pakket", str(package), "--werkmap", str(filled_workspace.root)]
    )
    assert refused.exit_code == 2 and "BB-SIG-005" in refused.output  # key not yet registered
    registered = runner.invoke(
        app,
        [
            "partner",
            "registreer",
            "wmo-dordrecht",
            str(tmp_path / "sleutels" / "wmo-team-dordrecht.pub"),
            "--werkmap",
            str(filled_workspace.root),
        ],
    )
    assert registered.exit_code == 0 and key.public.fingerprint in registered.output
    result = runner.invoke(
        app, ["importeer-pakket", str(package), "--werkmap", str(filled_workspace.root)]
    )
    assert result.exit_code == 0, result.output
    assert "Pakket geaccepteerd" in result.output
    assert "ondertekend door partner 'wmo-dordrecht'" in result.output
    with TestClient(create_app(filled_workspace.root), base_url="http://127.0.0.1") as client:
        body = client.get(
            "/api/v1/waarden", params={"indicator": WMO + "voorzieningen", "gebied": "GM0505"}
        ).json()
        table = contents.tables[0]
        expected = {
            k[0]: v
            for k, v in zip(table.keys, table.values, strict=True)
            if k[1] == ("totaal",) and k[0].startswith("BU")
        }
        got = {w["code"]: w["waarde"] for w in body["waarden"]}
        assert {c: got[c] for c in expected} == expected
        page = client.get(
            "/gemeente/GM0505", params={"indicator": WMO + "voorzieningen_begeleiding"}
        ).text
        assert "Wmo-team Dordrecht (beveiligd pakket)" in page and 'data-status="hidden"' in page


def test_cli_refusal_leaves_workspace_unchanged(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    contents = protected_contents(filled_workspace)
    key = make_key(tmp_path / "sleutels", contents.source)
    register(filled_workspace, key)
    good = package_from(contents, tmp_path / "wmo.zip", key)
    bad = _rewrite(good, tmp_path / "bad.zip", {"rapport.md": b"x"})
    before = fingerprint(filled_workspace)
    result = CliRunner().invoke(
        app, ["importeer-pakket", str(bad), "--werkmap", str(filled_workspace.root)]
    )
    assert result.exit_code == 2 and "BB-PKG-003" in result.output
    assert fingerprint(filled_workspace) == before


def resigned(
    good: Path, target: Path, key: SigningKey, change: Callable[[dict[str, Any]], None]
) -> Path:
    """``good`` with its manifest changed by ``change`` and signed again with ``key``
    (what a partner's own key could do: the signature alone does not make it valid)."""
    with zipfile.ZipFile(good) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    change(manifest)
    body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    return _rewrite(
        good, target, {"manifest.json": body, "handtekening.json": sign_manifest(body, key)}
    )


def test_a_table_listed_twice_is_refused(filled_workspace: Workspace, tmp_path: Path) -> None:
    contents = protected_contents(filled_workspace)
    key = make_key(tmp_path / "sleutels", contents.source)
    good = package_from(contents, tmp_path / "wmo.zip", key)
    path = resigned(
        good, tmp_path / "dubbel.zip", key, lambda m: m.update(tabellen=m["tabellen"] * 2)
    )
    with pytest.raises(ImportFileError) as info:
        read_package(path, trusted(key))
    assert info.value.code == "BB-PKG-002" and "twee keer" in info.value.message
    # the writer refuses to make it in the first place
    manifest, data = manifest_and_table(contents)
    manifest["tabellen"] = manifest["tabellen"] * 2  # type: ignore[operator]
    with pytest.raises(ImportFileError) as info:
        write_package(tmp_path / "nooit.zip", manifest, {"voorzieningen": data}, key=key)
    assert info.value.code == "BB-PKG-025" and not (tmp_path / "nooit.zip").exists()
