"""Dutch help and usage texts for Typer's own words ("Usage", "Options", "Show this message…").

Typer (0.29, with its vendored click) has no translation catalogue for these strings, so this
module sets them once, before any help is shown. Command and option help is written in Dutch
where the commands are defined.
"""

from __future__ import annotations

import re
from typing import Any

from typer import rich_utils
from typer._click import core as click_core
from typer._click import exceptions as click_exceptions
from typer._click import formatting
from typer.core import TyperGroup, _TyperParameter
from typer.exceptions import TyperException

HELP_OPTION_TEXT = "Toon deze hulp en stop."
USAGE_WORDS = {"[OPTIONS]": "[OPTIES]", "COMMAND [ARGS]...": "OPDRACHT [ARGUMENTEN]..."}
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
# Typer's usage errors (raised while parsing, before any command runs).
USAGE_ERRORS = (
    (re.compile(r"^Missing argument '(.+)'\.$"), r"Argument '\1' ontbreekt."),
    (re.compile(r"^Missing option '(.+)'\.$"), r"Optie '\1' ontbreekt."),
    (re.compile(r"^Missing parameter: (.+)$"), r"Parameter ontbreekt: \1"),
    (re.compile(r"^No such command '(.+)'\.$"), r"Onbekende opdracht '\1'."),
    (
        re.compile(r"^No such command '(.+?)'\. Did you mean '(.+)'\?$"),
        r"Onbekende opdracht '\1'. Bedoelt u '\2'?",
    ),
    (re.compile(r"^No such option: (\S+)"), r"Onbekende optie: \1"),
    (re.compile(r"^Invalid value for (.+?): ", re.S), r"Ongeldige waarde voor \1: "),
    (re.compile(r"^Invalid value: ", re.S), "Ongeldige waarde: "),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)$"), r"Onverwacht extra argument (\1)"),
    (re.compile(r"^Missing command\.$"), "Geef een opdracht."),
)
_installed = False


def translate_usage_error(message: str) -> str:
    """Typer's English usage error in Dutch (unknown messages unchanged)."""
    for pattern, dutch in USAGE_ERRORS:
        message = pattern.sub(dutch, message, count=1)
    return message


TYPE_NAMES = {"<path>": "<pad>", "<str>": "<tekst>", "<int>": "<getal>", "<float>": "<getal>"}
TYPE_NAMES |= {"<bool>": "", "<list[str]>": "<tekst>..."}
"""Typer's type column in Dutch (a flag such as --help shows no type)."""


def install() -> None:
    """Put the Dutch texts in place (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    display_type = _TyperParameter.display_type

    def dutch_type(self: Any, ctx: Any) -> str:
        label = display_type(self, ctx)
        return TYPE_NAMES.get(label, label)

    _TyperParameter.display_type = dutch_type  # type: ignore[method-assign]
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

    for error_class in [TyperException, *vars(click_exceptions).values()]:
        if (
            isinstance(error_class, type)
            and issubclass(error_class, TyperException)
            and "format_message" in vars(error_class)
        ):
            english = error_class.format_message

            def dutch_message(self: Any, _english: Any = english) -> str:
                return translate_usage_error(_english(self))

            error_class.format_message = dutch_message  # type: ignore[method-assign]

    for command_class in (click_core.Command, TyperGroup):
        pieces = command_class.collect_usage_pieces

        def dutch_pieces(self: Any, ctx: Any, _pieces: Any = pieces) -> list[str]:
            return [USAGE_WORDS.get(p, p) for p in _pieces(self, ctx)]

        command_class.collect_usage_pieces = dutch_pieces  # type: ignore[method-assign]
