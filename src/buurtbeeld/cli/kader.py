"""``buurtbeeld kader importeer|exporteer|toon``: the indicator framework as YAML (issue 16).

The framework lives in the platform database (``platform.sqlite`` in the workspace, or
PostgreSQL with ``BUURTBEELD_DATABASE_URL``); indicators are checked against the workspace's
catalogue. Every import is an audit-log entry with actor ``cli:<os-user>``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from buurtbeeld.cli.platform import WerkmapOpt, cli_actor, console, open_db

kader_app = typer.Typer(
    help="Het indicatorenkader: aandachtsgebieden, subdoelen en indicatoren (YAML).",
    no_args_is_help=True,
)


@kader_app.command("importeer")
def importeer(
    bestand: Annotated[
        Path, typer.Argument(help="YAML-bestand met het kader ('-': standaardinvoer).")
    ],
    werkmap: WerkmapOpt = Path("."),
) -> None:
    """Vervang het kader door dat in het YAML-bestand (eerst volledig gecontroleerd)."""
    from buurtbeeld.steer.workspace import import_framework_text, workspace_indicator_ids

    text = sys.stdin.read() if str(bestand) == "-" else bestand.read_text(encoding="utf-8")
    known = workspace_indicator_ids(werkmap)
    with open_db(werkmap) as db:
        framework, version = import_framework_text(db, text, known, cli_actor(), source="yaml")
    console.print(
        f"[green]Kader geïmporteerd[/] (versie {version}): {framework.title}, "
        f"{len(framework.focus_areas)} aandachtsgebieden, "
        f"{len(framework.indicator_ids())} indicatoren."
    )


@kader_app.command("exporteer")
def exporteer(
    werkmap: WerkmapOpt = Path("."),
    uitvoer: Annotated[
        Path | None, typer.Option("--uitvoer", "-o", help="Schrijf naar dit bestand.")
    ] = None,
) -> None:
    """Schrijf het kader als YAML (voor versiebeheer)."""
    from buurtbeeld.steer.framework import dump_framework
    from buurtbeeld.steer.framework_store import require_framework

    with open_db(werkmap) as db:
        text = dump_framework(require_framework(db))
    if uitvoer is None:
        sys.stdout.write(text)
    else:
        uitvoer.write_text(text, encoding="utf-8")
        console.print(f"Kader geschreven naar {uitvoer}.")


@kader_app.command("toon")
def toon(werkmap: WerkmapOpt = Path(".")) -> None:
    """Toon het kader als boom."""
    from buurtbeeld.steer.framework_store import require_framework

    with open_db(werkmap) as db:
        framework = require_framework(db)
    console.print(f"[bold]{framework.title}[/] ({framework.gemeente})")
    for area in framework.focus_areas:
        console.print(f"• {area.name} [dim]({area.key})[/]")
        for sub in area.subgoals:
            indent = "  " * (area.depth(sub) + 1)
            console.print(
                f"{indent}– {sub.name}: {', '.join(sub.indicators) or 'geen indicatoren'}"
            )
