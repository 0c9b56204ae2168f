"""Every malformed file gives a coded Dutch refusal (never a traceback), or is read correctly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.store.importer import import_file
from buurtbeeld.store.workspace import Workspace
from tests.store.test_import import fingerprint

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "malformed"

REFUSED = {
    "kwb-2023-dubbele-kolom.csv": ("BB-IMP-032", "a_inw"),
    "kwb-2023-nan.csv": ("BB-IMP-033", "a_inw"),
    "kwb-2023-nan.parquet": ("BB-IMP-033", "a_inw"),
    "kwb-2023-inf.csv": ("BB-IMP-033", "a_inw"),
    "kwb-2023-1e400.csv": ("BB-IMP-033", "a_inw"),
    "kwb-2023-400-cijfers.csv": ("BB-IMP-033", "a_inw"),
    "kwb-2023-struct.parquet": ("BB-IMP-034", "a_inw"),
    "kwb-2023-lijst.parquet": ("BB-IMP-034", "a_inw"),
    "kwb-2023-binair.parquet": ("BB-IMP-034", "gm_naam"),
    "kwb-2023-zonder-workbook.xlsx": ("BB-IMP-004", "xl/workbook.xml"),
    "kwb-2023-negatief.csv": ("BB-IMP-037", "a_inw"),
    "kwb-2023-verwisseld.csv": ("BB-IMP-038", "3 regio's"),
    "kwb-2023-formule.xlsx": ("BB-IMP-039", "D3"),
}


def _refused(workspace: Workspace, path: Path) -> BuurtbeeldError:
    before = fingerprint(workspace)
    with pytest.raises(BuurtbeeldError) as info:
        import_file(workspace, path)
    assert fingerprint(workspace) == before
    text = str(info.value)
    assert text.startswith(f"Fout {info.value.code}: ") and "Oplossing: " in text
    return info.value


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_malformed_file_is_refused_with_a_code(name: str, empty_workspace: Workspace) -> None:
    code, named = REFUSED[name]
    err = _refused(empty_workspace, FIXTURES / name)
    assert err.code == code, err
    assert named in err.message


def test_swapped_count_columns_name_both_columns(empty_workspace: Workspace) -> None:
    err = _refused(empty_workspace, FIXTURES / "kwb-2023-verwisseld.csv")
    assert "a_hh" in err.message and "a_inw" in err.message


def test_formula_without_value_is_named_by_sheet_cell_and_column(
    empty_workspace: Workspace,
) -> None:
    err = _refused(empty_workspace, FIXTURES / "kwb-2023-formule.xlsx")
    assert "kwb-2023" in err.message and "D3" in err.message and "a_hh" in err.message


def _stored(workspace: Workspace) -> list[tuple[object, ...]]:
    con = workspace.connect(read_only=True)
    try:
        return con.execute(
            "SELECT indicator_id, region_code, value, status FROM observation ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("name", ["kwb-2023-lege-regels.csv", "kwb-2023-cr.csv"])
def test_blank_lines_before_the_header_and_cr_line_ends_are_read(
    name: str, empty_workspace: Workspace, tmp_path: Path
) -> None:
    clean = tmp_path / "kwb-2023.csv"
    text = (FIXTURES / "kwb-2023-lege-regels.csv").read_text(encoding="utf-8").lstrip("\n")
    clean.write_text(text, encoding="utf-8")
    report = import_file(empty_workspace, FIXTURES / name)
    assert report.rows == 3
    got = _stored(empty_workspace)
    from buurtbeeld.store.workspace import create_workspace

    other = create_workspace(tmp_path / "schoon")
    import_file(other, clean)
    assert got == _stored(other) and len(got) >= 6


def test_a_directory_is_not_a_file(empty_workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "kwb-2023.csv"
    folder.mkdir()
    err = _refused(empty_workspace, folder)
    assert err.code == "BB-IMP-035"


def test_xlsx_bomb_is_refused_before_it_is_unpacked(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    """A small xlsx whose sheet unpacks to far more than any CBS file (compression ratio ~1000)."""
    source = FIXTURES / "kwb-2023-formule.xlsx"
    bomb = tmp_path / "kwb-2023.xlsx"
    row = b'<row r="9"><c r="A9" t="inlineStr"><is><t>BU05050100</t></is></c></row>'
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"</sheetData>")
                data = head + row * (64 * 1024 * 1024 // len(row)) + b"</sheetData>" + tail
            zout.writestr(item.filename, data)
    assert bomb.stat().st_size < 1024 * 1024
    err = _refused(empty_workspace, bomb)
    assert err.code == "BB-IMP-036"


def test_a_declared_range_in_the_catalogue_is_checked(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    """stedelijkheid declares ``range: [1, 5]``; its unit (klasse) implies no range."""
    from buurtbeeld.catalog.load import builtin_catalog
    from tests.cbs_files import kwb_rows, write_kwb_csv

    assert builtin_catalog().get("stedelijkheid").valid_range == (1, 5)
    header, rows = kwb_rows()
    rows[2][header.index("ste_mvs")] = "6"
    err = _refused(empty_workspace, write_kwb_csv(tmp_path / "kwb-2023.csv", rows_override=rows))
    assert err.code == "BB-IMP-037" and "ste_mvs" in err.message and "tot en met 5" in err.message
