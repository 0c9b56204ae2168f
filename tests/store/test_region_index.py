"""The region profile reads observations through an in-memory index by region (issue 10, item 13):
it must return exactly what SQL on the stored observations returns."""

from __future__ import annotations

from pathlib import Path

from buurtbeeld.store.cube import Cube
from buurtbeeld.store.workspace import open_workspace

CODES = ("BU05050101", "WK050501", "GM0505", "NL00", "BU03630000", "GM0855", "BU08550000")


def test_profile_cells_equal_sql(app_workspace: Path) -> None:
    cube = Cube(open_workspace(app_workspace))
    try:
        con = cube.cursor()
        for code in CODES:
            rows = con.execute(
                "SELECT indicator_id, value, status, status_note, period FROM observation "
                "WHERE region_code = ? ORDER BY indicator_id, period",
                [code],
            ).fetchall()
            series = cube.series_for_region(code)
            assert [
                (i, c.value, c.status, c.note, c.period)
                for i, cells in series.items()
                for c in cells
            ] == rows, code
            assert all(c.region_code == code for cells in series.values() for c in cells)
            latest = con.execute(
                "SELECT indicator_id, arg_max(period, period) FROM observation "
                "WHERE region_code = ? GROUP BY indicator_id",
                [code],
            ).fetchall()
            cells = cube.latest_cells_for_region(code)
            assert {i: c.period for i, c in cells.items()} == dict(latest), code
            hidden = [c for c in cells.values() if c.status == "hidden"]
            assert all(c.value is None for c in hidden)
        assert len(cube.series_for_region("NL00")) >= 30
        assert cube.series_for_region("BU99999999") == {}
    finally:
        cube.close()
