"""What several commands share: the console, the option types, importing files, serving."""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from buurtbeeld.store.workspace import Workspace

console = Console()

WerkmapOpt = Annotated[
    Path, typer.Option("--werkmap", "-w", help="Map van de werkmap.", show_default=True)
]
HostOpt = Annotated[str, typer.Option(help="Adres om op te luisteren.")]
PoortOpt = Annotated[int, typer.Option(help="Poort.")]


class LogFormat(enum.StrEnum):
    """``serve --logformaat``: one JSON object per line, or readable text."""

    json = "json"
    tekst = "tekst"


def import_all(
    workspace: Workspace,
    files: list[Path],
    *,
    year: int | None = None,
    encoding: str | None = None,
    replace_hidden: bool = False,
    table_id: str | None = None,
    overrides: Path | None = None,
) -> None:
    from buurtbeeld.cli.import_audit import audited_import
    from buurtbeeld.cli.import_texts import print_import_report
    from buurtbeeld.platform.audit import Event
    from buurtbeeld.store.statline_import import import_path

    for path in files:
        with (
            audited_import(workspace.root, "cbs", path) as audit,
            console.status(f"Importeren: {path.name}") as status,
        ):
            report = import_path(
                workspace,
                path,
                year=year,
                encoding=encoding,
                table_id=table_id,
                overrides=overrides,
                progress=lambda m: status.update(m),
                replace_hidden=replace_hidden,
            )
            audit["event"] = Event.IMPORT
            audit["details"] = {
                "resultaat": "al_geimporteerd" if report.already_imported else "geimporteerd",
                "import_id": report.import_id,
                "cijfers": report.observations,
            }
        print_import_report(console, report)


def serve(
    werkmap: Path,
    host: str,
    poort: int,
    *,
    names: list[str] | None = None,
    processes: int = 1,
    log_format: str = "tekst",
) -> None:
    import uvicorn

    from buurtbeeld.web.access_log import logging_config
    from buurtbeeld.web.app import ENV_HOSTS, ENV_WORKSPACE, create_app

    # Our request log only (no client address, no query values); uvicorn's access log is off.
    logs = {"log_config": logging_config(log_format), "access_log": False, "log_level": "warning"}

    hosts = [h for h in [host, *(names or [])] if h not in ("0.0.0.0", "::", "")]
    console.print(f"Buurtbeeld draait op [bold]http://{host}:{poort}/[/] (stoppen: Ctrl+C)")
    if processes <= 1:
        app_ = create_app(werkmap, hosts=hosts)
        uvicorn.run(app_, host=host, port=poort, **logs)  # type: ignore[arg-type]
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
        **logs,  # type: ignore[arg-type]
    )
