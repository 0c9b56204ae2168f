"""``buurtbeeld importeer-tabel``: a gemeente's own table per buurt (issue 17 item 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from buurtbeeld.cli.run import WerkmapOpt, console


def importeer_tabel(
    bestand: Annotated[Path, typer.Argument(help="Eigen tabel: CSV, XLSX of Parquet.")],
    definitie: Annotated[
        Path,
        typer.Option(help="Definitiebestand (YAML): regio, periode en indicatoren van de tabel."),
    ],
    werkmap: WerkmapOpt = Path("werkmap"),
    strikt: Annotated[
        bool,
        typer.Option(
            "--strikt",
            help="Weiger aantallen personen of huishoudens die niet bij de bron zijn beveiligd.",
        ),
    ] = False,
    sla_onbekende_over: Annotated[
        bool,
        typer.Option(
            "--sla-onbekende-over",
            help="Importeer alleen de gevonden regio's en meld de andere (standaard: weigeren).",
        ),
    ] = False,
) -> None:
    """Importeer een eigen tabel per buurt of wijk. Mislukt de import, dan blijft de werkmap ongewijzigd."""
    from buurtbeeld.cli.import_audit import audited_import
    from buurtbeeld.cli.import_texts import print_import_report
    from buurtbeeld.platform.audit import Event
    from buurtbeeld.store.own_table import import_own_table
    from buurtbeeld.store.workspace import open_workspace

    workspace = open_workspace(werkmap)
    with (
        audited_import(workspace.root, "tabel", bestand) as audit,
        console.status(f"Importeren: {bestand.name}") as status,
    ):
        report = import_own_table(
            workspace,
            bestand,
            definitie,
            strict=strikt,
            skip_unknown=sla_onbekende_over,
            progress=status.update,
        )
        audit["event"] = Event.IMPORT
        audit["details"] = {
            "resultaat": "al_geimporteerd" if report.already_imported else "geimporteerd",
            "import_id": report.import_id,
            "cijfers": report.observations,
        }
    print_import_report(console, report)
    if report.visibility and not report.already_imported:
        shown = ", ".join(f"{i}: {v}" for i, v in sorted(report.visibility.items()))
        console.print(f"Zichtbaarheid volgens de definitie: {shown}.", highlight=False)
