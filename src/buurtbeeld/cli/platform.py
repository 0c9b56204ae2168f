"""``buurtbeeld platform|gebruiker|audit``: the platform database, user accounts, the audit log.

The database is ``<werkmap>/platform.sqlite``, or PostgreSQL when ``BUURTBEELD_DATABASE_URL`` is
set. Every change to a user is recorded in the audit log with actor ``cli:<os-user>``. Errors are
printed by the CLI's error boundary (``cli/boundary.py``).
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from buurtbeeld.errors import WorkspaceError

if TYPE_CHECKING:
    from buurtbeeld.platform.db import PlatformDB

# SQLAlchemy and argon2 load inside the commands: `buurtbeeld --help` stays instant.

platform_app = typer.Typer(
    help="De platformdatabase (gebruikers, sessies, auditlog): SQLite in de werkmap of PostgreSQL.",
    no_args_is_help=True,
)
user_app = typer.Typer(
    help="Gebruikers en hun rol (lezer, analist, beheerder, privacyfunctionaris).",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="Het auditlog: controleren (hashketen) en exporteren.", no_args_is_help=True
)
console = Console(highlight=False)
# store.workspace.CONFIG_FILE (a test checks they agree): importing the store would load DuckDB
# and geopandas, seconds before a password prompt.
CONFIG_FILE = "buurtbeeld.toml"

WerkmapOpt = Annotated[
    Path,
    typer.Option(
        "--werkmap",
        "-w",
        help="Map van de werkmap (met platform.sqlite); niet nodig als BUURTBEELD_DATABASE_URL is gezet.",
    ),
]
StdinOpt = Annotated[
    bool,
    typer.Option(
        "--wachtwoord-stdin",
        help="Lees het wachtwoord van de standaardinvoer (één regel) in plaats van het te vragen.",
    ),
]


def cli_actor() -> str:
    """Who acts from the command line: ``cli:<os-user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def open_db(werkmap: Path, *, migrate: bool = True) -> PlatformDB:
    """The migrated platform database of ``werkmap`` (or of ``BUURTBEELD_DATABASE_URL``)."""
    from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform

    if os.environ.get(ENV_DATABASE_URL, "").strip():
        return open_platform(None, migrate=migrate)
    if not (werkmap / CONFIG_FILE).is_file():
        raise WorkspaceError(f"'{werkmap}' is geen Buurtbeeld-werkmap.")
    return open_platform(werkmap, migrate=migrate)


def read_password(from_stdin: bool) -> str:
    """The new password: one line from stdin, or asked twice without echo."""
    from buurtbeeld.platform.errors import UserError

    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UserError(
                "Er kwam geen wachtwoord binnen op de standaardinvoer.",
                code="BB-PLT-022",
                hint="Geef het wachtwoord op één regel, bijvoorbeeld uit een wachtwoordkluis.",
            )
        return line
    if not sys.stdin.isatty():
        raise UserError(
            "Er is geen terminal om het wachtwoord te vragen.",
            code="BB-PLT-022",
            hint="Gebruik --wachtwoord-stdin en geef het wachtwoord via de standaardinvoer.",
        )
    first = getpass.getpass("Wachtwoord: ")
    second = getpass.getpass("Nogmaals: ")
    if first != second:
        raise UserError(
            "De twee wachtwoorden verschillen.",
            code="BB-PLT-021",
            hint="Typ hetzelfde wachtwoord twee keer.",
        )
    return first


@platform_app.command("migreer")
def migrate_command(werkmap: WerkmapOpt = Path("werkmap")) -> None:
    """Maak of werk de platformdatabase bij (veilig om vaker te doen)."""
    from buurtbeeld.platform.db import current_revision, upgrade

    with open_db(werkmap, migrate=False) as db:
        applied = upgrade(db)
        revision = current_revision(db)
    done = f"migraties toegepast: {', '.join(applied)}" if applied else "was al actueel"
    console.print(f"Platformdatabase {db.display_url}: schema {revision} ({done}).", soft_wrap=True)


@user_app.command("maak")
def create_command(
    naam: Annotated[str, typer.Argument(help="Gebruikersnaam, bijvoorbeeld j.jansen.")],
    rol: Annotated[
        str, typer.Option("--rol", help="lezer, analist, beheerder of privacyfunctionaris.")
    ],
    werkmap: WerkmapOpt = Path("werkmap"),
    wachtwoord_stdin: StdinOpt = False,
) -> None:
    """Maak een lokaal account. Er is geen standaardwachtwoord: u kiest het (twee keer)."""
    from buurtbeeld.platform.passwords import RULE
    from buurtbeeld.platform.roles import parse_role
    from buurtbeeld.platform.users import UserStore, normalise_name

    name, role = normalise_name(naam), parse_role(rol)  # refuse before asking the password
    with open_db(werkmap) as db:
        if not wachtwoord_stdin:
            console.print(RULE)
        user = UserStore(db).create(name, role, read_password(wachtwoord_stdin), actor=cli_actor())
    console.print(f"[green]Gebruiker gemaakt[/]: {user.name} ({user.role.value}).")


