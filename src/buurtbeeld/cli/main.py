"""``buurtbeeld``: create a workspace, import CBS data, serve the web app, run the demo."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from buurtbeeld.cli.grenzen import importeer_grenzen
from buurtbeeld.cli.partner import partner_app
from buurtbeeld.errors import BuurtbeeldError, SignatureError
from buurtbeeld.store.importer import BUNDLED_FILES, ImportReport, import_file
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.package_reader import read_package
from buurtbeeld.store.partners import list_partners, register_partner, trusted_keys
from buurtbeeld.store.workspace import Workspace, create_workspace, open_workspace

app = typer.Typer(
    name="buurtbeeld",
    help="Buurtbeeld: cijfers van het sociaal domein per wijk en buurt, in één beeld.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

WerkmapOpt = Annotated[
    Path, typer.Option("--werkmap", "-w", help="Map van de werkmap.", show_default=True)
]
DRECHTSTEDEN = {"GM0505": "Dordrecht", "GM0642": "Zwijndrecht"}


def _fail(err: BuurtbeeldError) -> None:
    err_console.print(f"[bold red]Fout {err.code}[/]: {err.message}")
    err_console.print(f"[bold]Oplossing:[/] {err.hint}")
    raise typer.Exit(code=2)


def _print_report(report: ImportReport) -> None:
    if report.already_imported:
        console.print(
            f"[yellow]{report.file_name}[/] is al geïmporteerd (import {report.import_id}); er is niets veranderd."
        )
        return
    console.print(
        f"[green]Geïmporteerd[/]: {report.file_name} ({report.dataset}), perioden {', '.join(report.periods)}, "
        f"{report.rows:,} rijen, {report.observations:,} cijfers.".replace(",", ".")
    )
    table = Table(title="Cijfers per indicator", show_lines=False)
    table.add_column("indicator")
    table.add_column("periode")
    table.add_column("met cijfer", justify="right")
    table.add_column("verborgen", justify="right")
    for c in report.counts:
        table.add_row(c.indicator_id, c.period, str(c.values), str(c.hidden))
    console.print(table)
    if report.unused_columns:
        console.print(
            f"Niet gebruikte kolommen ({len(report.unused_columns)}): {', '.join(report.unused_columns)}"
        )
    for level, codes in report.regions_without_boundary.items():
        shown = ", ".join(codes[:12]) + (" …" if len(codes) > 12 else "")
        console.print(
            f"[yellow]Let op[/]: {len(codes)} {level}-regio's zonder vlak op de kaart "
            f"(grenzen van een ander jaar): {shown}"
        )
    if any(report.regions_without_boundary.values()):
        console.print(
            "Tip: importeer de wijk- en buurtkaart van CBS van hetzelfde jaar met "
            "'buurtbeeld importeer-grenzen'."
        )


def _import_all(
    workspace: Workspace, files: list[Path], *, year: int | None = None, encoding: str | None = None
) -> None:
    for path in files:
        with console.status(f"Importeren: {path.name}") as status:
            report = import_file(
                workspace, path, year=year, encoding=encoding, progress=lambda m: status.update(m)
            )
        _print_report(report)


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
    try:
        with console.status("Werkmap maken") as status:
            workspace = create_workspace(
                werkmap, name=naam, default_gemeente=gemeente, progress=lambda m: status.update(m)
            )
        console.print(f"[green]Werkmap gemaakt[/]: {werkmap}")
        if not zonder_cbs:
            _import_all(workspace, list(BUNDLED_FILES))
    except BuurtbeeldError as err:
        _fail(err)


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
) -> None:
    """Importeer CBS-bestanden in een werkmap. Mislukt een import, dan blijft de werkmap ongewijzigd."""
    try:
        _import_all(open_workspace(werkmap), bestanden, year=jaar, encoding=tekenset)
    except BuurtbeeldError as err:
        _fail(err)


@app.command("importeer-pakket")
def import_package_command(
    pakketten: Annotated[
        list[Path], typer.Argument(help="Beveiligde pakketten (.zip) van ketenpartners.")
    ],
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Importeer beveiligde pakketten: controlesommen, profiel en aanvalscontrole; bij één fout wordt het hele pakket geweigerd."""
    try:
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
                f"[green]Pakket geaccepteerd[/]: {path.name} — {len(report.indicators)} indicatoren, "
                f"{report.published} gepubliceerde en {report.hidden} verborgen cellen; "
                f"aanvalscontrole op {report.audited_hidden_cells} verborgen cellen geslaagd; "
                f"ondertekend door partner '{names.get(report.signed_by or '', '?')}'."
            )
    except BuurtbeeldError as err:
        _fail(err)


app.command("importeer-grenzen")(importeer_grenzen)


def _serve(werkmap: Path, host: str, poort: int) -> None:
    import uvicorn

    from buurtbeeld.web.app import create_app

    app_ = create_app(werkmap)
    console.print(f"Buurtbeeld draait op [bold]http://{host}:{poort}/[/] (stoppen: Ctrl+C)")
    uvicorn.run(app_, host=host, port=poort, log_level="warning")


@app.command("serve")
def serve_command(
    werkmap: WerkmapOpt = Path("werkmap"),
    host: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1",
    poort: Annotated[int, typer.Option(help="Poort.")] = 8000,
) -> None:
    """Start de webapplicatie voor een werkmap."""
    try:
        _serve(werkmap, host, poort)
    except BuurtbeeldError as err:
        _fail(err)


def _demo_partner_packages(workspace: Workspace, folder: Path, gemeente: str) -> None:
    """Synthetic extracts of four partners → source toolkit → protected packages → intake.

    What a partner and the data adviser do with ``bron maak-pakket``, ``partner registreer``
    and ``importeer-pakket``: Wmo, jeugdhulp, bijstand (four quarters) and debt signals (with
    amounts), all fictitious. Each demo source gets its own signing key (in ``folder``), which
    the demo registers as partner ``demo-<register>``.
    """
    from buurtbeeld.source.pipeline import make_package
    from buurtbeeld.source.spec import load_spec
    from buurtbeeld.source.synthetic import REGISTERS, generate

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
                f"[green]Demo-pakket {register} geaccepteerd[/]: {len(report.indicators)} "
                "indicatoren van een fictieve ketenpartner.",
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
    host: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1",
    poort: Annotated[int, typer.Option(help="Poort.")] = 8000,
) -> None:
    """Bouw een demowerkmap (Drechtsteden, met alle gemeenten van Nederland) en start de webapplicatie."""
    try:
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
    except BuurtbeeldError as err:
        _fail(err)


def _mount_source_toolkit() -> None:
    try:
        from buurtbeeld.source.cli import bron_app
    except ImportError:
        return
    app.add_typer(
        bron_app,
        name="bron",
        help="Brontoolkit voor ketenpartners: aggregeren en beveiligen bij de bron.",
    )


_mount_source_toolkit()
app.add_typer(partner_app, name="partner")


def main() -> None:
    """Entry point."""
    app()


if __name__ == "__main__":
    sys.exit(main())
