"""``buurtbeeld importeer-grenzen``: import CBS's wijk- en buurtkaart into a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from buurtbeeld.cli.import_texts import nl_number
from buurtbeeld.errors import BuurtbeeldError

if TYPE_CHECKING:
    from buurtbeeld.store.boundary_import import BoundaryImportReport

console = Console()
err_console = Console(stderr=True)
SHOWN_CODES = 12
PLURAL = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}


def print_boundary_report(report: BoundaryImportReport) -> None:
    """The Dutch report of an import of a wijk- en buurtkaart."""
    if report.already_imported:
        console.print(
            f"[yellow]{report.file_name}[/] is al geïmporteerd (import {report.import_id}, "
            f"grenzen {report.year}); er is niets veranderd.",
            highlight=False,
        )
        return
    console.print(
        f"[green]Grenzen geïmporteerd[/]: {report.file_name} als grenzen {report.year} "
        f"(import {report.import_id}).",
        highlight=False,
    )
    table = Table(title=f"Vlakken per niveau (indeling {report.division_year})")
    table.add_column("niveau")
    table.add_column("vlakken", justify="right")
    table.add_column(f"vervangen ({report.year})", justify="right")
    table.add_column("water overgeslagen", justify="right")
    table.add_column("regio's nu met vlak", justify="right")
    table.add_column("nog zonder vlak", justify="right")
    for level, count in report.polygons.items():
        table.add_row(
            PLURAL[level],
            nl_number(count),
            nl_number(report.replaced.get(level, 0)),
            nl_number(report.water_skipped.get(level, 0)),
            nl_number(report.newly_covered.get(level, 0)),
            nl_number(len(report.still_missing.get(level, []))),
        )
    console.print(table)
    covered = [
        f"{nl_number(n)} {PLURAL[level] if n != 1 else level}"
        for level, n in report.newly_covered.items()
        if n
    ]
    console.print(
        f"Regio's van de indeling {report.division_year} die nu een vlak hebben en er geen hadden: "
        + (", ".join(covered) if covered else "geen")
        + ".",
        highlight=False,
    )
    renamed = [
        f"{nl_number(n)} {PLURAL[level] if n != 1 else level}"
        for level, n in report.renamed.items()
        if n
    ]
    if renamed:
        console.print(
            f"Namen uit de kaart overgenomen voor de indeling {report.year}: {', '.join(renamed)}.",
            highlight=False,
        )
    for level, codes in report.still_missing.items():
        if codes:
            shown = ", ".join(codes[:SHOWN_CODES]) + (" …" if len(codes) > SHOWN_CODES else "")
            console.print(
                f"[yellow]Nog zonder vlak[/]: {nl_number(len(codes))} {PLURAL[level]}: {shown}",
                highlight=False,
            )


def importeer_grenzen(
    bestand: Annotated[
        Path,
        typer.Argument(
            help="De wijk- en buurtkaart van CBS als GeoPackage, bijvoorbeeld wijkenbuurten_2023_v1.gpkg (of het zip-bestand)."
        ),
    ],
    werkmap: Annotated[
        Path, typer.Option("--werkmap", "-w", help="Map van de werkmap.", show_default=True)
    ] = Path("werkmap"),
    jaar: Annotated[
        int | None,
        typer.Option(help="Jaar van de kaart als de bestandsnaam het niet zegt."),
    ] = None,
) -> None:
    """Importeer grenzen uit de CBS wijk- en buurtkaart (elk jaar). Mislukt de import, dan blijft de werkmap ongewijzigd."""
    try:
        from buurtbeeld.store.boundary_import import import_boundaries
        from buurtbeeld.store.workspace import open_workspace

        workspace = open_workspace(werkmap)
        with console.status(f"Grenzen importeren: {bestand.name}") as status:
            report = import_boundaries(
                workspace, bestand, year=jaar, progress=lambda m: status.update(m)
            )
        print_boundary_report(report)
    except BuurtbeeldError as err:
        err_console.print(f"[bold red]Fout {err.code}[/]: {err.message}", highlight=False)
        err_console.print(f"[bold]Oplossing:[/] {err.hint}", highlight=False)
        raise typer.Exit(code=2) from None
