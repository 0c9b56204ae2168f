"""``buurtbeeld demo``: a demo workspace with the bundled CBS data and four fictitious partners."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from buurtbeeld.cli.run import HostOpt, PoortOpt, WerkmapOpt, console, import_all, serve
from buurtbeeld.errors import BuurtbeeldError, DisclosureError, SignatureError
from buurtbeeld.store.pending import STAPELING as STAPELING_WORK
from buurtbeeld.store.pending import clear, mark, pending, running

if TYPE_CHECKING:
    from rich.status import Status

    from buurtbeeld.store.workspace import Workspace

DRECHTSTEDEN = {"GM0505": "Dordrecht", "GM0642": "Zwijndrecht"}

STAPELING = {
    # provision → (spec file, the partner package's table with the distinct unit totals)
    "wmo": ("wmo.yaml", "voorzieningen_totaal"),
    "jeugdhulp": ("jeugdhulp.yaml", "jongeren_totaal"),
    # yearly for the stapeling (the partner's package is quarterly: no marginal for it)
    "bijstand": ("bijstand-jaar.yaml", None),
    "schuldsignalen": ("schuldsignalen.yaml", "huishoudens_totaal"),
}
STAPELING_LOG = "stapeling.log"
STAPELING_TITLE = "de demo koppelt de vier demoregisters, beveiligt en leest de stapeling in"
TITLES = {
    "wmo": "Wmo",
    "jeugdhulp": "Jeugdhulp",
    "bijstand": "Bijstand",
    "schuldsignalen": "Schuldsignalen",
}


def yearly_benefit_spec(gemeente: str, year: int = 2024) -> str:
    """The demo's bijstand spec with one yearly period (``gedurende``) for the stapeling.

    The other demo registers count a year; bijstand's own package counts quarters (stand on a
    reference day), and the extracts of one link must share their periods.
    """
    import yaml

    from buurtbeeld.source.synthetic import demo_spec

    data = yaml.safe_load(demo_spec(gemeente, year, "bijstand"))
    data["periode"] = {
        "soort": "gedurende",
        "begin": "ingangsdatum",
        "einde": "einddatum",
        "jaar": year,
    }
    data["tabellen"] = [
        {
            "naam": "personen",
            "titel": f"Personen met bijstand in {year}",
            "richting": "hoger_is_slechter",
        }
    ]
    head = f"# Personen met bijstand gedurende {year}: de periode van de stapeling.\n"
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def stapeling_spec(gemeente: str, packages: dict[str, Path]) -> str:
    """The demo koppelspec: four extracts, the partners' packages where periods match."""
    lines = [
        "# Stapeling van de vier demoregisters (koppelpartij: fictief onderzoeksbureau).",
        "dataset: stapeling",
        "bron: Onderzoeksbureau gemeente (demo, koppelpartij)",
        "profiel: cbs-zorg",
        f"gemeente: {gemeente}",
        "indelingsjaar: 2023",
        f"uitvoer: stapeling-{gemeente}.zip",
        "extracten:",
    ]
    for name, (_spec, table) in STAPELING.items():
        lines += [
            f"  - naam: {name}",
            f"    titel: {TITLES[name]}",
            f"    pad: {name}-pseudoniemen.parquet",
        ]
        if table is not None and name in packages:
            lines += [f"    pakket: {packages[name].name}", f"    pakkettabel: {table}"]
        elif table is None:
            lines.append(
                "    # geen pakket: dat van de partner telt per kwartaal, dit extract per jaar"
            )
    return "\n".join(lines) + "\n"


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


def _demo_sources(folder: Path) -> tuple[dict[str, Path], list[Path]]:
    """The demo partners' packages and public keys, as :func:`_demo_partner_packages` made them."""
    from buurtbeeld.source.keys import key_files
    from buurtbeeld.source.spec import load_spec
    from buurtbeeld.source.synthetic import REGISTERS

    packages = {r: folder / f"{r}-pakket.zip" for r in REGISTERS}
    keys = [key_files(load_spec(folder / f"{r}.yaml")).public for r in REGISTERS]
    return {r: p for r, p in packages.items() if p.exists()}, [k for k in keys if k.exists()]


