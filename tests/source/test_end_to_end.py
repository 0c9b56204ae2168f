"""Synthetic extract → spec → aggregate → protect → package → intake → map (real components)."""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections import defaultdict
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.spec import load_spec
from buurtbeeld.source.synthetic import generate_wmo
from buurtbeeld.store.package_reader import read_package
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.app import create_app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "wmo" / "spec.yaml"


def _prepare(tmp_path: Path) -> Path:
    folder = tmp_path / "levering"
    generate_wmo(folder, gemeente="GM0505", seed=11)
    shutil.copy(EXAMPLE, folder / "spec.yaml")
    return folder / "spec.yaml"


def test_duckdb_counts_agree_with_a_plain_python_count(tmp_path: Path) -> None:
    spec_path = _prepare(tmp_path)
    spec = load_spec(spec_path)
    agg = aggregate(spec)
    with (spec_path.parent / "postcode_buurt.csv").open(encoding="utf-8") as handle:
        lookup = {r["postcode"]: r["buurtcode"] for r in csv.DictReader(handle, delimiter=";")}
    latest: dict[str, tuple[str, str]] = {}
    kinds: dict[str, set[str]] = defaultdict(set)
    missing = 0
    with (spec_path.parent / "wmo_export.csv").open(encoding="cp1252") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            pc6 = row["postcode"].replace(" ", "").upper()
            if not pc6:
                missing += 1
                continue
            day, month, year = row["startdatum"].split("-")
            moment = f"{year}{month}{day}"
            if row["clientnr"] not in latest or moment > latest[row["clientnr"]][0]:
                latest[row["clientnr"]] = (moment, lookup[pc6])
            kinds[row["clientnr"]].add(row["voorziening"])
    per_buurt: dict[str, int] = defaultdict(int)
    per_kind: dict[tuple[str, str], int] = defaultdict(int)
    for client, (_, buurt) in latest.items():
        per_buurt[buurt] += 1
        for kind in kinds[client]:
            per_kind[(buurt, kind)] += 1
    assert agg.total == dict(per_buurt)
    assert agg.by_category == dict(per_kind)
    assert agg.bad_rows["postcode of buurtcode ontbreekt"] == missing
    assert agg.bad_rows["dubbele regel (eenmaal geteld)"] > 0


def test_cli_end_to_end_from_extract_to_map(tmp_path: Path, filled_workspace: Workspace) -> None:
    spec_path = _prepare(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["bron", "controleer", str(spec_path)])
    assert result.exit_code == 0 and "ongeldig — postcode of buurtcode ontbreekt" in result.output
    package = tmp_path / "wmo.zip"
    result = runner.invoke(app, ["bron", "maak-pakket", str(spec_path), "--uit", str(package)])
    assert result.exit_code == 0, result.output
    # nothing record-level leaves: no client numbers, no postcodes in any package member
    extract = (spec_path.parent / "wmo_export.csv").read_text(encoding="cp1252")
    clients = {line.split(";")[0] for line in extract.splitlines()[1:]}
    with zipfile.ZipFile(package) as archive:
        blob = b"".join(archive.read(n) for n in archive.namelist()).decode("latin-1")
    assert not any(c in blob for c in list(clients)[:500])
    contents = read_package(package)
    assert {t.name for t in contents.tables} == {"voorzieningen", "voorzieningen_totaal"}
    result = runner.invoke(
        app, ["importeer-pakket", str(package), "--werkmap", str(filled_workspace.root)]
    )
    assert result.exit_code == 0 and "Pakket geaccepteerd" in result.output, result.output
    with TestClient(create_app(filled_workspace.root)) as client:
        body = client.get(
            "/api/v1/waarden", params={"indicator": "wmo_voorzieningen_totaal", "gebied": "GM0505"}
        ).json()
        statuses = {w["status"] for w in body["waarden"]}
        assert statuses <= {"value", "hidden"} and "value" in statuses
        published = [w["waarde"] for w in body["waarden"] if w["waarde"] is not None]
        assert all(v % 5 == 0 and v >= 10 for v in published)
        page = client.get("/gemeente/GM0505", params={"indicator": "wmo_voorzieningen_begeleiding"})
        assert page.status_code == 200 and "Wmo-team gemeente Dordrecht" in page.text
