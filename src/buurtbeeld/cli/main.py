"""``buurtbeeld``: create a workspace, import CBS data, serve the web app, run the demo.

Structure (issue 10): this module imports nothing heavy — DuckDB, pandas, geopandas, Ibis and
the web stack load inside the command that needs them, so ``buurtbeeld --help`` is instant. No
command catches errors itself: :class:`~buurtbeeld.cli.boundary.ErrorBoundary` turns every error
into the Dutch "Fout BB-…" message and exit code. A new command is a function here, or a module
with its own Typer app registered with one ``app.add_typer`` line at the bottom.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from buurtbeeld.cli import dutch
from buurtbeeld.cli.boundary import DEBUG_ENV, ErrorBoundary
from buurtbeeld.cli.demo import demo_command
from buurtbeeld.cli.grenzen import importeer_grenzen
from buurtbeeld.cli.kader import kader_app
from buurtbeeld.cli.koppel import koppel
from buurtbeeld.cli.own_table import importeer_tabel
from buurtbeeld.cli.partner import partner_app
from buurtbeeld.cli.platform import audit_app, platform_app, user_app
from buurtbeeld.cli.publication import public_workspace_command, publication_app
from buurtbeeld.cli.run import (
    HostOpt,
    LogFormat,
    PoortOpt,
    WerkmapOpt,
    console,
    import_all,
    serve,
)
from buurtbeeld.cli.statline import statline

if TYPE_CHECKING:
    pass

dutch.install()
app = typer.Typer(
    name="buurtbeeld",
    cls=ErrorBoundary,
    help="Buurtbeeld: cijfers van het sociaal domein per wijk en buurt, in één beeld.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help=f"Toon bij een onverwachte fout de technische details ({DEBUG_ENV}=1)."
        ),
    ] = False,
) -> None:
    """Buurtbeeld: cijfers van het sociaal domein per wijk en buurt, in één beeld."""
    if debug:
        os.environ[DEBUG_ENV] = "1"


@app.command("init")
def init_command(
    werkmap: Annotated[Path, typer.Argument(help="Nieuwe map voor de werkmap.")],
    naam: Annotated[
        str, typer.Option(help="Naam van de werkmap (bijvoorbeeld de gemeente).")
    ] = "Buurtbeeld",
    gemeente: Annotated[
        str | None, typer.Option(help="Standaardgemeente, bijvoorbeeld GM0505.")
    ] = None,
    zonder_cbs: Annotated[
        bool, typer.Option("--zonder-cbs", help="Importeer de meegeleverde CBS-cijfers niet.")
    ] = False,
) -> None:
    """Maak een nieuwe werkmap met regio's, grenzen en (standaard) de meegeleverde CBS-cijfers."""
    from buurtbeeld.store.importer import BUNDLED_FILES
    from buurtbeeld.store.workspace import create_workspace

    with console.status("Werkmap maken") as status:
        workspace = create_workspace(
            werkmap, name=naam, default_gemeente=gemeente, progress=lambda m: status.update(m)
        )
    console.print(f"[green]Werkmap gemaakt[/]: {werkmap}")
    if not zonder_cbs:
        import_all(workspace, list(BUNDLED_FILES))


@app.command("importeer")
def import_command(
    bestanden: Annotated[
        list[Path],
        typer.Argument(
            help="CBS-bestanden: kwb-JJJJ.xlsx/.csv, de Gezondheidsmonitor, een StatLine-tabel "
            "(map met TypedDataSet.json of Observations.json) of een StatLine-CSV."
        ),
    ],
    werkmap: WerkmapOpt = Path("werkmap"),
    jaar: Annotated[
        int | None, typer.Option(help="Jaar van het KWB-bestand als de naam het niet zegt.")
    ] = None,
    tekenset: Annotated[
        str | None, typer.Option(help="Tekenset van een CSV-bestand (standaard UTF-8).")
    ] = None,
    vervang: Annotated[
        bool,
        typer.Option(
            "--vervang",
            help="Sta toe dat het bestand gepubliceerde cijfers in de werkmap verbergt "
            "(een '.' waar de werkmap een cijfer heeft).",
        ),
    ] = False,
    tabel: Annotated[
        str | None,
        typer.Option(help="StatLine-tabelnummer van een CSV-export (bijvoorbeeld 85163NED)."),
    ] = None,
    definities: Annotated[
        Path | None,
        typer.Option(
            help="Definitiebestand (YAML) dat de indicatoren van een StatLine-tabel aanpast; "
            "standaard definities.yaml in de map van de tabel."
        ),
    ] = None,
) -> None:
    """Importeer CBS-bestanden in een werkmap. Mislukt een import, dan blijft de werkmap ongewijzigd."""
    from buurtbeeld.store.workspace import open_workspace

    import_all(
        open_workspace(werkmap),
        bestanden,
        year=jaar,
        encoding=tekenset,
        replace_hidden=vervang,
        table_id=tabel,
        overrides=definities,
    )


