"""``buurtbeeld``: create a workspace, import CBS data, serve the web app, run the demo.

Structure (issue 10): this module imports nothing heavy — DuckDB, pandas, geopandas, Ibis and
the web stack load inside the command that needs them, so ``buurtbeeld --help`` is instant. No
command catches errors itself: :class:`~buurtbeeld.cli.boundary.ErrorBoundary` turns every error
into the Dutch "Fout BB-…" message and exit code. A new command is a function here, or a module
with its own Typer app registered with one ``app.add_typer`` line at the bottom.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from buurtbeeld.cli import dutch
from buurtbeeld.cli.boundary import DEBUG_ENV, ErrorBoundary
from buurtbeeld.cli.grenzen import importeer_grenzen
from buurtbeeld.cli.partner import partner_app
from buurtbeeld.cli.platform import audit_app, platform_app, user_app
from buurtbeeld.errors import BuurtbeeldError, SignatureError

if TYPE_CHECKING:
    from buurtbeeld.store.workspace import Workspace

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
console = Console()

WerkmapOpt = Annotated[
    Path, typer.Option("--werkmap", "-w", help="Map van de werkmap.", show_default=True)
]
DRECHTSTEDEN = {"GM0505": "Dordrecht", "GM0642": "Zwijndrecht"}


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


def _import_all(
    workspace: Workspace,
    files: list[Path],
    *,
    year: int | None = None,
    encoding: str | None = None,
    replace_hidden: bool = False,
) -> None:
    from buurtbeeld.cli.import_texts import print_import_report
    from buurtbeeld.store.importer import import_file

    for path in files:
        with console.status(f"Importeren: {path.name}") as status:
            report = import_file(
                workspace,
                path,
                year=year,
                encoding=encoding,
                progress=lambda m: status.update(m),
                replace_hidden=replace_hidden,
            )
        print_import_report(console, report)


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
        _import_all(workspace, list(BUNDLED_FILES))


@app.command("importeer")
def import_command(
    bestanden: Annotated[
        list[Path],
        typer.Argument(help="CBS-bestanden: kwb-JJJJ.xlsx/.csv of de Gezondheidsmonitor."),
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
) -> None:
    """Importeer CBS-bestanden in een werkmap. Mislukt een import, dan blijft de werkmap ongewijzigd."""
    from buurtbeeld.store.workspace import open_workspace

    _import_all(
        open_workspace(werkmap), bestanden, year=jaar, encoding=tekenset, replace_hidden=vervang
    )


@app.command("importeer-pakket")
def import_package_command(
    pakketten: Annotated[
        list[Path], typer.Argument(help="Beveiligde pakketten (.zip) van ketenpartners.")
    ],
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Importeer beveiligde pakketten: controlesommen, profiel en aanvalscontrole; bij één fout wordt het hele pakket geweigerd."""
    from buurtbeeld.cli.import_texts import package_summary, replacement_lines
    from buurtbeeld.store.intake import intake_package
    from buurtbeeld.store.package_reader import read_package
    from buurtbeeld.store.partners import list_partners, trusted_keys
    from buurtbeeld.store.workspace import open_workspace

    workspace = open_workspace(werkmap)
    trusted = trusted_keys(workspace)
    names = {p.vingerafdruk: p.naam for p in list_partners(workspace)}
    for path in pakketten:
        with console.status(f"Pakket controleren: {path.name}") as status:
            report = intake_package(
                workspace, read_package(path, trusted), progress=lambda m: status.update(m)
            )
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


app.command("importeer-grenzen")(importeer_grenzen)


def _serve(
    werkmap: Path, host: str, poort: int, *, names: list[str] | None = None, processes: int = 1
) -> None:
    import uvicorn

    from buurtbeeld.web.app import ENV_HOSTS, ENV_WORKSPACE, create_app

    hosts = [h for h in [host, *(names or [])] if h not in ("0.0.0.0", "::", "")]
    console.print(f"Buurtbeeld draait op [bold]http://{host}:{poort}/[/] (stoppen: Ctrl+C)")
    if processes <= 1:
        app_ = create_app(werkmap, hosts=hosts)
        uvicorn.run(app_, host=host, port=poort, log_level="warning")
        return
    # Several worker processes: each builds the app from the environment (uvicorn's factory).
    create_app(werkmap, hosts=hosts)  # fail here, in Dutch, if the workspace cannot be opened
    os.environ[ENV_WORKSPACE] = str(werkmap.resolve())
    os.environ[ENV_HOSTS] = ",".join(hosts)
    uvicorn.run(
        "buurtbeeld.web.app:app_from_environment",
        factory=True,
        host=host,
        port=poort,
        workers=processes,
        log_level="warning",
    )


