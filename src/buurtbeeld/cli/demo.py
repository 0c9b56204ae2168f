"""``buurtbeeld demo``: a demo workspace with the bundled CBS data and four fictitious partners."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from buurtbeeld.cli.run import HostOpt, PoortOpt, WerkmapOpt, console, import_all, serve
from buurtbeeld.errors import BuurtbeeldError, SignatureError

if TYPE_CHECKING:
    from buurtbeeld.store.workspace import Workspace

DRECHTSTEDEN = {"GM0505": "Dordrecht", "GM0642": "Zwijndrecht"}


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
        import_all(workspace, list(BUNDLED_FILES))
        _demo_partner_packages(workspace, werkmap / "bron-demo", gemeente)
    for code, name in DRECHTSTEDEN.items():
        console.print(f"  {name}: http://{host}:{poort}/gemeente/{code}")
    if starten:
        serve(werkmap, host, poort)
