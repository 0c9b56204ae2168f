"""The fast OData reader (Arrow's JSON reader) gives the same table as the careful one, and
leaves every file it cannot read plainly to the careful reader (issue 17: import speed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.opendata.statline import V3_DATA, _rows_table, fast_rows, read_statline
from buurtbeeld.opendata.statline_meta import load_json
from tests.statline_files import write_kwb2024_v3

pytestmark = pytest.mark.shared_data


def careful(path: Path):  # type: ignore[no-untyped-def]
    return _rows_table(load_json(path), path.name)


def test_fast_read_equals_the_careful_read_of_cbs_values(tmp_path: Path) -> None:
    folder = write_kwb2024_v3(tmp_path / "85984NED")
    fast = fast_rows(folder / V3_DATA)
    assert fast is not None and fast.num_rows > 3000
    assert fast.equals(careful(folder / V3_DATA))


def test_pretty_printed_dump_is_read_the_same(tmp_path: Path) -> None:
    folder = write_kwb2024_v3(tmp_path / "85984NED")
    path = folder / V3_DATA
    compact = careful(path)
    path.write_text(json.dumps(json.loads(path.read_text()), indent=2), encoding="utf-8")
    fast = fast_rows(path)
    assert fast is not None and fast.equals(compact)


def test_byte_order_mark_is_read_the_same(tmp_path: Path) -> None:
    folder = write_kwb2024_v3(tmp_path / "85984NED", gemeenten=("0505",))
    path = folder / V3_DATA
    plain = careful(path)
    path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
    fast = fast_rows(path)
    assert fast is not None and fast.equals(plain)


@pytest.mark.parametrize("damage", ["mixed", "list", "empty"])
def test_odd_files_fall_back_to_the_careful_reader(tmp_path: Path, damage: str) -> None:
    folder = write_kwb2024_v3(tmp_path / "85984NED", gemeenten=("0505",))
    path = folder / V3_DATA
    data = json.loads(path.read_text(encoding="utf-8"))
    if damage == "mixed":  # a number column with one text cell (CBS's '.' written as text)
        data["value"][1]["AantalInwoners_5"] = "."
    if damage == "empty":
        data["value"] = []
    path.write_text(json.dumps(data["value"] if damage == "list" else data), encoding="utf-8")
    assert fast_rows(path) is None
    if damage == "empty":  # the careful reader's coded error
        with pytest.raises(BuurtbeeldError) as caught:
            read_statline(folder)
        assert caught.value.code == "BB-STL-001"
        return
    read = read_statline(folder)  # still read, by the careful path
    assert read.frames and read.frames[0].codes
