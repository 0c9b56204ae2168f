"""The observation key (indicator, region, period) stays unique without a primary-key index.

Issue 17: the ART index of the observation table made a national StatLine import 68 s; the
table lost its PRIMARY KEY (schema 5) and ``store.batches.replace_observations`` keeps the key
unique itself: a batch with a key twice is refused (``BB-STL-030``) and nothing changes, a
stored key is updated in place, and a workspace of schema 4 is migrated with every figure kept.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.store.batches import observation_table, replace_observations
from buurtbeeld.store.importer import BUNDLED_FILES, import_file
from buurtbeeld.store.schema import OBSERVATION, SCHEMA_VERSION
from buurtbeeld.store.workspace import Workspace, open_workspace
from tests.cbs_files import kwb_rows, write_kwb_csv
from tests.store.test_import import fingerprint

DUPLICATES = (
    "SELECT count(*) FROM (SELECT 1 FROM observation "
    "GROUP BY indicator_id, region_code, period HAVING count(*) > 1)"
)


def _batch(regions: list[str], values: list[float]) -> pa.Table:
    n = len(regions)
    return observation_table(
        {
            "indicator_id": ["inwoners"] * n,
            "region_code": regions,
            "period": ["2023"] * n,
            "value": values,
            "status": ["value"] * n,
            "status_note": [None] * n,
        },
        division_year=2023,
        import_id=99,
    )


def test_a_batch_with_a_key_twice_is_refused_and_nothing_changes(
    filled_workspace: Workspace,
) -> None:
    before, generation = fingerprint(filled_workspace), filled_workspace.generation()
    with pytest.raises(ImportFileError) as caught, filled_workspace.transaction() as con:
        replace_observations(
            con, _batch(["GM0505", "GM0344", "GM0505"], [1.0, 2.0, 3.0]), file_name="dubbel.csv"
        )
    assert caught.value.code == "BB-STL-030"
    assert "GM0505" in caught.value.message and "inwoners" in caught.value.message
    assert "1.0" not in caught.value.message and "3.0" not in caught.value.message  # no values
    assert fingerprint(filled_workspace) == before
    assert filled_workspace.generation() == generation


def test_a_stored_key_is_updated_never_stored_twice(filled_workspace: Workspace) -> None:
    con = filled_workspace.connect(read_only=True)
    (count,) = con.execute("SELECT count(*) FROM observation").fetchone() or (0,)
    con.close()
    with filled_workspace.transaction() as con:
        summary = replace_observations(con, _batch(["GM0505", "GM0344"], [1.0, 2.0]))
    assert sum(r.cells for r in summary.replaced) == 2
    con = filled_workspace.connect(read_only=True)
    assert con.execute("SELECT count(*) FROM observation").fetchone() == (count,)
    assert con.execute(DUPLICATES).fetchone() == (0,)
    assert con.execute(
        "SELECT value, import_id FROM observation WHERE indicator_id = 'inwoners' "
        "AND region_code = 'GM0505' AND period = '2023'"
    ).fetchone() == (1.0, 99)
    con.close()


def test_a_revised_cbs_file_replaces_its_figures_without_duplicates(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    import_file(empty_workspace, BUNDLED_FILES[0])
    header, rows = kwb_rows()
    column = header.index("a_inw")
    for row in rows:  # a revision: CBS corrected the inhabitants of Dordrecht's regions
        row[column] = str(int(row[column]) + 5) if row[column].isdigit() else row[column]
    revised = write_kwb_csv(tmp_path / "kwb-2023.csv", rows_override=rows)
    report = import_file(empty_workspace, revised, replace_hidden=True)
    assert report.replaced and not report.already_imported
    con = empty_workspace.connect(read_only=True)
    assert con.execute(DUPLICATES).fetchone() == (0,)
    assert con.execute(
        "SELECT count(*) FROM observation WHERE indicator_id = 'inwoners' AND period = '2023'"
    ).fetchone() == (18116,)
    con.close()


def test_schema_4_workspace_loses_the_index_and_keeps_every_figure(
    filled_workspace: Workspace,
) -> None:
    con = filled_workspace.connect()
    old = OBSERVATION.replace(
        "import_id INTEGER NOT NULL,",
        "import_id INTEGER NOT NULL,\n        PRIMARY KEY (indicator_id, region_code, period),",
    ).replace("TABLE observation", "TABLE observation_v4")
    con.execute(old)
    con.execute("INSERT INTO observation_v4 SELECT * FROM observation")
    con.execute("DROP TABLE observation")
    con.execute("ALTER TABLE observation_v4 RENAME TO observation")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    assert con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'observation' "
        "AND constraint_type = 'PRIMARY KEY'"
    ).fetchone() == (1,)
    con.close()
    before = fingerprint(filled_workspace)
    reopened = open_workspace(filled_workspace.root)
    con = reopened.connect(read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    assert con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'observation' "
        "AND constraint_type = 'PRIMARY KEY'"
    ).fetchone() == (0,)
    con.close()
    assert fingerprint(reopened) == before
