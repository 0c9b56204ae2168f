"""Every ``buurtbeeld bron … --help`` is Dutch (item 15 of issue 10: the help was half English)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.source.cli import bron_app

COMMANDS = [c.name for c in bron_app.registered_commands]
# Typer's and click's own words, and its type names, as they appeared in the help
ENGLISH = ["[OPTIONS]", "COMMAND", "[ARGS]", "<path>", "<str>", "<int>", "<bool>", "list[str]"]
ENGLISH += [
    "Usage",
    "Options",
    "Arguments",
    "Commands",
    "Show this message",
    "required",
    "default:",
]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_bron_help_is_dutch(command: str | None) -> None:
    args = ["bron", "--help"] if command is None else ["bron", command, "--help"]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    text = result.output
    assert [word for word in ENGLISH if word in text] == []
    # argument names as written in the usage line: upper-case Dutch, never the Python name
    assert re.findall(r"\{[a-z_]+\}", text) == []
