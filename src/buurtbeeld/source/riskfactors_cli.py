"""``buurtbeeld bron risicofactoren``: group-level risk factors where the records live.

Registered on :data:`buurtbeeld.source.cli.bron_app`. The output shows group-level estimates
(shares, relative risks, attributable fractions), the withheld outputs with their reason and
counts of rows per reason; never a record, an identifier or a number per child or household.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.source.cli import _fail, _progress, bron_app, console


@bron_app.command("risicofactoren")
def risk_command(
    spec: Annotated[
        Path,
        typer.Argument(metavar="SPECIFICATIE", help="Specificatie voor risicofactoren (YAML)."),
    ],
    uit: Annotated[Path | None, typer.Option(metavar="PAD", help="Pakketbestand (.zip).")] = None,
) -> None:
    """Schat risicofactoren op groepsniveau, controleer elke uitkomst en schrijf het pakket."""
    from buurtbeeld.source.riskfactors_package import STEPS, default_target, run_risk
    from buurtbeeld.source.riskfactors_report import WITHHELD, interval, percent
    from buurtbeeld.source.riskfactors_spec import load_risk_spec

    try:
        risk = load_risk_spec(spec)
        target = uit or risk.uitvoer or default_target(risk, spec.parent)
        with _progress(STEPS) as step:
            run = run_risk(risk, target, progress=step)
    except BuurtbeeldError as err:
        _fail(err)
    agg = run.aggregation
    console.print(
        f"{agg.rows_read} regels gelezen; {agg.children} kinderen in {agg.households} huishoudens.",
        highlight=False,
    )
    for reason, n in sorted(agg.bad_rows.items()):
        console.print(f"  ongeldig (niet meegeteld): {reason}: {n} regels", highlight=False)
    results = run.results
    table = Table(title=f"Risicofactoren voor {risk.uitkomst.titel.lower()} (groepsniveau)")
    for name in (
        "factor",
        "kinderen met factor",
        "RR ruw (95%-BI)",
        "RR gecorrigeerd (95%-BI)",
        "toe te schrijven",
    ):
        table.add_column(name)
    for f in results.factors:
        paf = WITHHELD if f.paf is None else percent(f.paf)
        table.add_row(f.title, percent(f.prevalence), interval(f.crude), interval(f.adjusted), paf)
    console.print(table)
    withheld = [v for v in results.verdicts() if not v.released]
    if withheld:
        console.print("[yellow]Achtergehouden door de uitvoercontrole[/] (niet in het pakket):")
        for verdict in withheld:
            console.print(f"  {verdict.output}: {'; '.join(verdict.reasons)}", highlight=False)
    else:
        console.print("[green]Alle uitkomsten door de uitvoercontrole.[/]")
    hidden = sum(run.delivery.hidden_by_reason().values())
    console.print(
        f"[green]Pakket gemaakt[/]: {run.path} — tabel per wijk met {hidden} verborgen cellen "
        f"({run.checked_hidden} door de uitvoercontrole); de schattingen staan in rapport.md.",
        highlight=False,
    )
    if run.key_created:
        console.print(
            f"[yellow]Nieuwe ondertekeningssleutel gemaakt[/]. Stuur {run.keys.public} naar de "
            "databeheerder van het platform; het geheime deel blijft op deze machine.",
            highlight=False,
        )
