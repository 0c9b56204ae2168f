"""Import: transactional, idempotent, clear Dutch errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from buurtbeeld.errors import BuurtbeeldError, ImportFileError, RegionCodeError
from buurtbeeld.store import importer
from buurtbeeld.store.importer import BUNDLED_FILES, import_file
from buurtbeeld.store.workspace import Workspace
from tests.cbs_files import kwb_rows, write_kwb_csv, write_kwb_xlsx


def fingerprint(workspace: Workspace) -> tuple[object, ...]:
    con = workspace.connect(read_only=True)
    try:
        obs = con.execute(
            "SELECT count(*), sum(hash(indicator_id, region_code, period, value, status, status_note, import_id)) FROM observation"
        ).fetchone()
        batches = con.execute(
            "SELECT count(*), string_agg(file_sha256, ',' ORDER BY import_id) FROM import_batch"
        ).fetchone()
        regions = con.execute(
            "SELECT count(*), sum(hash(code, division_year, name)) FROM region"
        ).fetchone()
        return (obs, batches, regions)
    finally:
        con.close()


def test_bundled_kwb_import_writes_every_region(empty_workspace: Workspace) -> None:
    report = import_file(empty_workspace, BUNDLED_FILES[0])
    assert report.periods == ["2023"] and report.rows == 18116
    con = empty_workspace.connect(read_only=True)
    assert con.execute(
        "SELECT count(*) FROM observation WHERE indicator_id = 'inwoners'"
    ).fetchone() == (18116,)
    # Dordrecht as published by CBS: 121,434 inhabitants in the KWB 2023 file.
    assert con.execute(
        "SELECT value FROM observation WHERE indicator_id = 'inwoners' AND region_code = 'GM0505'"
    ).fetchone() == (121434.0,)


def test_same_file_twice_changes_nothing(filled_workspace: Workspace) -> None:
    before = fingerprint(filled_workspace)
    report = import_file(filled_workspace, BUNDLED_FILES[0])
    assert report.already_imported
    assert fingerprint(filled_workspace) == before


def test_same_figures_in_cbs_csv_format_give_the_same_observations(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    import_file(empty_workspace, write_kwb_csv(tmp_path / "kwb-2023.csv"))
    con = empty_workspace.connect(read_only=True)
    from_csv = con.execute(
        "SELECT indicator_id, region_code, value, status FROM observation WHERE regexp_matches(region_code, '^(GM|WK|BU)0505') ORDER BY ALL"
    ).fetchall()
    con.close()
    assert len(from_csv) > 4000  # 146 regions × 31 KWB indicators
    # and from the repository's bundled file
    other = tmp_path / "tweede"
    from buurtbeeld.store.workspace import create_workspace

    second = create_workspace(other)
    import_file(second, BUNDLED_FILES[0])
    con = second.connect(read_only=True)
    from_bundle = con.execute(
        "SELECT indicator_id, region_code, value, status FROM observation WHERE regexp_matches(region_code, '^(GM|WK|BU)0505') ORDER BY ALL"
    ).fetchall()
    assert from_csv == from_bundle


def test_xlsx_in_cbs_format_imports(empty_workspace: Workspace, tmp_path: Path) -> None:
    report = import_file(empty_workspace, write_kwb_xlsx(tmp_path / "kwb-2023.xlsx"))
    assert report.rows == len(kwb_rows()[1])
    con = empty_workspace.connect(read_only=True)
    status = con.execute(
        "SELECT status FROM observation WHERE indicator_id = 'afstand_huisarts' AND region_code = 'GM0505'"
    ).fetchone()
    assert status == ("value",)


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str, type[BuurtbeeldError]]]:
    non_cbs = tmp_path / "klanten.csv"
    non_cbs.write_text("naam;leeftijd\nJan;40\n", encoding="utf-8")
    truncated = write_kwb_xlsx(tmp_path / "kwb-2023.xlsx")
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    _, rows = kwb_rows()
    rows[5][0] = "BU99999999"
    unknown = write_kwb_csv(tmp_path / "kwb-2023-onbekend.csv", rows_override=rows)
    _, rows = kwb_rows()
    rows[3][1] = "Dördrecht"  # a non-ASCII character, then saved in another encoding
    wrong_encoding = write_kwb_csv(
        tmp_path / "kwb-2023-utf16.csv", encoding="utf-16", rows_override=rows
    )
    _, rows = kwb_rows()
    duplicate = write_kwb_csv(tmp_path / "kwb-2023-dubbel.csv", rows_override=[*rows, rows[2]])
    no_year = write_kwb_csv(tmp_path / "kerncijfers.csv")
    _, rows = kwb_rows()
    rows[4][2] = "veel"
    text_cell = write_kwb_csv(tmp_path / "kwb-2023-tekst.csv", rows_override=rows)
    return {
        "non_cbs_csv": (non_cbs, "BB-IMP-020", ImportFileError),
        "truncated_xlsx": (truncated, "BB-IMP-004", ImportFileError),
        "unknown_codes": (unknown, "BB-GEO-003", RegionCodeError),
        "wrong_encoding": (wrong_encoding, "BB-IMP-006", ImportFileError),
        "duplicate_rows": (duplicate, "BB-IMP-012", ImportFileError),
        "no_year": (no_year, "BB-IMP-011", ImportFileError),
        "text_in_numbers": (text_cell, "BB-IMP-010", ImportFileError),
        "missing_file": (tmp_path / "bestaat-niet.csv", "BB-IMP-002", ImportFileError),
        "unsupported_type": (tmp_path / "kwb-2023.ods", "BB-IMP-003", ImportFileError),
    }


@pytest.mark.parametrize(
    "case",
    [
        "non_cbs_csv",
        "truncated_xlsx",
        "unknown_codes",
        "wrong_encoding",
        "duplicate_rows",
        "no_year",
        "text_in_numbers",
        "missing_file",
        "unsupported_type",
    ],
)
def test_bad_input_gets_a_dutch_error_and_leaves_the_workspace_unchanged(
    case: str, filled_workspace: Workspace, tmp_path: Path
) -> None:
    files = _bad_files(tmp_path)
    (tmp_path / "kwb-2023.ods").write_bytes(b"PK\x03\x04")
    path, code, error_type = files[case]
    before = fingerprint(filled_workspace)
    with pytest.raises(error_type) as info:
        import_file(filled_workspace, path)
    assert info.value.code == code
    text = str(info.value)
    assert text.startswith(f"Fout {code}: ") and "Oplossing: " in text
    assert info.value.hint and info.value.hint[0].isupper()
    assert fingerprint(filled_workspace) == before


def test_wrong_encoding_can_be_named_explicitly(empty_workspace: Workspace, tmp_path: Path) -> None:
    _, rows = kwb_rows()
    rows[3][1] = "Dördrecht"
    path = write_kwb_csv(tmp_path / "kwb-2023.csv", encoding="cp1252", rows_override=rows)
    with pytest.raises(ImportFileError, match="tekenset UTF-8"):
        import_file(empty_workspace, path)
    report = import_file(empty_workspace, path, encoding="cp1252")
    assert report.rows == len(rows)


def test_failure_inside_the_transaction_rolls_everything_back(
    filled_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fingerprint(filled_workspace)

    def broken_derive(*args: object, **kwargs: object) -> None:
        raise RuntimeError("schijf vol")

    monkeypatch.setattr(importer, "derive_for_import", broken_derive)
    with pytest.raises(RuntimeError):
        import_file(filled_workspace, write_kwb_csv(tmp_path / "kwb-2023.csv"))
    assert fingerprint(filled_workspace) == before


def test_derived_ratio_follows_the_minimum_denominator(filled_workspace: Workspace) -> None:
    con = filled_workspace.connect(read_only=True)
    rows = con.execute(
        """SELECT d.status, d.status_note, i.value AS inwoners, b.status AS bijstand_status
           FROM observation d
           JOIN observation i ON i.region_code = d.region_code AND i.indicator_id = 'inwoners' AND i.period = d.period
           JOIN observation b ON b.region_code = d.region_code AND b.indicator_id = 'bijstand' AND b.period = d.period
           WHERE d.indicator_id = 'bijstand_per_1000'"""
    ).fetchall()
    assert rows
    for status, note, inhabitants, numerator_status in rows:
        if numerator_status == "hidden":
            assert (status, note) == ("hidden", "invoer_verborgen")
        elif inhabitants < 100:
            assert (status, note) == ("hidden", "noemer_te_klein")
        else:
            assert status == "value"


def test_workspace_of_schema_1_is_migrated_without_losing_figures(
    filled_workspace: Workspace,
) -> None:
    con = filled_workspace.connect()
    con.execute("DROP TABLE indicator_def")
    con.execute("DROP TABLE stapeling")
    con.execute("DROP TABLE stapeling_voorziening")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    before = fingerprint(filled_workspace)
    from buurtbeeld.store.schema import SCHEMA_VERSION
    from buurtbeeld.store.workspace import open_workspace

    reopened = open_workspace(filled_workspace.root)
    con = reopened.connect(read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    assert con.execute("SELECT count(*) FROM stapeling").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM indicator_def").fetchone() == (0,)
    con.close()
    assert fingerprint(reopened) == before
