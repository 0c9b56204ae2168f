"""The audit log: a hash chain that `buurtbeeld audit controleer` checks (through the CLI).

Tampering is done as an attacker with database rights would: switch off the append-only
trigger, then change, delete or reorder rows with SQL.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.platform.audit import GENESIS, AuditLog, Event, entry_hash
from buurtbeeld.platform.db import ENV_DATABASE_URL, PlatformDB, open_platform
from buurtbeeld.platform.errors import AuditError
from tests.platform.conftest import BACKENDS

runner = CliRunner()
PASSWORD = "drie dikke dames dansen"


def _db(root: Path) -> PlatformDB:
    return open_platform(None if os.environ.get(ENV_DATABASE_URL) else root)


def _cli(root: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--werkmap", str(root)], input=stdin)
    return result.exit_code, result.output


def _fill(root: Path) -> None:
    """Five entries, made through the CLI like a beheerder would."""
    for name, role in (("ann", "beheerder"), ("bob", "lezer"), ("cor", "analist")):
        code, out = _cli(root, "gebruiker", "maak", name, "--rol", role, "--wachtwoord-stdin",
                         stdin=PASSWORD + "\n")  # fmt: skip
        assert code == 0, out
    assert _cli(root, "gebruiker", "rol", "bob", "privacyfunctionaris")[0] == 0
    assert _cli(root, "gebruiker", "uitschakelen", "cor")[0] == 0


def _tamper(root: Path, *statements: str) -> None:
    with _db(root) as db, db.begin() as con:
        if con.dialect.name == "sqlite":
            con.execute(text("DROP TRIGGER audit_log_no_update"))
            con.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            con.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for statement in statements:
            con.execute(text(statement))


def _verify(root: Path, *extra: str) -> tuple[int, str]:
    return _cli(root, "audit", "controleer", *extra)


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_an_untouched_log_verifies(cli_env: Path) -> None:
    _fill(cli_env)
    code, out = _verify(cli_env)
    assert code == 0, out
    assert "Auditlog in orde" in out and "5 regels" in out
    with _db(cli_env) as db:
        entries = list(AuditLog(db).entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[-1].hash in out.replace("\n", "")
    assert {e.actor for e in entries} == {entries[0].actor} and entries[0].actor.startswith("cli")


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_changing_one_field_is_detected(cli_env: Path) -> None:
    _fill(cli_env)
    _tamper(cli_env, "UPDATE audit_log SET actor = 'iemand-anders' WHERE seq = 3")
    code, out = _verify(cli_env)
    assert code == 2
    assert "BB-AUD-002" in out and "Regel 3 " in out


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_changing_the_details_is_detected(cli_env: Path) -> None:
    _fill(cli_env)
    _tamper(
        cli_env,
        """UPDATE audit_log SET details = '{"gebruiker":"bob","naar":"lezer","van":"lezer"}'
           WHERE seq = 4""",
    )
    code, out = _verify(cli_env)
    assert code == 2 and "BB-AUD-002" in out and "Regel 4 " in out


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_deleting_one_entry_is_detected(cli_env: Path) -> None:
    _fill(cli_env)
    _tamper(cli_env, "DELETE FROM audit_log WHERE seq = 2")
    code, out = _verify(cli_env)
    assert code == 2 and "BB-AUD-004" in out and "regel 2 ontbreekt" in out


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_deleting_and_renumbering_is_detected(cli_env: Path) -> None:
    """The attacker deletes entry 2 and renumbers the rest, so no number is missing."""
    _fill(cli_env)
    _tamper(
        cli_env,
        "DELETE FROM audit_log WHERE seq = 2",
        "UPDATE audit_log SET seq = seq + 100 WHERE seq > 2",
        "UPDATE audit_log SET seq = seq - 101 WHERE seq > 100",
    )
    code, out = _verify(cli_env)
    assert code == 2 and "BB-AUD-002" in out and "Regel 2 " in out


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_reordering_is_detected_even_with_recomputed_hashes(cli_env: Path) -> None:
    """Swap entries 2 and 3 and give each a correct hash of its new content: the chain breaks."""
    _fill(cli_env)
    with _db(cli_env) as db:
        entries = {e.seq: e for e in AuditLog(db).entries()}
    e2, e3 = entries[2], entries[3]
    new2 = entry_hash(2, e3.time, e3.actor, e3.event, e3.details, e3.prev_hash)
    new3 = entry_hash(3, e2.time, e2.actor, e2.event, e2.details, e2.prev_hash)
    _tamper(
        cli_env,
        "UPDATE audit_log SET seq = -2 WHERE seq = 2",
        "UPDATE audit_log SET seq = -3 WHERE seq = 3",
        f"UPDATE audit_log SET seq = 3, hash = '{new3}' WHERE seq = -2",
        f"UPDATE audit_log SET seq = 2, hash = '{new2}' WHERE seq = -3",
    )
    code, out = _verify(cli_env)
    assert code == 2 and "BB-AUD-003" in out and "Regel 2 " in out


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_cutting_off_the_end_is_detected_with_the_anchor(cli_env: Path) -> None:
    _fill(cli_env)
    with _db(cli_env) as db:
        anchor = list(AuditLog(db).entries())[-1].hash
    assert _verify(cli_env, "--anker", anchor)[0] == 0
    _tamper(cli_env, "DELETE FROM audit_log WHERE seq >= 4")
    assert _verify(cli_env)[0] == 0  # a shorter chain is still a chain ...
    code, out = _verify(cli_env, "--anker", anchor)  # ... but the anchor is gone
    assert code == 2 and "BB-AUD-005" in out


def test_the_database_refuses_update_and_delete(platform_url: str) -> None:
    with open_platform(None, url=platform_url) as db:
        AuditLog(db).append(Event.SIGN_IN, "ann", {"via": "lokaal"})
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="append-only"), db.engine.begin() as con:
                con.execute(text(statement))
        assert AuditLog(db).verify()[0] == 1


def test_details_with_secrets_or_personal_data_and_unknown_events_are_refused(
    platform_url: str,
) -> None:
    with open_platform(None, url=platform_url) as db:
        _refuses_bad_details(AuditLog(db))


def _refuses_bad_details(log: AuditLog) -> None:
    for details in (
        {"wachtwoord": "x"},
        {"Password": "x"},
        {"sessie_token": "x"},
        {"e-mail": "a@b.nl"},
        {"ip_adres": "10.0.0.1"},
        {"bron": {"bsn": "123"}},
    ):
        with pytest.raises(AuditError) as err:
            log.append(Event.SIGN_IN_FAILED, "ann", details)
        assert err.value.code == "BB-AUD-010"
        assert "a@b.nl" not in err.value.message and "10.0.0.1" not in err.value.message
    with pytest.raises(AuditError) as err:
        log.append("iets_anders", "ann", {})
    assert err.value.code == "BB-AUD-011"
    assert log.count() == 0


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_export_csv_and_json_carry_the_chain_and_the_export_is_recorded(
    cli_env: Path, tmp_path: Path
) -> None:
    _fill(cli_env)
    target = tmp_path / "audit.csv"
    code, out = _cli(cli_env, "audit", "exporteer", "--formaat", "csv", "--uitvoer", str(target))
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 5
    for r in rows:
        assert r["hash"] == entry_hash(
            int(r["volgnummer"]), r["tijd"], r["wie"], r["gebeurtenis"], r["details"],
            r["vorige_hash"],
        )  # fmt: skip
    code, out = _cli(cli_env, "audit", "exporteer", "--formaat", "json")
    assert code == 0, out
    data = json.loads(out)
    assert [d["gebeurtenis"] for d in data][-1] == "auditlog_geexporteerd"  # the CSV export
    assert data[0]["details"] == {"gebruiker": "ann", "rol": "beheerder"}
    assert PASSWORD not in target.read_text(encoding="utf-8") + out
    assert _cli(cli_env, "audit", "exporteer", "--formaat", "xml")[0] == 2
    assert _verify(cli_env)[0] == 0


APPEND_SCRIPT = """
import sys
from pathlib import Path
from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import open_platform
with open_platform(None, url=sys.argv[1]) as db:
    log = AuditLog(db)
    for i in range(int(sys.argv[2])):
        log.append(Event.INTERNAL_EXPORT, sys.argv[3], {"nummer": i})
"""


def test_concurrent_writers_keep_one_unbroken_chain(platform_url: str) -> None:
    """Four processes append at once (as uvicorn workers do); nothing is lost or forked."""
    open_platform(None, url=platform_url).close()  # migrate once, as `serve` does at start
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", APPEND_SCRIPT, platform_url, "15", f"proces{i}"], env=env
        )
        for i in range(4)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    per_actor: dict[str, list[int]] = {}
    with open_platform(None, url=platform_url) as db:
        log = AuditLog(db)
        assert log.verify()[0] == 60
        for e in log.entries():
            per_actor.setdefault(e.actor, []).append(json.loads(e.details)["nummer"])
    assert per_actor == {f"proces{i}": list(range(15)) for i in range(4)}
