"""``buurtbeeld publicatie toon|publiceer|intrekken`` and ``buurtbeeld publieke-werkmap``.

Publishing from the command line is the same act as on the beheerder's page: a mandatory reason,
the decision and its audit entry in one transaction (actor ``cli:<os-user>``). ``publieke-werkmap``
writes a new workspace with only the public data, for a public instance.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from buurtbeeld.cli.platform import WerkmapOpt, cli_actor, open_db

if TYPE_CHECKING:
    from buurtbeeld.platform.visibility import Universe
    from buurtbeeld.store.cube import Cube

publication_app = typer.Typer(
    help="Zichtbaarheid van bronnen en indicatoren: intern of openbaar (publiceren, intrekken).",
    no_args_is_help=True,
)
console = Console(highlight=False)
KindArg = Annotated[str, typer.Argument(help="'bron' of 'indicator'.")]
SubjectArg = Annotated[
    str, typer.Argument(help="Sleutel van de bron (zie 'toon') of id van de indicator.")
]
ReasonOpt = Annotated[
    str, typer.Option("--reden", help="Waarom (verplicht; komt in het auditlog).")
]


def _universe(werkmap: Path) -> tuple[Universe, Cube]:
    from buurtbeeld.catalog.load import builtin_catalog
    from buurtbeeld.store.cube import Cube
    from buurtbeeld.store.workspace import open_workspace
    from buurtbeeld.web.visibility import universe_of

    cube = Cube(open_workspace(werkmap))
    return universe_of(cube.catalog(builtin_catalog()), cube), cube


@publication_app.command("toon")
def show_command(werkmap: WerkmapOpt = Path("werkmap")) -> None:
    """Toon elke bron en indicator met haar zichtbaarheid (openbaar of intern)."""
    from buurtbeeld.platform.visibility import SOURCE, VisibilityStore, overview

    universe, cube = _universe(werkmap)
    cube.close()
    with open_db(werkmap) as db:
        store = VisibilityStore(db)
        rows = overview(universe, store.decisions())
    for heading, kind in (("Bronnen", SOURCE), ("Indicatoren", "indicator")):
        console.print(f"[bold]{heading}[/]")
        for _, key, title, public, decided in (r for r in rows if r[0] == kind):
            state = "openbaar" if public else "intern"
            how = "besluit" if decided else "standaard"
            console.print(f"  {key}: {state} ({how}) – {title}", soft_wrap=True)


def _act(kind: str, subject: str, reason: str, werkmap: Path, *, public: bool) -> None:
    from buurtbeeld.platform.visibility import VisibilityStore

    universe, cube = _universe(werkmap)
    cube.close()
    with open_db(werkmap) as db:
        VisibilityStore(db).change(
            universe, kind.strip().lower(), subject.strip(), public=public, reason=reason,
            actor=cli_actor(),
        )  # fmt: skip
    word = "gepubliceerd (openbaar)" if public else "ingetrokken (intern)"
    console.print(f"{kind} {subject} is {word}; vastgelegd in het auditlog.", soft_wrap=True)


@publication_app.command("publiceer")
def publish_command(
    soort: KindArg,
    onderwerp: SubjectArg,
    reden: ReasonOpt = "",
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Maak een bron of indicator openbaar (ook zichtbaar zonder aanmelden)."""
    _act(soort, onderwerp, reden, werkmap, public=True)


@publication_app.command("intrekken")
def withdraw_command(
    soort: KindArg,
    onderwerp: SubjectArg,
    reden: ReasonOpt = "",
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Maak een bron of indicator weer intern (alleen voor aangemelde gebruikers)."""
    _act(soort, onderwerp, reden, werkmap, public=False)


def public_workspace_command(
    doel: Annotated[Path, typer.Argument(help="Nieuwe, lege map voor de publieke werkmap.")],
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Schrijf een nieuwe werkmap met alleen de openbare cijfers (voor een publieke site)."""
    from buurtbeeld.cli.import_texts import count
    from buurtbeeld.platform.visibility import VisibilityStore
    from buurtbeeld.store.public_workspace import write_public_workspace
    from buurtbeeld.web.visibility import visible_under

    universe, cube = _universe(werkmap)
    try:
        with open_db(werkmap) as db:
            decisions = VisibilityStore(db).decisions()
        visible = visible_under(universe, cube, decisions)
        source = cube.workspace
    finally:
        cube.close()
    copy = write_public_workspace(
        source,
        doel,
        indicators=visible.indicators,
        overlap_datasets=visible.overlap_datasets,
        import_ids=visible.import_ids,
    )
    console.print(
        f"Publieke werkmap geschreven: {copy.workspace.root}\n"
        f"  {count(copy.indicators, 'openbare indicator', 'openbare indicatoren')} met "
        f"{count(copy.observations, 'cijfer', 'cijfers')}, "
        f"{count(copy.stapeling_cells, 'cel', 'cellen')} van gepubliceerde stapelingen, "
        f"{count(copy.imports, 'import', 'imports')}.\n"
        f"  Weggelaten (intern): {count(copy.left_out_indicators, 'indicator', 'indicatoren')}.\n"
        f"Start de publieke site met: buurtbeeld serve --werkmap {copy.workspace.root}",
        soft_wrap=True,
    )
