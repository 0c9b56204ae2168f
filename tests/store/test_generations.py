"""Cube generations: imports switch atomically while readers keep reading (store/generations.py).

Real DuckDB files, real reader processes and threads, real imports of CBS-format files.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from buurtbeeld.errors import ImportFileError, WorkspaceError
from buurtbeeld.store import generations
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.importer import import_file
from buurtbeeld.store.workspace import Workspace, open_workspace
from tests.cbs_files import kwb_rows, write_kwb_csv
from tests.conftest import shared_file

GEMEENTE = "GM0505"


def variant(tmp_path: Path, n: int) -> Path:
    """Dordrecht's KWB rows with the gemeente's inhabitants raised by ``10 * n`` (a new file)."""
    header, rows = kwb_rows()
    at, code = header.index("a_inw"), header.index("gwb_code_10")
    for row in rows:
        if row[code].strip() == GEMEENTE:
            row[at] = str(int(row[at]) + 10 * n)
    return write_kwb_csv(tmp_path / f"kwb-2023-dordrecht-{n}.csv", rows_override=rows)


def inhabitants(workspace: Workspace) -> float | None:
    con = workspace.connect(read_only=True)
    try:
        row = con.execute(
            "SELECT value FROM observation WHERE indicator_id = 'inwoners' AND region_code = ?",
            [GEMEENTE],
        ).fetchone()
    finally:
        con.close()
    return None if row is None else float(row[0])


def files_in(workspace: Workspace) -> list[str]:
    return sorted(p.name for p in (workspace.root / generations.GENERATIONS_DIR).iterdir())


def test_an_import_while_a_reader_is_open_makes_a_new_generation(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    import_file(empty_workspace, variant(tmp_path, 0))
    cube = Cube(empty_workspace)  # a server's read-only connection, held open
    before = inhabitants(empty_workspace)
    assert before is not None
    first = cube.generation
    report = import_file(empty_workspace, variant(tmp_path, 1))  # no BB-WS-003
    assert not report.already_imported
    assert empty_workspace.generation() != first
    assert inhabitants(empty_workspace) == before + 10
    # the open cube still reads its own generation, unchanged
    old = cube.cells("inwoners", "2023", [GEMEENTE])[GEMEENTE].value
    assert old == before
    assert (
        Cube(empty_workspace).cells("inwoners", "2023", [GEMEENTE])[GEMEENTE].value == before + 10
    )
    cube.close()


def test_only_the_current_and_previous_generation_are_kept(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    ids = []
    for n in range(4):
        import_file(empty_workspace, variant(tmp_path, n))
        ids.append(Path(empty_workspace.generation()).name)
    assert len(set(ids)) == 4
    kept = [n for n in files_in(empty_workspace) if n.endswith(".duckdb")]
    assert kept == sorted(ids[-2:])
    assert os.readlink(empty_workspace.root / "buurtbeeld.duckdb").endswith(ids[-1])


def test_a_file_imported_before_makes_no_new_generation(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    path = variant(tmp_path, 0)
    import_file(empty_workspace, path)
    current = empty_workspace.generation()
    assert import_file(empty_workspace, path).already_imported
    assert empty_workspace.generation() == current


def test_a_failed_import_leaves_the_current_generation_and_no_leftover(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    import_file(empty_workspace, variant(tmp_path, 0))
    current, value = empty_workspace.generation(), inhabitants(empty_workspace)
    header, rows = kwb_rows()
    rows[0][header.index("a_inw")] = "-5"  # out of range: refused before writing
    bad = write_kwb_csv(tmp_path / "kwb-2023-fout.csv", rows_override=rows)
    with pytest.raises(ImportFileError):
        import_file(empty_workspace, bad)
    # an error inside the write transaction: rolled back, the copy removed
    with pytest.raises(RuntimeError), empty_workspace.transaction() as con:
        con.execute("DELETE FROM observation")
        raise RuntimeError("halverwege")
    assert empty_workspace.generation() == current
    assert inhabitants(empty_workspace) == value
    assert not [n for n in files_in(empty_workspace) if ".bezig" in n or ".klaar" in n]


def test_a_crashed_import_is_cleaned_up_and_reported_by_the_next(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    import_file(empty_workspace, variant(tmp_path, 0))
    current = empty_workspace.generation()
    crash = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from buurtbeeld.store.workspace import open_workspace
        ws = open_workspace(Path({str(empty_workspace.root)!r}))
        with ws.transaction() as con:
            con.execute("DELETE FROM observation")
            os._exit(9)  # killed mid-import: no rollback, no clean-up
        """
    )
    done = subprocess.run([sys.executable, "-c", crash], env=_env(), timeout=120, check=False)
    assert done.returncode == 9
    assert [n for n in files_in(empty_workspace) if n.endswith(".bezig")]
    assert empty_workspace.generation() == current  # readers never saw the half import
    assert inhabitants(empty_workspace) is not None
    report = import_file(empty_workspace, variant(tmp_path, 1))
    assert any("afgebroken import" in w for w in report.warnings)
    assert not [n for n in files_in(empty_workspace) if ".bezig" in n]


