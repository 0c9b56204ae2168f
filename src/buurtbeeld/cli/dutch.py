"""Dutch help and usage texts for Typer's own words ("Usage", "Options", "Show this message…").

Typer (0.29, with its vendored click) has no translation catalogue for these strings, so this
module sets them once, before any help is shown. Command and option help is written in Dutch
where the commands are defined.
"""

from __future__ import annotations

from typing import Any

from typer import rich_utils
from typer._click import core as click_core
from typer._click import formatting

HELP_OPTION_TEXT = "Toon deze hulp en stop."
PANEL_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": "Argumenten",
    "OPTIONS_PANEL_TITLE": "Opties",
    "COMMANDS_PANEL_TITLE": "Opdrachten",
    "ERRORS_PANEL_TITLE": "Fout",
    "ABORTED_TEXT": "Afgebroken.",
    "RICH_HELP": "Hulp: [blue]'{command_path} {help_option}'[/]",
    "DEFAULT_STRING": "[standaard: {}]",
    "REQUIRED_LONG_STRING": "[verplicht]",
    "ENVVAR_STRING": "[omgevingsvariabele: {}]",
    "DEPRECATED_STRING": "(verouderd) ",
}
_installed = False


def install() -> None:
    """Put the Dutch texts in place (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    for name, text in PANEL_TEXTS.items():
        setattr(rich_utils, name, text)

    write_usage = formatting.HelpFormatter.write_usage

    def dutch_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, "Gebruik: " if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = dutch_usage  # type: ignore[method-assign]

    get_help_option = click_core.Command.get_help_option

    def dutch_help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    click_core.Command.get_help_option = dutch_help_option  # type: ignore[method-assign]
