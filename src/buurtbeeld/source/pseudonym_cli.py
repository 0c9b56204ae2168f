"""``buurtbeeld bron koppelsleutel`` and ``bron pseudonimiseer``: a partner's part of stapeling.

Registered on :data:`buurtbeeld.source.cli.bron_app`. The output names files, counts of rows per
reason and of units per period; never a key, an identifier, a pseudonym or a record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.source.cli import EngineOpt, _bad_rows, _engine, _fail, _progress, bron_app, console


@bron_app.command("koppelsleutel")
def link_key_command(
    pad: Annotated[Path, typer.Argument(metavar="PAD", help="Nieuw sleutelbestand.")],
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            metavar="NAAM",
            help="Naam van het stapelingsproject (standaard: de bestandsnaam).",
        ),
    ] = None,
) -> None:
    """Maak de gedeelde koppelsleutel van een stapelingsproject (nooit overschreven, nooit getoond)."""
    from buurtbeeld.source.link_key import create_key_file

    try:
        key = create_key_file(pad, project or pad.stem)
    except BuurtbeeldError as err:
        _fail(err)
    console.print(
        f"[green]Koppelsleutel gemaakt[/]: {pad} (project '{key.project}', "
        f"controlewaarde {key.check_value}); alleen voor u leesbaar.",
        highlight=False,
    )
    console.print(
        "Geef dit bestand alleen aan de partners van dit project die pseudonimiseren: "
        "persoonlijk of versleuteld, nooit per gewone e-mail. De koppelpartij krijgt het nooit. "
        "Vernietig het bestand na afloop van het project; een volgend project krijgt een nieuwe "
        "sleutel. Zie docs/stapeling.md ('Voor de privacyfunctionaris').",
        highlight=False,
    )


@bron_app.command("pseudonimiseer")
def pseudonymise_command(
    spec: Annotated[Path, typer.Argument(metavar="SPECIFICATIE", help="Specificatie (YAML).")],
    sleutel: Annotated[
        Path, typer.Option("--sleutel", metavar="PAD", help="Koppelsleutelbestand van het project.")
    ],
    uit: Annotated[
        Path | None,
        typer.Option(
            metavar="PAD",
            help="Gepseudonimiseerd bestand (standaard <dataset>-pseudoniemen.parquet).",
        ),
    ] = None,
    engine: EngineOpt = None,
) -> None:
    """Maak een gepseudonimiseerd bestand voor stapeling: per periode elke persoon (of elk huishouden) met pseudoniem, buurt en maand."""
    from buurtbeeld.source.link_key import LinkKey
    from buurtbeeld.source.pseudonym import STEPS, default_target, pseudonymise
    from buurtbeeld.source.spec import load_spec

    try:
        delivery = load_spec(spec)
        key = LinkKey.load(sleutel)
        target = uit or default_target(delivery, spec.parent)
        with _progress(STEPS) as step:
            extract = pseudonymise(delivery, key, target, engine=_engine(engine), progress=step)
    except BuurtbeeldError as err:
        _fail(err)
    for name in extract.leftovers_removed:
        console.print(
            f"[yellow]Opgeruimd[/]: {name}, een tijdelijk bestand van een eerder afgebroken run.",
            highlight=False,
        )
    _bad_rows(extract.counts)
    meta = extract.meta
    table = Table(title=f"Eenheden ({meta.eenheid}) per periode")
    table.add_column("periode")
    table.add_column(meta.eenheid, justify="right")
    for period, n in extract.units_per_period.items():
        table.add_row(period, str(n))
    console.print(table)
    console.print(
        f"[green]Gepseudonimiseerd bestand gemaakt[/]: {extract.path} (project '{meta.project}', "
        f"sleutelcontrole {meta.sleutelcontrole}). Het bevat per periode alleen pseudoniemen, "
        "buurtcode en maand; geen BSN, geen andere gegevens.",
        highlight=False,
    )
    console.print(
        f"Stuur het alleen naar de koppelpartij van project '{meta.project}' zoals afgesproken in "
        "de DPIA, via een beveiligde verbinding; stuur de koppelsleutel nooit mee. Het blijft een "
        "persoonsgegeven: verwijder het hier na verzending.",
        highlight=False,
    )
