"""A truncated download: refused when it does not end cleanly, warned when it covers little."""

from __future__ import annotations

from pathlib import Path

import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.store.importer import import_file
from buurtbeeld.store.workspace import Workspace
from tests.cbs_files import write_kwb_csv
from tests.conftest import shared_file
from tests.store.test_import import fingerprint

pytestmark = pytest.mark.shared_data


def _national_lines() -> list[bytes]:
    return shared_file("kwb2023_subset_nl.csv").read_bytes().splitlines(keepends=True)


def _counts(workspace: Workspace) -> tuple[int, int]:
    con = workspace.connect(read_only=True)
    try:
        row = con.execute(
            "SELECT count(*), count(*) FILTER (import_id = 1) FROM observation WHERE period = '2023'"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0]), int(row[1])


def test_national_csv_cut_at_a_line_boundary_is_warned_and_keeps_the_rest(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    lines = _national_lines()
    assert len(lines) == 18117
    cut = tmp_path / "kwb-2023.csv"
    cut.write_bytes(b"".join(lines[:1993]))  # header + 1,992 rows, ending on a line break
    total, from_bundle = _counts(filled_workspace)
    report = import_file(filled_workspace, cut)
    assert report.rows == 1992
    assert report.warnings == [
        "Dit bestand bevat 1.992 regio's; in de werkmap staan voor 2023 18.116 regio's van deze "
        "tabel. Alleen de regio's in het bestand zijn bijgewerkt; de andere houden hun cijfers."
    ]
    after, still_from_bundle = _counts(filled_workspace)
    assert after == total
    assert still_from_bundle == from_bundle - report.observations


@pytest.mark.parametrize("where", ["inside_last_number", "inside_last_line"])
def test_national_csv_cut_inside_a_line_is_refused(
    where: str, filled_workspace: Workspace, tmp_path: Path
) -> None:
    lines = _national_lines()
    last = lines[1992].rstrip(b"\r\n")
    if where == "inside_last_number":
        text = b"".join(lines[:1992]) + last[:-1]  # '…,84.0' becomes '…,84.' without line end
    else:
        text = b"".join(lines[:1992]) + last[: len(last) // 2] + b"\n"
    cut = tmp_path / "kwb-2023.csv"
    cut.write_bytes(text)
    before = fingerprint(filled_workspace)
    with pytest.raises(ImportFileError) as info:
        import_file(filled_workspace, cut)
    assert info.value.code == "BB-IMP-031"
    assert fingerprint(filled_workspace) == before


def test_quoted_cbs_csv_cut_inside_a_field_is_refused(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    path = write_kwb_csv(tmp_path / "kwb-2023.csv")
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b'"') - 2])  # inside the last quoted field
    with pytest.raises(ImportFileError) as info:
        import_file(empty_workspace, path)
    assert info.value.code == "BB-IMP-031" and "aanhalingsteken" in info.value.message
