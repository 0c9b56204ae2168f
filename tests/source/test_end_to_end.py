"""From records to the map, as a partner and a data adviser do it with the CLI.

generate synthetic extracts (``bron genereer``) → one package per register
(``bron maak-pakket``) → ``importeer-pakket`` into a workspace with the CBS data → the web app
shows every register on the map, in the API and on a buurt profile, with hidden cells hidden.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.package_format import HIDDEN_STATUS, HIDDEN_STATUS_VERSION, read_package
from buurtbeeld.source.keys import key_files
from buurtbeeld.source.spec import load_spec
from buurtbeeld.source.synthetic import REGISTERS
from buurtbeeld.store.workspace import Workspace, open_workspace
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace

PREFIX = {
    # register: its indicators' namespace p_<bron>_<dataset>_ (docs/pakketformaat.md)
    "wmo": "p_wmo_team_gemeente_demo_wmo_",
    "jeugdhulp": "p_jeugdhulpregio_demo_jeugdhulp_",
    "bijstand": "p_team_werk_en_inkomen_demo_bijstand_",
    "schuldsignalen": "p_vroegsignalering_schulden_demo_schuldsignalen_",
}
TOTALS = {
    # register: the dimension-free indicator id of a table's total
    "wmo": PREFIX["wmo"] + "voorzieningen_totaal",
    "jeugdhulp": PREFIX["jeugdhulp"] + "jongeren_totaal",
    "bijstand": PREFIX["bijstand"] + "personen",
    "schuldsignalen": PREFIX["schuldsignalen"] + "huishoudens_totaal",
}
BIJSTAND = TOTALS["bijstand"]
DEBTS = PREFIX["schuldsignalen"] + "achterstand"


@pytest.fixture(scope="module")
def imported(
    tmp_path_factory: pytest.TempPathFactory, filled_workspace_template: Path
) -> tuple[Workspace, dict[str, Path], dict[str, str]]:

    base = tmp_path_factory.mktemp("keten")
    root = base / "werkmap"
    copy_workspace(filled_workspace_template, root)
    runner = CliRunner()
    outputs: dict[str, str] = {}
    result = runner.invoke(app, ["bron", "genereer", str(base / "export"), "--zaad", "5"])
    assert result.exit_code == 0, result.output
    packages: dict[str, Path] = {}
    for register in REGISTERS:
        target = base / "pakketten" / f"{register}.zip"
        result = runner.invoke(
            app,
            [
                "bron",
                "maak-pakket",
                str(base / "export" / f"{register}.yaml"),
                "--uit",
                str(target),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "Pakket gemaakt" in result.output
        assert "Nieuwe ondertekeningssleutel gemaakt" in result.output
        packages[register] = target
        public = key_files(load_spec(base / "export" / f"{register}.yaml")).public
        result = runner.invoke(
            app, ["partner", "registreer", register, str(public), "--werkmap", str(root)]
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(app, ["importeer-pakket", str(target), "--werkmap", str(root)])
        assert result.exit_code == 0, result.output
        outputs[register] = result.output
    return open_workspace(root), packages, outputs


def test_every_register_is_accepted(
    imported: tuple[Workspace, dict[str, Path], dict[str, str]],
) -> None:
    _, packages, outputs = imported
    versions = {r: read_package(p).version for r, p in packages.items()}
    # every package is version 3: one hidden status, so no package tells primaries from
    # secondaries (the platform still reads versions 1 and 2)
    assert set(versions.values()) == {HIDDEN_STATUS_VERSION}
    for register, output in outputs.items():
        assert "Pakket geaccepteerd" in output, register


def test_published_cells_land_unchanged_and_hidden_cells_stay_hidden(
    imported: tuple[Workspace, dict[str, Path], dict[str, str]],
) -> None:
    workspace, packages, _ = imported
    con = workspace.connect(read_only=True)
    try:
        for register, path in packages.items():
            package = read_package(path)
            for table in package.tables.values():
                if table.dimensions:
                    continue  # the table total is enough; categories follow the same path
                ident = PREFIX[register] + table.name
                stored = {
                    (r[0], r[1]): (r[2], r[3])
                    for r in con.execute(
                        "SELECT period, region_code, value, status FROM observation "
                        "WHERE indicator_id = ?",
                        [ident],
                    ).fetchall()
                }
                rows = table.data.to_pylist()
                assert len(stored) == len(rows), ident
                for row in rows:
                    got = stored[(row["periode"], row["regiocode"])]
                    if row["status"] == HIDDEN_STATUS:
                        assert got == (None, "hidden"), ident
                    else:
                        assert got == (row["waarde"], "value"), ident
    finally:
        con.close()


def test_registers_on_map_api_and_buurt_profile(
    imported: tuple[Workspace, dict[str, Path], dict[str, str]],
) -> None:
    workspace, packages, _ = imported
    with TestClient(create_app(workspace.root), base_url="http://127.0.0.1") as client:
        for ident in TOTALS.values():
            page = client.get("/gemeente/GM0505", params={"indicator": ident})
            assert page.status_code == 200, ident
            assert "(beveiligd pakket)" in page.text
            body = client.get("/api/v1/waarden", params={"indicator": ident, "gebied": "GM0505"})
            assert body.status_code == 200, ident
            values = body.json()["waarden"]
            assert values and any(v["waarde"] is not None for v in values), ident
            assert any(v["waarde"] is None for v in values), ident  # small buurten hidden
        # four quarters of bijstand: the latest quarter on the map, all four in the API
        quarters = read_package(packages["bijstand"]).periods
        assert quarters == ["2024-K1", "2024-K2", "2024-K3", "2024-K4"]
        body = client.get(
            "/api/v1/waarden", params={"indicator": BIJSTAND, "gebied": "GM0505"}
        ).json()
        assert body["periode"] == "2024-K4"
        first = client.get(
            "/api/v1/waarden",
            params={"indicator": BIJSTAND, "gebied": "GM0505", "periode": "2024-K1"},
        )
        assert first.status_code == 200
        # debt amounts in euros, hidden where few or dominant creditors
        debts = client.get(f"/indicatoren/{DEBTS}").text
        assert "€" in debts and "Som van" in debts
        debt_map = client.get("/gemeente/GM0505", params={"indicator": DEBTS}).text
        assert "(euro)" in debt_map and "(euro) (€)" not in debt_map  # the unit said once
        # a buurt profile lists the partner figures next to the CBS figures
        buurt = next(
            v["code"]
            for v in client.get(
                "/api/v1/waarden",
                params={"indicator": TOTALS["wmo"], "gebied": "GM0505"},
            ).json()["waarden"]
            if v["waarde"] is not None
        )
        profile = client.get(f"/regio/{buurt}").text
        assert "Cijfers van ketenpartners" in profile
        assert re.search(r"Wmo|wmo", profile)


def test_maps_with_mostly_hidden_buurten_point_to_the_wijk_level(
    imported: tuple[Workspace, dict[str, Path], dict[str, str]],
) -> None:
    workspace, _, _ = imported
    shown = {}
    with TestClient(create_app(workspace.root), base_url="http://127.0.0.1") as client:
        for ident in (*TOTALS.values(), PREFIX["jeugdhulp"] + "jongeren_jeugdbescherming"):
            values = client.get(
                "/api/v1/waarden", params={"indicator": ident, "gebied": "GM0505"}
            ).json()["waarden"]
            hidden = sum(1 for v in values if v["waarde"] is None)
            page = client.get("/gemeente/GM0505", params={"indicator": ident}).text
            shown[ident] = 'id="veel-verborgen"' in page
            assert shown[ident] == (hidden * 2 > len(values)), ident
            if shown[ident]:
                assert f"indicator={ident}&amp;niveau=wijk" in page
    assert any(shown.values()) and not all(shown.values())
