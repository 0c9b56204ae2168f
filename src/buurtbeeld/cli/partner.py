"""``buurtbeeld partner``: register, list and remove partners' public signing keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from buurtbeeld.errors import BuurtbeeldError

# The store (DuckDB, geopandas) loads inside the commands: `buurtbeeld --help` stays instant.

partner_app = typer.Typer(
    help="Ketenpartners en hun publieke sleutels: alleen ondertekende pakketten van geregistreerde partners worden aangenomen.",
    no_args_is_help=True,
)
console = Console()

WerkmapOpt = Annotated[Path, typer.Option("--werkmap", "-w", help="Map van de werkmap.")]


def _fail(err: BuurtbeeldError) -> None:
    Console(stderr=True).print(
        f"[bold red]Fout {err.code}[/]: {err.message}\n[bold]Oplossing:[/] {err.hint}",
        highlight=False,
    )
    raise typer.Exit(code=2)


@partner_app.command("registreer")
def register_command(
    naam: Annotated[
        str, typer.Argument(help="Korte naam van de partner, bijvoorbeeld wmo-dordrecht.")
    ],
    sleutel: Annotated[
        Path, typer.Argument(help="Publieke sleutel van de partner (<bron>-sleutel.pub).")
    ],
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Registreer de publieke sleutel van een partner (controleer de vingerafdruk eerst met de partner)."""
    from buurtbeeld.store.partners import register_partner
    from buurtbeeld.store.workspace import open_workspace

    try:
        partner = register_partner(open_workspace(werkmap), naam, sleutel)
    except BuurtbeeldError as err:
        _fail(err)
    console.print(
        f"[green]Geregistreerd[/]: partner '{partner.naam}' voor bron '{partner.bron}', "
        f"vingerafdruk {partner.vingerafdruk}.",
        highlight=False,
    )


@partner_app.command("lijst")
def list_command(werkmap: WerkmapOpt = Path("werkmap")) -> None:
    """Toon de geregistreerde partners en hun sleutels."""
    from buurtbeeld.store.partners import list_partners
    from buurtbeeld.store.workspace import open_workspace

    try:
        partners = list_partners(open_workspace(werkmap))
    except BuurtbeeldError as err:
        _fail(err)
    if not partners:
        console.print("Er zijn nog geen partners geregistreerd.")
        return
    for p in partners:  # one line per key, never wrapped (easy to compare with the partner)
        console.print(
            f"{p.naam}: bron '{p.bron}', vingerafdruk {p.vingerafdruk}, geregistreerd {p.geregistreerd}",
            highlight=False,
            soft_wrap=True,
        )


@partner_app.command("verwijder")
def remove_command(
    naam: Annotated[str, typer.Argument(help="Naam van de partner.")],
    werkmap: WerkmapOpt = Path("werkmap"),
    vingerafdruk: Annotated[
        str | None,
        typer.Option(
            help="Verwijder alleen de sleutel met deze vingerafdruk (bij het wisselen van sleutel)."
        ),
    ] = None,
) -> None:
    """Verwijder de sleutel(s) van een partner; nieuwe pakketten met die sleutel worden geweigerd."""
    from buurtbeeld.store.partners import remove_partner
    from buurtbeeld.store.workspace import open_workspace

    try:
        gone = remove_partner(open_workspace(werkmap), naam, vingerafdruk)
    except BuurtbeeldError as err:
        _fail(err)
    for p in gone:
        console.print(
            f"Verwijderd: sleutel {p.vingerafdruk} van partner '{p.naam}'. Eerder aangenomen cijfers blijven staan.",
            highlight=False,
        )
