"""``buurtbeeld statline``: download a CBS StatLine table and write its definitions for review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from buurtbeeld.cli.run import console


def statline(
    tabel: Annotated[
        str,
        typer.Argument(
            help="StatLine-tabelnummer (bijvoorbeeld 85984NED) om te downloaden, of een al "
            "gedownloade tabel (map of CSV) om alleen de definities te schrijven."
        ),
    ],
    map_: Annotated[
        Path, typer.Option("--map", help="Map waarin de tabel komt (een submap per tabel).")
    ] = Path("."),
    filter_: Annotated[
        str | None,
        typer.Option(
            "--filter",
            help="OData-filter op de rijen, bijvoorbeeld \"substringof('0505',WijkenEnBuurten)\".",
        ),
    ] = None,
    definities_naar: Annotated[
        Path | None,
        typer.Option(
            "--definities-naar",
            help="Schrijf de definities hierheen (standaard definities.yaml in de map van de tabel).",
        ),
    ] = None,
    werkmap: Annotated[
        Path | None,
        typer.Option(
            "--werkmap", "-w", help="Importeer de tabel na het downloaden in deze werkmap."
        ),
    ] = None,
    jaar: Annotated[
        int | None, typer.Option(help="Jaar van een CSV-export zonder perioden.")
    ] = None,
) -> None:
    """Download een CBS StatLine-tabel (met internet) en schrijf de indicatordefinities om na te kijken."""
    from buurtbeeld.opendata.statline import statline_folder
    from buurtbeeld.opendata.statline_fetch import fetch_table
    from buurtbeeld.store.statline_definitions import DEFINITIONS_FILE, definitions_yaml
    from buurtbeeld.store.statline_import import definitions, read_any

    path = Path(tabel)
    if not path.exists():
        with console.status(f"Downloaden bij CBS: {tabel}") as status:
            path = fetch_table(tabel, map_, odata_filter=filter_, progress=status.update)
        console.print(f"[green]Gedownload[/]: {path}")
    data = read_any(path, year=jaar)
    indicators, _ = definitions(data)
    folder = statline_folder(path)
    target = definities_naar or (
        folder / DEFINITIONS_FILE
        if folder is not None
        else path.with_name(f"{path.stem}.definities.yaml")
    )
    target.write_text(definitions_yaml(indicators, table_id=data.meta.table_id), encoding="utf-8")
    console.print(
        f"{len(indicators)} indicatordefinities geschreven naar {target}: kijk ze na en pas aan "
        "(naam, thema, richting)."
    )
    if werkmap is not None:
        from buurtbeeld.cli.run import import_all
        from buurtbeeld.store.workspace import open_workspace

        import_all(open_workspace(werkmap), [path], year=jaar, overrides=target)
    else:
        console.print(f"Importeren: buurtbeeld importeer {path} --definities {target}")
