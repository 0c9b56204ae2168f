"""``buurtbeeld bron``: the source toolkit a partner runs on their own machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.package import build_package
from buurtbeeld.source.spec import load_spec
from buurtbeeld.source.synthetic import generate_wmo

bron_app = typer.Typer(
    help="Brontoolkit: tellen en beveiligen bij de bron; alleen beveiligde tabellen verlaten uw machine.",
    no_args_is_help=True,
)
console = Console()


def _fail(err: BuurtbeeldError) -> None:
    Console(stderr=True).print(
        f"[bold red]Fout {err.code}[/]: {err.message}\n[bold]Oplossing:[/] {err.hint}"
    )
    raise typer.Exit(code=2)


@bron_app.command("genereer")
def generate_command(
    map_: Annotated[Path, typer.Argument(metavar="MAP", help="Map voor de synthetische export.")],
    gemeente: Annotated[str, typer.Option(help="Gemeentecode, bijvoorbeeld GM0505.")] = "GM0505",
    zaad: Annotated[int, typer.Option(help="Zaad voor de toevalsgenerator (herhaalbaar).")] = 2024,
) -> None:
    """Maak een synthetische Wmo-export (fictieve personen) voor demo's en tests."""
    with console.status("Synthetische export maken"):
        extract = generate_wmo(map_, gemeente=gemeente, seed=zaad)
    console.print(
        f"[green]Gemaakt[/]: {extract.records} ({extract.rows} regels, {extract.persons} fictieve cliënten) en {extract.lookup}"
    )


@bron_app.command("controleer")
def check_command(spec: Annotated[Path, typer.Argument(help="Specificatie (YAML).")]) -> None:
    """Controleer een specificatie en tel ongeldige regels per reden (proefdraai, schrijft niets)."""
    try:
        delivery = load_spec(spec)
        with console.status("Tellen"):
            agg = aggregate(delivery)
    except BuurtbeeldError as err:
        _fail(err)
    console.print(
        f"{agg.rows_read} regels gelezen; {sum(agg.total.values())} unieke {delivery.eenheid} in {len(agg.total)} buurten."
    )
    for reason, n in sorted(agg.bad_rows.items()):
        console.print(f"  ongeldig — {reason}: {n}")


@bron_app.command("maak-pakket")
def package_command(
    spec: Annotated[Path, typer.Argument(help="Specificatie (YAML).")],
    uit: Annotated[Path | None, typer.Option(help="Pakketbestand (.zip).")] = None,
) -> None:
    """Tel, beveilig (onderdrukking, afronding, aanvalscontrole) en schrijf het pakket met rapport."""
    try:
        delivery = load_spec(spec)
        target = uit or spec.with_name(
            f"{delivery.dataset}-{delivery.gemeente}-{delivery.periode.jaar}.zip"
        )
        with console.status("Tellen en beveiligen") as status:
            agg = aggregate(delivery)
            status.update("Beveiligen en aanvalscontrole")
            build_package(delivery, agg, target)
    except BuurtbeeldError as err:
        _fail(err)
    console.print(
        f"[green]Pakket gemaakt[/]: {target} (met rapport.md voor de privacyfunctionaris)"
    )