@user_app.command("lijst")
def list_command(werkmap: WerkmapOpt = Path("werkmap")) -> None:
    """Toon alle gebruikers met rol, soort account en status."""
    from buurtbeeld.platform.users import UserStore

    with open_db(werkmap) as db:
        users = UserStore(db).list()
    if not users:
        console.print("Er zijn nog geen gebruikers. Maak er een met 'buurtbeeld gebruiker maak'.")
        return
    for u in users:
        kind = "OIDC" if u.external else "lokaal"
        state = "uitgeschakeld" if u.disabled else "actief"
        console.print(
            f"{u.name}: {u.role.value}, {kind}, {state}, gemaakt {u.created_at:%Y-%m-%d}",
            soft_wrap=True,
        )


@user_app.command("rol")
def role_command(
    naam: Annotated[str, typer.Argument(help="Gebruikersnaam.")],
    rol: Annotated[str, typer.Argument(help="Nieuwe rol.")],
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Wijzig de rol van een gebruiker (geldt vanaf het volgende verzoek)."""
    from buurtbeeld.platform.users import UserStore

    with open_db(werkmap) as db:
        user = UserStore(db).set_role(naam, rol, actor=cli_actor())
    console.print(f"Rol van {user.name} is nu {user.role.value}.")


@user_app.command("uitschakelen")
def disable_command(
    naam: Annotated[str, typer.Argument(help="Gebruikersnaam.")],
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Schakel een account uit; lopende sessies eindigen meteen."""
    from buurtbeeld.platform.users import UserStore

    with open_db(werkmap) as db:
        user = UserStore(db).set_disabled(naam, True, actor=cli_actor())
    console.print(f"Account {user.name} is uitgeschakeld.")


@user_app.command("inschakelen")
def enable_command(
    naam: Annotated[str, typer.Argument(help="Gebruikersnaam.")],
    werkmap: WerkmapOpt = Path("werkmap"),
) -> None:
    """Schakel een uitgeschakeld account weer in."""
    from buurtbeeld.platform.users import UserStore

    with open_db(werkmap) as db:
        user = UserStore(db).set_disabled(naam, False, actor=cli_actor())
    console.print(f"Account {user.name} is ingeschakeld.")


@user_app.command("verwijder")
def delete_command(
    naam: Annotated[str, typer.Argument(help="Gebruikersnaam.")],
    werkmap: WerkmapOpt = Path("werkmap"),
    ja: Annotated[bool, typer.Option("--ja", help="Niet om bevestiging vragen.")] = False,
) -> None:
    """Verwijder een account en zijn sessies (het auditlog houdt de naam)."""
    from buurtbeeld.platform.users import UserStore

    if not ja and not typer.confirm(f"Gebruiker {naam} verwijderen?", default=False):
        raise typer.Exit(1)
    with open_db(werkmap) as db:
        UserStore(db).delete(naam, actor=cli_actor())
    console.print(f"Gebruiker {naam.strip().lower()} is verwijderd.")


@user_app.command("wachtwoord")
def password_command(
    naam: Annotated[str, typer.Argument(help="Gebruikersnaam.")],
    werkmap: WerkmapOpt = Path("werkmap"),
    wachtwoord_stdin: StdinOpt = False,
) -> None:
    """Geef een lokaal account een nieuw wachtwoord; lopende sessies eindigen."""
    from buurtbeeld.platform.users import UserStore

    with open_db(werkmap) as db:
        UserStore(db).set_password(naam, read_password(wachtwoord_stdin), actor=cli_actor())
    console.print(f"Wachtwoord van {naam.strip().lower()} is gewijzigd.")


@audit_app.command("controleer")
def verify_command(
    werkmap: WerkmapOpt = Path("werkmap"),
    anker: Annotated[
        str | None,
        typer.Option(
            help="Een hash van een eerdere controle (bewaard bij de reservekopie): die moet er "
            "nog in staan, zodat ook verwijderde regels aan het eind opvallen."
        ),
    ] = None,
) -> None:
    """Controleer de hashketen van het auditlog; bij een wijziging: de eerste gebroken regel en exitcode 2."""
    from buurtbeeld.platform.audit import AuditLog

    with open_db(werkmap) as db:
        entries, last = AuditLog(db).verify(anker.strip().lower() if anker else None)
    console.print(f"[green]Auditlog in orde[/]: {entries} regels, hashketen ongebroken.")
    console.print(f"Laatste hash (bewaar als anker): {last}", soft_wrap=True)


@audit_app.command("exporteer")
def export_command(
    werkmap: WerkmapOpt = Path("werkmap"),
    formaat: Annotated[str, typer.Option(help="csv of json.")] = "csv",
    uitvoer: Annotated[
        Path | None, typer.Option(help="Bestand om naar te schrijven (standaard: het scherm).")
    ] = None,
) -> None:
    """Exporteer het hele auditlog met hashes (de export wordt zelf ook vastgelegd)."""
    from buurtbeeld.platform.audit import AuditLog, Event

    fmt = formaat.strip().lower()
    with open_db(werkmap) as db:
        log = AuditLog(db)
        entries = log.count()
        text = log.export(fmt)
        if uitvoer is None:
            sys.stdout.write(text)
        else:
            uitvoer.write_text(text, encoding="utf-8")
            Console(stderr=True).print(f"Auditlog geëxporteerd naar {uitvoer}.")
        log.append(Event.AUDIT_EXPORTED, cli_actor(), {"formaat": fmt, "regels": entries})
