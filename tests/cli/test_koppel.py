"""``buurtbeeld koppel``: the Dutch report, and the intermediate files that never stay behind."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.koppel import LARGE_AREA, scale_notice
from buurtbeeld.cli.main import app
from buurtbeeld.source.link_workdir import PID_FILE, PREFIX
from tests.source.link_data import link_spec_text, make_rows, write_all

runner = CliRunner()
NAMES = ["wmo", "jeugdhulp", "bijstand", "schuldsignalen"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("koppel-cli")
    rows, units = make_rows(scale=1.0)
    write_all(folder, rows, units)
    (folder / "koppel.yaml").write_text(link_spec_text(NAMES), encoding="utf-8")
    return folder


@pytest.fixture
def folder(tmp_path: Path, template: Path) -> Path:
    for item in template.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    return tmp_path


def _work_folders(folder: Path) -> list[Path]:
    return list(folder.glob(PREFIX + "*"))


def _pseudonyms(folder: Path) -> set[str]:
    out: set[str] = set()
    for path in folder.glob("*-pseudoniemen.parquet"):
        table = pq.read_table(path, columns=["persoon", "huishouden"])
        for column in table.columns:
            out |= {str(v) for v in column.to_pylist() if v is not None}
    return out


def test_koppel_reports_in_dutch_and_leaves_no_intermediate_files(folder: Path) -> None:
    # two extracts: protecting all four of Dordrecht's took many minutes and > 10 GB (issue 11
    # note); the linking of all four is tested in tests/source/test_link.py
    two = folder / "koppel-twee.yaml"
    two.write_text(link_spec_text(["wmo", "schuldsignalen"]), encoding="utf-8")
    result = runner.invoke(app, ["koppel", str(two)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Extracten" in out and "Overlap per gemeente, huishoudens, 2024" in out
    assert re.search(
        r"Tussenbestanden verwijderd: \.buurtbeeld-koppel-werk-\S+ \(\d+ bestanden\)", out
    )
    assert "niet gekoppeld" in out  # units outside the area: a warning
    # the console wraps long paths anywhere: compare without any whitespace
    assert re.search(r"Pakketgemaakt:\S+stapeling-GM0505\.zip", "".join(out.split())), out
    assert "geen pakket van de partner" in out  # no partner packages in this koppelspec
    assert "Let op: deze koppeling beslaat" not in out  # one gemeente: no warning of hours
    assert _work_folders(folder) == []
    # no pseudonym, and no number finer than tens but the row counts
    numbers = set(re.findall(r"-?\d{6,}", result.output))
    assert not numbers & _pseudonyms(folder)
    assert not numbers
    # the package is in the linking party's logboek; once sent, it constrains the next run
    package = next(folder.rglob("stapeling-GM0505.zip"))
    sent = runner.invoke(app, ["bron", "verzonden", str(two), str(package)])
    assert sent.exit_code == 0 and "verzonden" in sent.output, sent.output
    listing = runner.invoke(app, ["bron", "logboek", str(two)])
    assert listing.exit_code == 0 and "verzonden" in listing.output, listing.output


def test_the_work_folder_is_removed_after_a_failure(folder: Path) -> None:
    # an extract whose footer is intact but whose data pages are damaged: the metadata checks
    # pass, the engine fails while reading
    path = folder / "wmo-pseudoniemen.parquet"
    data = bytearray(path.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little") + 8
    for i in range(4, len(data) - footer):
        data[i] = 0x5A
    path.write_bytes(bytes(data))
    result = runner.invoke(app, ["koppel", str(folder / "koppel.yaml")])
    assert result.exit_code == 2, result.output
    assert "BB-KOP-006" in result.output
    assert "Tussenbestanden verwijderd" in result.output
    assert _work_folders(folder) == []


def test_a_crashed_runs_leftover_is_removed_and_reported(folder: Path) -> None:
    crashed = folder / (PREFIX + "oud")
    crashed.mkdir()
    (crashed / PID_FILE).write_text("999999999", encoding="ascii")  # no such process
    (crashed / "pseudoniemen.parquet").write_bytes(b"x")
    running = folder / (PREFIX + "loopt")
    running.mkdir()
    (running / PID_FILE).write_text(str(os.getppid()), encoding="ascii")  # a live process
    two = folder / "koppel-twee.yaml"  # two extracts: a small table to protect
    two.write_text(link_spec_text(["wmo", "schuldsignalen"]), encoding="utf-8")
    result = runner.invoke(app, ["koppel", str(two)])
    assert result.exit_code == 0, result.output
    assert "afgebroken koppeling verwijderd: .buurtbeeld-koppel-werk-oud (2 bestanden)" in " ".join(
        result.output.split()
    )
    assert not crashed.exists()
    assert running.exists()  # another run still works there
    assert _work_folders(folder) == [running]


def test_koppel_refuses_extracts_of_different_keys(folder: Path, tmp_path: Path) -> None:
    from tests.source.link_data import OTHER_KEY, meta, write_extract

    table = pq.read_table(folder / "bijstand-pseudoniemen.parquet")
    write_extract(
        folder / "bijstand-pseudoniemen.parquet",
        table.to_pylist(),
        meta("bijstand", "personen", key=OTHER_KEY),
    )
    result = runner.invoke(app, ["koppel", str(folder / "koppel.yaml")])
    assert result.exit_code == 2
    assert "BB-KOP-003" in result.output and "'bijstand'" in result.output
    assert _work_folders(folder) == []


def test_koppel_help_is_dutch() -> None:
    result = runner.invoke(app, ["koppel", "--help"])
    assert result.exit_code == 0
    assert "Koppel gepseudonimiseerde extracten" in result.output


def test_a_large_area_is_announced_with_the_advice_to_link_per_gemeente() -> None:
    # five gemeenten as one table took more than 20 minutes of CPU, the country days
    # (docs/benchmarks.md): the linking party hears it before the wait, with what to do
    assert scale_notice(1, national=False) is None
    assert scale_notice(LARGE_AREA - 1, national=False) is None
    few = scale_notice(LARGE_AREA, national=False)
    assert few is not None and f"{LARGE_AREA} gemeenten" in few and "per gemeente" in few
    land = scale_notice(342, national=True)
    assert land is not None and "het hele land" in land and "gemeente: GM" in land
