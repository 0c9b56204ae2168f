"""``buurtbeeld koppel KOPPELSPEC``: the linking party links pseudonymised extracts (stapeling).

Link, then protect jointly with the partners' published marginals and write one package signed
by the linking party (:mod:`buurtbeeld.source.link_protection`). The partners' packages named in
the koppelspec are verified against their public key files (``--partnersleutel``, the ``.pub``
files each partner made with ``buurtbeeld bron sleutel``): that is what a linking party holds,
not a platform workspace.

Output never shows a pseudonym or a buurt count: rows per extract, units and overlaps per
gemeente rounded to tens, warnings, where the package went, hidden cells, and which intermediate
files were removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from buurtbeeld.cli.import_texts import nl_number
from buurtbeeld.geo.codes import COUNTRY_CODE

if TYPE_CHECKING:
    from buurtbeeld.source.link import LinkedCounts
    from buurtbeeld.source.link_protection import LinkedDelivery
    from buurtbeeld.source.link_spec import LinkSpec
    from buurtbeeld.source.link_workdir import Cleanup

console = Console()
err_console = Console(stderr=True)


def default_target(spec: LinkSpec, spec_file: Path) -> Path:
    """``uitvoer`` of the spec, else ``<dataset>-<gebied>.zip`` beside the spec."""
    if spec.uitvoer is not None:
        return spec.uitvoer
    area = spec.gemeenten[0] if len(spec.gemeenten) == 1 else f"{len(spec.gemeenten)}gemeenten"
    return spec_file.parent / f"{spec.dataset}-{area}.zip"


LARGE_AREA = 5
"""Gemeenten from which ``koppel`` says up front that protecting jointly takes long."""


def scale_notice(gemeenten: int, national: bool) -> str | None:
    """A Dutch notice before joint protection of a large area (``None``: none needed).

    Measured on a 2-core machine (docs/benchmarks.md, issue 11): one gemeente of 146 regions
    ~40 s; five gemeenten as one table more than 20 minutes; the country days. The partners'
    rounded totals tie every gemeente of one delivery into one attacker's problem, so the time
    grows faster than the area.
    """
    if not national and gemeenten < LARGE_AREA:
        return None
    area = "het hele land" if national else f"{gemeenten} gemeenten"
    return (
        f"Let op: deze koppeling beslaat {area}. Samen beveiligen controleert elke "
        "afgeschermde cel tegen alle cijfers van het gebied tegelijk; dat duurt bij een groot "
        "gebied uren tot dagen (één gemeente: ongeveer een minuut). Koppel per gemeente "
        "(gemeente: GM.... in de koppelspecificatie) om het te verkorten; die koppelingen "
        "kunnen naast elkaar draaien."
    )


def print_link_report(counts: LinkedCounts) -> None:
    """The Dutch report: rows per extract, units and overlaps per gemeente (rounded), warnings."""
    from buurtbeeld.source.link_report import about

    report = counts.report
    titles = {e.naam: e.titel for e in counts.spec.extracten}
    rows = Table(title="Extracten")
    for column in ("extract", "bron", "eenheid", "regels"):
        rows.add_column(column, justify="right" if column == "regels" else "left")
    for e in counts.extracts:
        rows.add_row(titles[e.name], e.meta.bron, e.meta.eenheid, nl_number(e.rows))
    console.print(rows)
    for period in [p.label for p in counts.periods]:
        for unit in ("personen", "huishoudens"):
            found = [
                o
                for o in report.overlaps
                if o.unit == unit and o.period == period and o.gemeente in counts.spec.gemeenten
            ]
            if not found:
                continue
            table = Table(
                title=f"Overlap per gemeente, {unit}, {period} (afgerond op tientallen, "
                "vóór beveiliging: niet publiceren)"
            )
            for column in ("gemeente", "extract A", "extract B", "in beide", "bij toeval"):
                table.add_column(column)
            for o in found:
                table.add_row(
                    o.gemeente,
                    titles[o.first],
                    titles[o.second],
                    about(o.observed),
                    "?" if o.expected is None else about(o.expected),
                )
            console.print(table)
    for warning in report.warnings:
        err_console.print(f"[bold yellow]Waarschuwing[/]: {warning}", highlight=False)


def _print_cleanup(cleanup: Cleanup) -> None:
    for name, files in cleanup.leftovers:
        console.print(
            f"Achtergebleven tussenbestanden van een afgebroken koppeling verwijderd: {name} "
            f"({files} bestanden).",
            highlight=False,
        )
    if cleanup.removed is not None:
        name, files = cleanup.removed
        console.print(f"Tussenbestanden verwijderd: {name} ({files} bestanden).", highlight=False)


def protect_and_package(
    counts: LinkedCounts, target: Path, partner_key_files: list[Path]
) -> tuple[Path, LinkedDelivery, bool]:
    """Protect the counts with the partners' packages and the sent packages in the koppelspec's
    logboek, write the signed package and record it (:func:`make_linked_package`); ``True``
    when the signing key was just created."""
    from buurtbeeld.source.link_package import make_linked_package

    return make_linked_package(counts, target, partner_key_files)  # type: ignore[arg-type]


def print_package_report(path: Path, linked: LinkedDelivery, spec: LinkSpec, created: bool) -> None:
    """Where the package went, what was hidden, with which partner figures it was protected."""
    from buurtbeeld.source.keys import key_files

    delivery = linked.delivery
    hidden = delivery.hidden_by_reason()
    cells = sum(o.data.num_rows for o in delivery.outputs)
    console.print(
        f"[green]Pakket gemaakt[/]: {path} — {len(delivery.outputs)} tabellen, {nl_number(cells)} "
        "cellen; verborgen cellen: "
        + (", ".join(f"{k} {nl_number(v)}" for k, v in hidden.items()) or "geen"),
        highlight=False,
    )
    for provision in linked.linkage.provisions:
        if provision.table:
            with_what = (
                f"samen beveiligd met tabel '{provision.table}' uit het pakket van de partner"
            )
        else:
            with_what = (
                "geen pakket van de partner in de koppelspecificatie: geen marge om samen mee te "
                "beveiligen (bijvoorbeeld andere perioden dan het pakket van de partner)"
            )
        console.print(f"  {provision.title}: {with_what}.", highlight=False)
    console.print("Lees rapport.md in het pakket voor de privacyfunctionaris.")
    files = key_files(spec)  # type: ignore[arg-type]
    if created:
        console.print(
            f"[yellow]Nieuwe ondertekeningssleutel gemaakt[/]. Stuur {files.public} naar de "
            "databeheerder van het platform (die registreert hem met 'buurtbeeld partner "
            f"registreer'); het geheime deel {files.private.name} blijft op deze machine.",
            highlight=False,
        )


def koppel(
    koppelspec: Annotated[
        Path, typer.Argument(metavar="KOPPELSPEC", help="Koppelspecificatie (YAML).")
    ],
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            metavar="NAAM",
            help="Rekenmachine: duckdb (standaard) of spark (landelijke bestanden).",
        ),
    ] = None,
    uit: Annotated[
        Path | None,
        typer.Option(
            "--uit", metavar="PAD", help="Uitvoerbestand (standaard: 'uitvoer' of naast de spec)."
        ),
    ] = None,
    partnersleutel: Annotated[
        list[Path] | None,
        typer.Option(
            "--partnersleutel",
            metavar="PAD",
            help="Publieke sleutel (.pub) van een partner, om zijn pakket te controleren; "
            "herhaal per partner.",
        ),
    ] = None,
) -> None:
    """Koppel gepseudonimiseerde extracten en tel de stapeling per wijk en buurt."""
    from buurtbeeld.source.link import link
    from buurtbeeld.source.link_spec import load_link_spec
    from buurtbeeld.source.link_workdir import Cleanup, work_folder

    if engine is not None and engine not in ("duckdb", "spark"):
        raise typer.BadParameter("kies duckdb of spark", param_hint="--engine")
    spec = load_link_spec(koppelspec)
    target = uit or default_target(spec, koppelspec)
    cleanup = Cleanup()
    try:
        with (
            work_folder(target.parent, cleanup) as folder,
            Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar,
        ):
            _print_cleanup(Cleanup(leftovers=cleanup.leftovers))
            task = bar.add_task("Starten")
            counts = link(
                spec,
                engine=engine,  # type: ignore[arg-type]
                progress=lambda text: bar.update(task, description=text),
                workdir=folder,
            )
    finally:
        _print_cleanup(Cleanup(removed=cleanup.removed))
    print_link_report(counts)
    notice = scale_notice(
        len(counts.division.hierarchy.get(COUNTRY_CODE, ())) or len(spec.gemeenten),
        counts.division.national,
    )
    if notice:
        console.print(notice, style="yellow", highlight=False)
    with console.status("Beveiligen samen met de cijfers van de partners en pakket schrijven"):
        path, linked, created = protect_and_package(counts, target, list(partnersleutel or []))
    print_package_report(path, linked, spec, created)
    if linked.earlier:
        console.print(
            f"Samen beveiligd met {linked.earlier} eerder verzonden pakket(ten) van dataset "
            f"'{spec.dataset}' (logboek).",
            highlight=False,
        )
    console.print(f"Na verzending: buurtbeeld bron verzonden {koppelspec} {path}", highlight=False)