def test_a_second_writer_is_refused_while_one_writes(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    import_file(empty_workspace, variant(tmp_path, 0))
    with empty_workspace.transaction():
        with pytest.raises(WorkspaceError) as refused:
            import_file(empty_workspace, variant(tmp_path, 1))
        assert refused.value.code == "BB-WS-010"
    import_file(empty_workspace, variant(tmp_path, 1))  # the lock is free again


def test_a_workspace_of_an_earlier_version_switches_to_generations(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    root = tmp_path / "oud"
    root.mkdir()
    (root / "buurtbeeld.toml").write_bytes((empty_workspace.root / "buurtbeeld.toml").read_bytes())
    (root / "buurtbeeld.duckdb").write_bytes(
        (empty_workspace.root / "buurtbeeld.duckdb").read_bytes()
    )
    old = open_workspace(root)
    assert old.generation() == ""
    reader = old.connect(read_only=True)  # a server reading the regular file
    import_file(old, variant(tmp_path, 0))
    assert (root / "buurtbeeld.duckdb").is_symlink()
    assert reader.execute("SELECT count(*) FROM observation").fetchone() == (0,)
    assert inhabitants(old) is not None
    reader.close()


READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from buurtbeeld.store.generations import open_current
    root, stop = Path(sys.argv[1]), Path(sys.argv[2])
    while not stop.exists():
        try:
            con, gen = open_current(root)
            row = con.execute(
                "SELECT (SELECT count(*) FROM import_batch),"
                " (SELECT value FROM observation WHERE indicator_id = 'inwoners' AND region_code = 'GM0505')"
            ).fetchone()
            con.close()
            print(json.dumps({"gen": gen, "imports": row[0], "value": row[1]}), flush=True)
        except Exception as err:
            print(json.dumps({"error": type(err).__name__ + ": " + str(err)[:200]}), flush=True)
    """
)


def test_an_import_that_runs_out_of_memory_says_so_and_changes_nothing(
    empty_workspace: Workspace,
) -> None:
    """The national KWB under a 1 GB address-space limit: BB-WS-011, the current cube untouched.

    (Measured: the import needs ~1.8 GB of address space, ~0.5 GB resident.)
    """
    national = shared_file("kwb2023_subset_nl.csv")
    current = empty_workspace.generation()
    limit, root = 1000 * 1024 * 1024, str(empty_workspace.root)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))

    done = subprocess.run(
        [sys.executable, "-m", "buurtbeeld", "importeer", str(national), "--werkmap", root],
        env={**_env(), "COLUMNS": "200"},
        preexec_fn=cap,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "BB-WS-011" in output and "geheugen" in output and "Traceback" not in output
    assert empty_workspace.generation() == current
    assert not [n for n in files_in(empty_workspace) if ".bezig" in n or "werk" in n]


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    root = str(Path(__file__).resolve().parents[2])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, root])}


def test_readers_in_other_processes_and_threads_see_old_or_new_never_an_error(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    import_file(empty_workspace, variant(tmp_path, 0))
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(empty_workspace.root), str(stop)],
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for _ in range(2)
    ]
    seen_in_threads: list[tuple[str, float | None]] = []
    errors: list[str] = []

    def read_in_thread() -> None:
        while not stop.exists():
            try:
                cube = Cube(empty_workspace)
                seen_in_threads.append(
                    (cube.generation, cube.cells("inwoners", "2023", [GEMEENTE])[GEMEENTE].value)
                )
                cube.close()
            except Exception as err:  # noqa: BLE001 - every error is a failure of the test
                errors.append(repr(err))

    thread = threading.Thread(target=read_in_thread)
    thread.start()
    expected = {empty_workspace.generation(): (1, inhabitants(empty_workspace))}
    try:
        for n in range(1, 6):
            import_file(empty_workspace, variant(tmp_path, n))
            expected[empty_workspace.generation()] = (n + 1, inhabitants(empty_workspace))
    finally:
        stop.touch()
        thread.join(timeout=60)
        outputs = [r.communicate(timeout=60)[0] for r in readers]
    lines = [json.loads(line) for out in outputs for line in out.splitlines()]
    assert not errors
    assert not [line for line in lines if "error" in line]
    assert len({line["gen"] for line in lines}) >= 2, "the readers saw no switch"
    for line in lines:  # each generation is exactly one whole import, never a half one
        assert (line["imports"], line["value"]) == expected[line["gen"]]
    for gen, value in seen_in_threads:
        assert value == expected[gen][1]