@app.command("importeer-pakket")
def import_package_command(
    pakketten: Annotated[
        list[Path], typer.Argument(help="Beveiligde pakketten (.zip) van ketenpartners.")
    ],
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Importeer beveiligde pakketten: controlesommen, profiel en aanvalscontrole; bij één fout wordt het hele pakket geweigerd."""
    from buurtbeeld.cli.import_audit import audited_import
    from buurtbeeld.cli.import_texts import package_summary, replacement_lines
    from buurtbeeld.platform.audit import Event
    from buurtbeeld.store.intake import intake_package
    from buurtbeeld.store.package_reader import read_package
    from buurtbeeld.store.partners import list_partners, trusted_keys
    from buurtbeeld.store.workspace import open_workspace

    workspace = open_workspace(werkmap)
    trusted = trusted_keys(workspace)
    names = {p.vingerafdruk: p.naam for p in list_partners(workspace)}
    for path in pakketten:
        with (
            audited_import(workspace.root, "pakket", path) as audit,
            console.status(f"Pakket controleren: {path.name}") as status,
        ):
            report = intake_package(
                workspace, read_package(path, trusted), progress=lambda m: status.update(m)
            )
            audit["event"] = Event.PACKAGE_INTAKE
            audit["details"] = {
                "resultaat": "al_geimporteerd" if report.already_imported else "geimporteerd",
                "import_id": report.import_id,
                "cijfers": report.published + report.hidden,
            }
        if report.already_imported:
            console.print(
                f"[yellow]{path.name}[/] is al geïmporteerd (import {report.import_id}); er is niets veranderd."
            )
            continue
        console.print(
            f"[green]Pakket geaccepteerd[/]: "
            f"{package_summary(path.name, report, names.get(report.signed_by or '', '?'))}",
            highlight=False,
        )
        for line in replacement_lines(report, vervang=False):
            console.print(line, highlight=False)
        if report.risk_estimates:
            console.print(
                f"Risicoschattingen op groepsniveau opgeslagen: {report.risk_estimates} "
                "(pagina 'Risicofactoren' van de gemeente, na aanmelden).",
                highlight=False,
            )
        for note in report.notes:
            console.print(f"[yellow]Let op[/]: {note}", highlight=False)


app.command("importeer-grenzen")(importeer_grenzen)
app.command("koppel")(koppel)
app.command("demo")(demo_command)
app.command("statline")(statline)
app.command("importeer-tabel")(importeer_tabel)


@app.command("serve")
def serve_command(
    werkmap: WerkmapOpt = Path("werkmap"),
    host: HostOpt = "127.0.0.1",
    poort: PoortOpt = 8000,
    hostnaam: Annotated[
        list[str] | None,
        typer.Option(
            envvar="BUURTBEELD_HOSTNAAM",
            help="Naam waaronder de server ook bereikbaar is (naast 127.0.0.1, localhost en --host); "
            "herhaalbaar, of in de omgevingsvariabele gescheiden door spaties. Andere namen worden "
            "geweigerd (bescherming tegen DNS-rebinding).",
        ),
    ] = None,
    processen: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            envvar="BUURTBEELD_PROCESSEN",
            help="Aantal serverprocessen (bijvoorbeeld één per processorkern).",
        ),
    ] = 1,
    logformaat: Annotated[
        LogFormat,
        typer.Option(
            envvar="BUURTBEELD_LOGFORMAAT",
            help="Logregels als json (één object per regel, voor logverzameling) of leesbare tekst.",
        ),
    ] = LogFormat.tekst,
) -> None:
    """Start de webapplicatie voor een werkmap."""
    serve(werkmap, host, poort, names=hostnaam, processes=processen, log_format=logformaat.value)


def _mount_source_toolkit() -> None:
    try:
        from buurtbeeld.source.cli import bron_app
    except ImportError:
        return
    app.add_typer(
        bron_app,
        name="bron",
        help="Brontoolkit voor ketenpartners: aggregeren en beveiligen bij de bron.",
        options_metavar="[OPTIES]",  # a sub-app's own setting loses to the parent's here
    )


_mount_source_toolkit()
app.add_typer(partner_app, name="partner")
app.add_typer(platform_app, name="platform")
app.add_typer(user_app, name="gebruiker")
app.add_typer(audit_app, name="audit")
app.add_typer(kader_app, name="kader")
app.add_typer(publication_app, name="publicatie")
app.command("publieke-werkmap")(public_workspace_command)


def main() -> None:
    """Entry point."""
    app()


if __name__ == "__main__":
    main()