def has_stapeling(workspace: Workspace, gemeente: str) -> bool:
    """Whether the workspace holds a stapeling (linked package) of ``gemeente``."""
    con = workspace.connect(read_only=True)
    try:
        row = con.execute(
            "SELECT count(*) FROM stapeling WHERE region_code = ?", [gemeente]
        ).fetchone()
    finally:
        con.close()
    return bool(row and row[0])


def step(spinner: Status, record: Callable[[str], None], text: str) -> None:
    """Show a step on the spinner, or as a line when there is no terminal (the background
    run's ``stapeling.log``), and record it for the stapeling page."""
    spinner.update(text)
    record(text)
    if not console.is_terminal:
        console.print(f"{datetime.now():%H:%M:%S} {text}", highlight=False)


def _demo_stapeling(workspace: Workspace, folder: Path, gemeente: str) -> None:
    """Stapeling: project key → ``bron pseudonimiseer`` ×4 → ``koppel`` → ``importeer-pakket``.

    What the partners and a linking party do (docs/stapeling.md, examples/bron/README.md): the
    partners share a project key and pseudonymise their registers; the linking party (here a
    fictitious research department) links the extracts, protects the combinations together with
    the partners' packages and signs the package, which the platform registers and reads.
    When joint protection finds no safe pattern the demo says so and shows no stapeling.
    """
    from buurtbeeld.cli.koppel import protect_and_package
    from buurtbeeld.source.keys import key_files
    from buurtbeeld.source.link import link
    from buurtbeeld.source.link_key import LinkKey, create_key_file
    from buurtbeeld.source.link_spec import load_link_spec
    from buurtbeeld.source.link_workdir import Cleanup, work_folder
    from buurtbeeld.source.pseudonym import pseudonymise
    from buurtbeeld.source.spec import load_spec
    from buurtbeeld.store.intake import intake_package
    from buurtbeeld.store.package_reader import read_package
    from buurtbeeld.store.partners import register_partner, trusted_keys

    packages, public_keys = _demo_sources(folder)
    with (
        pending(workspace.root, STAPELING_WORK, STAPELING_TITLE) as record,
        console.status("Stapeling: pseudonimiseren bij de partners") as spinner,
    ):
        key_path = folder / "stapeling.sleutel"
        key = LinkKey.load(key_path) if key_path.exists() else create_key_file(key_path, "demo")
        (folder / "bijstand-jaar.yaml").write_text(yearly_benefit_spec(gemeente), encoding="utf-8")
        for name, (spec_file, _table) in STAPELING.items():
            step(spinner, record, f"Stapeling: {name} pseudonimiseren")
            pseudonymise(
                load_spec(folder / spec_file), key, folder / f"{name}-pseudoniemen.parquet"
            )
        spec_path = folder / "stapeling.yaml"
        spec_path.write_text(stapeling_spec(gemeente, packages), encoding="utf-8")
        step(spinner, record, "Stapeling: koppelen (koppelpartij)")
        spec = load_link_spec(spec_path)
        cleanup = Cleanup()
        with work_folder(folder, cleanup) as work:
            counts = link(spec, workdir=work)
        step(spinner, record, "Stapeling: beveiligen samen met de pakketten van de partners")
        try:
            path, linked, _created = protect_and_package(
                counts, spec.uitvoer or folder / "stapeling.zip", public_keys
            )
        except DisclosureError as err:
            # joint protection found no safe pattern: no stapeling rather than a weaker one
            console.print(
                f"[yellow]Let op[/]: de demo-stapeling is niet samen met de pakketten van de "
                f"partners te beveiligen ({err.code}); de demo toont geen stapeling.",
                highlight=False,
            )
            return
        try:
            register_partner(workspace, "demo-koppelpartij", key_files(spec).public)  # type: ignore[arg-type]
        except SignatureError as err:
            if err.code != "BB-SIG-010":
                raise
        step(spinner, record, "Stapeling: inlezen in de werkmap (aanvalscontrole van het platform)")
        intake_package(workspace, read_package(path, trusted_keys(workspace)))
    hidden = sum(linked.delivery.hidden_by_reason().values())
    joint = [p.title for p in linked.linkage.provisions if p.table]
    console.print(
        f"[green]Demo-stapeling geaccepteerd[/]: {len(STAPELING)} registers gekoppeld, "
        f"samen beveiligd met de pakketten van: {', '.join(joint) or 'geen partner'} "
        f"(bijstand telt per jaar, het pakket van de partner per kwartaal); "
        f"{hidden} cellen verborgen.",
        highlight=False,
    )


