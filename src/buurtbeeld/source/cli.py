"""``buurtbeeld bron``: the source toolkit a partner runs on their own machine.

The lead mounts :data:`bron_app` as ``buurtbeeld bron``. Output never shows a record or a
hidden value: only counts of rows per reason and of cells per status.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from buurtbeeld.errors import BuurtbeeldError

# The toolkit's modules (Ibis, DuckDB, pyarrow) load inside the commands: `buurtbeeld --help`
# and `buurtbeeld bron --help` stay instant.
if TYPE_CHECKING:
    from buurtbeeld.source.aggregate import Aggregation
    from buurtbeeld.source.engines import EngineName
    from buurtbeeld.source.units import RowCounts
REGISTER_NAMES = "wmo, jeugdhulp, bijstand, schuldsignalen"  # = synthetic.REGISTERS (tested)

bron_app = typer.Typer(
    help="Brontoolkit: tel en beveilig bij de bron; alleen het beveiligde pakket verlaat uw machine.",
    no_args_is_help=True,
    options_metavar="[OPTIES]",
    subcommand_metavar="OPDRACHT [ARGUMENTEN]...",
)
console = Console()

STEPS_CHECK = 4
STEPS_PACKAGE = 7


def _fail(err: BuurtbeeldError) -> None:
    Console(stderr=True).print(
        f"[bold red]Fout {err.code}[/]: {err.message}\n[bold]Oplossing:[/] {err.hint}",
        highlight=False,
    )
    raise typer.Exit(code=2)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None]]:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("Starten", total=total)

        def step(text: str) -> None:
            progress.update(task, description=text, advance=1)

        yield step
        progress.update(task, completed=total)


def _bad_rows(agg: Aggregation | RowCounts) -> None:
    console.print(
        f"{agg.rows_read} regels gelezen; {agg.valid_rows} geldig; "
        f"{agg.outside_period} geldig maar buiten de periode(n).",
        highlight=False,
    )
    if not agg.bad_rows:
        console.print("[green]Geen ongeldige regels.[/]")
        return
    table = Table(title="Ongeldige regels per reden (niet meegeteld; inhoud wordt nooit getoond)")
    table.add_column("reden")
    table.add_column("regels", justify="right")
    for reason, n in sorted(agg.bad_rows.items()):
        table.add_row(reason, str(n))
    console.print(table)


EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine", metavar="NAAM", help="Rekenmachine: duckdb (standaard) of spark (groot volume)."
    ),
]


def _engine(value: str | None) -> EngineName | None:
    if value is None:
        return None
    if value not in ("duckdb", "spark"):
        raise typer.BadParameter("kies duckdb of spark", param_hint="--engine")
    return value  # type: ignore[return-value]


@bron_app.command("genereer")
def generate_command(
    map_: Annotated[Path, typer.Argument(metavar="MAP", help="Map voor de synthetische exports.")],
    gemeente: Annotated[
        str, typer.Option(metavar="CODE", help="Gemeentecode, bijvoorbeeld GM0505.")
    ] = "GM0505",
    zaad: Annotated[
        int, typer.Option(metavar="GETAL", help="Zaad voor de toevalsgenerator (herhaalbaar).")
    ] = 2024,
    jaar: Annotated[int, typer.Option(metavar="JAAR", help="Jaar van de exports.")] = 2024,
    register: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAAM", help=f"Alleen deze registers ({REGISTER_NAMES}); herhaalbaar."
        ),
    ] = None,
    risicofactoren: Annotated[
        bool,
        typer.Option(
            "--risicofactoren",
            help="Ook een onderzoekstabel (kinderen.parquet) met risicofactoren en bekende effecten.",
        ),
    ] = False,
) -> None:
    """Maak synthetische exports (fictieve personen) met een specificatie per register."""
    from buurtbeeld.source.synthetic import REGISTERS, generate

    chosen = tuple(register or REGISTERS)
    unknown = [r for r in chosen if r not in REGISTERS]
    if unknown:
        raise typer.BadParameter(f"kies uit {', '.join(REGISTERS)}", param_hint="--register")
    try:
        with console.status("Synthetische exports maken (fictieve personen)"):
            out = generate(map_, gemeente=gemeente, seed=zaad, year=jaar, registers=chosen)
    except ValueError as err:
        console.print(f"[bold red]Fout[/]: {err}")
        raise typer.Exit(code=2) from err
    console.print(
        f"[green]Gemaakt[/] in {out.folder}: fictieve bevolking van {out.persons} personen, "
        f"koppeltabel {out.lookup.name}.",
        highlight=False,
    )
    for name in chosen:
        console.print(
            f"  {name}: {out.extracts[name].name} ({out.rows[name]} regels), specificatie {out.specs[name].name}",
            highlight=False,
        )
    if risicofactoren:
        from buurtbeeld.source.synthetic_risk import generate_risk

        data, risk_spec, rows = generate_risk(map_, gemeente=gemeente, seed=zaad)
        console.print(
            f"  risicofactoren: {data.name} ({rows} kinderen), specificatie {risk_spec.name}",
            highlight=False,
        )


@bron_app.command("controleer")
def check_command(
    spec: Annotated[Path, typer.Argument(metavar="SPECIFICATIE", help="Specificatie (YAML).")],
    engine: EngineOpt = None,
) -> None:
    """Controleer een specificatie en tel ongeldige regels per reden (proefdraai, schrijft niets)."""
    from buurtbeeld.source.aggregate import aggregate
    from buurtbeeld.source.spec import load_spec

    try:
        delivery = load_spec(spec)
        with _progress(STEPS_CHECK) as step:
            agg = aggregate(delivery, engine=_engine(engine), progress=step)
    except BuurtbeeldError as err:
        _fail(err)
    console.print(f"[green]Specificatie in orde[/]: {spec.name}", highlight=False)
    _bad_rows(agg)
    for table in agg.tables:
        console.print(
            f"  tabel {table.name}: {table.measure}, {table.unit}, dimensies {', '.join(table.dimensions) or 'geen'}",
            highlight=False,
        )


@bron_app.command("maak-pakket")
def package_command(
    spec: Annotated[Path, typer.Argument(metavar="SPECIFICATIE", help="Specificatie (YAML).")],
    uit: Annotated[Path | None, typer.Option(metavar="PAD", help="Pakketbestand (.zip).")] = None,
    engine: EngineOpt = None,
) -> None:
    """Tel, beveilig (onderdrukking, afronding, aanvalscontrole) en schrijf het pakket met rapport."""
    from buurtbeeld.source.pipeline import default_target, make_package
    from buurtbeeld.source.spec import load_spec

    try:
        delivery = load_spec(spec)
        target = uit or default_target(delivery, spec.parent)
        with _progress(STEPS_PACKAGE) as step:
            result = make_package(delivery, target, engine=_engine(engine), progress=step)
    except BuurtbeeldError as err:
        _fail(err)
    _bad_rows(result.aggregation)
    hidden = result.delivery.hidden_by_reason()
    console.print(
        f"[green]Pakket gemaakt[/]: {result.path} — {len(result.delivery.outputs)} tabellen; verborgen cellen: "
        + (", ".join(f"{k} {v}" for k, v in hidden.items()) or "geen"),
        highlight=False,
    )
    if result.earlier:
        console.print(
            f"Samen beveiligd met {len(result.earlier)} eerder verzonden pakket(ten) van dataset "
            f"'{delivery.dataset}' (logboek).",
            highlight=False,
        )
    console.print("Lees rapport.md in het pakket voor de privacyfunctionaris.")
    if result.key_created and result.keys is not None:
        console.print(
            f"[yellow]Nieuwe ondertekeningssleutel gemaakt[/]. Stuur {result.keys.public} naar de "
            "databeheerder van het platform (die registreert hem met 'buurtbeeld partner registreer'); "
            f"het geheime deel {result.keys.private.name} blijft op deze machine.",
            highlight=False,
        )
    console.print(
        f"Na verzending: buurtbeeld bron verzonden {spec} {result.path}",
        highlight=False,
    )


@bron_app.command("sleutel")
def key_command(
    spec: Annotated[
        Path, typer.Argument(metavar="SPECIFICATIE", help="Specificatie (YAML) van de bron.")
    ],
) -> None:
    """Maak (of toon) de ondertekeningssleutel van deze bron; de publieke sleutel gaat naar het platform."""
    from buurtbeeld.source.keys import key_files, signing_key
    from buurtbeeld.source.spec import load_spec

    try:
        delivery = load_spec(spec)
        key, created = signing_key(delivery)
    except BuurtbeeldError as err:
        _fail(err)
    files = key_files(delivery)
    console.print(
        ("[green]Sleutel gemaakt[/]" if created else "Bestaande sleutel")
        + f" voor bron '{delivery.bron}': vingerafdruk {key.public.fingerprint}.",
        highlight=False,
    )
    console.print(
        f"Publieke sleutel (naar het platform sturen): {files.public}\n"
        f"Geheime sleutel (blijft hier, alleen voor u leesbaar): {files.private}",
        highlight=False,
    )
    console.print(
        "Spreek de vingerafdruk buiten e-mail om (telefoon, persoonlijk) af met de databeheerder.",
        highlight=False,
    )


def _ledger_spec(path: Path) -> Any:
    """A delivery spec, or a koppelspec: the linking party keeps the same ledger (issue 11)."""
    from buurtbeeld.source.link_spec import load_link_spec
    from buurtbeeld.source.spec import load_spec

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        text = ""
    if re.search(r"^extracten\s*:", text, re.MULTILINE):
        return load_link_spec(path)
    return load_spec(path)


def _mark(spec: Path, pakket: Path, sent: bool) -> None:
    from buurtbeeld.source.ledger import mark_sent, mark_withdrawn

    try:
        delivery = _ledger_spec(spec)
        entry = (mark_sent if sent else mark_withdrawn)(delivery, pakket)
    except BuurtbeeldError as err:
        _fail(err)
    console.print(
        f"[green]{pakket.name}[/]: {entry.status} (dataset {entry.dataset}, "
        f"perioden {', '.join(entry.periods)}).",
        highlight=False,
    )


@bron_app.command("verzonden")
def sent_command(
    spec: Annotated[
        Path,
        typer.Argument(
            metavar="SPECIFICATIE",
            help="Specificatie (YAML) van het pakket, of de koppelspecificatie.",
        ),
    ],
    pakket: Annotated[Path, typer.Argument(metavar="PAKKET", help="Het verzonden pakket (.zip).")],
) -> None:
    """Leg vast dat een pakket is verzonden: volgende leveringen van deze dataset worden er samen mee beveiligd."""
    _mark(spec, pakket, sent=True)


@bron_app.command("ingetrokken")
def withdrawn_command(
    spec: Annotated[
        Path, typer.Argument(metavar="SPECIFICATIE", help="Specificatie (YAML) van het pakket.")
    ],
    pakket: Annotated[
        Path, typer.Argument(metavar="PAKKET", help="Het pakket dat het platform heeft verwijderd.")
    ],
) -> None:
    """Leg vast dat een verzonden pakket is ingetrokken (alleen als het platform het heeft verwijderd)."""
    _mark(spec, pakket, sent=False)


@bron_app.command("logboek")
def ledger_command(
    spec: Annotated[Path, typer.Argument(metavar="SPECIFICATIE", help="Specificatie (YAML).")],
) -> None:
    """Toon de pakketten van deze dataset in het logboek (gemaakt, verzonden, ingetrokken)."""
    from buurtbeeld.source.ledger import entries

    try:
        delivery = _ledger_spec(spec)
        found = entries(delivery)
    except BuurtbeeldError as err:
        _fail(err)
    if not found:
        console.print(f"Het logboek van dataset '{delivery.dataset}' is leeg.", highlight=False)
        return
    table = Table("pakket", "perioden", "status", "gemaakt", "SHA-256")
    for entry in found:
        table.add_row(
            entry.package, ", ".join(entry.periods), entry.status, entry.made, entry.sha256[:12]
        )
    console.print(table)


# stapeling (issue 11): `bron koppelsleutel` and `bron pseudonimiseer` live in their own module
from buurtbeeld.source import pseudonym_cli as _pseudonym_cli  # noqa: E402

# risk factors at group level (issue 15): `bron risicofactoren`
from buurtbeeld.source import riskfactors_cli as _riskfactors_cli  # noqa: E402

__all__ = ["_pseudonym_cli", "_riskfactors_cli", "bron_app"]
