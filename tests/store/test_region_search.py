"""Search regions by name or code (Cube.search), and names landing in the cube (schema 4)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from buurtbeeld.geo.names import fold
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.workspace import Workspace, open_workspace
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def cube(empty_workspace_template: Path) -> Cube:
    return Cube(open_workspace(empty_workspace_template))


def _codes(cube: Cube, query: str) -> list[str]:
    return [r.code for r in cube.search(query, limit=50).matches]


def test_crabbehof_finds_the_wijk_and_its_buurten_in_dordrecht(cube: Cube) -> None:
    names = pq.read_table(shared_file("gwb_namen_2024.parquet")).to_pylist()
    expected = {r["code"] for r in names if "crabbehof" in fold(r["name"])}
    assert expected == {"WK050508", "BU05050800", "BU05050801"}
    for query in ("crabbehof", "CRABBEHOF", "Crabbéhof", "  crabbehof "):
        found = _codes(cube, query)
        assert set(found) == expected
        assert found[0] == "WK050508"  # wijken before buurten within the same rank


def test_sterrenburg_with_any_case_and_narrowed_by_gemeente(cube: Cube) -> None:
    found = _codes(cube, "Sterrenburg")
    assert found == _codes(cube, "sterrenburg")
    assert {"WK050509", "BU05050900", "BU05050901"} <= set(found)
    # the whole name first: "Wijk 09 Sterrenburg" is Sterrenburg
    assert found[0] == "WK050509"
    narrowed = _codes(cube, "sterrenburg dordrecht")
    assert narrowed and all(c[2:6] == "0505" for c in narrowed)


def test_accents_in_names_are_found_without_them(cube: Cube) -> None:
    with_accent = [
        r for r in cube.regions_of_division(cube.division_year) if fold(r.name) != r.name.lower()
    ]
    accented = next(r for r in with_accent if any(ch in r.name for ch in "âêéëïöüû"))
    assert accented.code in _codes(cube, fold(accented.name))
    assert accented.code in _codes(cube, accented.name.upper())


def test_code_exact_name_and_limits(cube: Cube) -> None:
    assert _codes(cube, "bu05050100")[0] == "BU05050100"
    assert cube.search("Nieuwe Haven en omgeving").matches[0].code == "BU05050100"
    assert _codes(cube, "Dordrecht")[0] == "GM0505"
    # a gemeente of an older division (Uden, 2020) is found with its own division
    uden = cube.search("Uden").matches[0]
    assert (uden.code, uden.division_year) == ("GM0856", 2020)
    many = cube.search("a", limit=10)
    assert len(many.matches) == 10 and many.total > 1000
    assert cube.search("").total == 0 and cube.search(" -/ ").total == 0
    assert cube.search("zzqqxx").matches == []


def test_old_workspace_gets_names_on_open(filled_workspace: Workspace) -> None:
    """A workspace of schema 3 (names "Buurt BU…", no name_note) is migrated in place."""
    con = filled_workspace.connect()
    con.execute("ALTER TABLE region DROP COLUMN name_note")
    con.execute("UPDATE region SET name = 'Buurt ' || code WHERE level = 'buurt'")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    observations = con.execute(
        "SELECT count(*), sum(hash(indicator_id, region_code, period, value, status)) FROM observation"
    ).fetchone()
    con.close()
    reopened = open_workspace(filled_workspace.root)
    con = reopened.connect(read_only=True)
    try:
        assert con.execute(
            "SELECT count(*), sum(hash(indicator_id, region_code, period, value, status)) FROM observation"
        ).fetchone() == (observations)
        rows = dict(
            con.execute(
                "SELECT name_note, count(*) FROM region WHERE division_year = 2023 AND level = 'buurt' GROUP BY 1"
            ).fetchall()
        )
        named = con.execute(
            "SELECT name FROM region WHERE code = 'BU05050100' AND division_year = 2023"
        ).fetchone()
    finally:
        con.close()
    assert rows == {None: 14266, "herindeling_2024": 155}
    assert named == ("Nieuwe Haven en omgeving",)