def _demo_framework(werkmap: Path) -> None:
    """The example indicator framework for Dordrecht (issue 16), unless one exists already."""
    from buurtbeeld.cli.platform import open_db
    from buurtbeeld.steer.workspace import (
        load_demo_framework,
        load_demo_inventory,
        workspace_indicator_ids,
    )

    with open_db(werkmap) as db:
        framework = load_demo_framework(db, workspace_indicator_ids(werkmap))
        load_demo_inventory(db, werkmap)  # owner, legal basis, frequency on /sturen/bronnen
    if framework is not None:
        console.print(
            f"Indicatorenkader '{framework.title}' geladen: "
            f"{len(framework.focus_areas)} aandachtsgebieden (pagina /sturen).",
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
    stapeling: Annotated[
        bool,
        typer.Option(
            "--stapeling/--zonder-stapeling",
            help="Maak ook de stapeling van de vier demoregisters (pseudonimiseren, koppelen, "
            "samen beveiligen met de pakketten van de partners, inlezen). Duurt enkele minuten "
            "rekentijd (de aanvalscontrole) en ongeveer 0,5 GB geheugen; met --starten op de "
            "achtergrond terwijl de webapplicatie al draait.",
        ),
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
    background = None
    if not stapeling:
        console.print("Stapeling van voorzieningen: niet in deze demo (--zonder-stapeling).")
    elif has_stapeling(workspace, gemeente) or any(
        p.pid != os.getpid() for p in running(werkmap, STAPELING_WORK)
    ):
        pass  # made earlier, or another demo process is making it now
    elif starten:
        # minutes of CPU (joint protection's LP audit, docs/benchmarks.md): serve the rest now
        background = _start_stapeling(werkmap, gemeente, host, poort)
    else:
        _demo_stapeling(workspace, werkmap / "bron-demo", gemeente)
    _demo_framework(werkmap)
    for code, name in DRECHTSTEDEN.items():
        console.print(f"  {name}: http://{host}:{poort}/gemeente/{code}")
    if starten:
        try:
            serve(werkmap, host, poort)
        finally:
            _stop(background, werkmap)


def _start_stapeling(
    werkmap: Path, gemeente: str, host: str, poort: int
) -> subprocess.Popen[bytes]:
    """``buurtbeeld demo --niet-starten --stapeling`` in a process of its own, logging to
    ``stapeling.log``; the stapeling page says it is being computed until it is imported."""
    log = werkmap / STAPELING_LOG
    command = [sys.executable, "-m", "buurtbeeld", "demo", "--werkmap", str(werkmap)]
    command += ["--gemeente", gemeente, "--niet-starten", "--stapeling"]
    command += ["--host", host, "--poort", str(poort)]  # for the addresses it prints
    with log.open("wb") as out:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl+C stops the server, which then stops this (_stop)
        )
    mark(werkmap, STAPELING_WORK, STAPELING_TITLE, pid=child.pid)
    threading.Thread(target=child.wait, daemon=True).start()  # reaped: no zombie "running"
    console.print(
        f"Stapeling van voorzieningen: wordt op de achtergrond gemaakt (enkele minuten "
        f"rekentijd; voortgang in {log}). Daarna staat hij op /gemeente/{gemeente}/voorzieningen.",
        highlight=False,
    )
    return child


def _stop(child: subprocess.Popen[bytes] | None, werkmap: Path) -> None:
    """Stop an unfinished background stapeling as Ctrl+C would (its work folder is cleaned up)."""
    if child is None:
        return
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        console.print(
            "Stapeling van voorzieningen gestopt voordat hij klaar was; de volgende "
            "'buurtbeeld demo' maakt hem opnieuw.",
            highlight=False,
        )
    # a child stopped (or crashed) before it took over the marker written for it here, or
    # killed, leaves that marker behind
    clear(werkmap, STAPELING_WORK, child.pid)
