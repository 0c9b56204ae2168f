"""The CLI's one error boundary: every command of ``buurtbeeld`` (and ``buurtbeeld bron``) runs
inside :class:`ErrorBoundary`, so no command needs its own ``try/except``.

- a :class:`~buurtbeeld.errors.BuurtbeeldError` becomes "Fout BB-…: message / Oplossing: hint",
  exit code 2;
- Ctrl+C becomes "Afgebroken.", exit code 130;
- any other exception becomes a coded Dutch message without a traceback (exit code 1); its text is
  not shown either, because it may quote a record. ``--debug`` or ``BUURTBEELD_DEBUG=1`` adds the
  traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from buurtbeeld.errors import BuurtbeeldError

DEBUG_ENV = "BUURTBEELD_DEBUG"
EXIT_DOMAIN_ERROR = 2
EXIT_UNEXPECTED = 1
EXIT_BROKEN_PIPE = 141
"""As a shell reports a process ended by SIGPIPE."""
EXIT_INTERRUPTED = 130
_PASS_THROUGH: tuple[type[BaseException], ...] = (
    typer.Exit,
    typer.Abort,
    TyperException,  # usage errors (unknown option, bad value) keep Typer's own output
    SystemExit,
)


def debug_enabled() -> bool:
    """Whether the user asked for tracebacks (``--debug`` or ``BUURTBEELD_DEBUG=1``)."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "ja", "true", "yes")


def _print_error(code: str, message: str, hint: str) -> None:
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    console.print(f"[bold red]Fout {code}[/]: {message}", markup=True)
    console.print(f"[bold]Oplossing:[/] {hint}", markup=True)


def report(err: BaseException) -> int:
    """Print ``err`` as Buurtbeeld prints errors; the exit code to use."""
    if isinstance(err, BuurtbeeldError):
        _print_error(err.code, err.message, err.hint)
        return EXIT_DOMAIN_ERROR
    if isinstance(err, KeyboardInterrupt):
        print("Afgebroken.", file=sys.stderr)  # noqa: T201
        return EXIT_INTERRUPTED
    if isinstance(err, BrokenPipeError):
        # the reader of our output went away (``buurtbeeld … | head``): not an error of ours;
        # point stdout at devnull so the interpreter's final flush does not complain either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    debug_hint = (
        f"start de opdracht opnieuw met --debug (of {DEBUG_ENV}=1) voor de technische details"
    )
    if isinstance(err, MemoryError):
        _print_error(
            "BB-CLI-003",
            "Onvoldoende werkgeheugen om deze opdracht af te maken.",
            f"Sluit andere programma's of gebruik een machine met meer geheugen; {debug_hint}.",
        )
    elif isinstance(err, OSError):
        where = f" ({err.filename})" if err.filename else ""
        _print_error(
            "BB-CLI-002",
            f"Een bestand of map is niet bruikbaar: {err.strerror or type(err).__name__}{where}.",
            f"Controleer het pad, de rechten en de vrije schijfruimte; {debug_hint}.",
        )
    else:
        _print_error(
            "BB-CLI-001",
            f"Onverwachte fout in Buurtbeeld ({type(err).__name__}).",
            f"Meld dit aan de beheerder van Buurtbeeld; {debug_hint}.",
        )
    return EXIT_UNEXPECTED


class ErrorBoundary(TyperGroup):
    """The top-level command group: runs the chosen command and turns its errors into messages."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _PASS_THROUGH:
            raise
        except (Exception, KeyboardInterrupt) as err:  # noqa: BLE001 — the one boundary
            if debug_enabled():
                traceback.print_exc()
            raise typer.Exit(report(err)) from None
