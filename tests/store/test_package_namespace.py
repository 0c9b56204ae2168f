"""Package indicators live in their own namespace; a real collision is refused at intake.

Before: a Wmo table named ``clienten`` became ``wmo_clienten``, the catalogue's own indicator;
the intake accepted it and the web app then refused to start (BB-IND-002).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from buurtbeeld.catalog.load import BUILTIN_DIR, builtin_catalog, load_catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import ImportFileError
from buurtbeeld.store.intake import PackageContents, intake_package
from buurtbeeld.store.package_indicators import check_indicator_ids, indicator_for
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.app import create_app
from tests.store.test_import import fingerprint
from tests.store.test_intake import protected_contents


def _clienten(workspace: Workspace) -> PackageContents:
    """The Wmo package with its table named like the catalogue's ``wmo_clienten``."""
    contents = protected_contents(workspace)
    return dataclasses.replace(
        contents, tables=(dataclasses.replace(contents.tables[0], name="clienten"),)
    )


def test_a_table_named_like_a_catalogue_indicator_keeps_the_app_running(
    filled_workspace: Workspace,
) -> None:
    assert builtin_catalog().get("wmo_clienten").source.dataset == "kwb"  # type: ignore[union-attr]
    report = intake_package(filled_workspace, _clienten(filled_workspace))
    assert "wmo_clienten" not in report.indicators
    assert all(i.startswith("p_") for i in report.indicators)
    with TestClient(create_app(filled_workspace.root), base_url="http://127.0.0.1") as client:
        ours = client.get(
            "/api/v1/waarden", params={"indicator": "wmo_clienten", "gebied": "GM0505"}
        )
        theirs = client.get(
            "/api/v1/waarden", params={"indicator": report.indicators[0], "gebied": "GM0505"}
        )
        assert ours.status_code == 200 and theirs.status_code == 200
        assert ours.json()["periode"] == "2023" and theirs.json()["periode"] == "2024"


def test_another_source_may_not_take_a_sources_indicators(filled_workspace: Workspace) -> None:
    first = protected_contents(filled_workspace)
    intake_package(filled_workspace, first)
    # 'Wmo team Dordrecht' slugs like 'Wmo-team Dordrecht': its tables would overwrite theirs
    lookalike = dataclasses.replace(first, source="Wmo team Dordrecht", sha256="ander")
    before = fingerprint(filled_workspace)
    with pytest.raises(ImportFileError) as info:
        intake_package(filled_workspace, lookalike)
    assert info.value.code == "BB-PKG-027"
    assert fingerprint(filled_workspace) == before
    with TestClient(create_app(filled_workspace.root), base_url="http://127.0.0.1") as client:
        assert client.get("/").status_code == 200
    # the same source again (a new period) is no collision
    again = dataclasses.replace(
        first,
        sha256="volgend",
        tables=tuple(dataclasses.replace(t, period="2025") for t in first.tables),
    )
    assert intake_package(filled_workspace, again).indicators


def test_a_collision_with_the_catalogue_is_refused(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    """A catalogue that (one day) holds an id of the package namespace: refused at intake."""
    contents = protected_contents(filled_workspace)
    table = contents.tables[0]
    folder = tmp_path / "catalogus"
    shutil.copytree(BUILTIN_DIR, folder)
    ident = indicator_for(contents, table, "totaal").id
    kwb = yaml.safe_load((folder / "kwb.yaml").read_text(encoding="utf-8"))
    kwb.append({**kwb[0], "id": ident})
    (folder / "kwb.yaml").write_text(yaml.safe_dump(kwb, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        check_indicator_ids(contents, {}, load_catalog(folder))
    assert info.value.code == "BB-PKG-026" and ident in info.value.message
    check_indicator_ids(contents, {})  # the built-in catalogue has no such id


def test_indicators_stored_under_the_old_ids_keep_working(filled_workspace: Workspace) -> None:
    """Workspaces keep what earlier versions stored as ``<dataset>_<tabel>`` (no migration)."""
    contents = protected_contents(filled_workspace)
    intake_package(filled_workspace, contents)
    new = indicator_for(contents, contents.tables[0], "totaal")
    old: Indicator = new.model_copy(update={"id": "wmo_voorzieningen"})
    with filled_workspace.transaction() as con:
        con.execute(
            "INSERT INTO indicator_def VALUES (?, ?, ?)", [old.id, old.model_dump_json(), 1]
        )
        con.execute(
            "INSERT INTO observation SELECT 'wmo_voorzieningen', region_code, period, "
            "division_year, value, status, status_note, import_id FROM observation "
            "WHERE indicator_id = ?",
            [new.id],
        )
    with TestClient(create_app(filled_workspace.root), base_url="http://127.0.0.1") as client:
        old_values = client.get(
            "/api/v1/waarden", params={"indicator": "wmo_voorzieningen", "gebied": "GM0505"}
        ).json()["waarden"]
        new_values = client.get(
            "/api/v1/waarden", params={"indicator": new.id, "gebied": "GM0505"}
        ).json()["waarden"]
    assert old_values == new_values and any(v["waarde"] is not None for v in new_values)
