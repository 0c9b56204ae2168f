"""Staging CSV exports: every row kept in order over many blocks, clean errors that quote nothing."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.source import readers
from buurtbeeld.source.errors import InputFileError
from buurtbeeld.source.spec import InputFile

ROWS = 5_000


def _export(path: Path, *, bad_at: int | None = None, short_at: int | None = None) -> None:
    lines = ["bsn;buurtcode;soort"]
    for i in range(ROWS):
        if i == short_at:
            lines.append(f"{i};BU05050101")  # one field missing
        else:
            lines.append(f"{i};BU0505{i % 100:04d};Ondersteuning thuis – groep")
    data = "\n".join(lines).encode("cp1252")
    if bad_at is not None:  # a byte cp1252 does not define, far into the file
        cut = data.index(f"\n{bad_at};".encode())
        data = data[:cut] + b"\n9;BU05050101;\x81" + data[cut:]
    path.write_bytes(data)


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # many parse blocks and row groups
    monkeypatch.setattr(readers, "BLOCK", 4096)


@pytest.mark.usefixtures("small_blocks")
def test_every_row_staged_in_order_with_bad_rows_counted(tmp_path: Path) -> None:
    _export(tmp_path / "export.csv", short_at=1234)
    item = InputFile(pad=tmp_path / "export.csv", tekenset="cp1252")
    staged = readers.stage(item, tmp_path, 0)
    table = pq.read_table(staged.parquet)
    assert staged.bad_shape_rows == 1
    assert table.num_rows == ROWS - 1
    assert pq.ParquetFile(staged.parquet).metadata.num_row_groups > 10
    expected = [str(i) for i in range(ROWS) if i != 1234]
    assert table["bsn"].to_pylist() == expected
    assert set(table["soort"].to_pylist()) == {"Ondersteuning thuis – groep"}


@pytest.mark.usefixtures("small_blocks")
def test_undecodable_byte_far_into_the_file_is_a_clean_error(tmp_path: Path) -> None:
    _export(tmp_path / "export.csv", bad_at=4000)
    item = InputFile(pad=tmp_path / "export.csv", tekenset="cp1252")
    with pytest.raises(InputFileError, match="niet te lezen als CSV") as caught:
        readers.stage(item, tmp_path, 0)
    assert "BU0505" not in str(caught.value)  # no record content in the message


def test_unwritable_staging_folder_is_a_clean_error(tmp_path: Path) -> None:
    _export(tmp_path / "export.csv")
    item = InputFile(pad=tmp_path / "export.csv", tekenset="cp1252")
    with pytest.raises(InputFileError, match="niet te lezen als CSV"):
        readers.stage(item, tmp_path / "bestaat-niet", 0)


@pytest.mark.usefixtures("small_blocks")
def test_command_reports_an_unreadable_export_without_its_content(tmp_path: Path) -> None:
    _export(tmp_path / "export.csv", bad_at=4000)
    (tmp_path / "wmo.yaml").write_text(
        "dataset: wmo\nbron: test\ngemeente: GM0505\n"
        "bestanden:\n  - {pad: export.csv, tekenset: cp1252}\n"
        "sleutels: {persoon: bsn}\nregio: {buurtcode: buurtcode}\n"
        "periode: {begin: begin, jaar: 2024}\n"
        "dimensies:\n  - {naam: soort, kolom: soort}\n"
        "tabellen:\n  - {naam: wmo, titel: Wmo, dimensies: [soort]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["bron", "controleer", str(tmp_path / "wmo.yaml")])
    assert result.exit_code == 2, result.output
    assert "BB-SPEC-002" in result.output
    assert "export.csv" in result.output
    for content in ("BU0505", "Ondersteuning", "4000"):
        assert content not in result.output
