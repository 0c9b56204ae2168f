"""`buurtbeeld gebruiker …` on SQLite and PostgreSQL; the password prompt in a real terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform
from buurtbeeld.platform.users import UserStore
from tests.platform.conftest import BACKENDS

runner = CliRunner()
PASSWORD = "vier vrolijke visjes"


def _cli(root: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--werkmap", str(root)], input=stdin)
    return result.exit_code, result.output


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_user_management_through_the_cli(cli_env: Path) -> None:
    code, out = _cli(cli_env, "gebruiker", "maak", "Eva", "--rol", "beheerder",
                     "--wachtwoord-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 0 and "Gebruiker gemaakt: eva (beheerder)" in out, out
    assert _cli(cli_env, "gebruiker", "maak", "tom", "--rol", "lezer", "--wachtwoord-stdin",
                stdin=PASSWORD + "\n")[0] == 0  # fmt: skip
    code, out = _cli(cli_env, "gebruiker", "lijst")
    assert code == 0 and "eva: beheerder, lokaal, actief" in out and "tom: lezer" in out
    assert PASSWORD not in out and "argon2" not in out
    assert _cli(cli_env, "gebruiker", "rol", "tom", "analist")[0] == 0
    assert _cli(cli_env, "gebruiker", "uitschakelen", "tom")[0] == 0
    assert "tom: analist, lokaal, uitgeschakeld" in _cli(cli_env, "gebruiker", "lijst")[1]
    code, out = _cli(cli_env, "gebruiker", "rol", "eva", "lezer")
    assert code == 2 and "BB-PLT-018" in out  # the last active beheerder
    code, out = _cli(cli_env, "gebruiker", "rol", "tom", "koning")
    assert code == 2 and "BB-PLT-011" in out
    assert _cli(cli_env, "gebruiker", "verwijder", "tom", "--ja")[0] == 0
    code, out = _cli(cli_env, "gebruiker", "verwijder", "tom", "--ja")
    assert code == 2 and "BB-PLT-013" in out
    with open_platform(None if os.environ.get(ENV_DATABASE_URL) else cli_env) as db:
        events = [(e.event, e.actor) for e in AuditLog(db).entries()]
        assert UserStore(db).verify("eva", PASSWORD) is not None
    assert [e for e, _ in events] == [
        "gebruiker_gemaakt",
        "gebruiker_gemaakt",
        "rol_gewijzigd",
        "gebruiker_uitgeschakeld",
        "gebruiker_verwijderd",
    ]
    assert all(actor.startswith("cli") for _, actor in events)


@pytest.mark.parametrize("cli_env", ["sqlite"], indirect=True)
def test_no_password_no_account(cli_env: Path) -> None:
    code, out = _cli(cli_env, "gebruiker", "maak", "eva", "--rol", "lezer", "--wachtwoord-stdin",
                     stdin="\n")  # fmt: skip
    assert code == 2 and "BB-PLT-022" in out
    code, out = _cli(cli_env, "gebruiker", "maak", "eva", "--rol", "lezer")  # stdin is no terminal
    assert code == 2 and "BB-PLT-022" in out and "--wachtwoord-stdin" in out
    code, out = _cli(cli_env, "gebruiker", "maak", "eva", "--rol", "lezer", "--wachtwoord-stdin",
                     stdin="eva12345678901\n")  # fmt: skip
    assert code == 2 and "BB-PLT-020" in out and "eva12345678901" not in out
    assert "nog geen gebruikers" in _cli(cli_env, "gebruiker", "lijst")[1]


def _in_terminal(args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run ``buurtbeeld`` in a pseudo-terminal, answering each password prompt in turn."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "200"}
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(sys.executable, [sys.executable, "-m", "buurtbeeld.cli.main", *args], env)
    output = b""
    answered = 0  # output up to here was before the last answer
    pending = list(answers)
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 180)
            if not ready:  # the child waits for something we do not send
                os.kill(pid, signal.SIGKILL)
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if pending and output[answered:].rstrip().endswith((b"Wachtwoord:", b"Nogmaals:")):
                os.write(fd, pending.pop(0).encode() + b"\n")
                answered = len(output)
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    text = re.sub(r"\x1b\[[0-9;]*m", "", output.decode(errors="replace"))  # colours
    return os.waitstatus_to_exitcode(status), text


@pytest.mark.parametrize("cli_env", ["sqlite"], indirect=True)
def test_password_is_asked_twice_without_echo(cli_env: Path) -> None:
    args = ["gebruiker", "maak", "kim", "--rol", "lezer", "--werkmap", str(cli_env)]
    code, out = _in_terminal(args, [PASSWORD, PASSWORD + "x"])
    assert code == 2 and "BB-PLT-021" in out, out
    code, out = _in_terminal(args, [PASSWORD, PASSWORD])
    assert code == 0 and "Gebruiker gemaakt: kim" in out, out
    assert "minstens 12" in out  # the rule is shown before the prompt
    assert PASSWORD not in out  # not echoed
    with open_platform(cli_env) as db:
        assert UserStore(db).verify("kim", PASSWORD) is not None