HostOpt = Annotated[str, typer.Option(help="Adres om op te luisteren.")]
PoortOpt = Annotated[int, typer.Option(help="Poort.")]


@app.command("serve")
def serve_command(
    werkmap: WerkmapOpt = Path("werkmap"),
    host: HostOpt = "127.0.0.1",
    poort: PoortOpt = 8000,
    hostnaam: Annotated[
        list[str] | None,
        typer.Option(
            help="Naam waaronder de server ook bereikbaar is (naast 127.0.0.1, localhost en --host); "
            "herhaalbaar. Andere namen worden geweigerd (bescherming tegen DNS-rebinding)."
        ),
    ] = None,
    processen: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Aantal serverprocessen (bijvoorbeeld één per processorkern)."
        ),
    ] = 1,
) -> None:
    """Start de webapplicatie voor een werkmap."""
    _serve(werkmap, host, poort, names=hostnaam, processes=processen)


def _demo_partner_packages(workspace: Workspace, folder: Path, gemeente: str) -> None:
    """Synthetic extracts of four partners → source toolkit → protected packages → intake.

    What a partner and the data adviser do with ``bron maak-pakket``, ``partner registreer``
    and ``importeer-pakket``: Wmo, jeugdhulp, bijstand (four quarters) and debt signals (with
    amounts), all fictitious. Each demo source gets its own signing key (in ``folder``), which
    the demo registers as partner ``demo-<register>``.
    """
    from buurtbeeld.cli.import_texts import count
    from buurtbeeld.source.pipeline import make_package
    from buurtbeeld.source.spec import load_spec
    from buurtbeeld.source.synthetic import REGISTERS, generate
    from buurtbeeld.store.intake import intake_package
    from buurtbeeld.store.package_reader import read_package
    from buurtbeeld.store.partners import register_partner, trusted_keys

    with console.status("Demo-ketenpartners: synthetische exports maken") as status:
        generate(folder, gemeente=gemeente, registers=REGISTERS)
        for register in REGISTERS:
            status.update(f"Demo-ketenpartner {register}: tellen, beveiligen en inlezen")
            spec = load_spec(folder / f"{register}.yaml")
            made = make_package(spec, folder / f"{register}-pakket.zip")
            if made.keys is not None:
                try:
                    register_partner(workspace, f"demo-{register}", made.keys.public)
                except SignatureError as err:
                    if err.code != "BB-SIG-010":  # already registered by an earlier run
                        raise
            report = intake_package(workspace, read_package(made.path, trusted_keys(workspace)))
            console.print(
                f"[green]Demo-pakket {register} geaccepteerd[/]: "
                f"{count(len(report.indicators), 'indicator', 'indicatoren')} "
                "van een fictieve ketenpartner.",
                highlight=False,
            )


@app.command("demo")
def demo_command(
    werkmap: WerkmapOpt = Path("demo-werkmap"),
    gemeente: Annotated[
        str,
        typer.Option(
            help="Gemeente om mee te openen (Drechtsteden: GM0505 Dordrecht, GM0642 Zwijndrecht)."
        ),
    ] = "GM0505",
    opnieuw: Annotated[
        bool, typer.Option("--opnieuw", help="Bouw de demowerkmap opnieuw op.")
    ] = False,
    starten: Annotated[
        bool, typer.Option("--starten/--niet-starten", help="Start de webapplicatie na het bouwen.")
    ] = True,
    host: HostOpt = "127.0.0.1",
    poort: PoortOpt = 8000,
) -> None:
    """Bouw een demowerkmap (Drechtsteden, met alle gemeenten van Nederland) en start de webapplicatie."""
    from buurtbeeld.store.importer import BUNDLED_FILES
    from buurtbeeld.store.workspace import create_workspace, open_workspace

    if opnieuw and werkmap.exists():
        shutil.rmtree(werkmap)
    try:
        workspace = open_workspace(werkmap)
        console.print(f"Bestaande demowerkmap gebruikt: {werkmap} (opnieuw bouwen: --opnieuw)")
    except BuurtbeeldError:
        with console.status("Demowerkmap maken") as status:
            workspace = create_workspace(
                werkmap,
                name="Demo Drechtsteden",
                default_gemeente=gemeente,
                progress=lambda m: status.update(m),
            )
        _import_all(workspace, list(BUNDLED_FILES))
        _demo_partner_packages(workspace, werkmap / "bron-demo", gemeente)
    for code, name in DRECHTSTEDEN.items():
        console.print(f"  {name}: http://{host}:{poort}/gemeente/{code}")
    if starten:
        _serve(werkmap, host, poort)


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


def main() -> None:
    """Entry point."""
    app()


if __name__ == "__main__":
    main()
