"""Dutch texts of the import commands: numbers, lists, singular and plural.

Imported inside the commands (the CLI loads no store library for ``--help``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:
    from rich.console import Console

    from buurtbeeld.store.importer import ImportReport
    from buurtbeeld.store.intake import IntakeReport


def nl_number(number: int) -> str:
    """``34682`` → ``34.682``."""
    return f"{number:,}".replace(",", ".")


def nl_list(items: Sequence[str]) -> str:
    """``['2016', '2020']`` → ``2016 en 2020``; three or more: ``a, b en c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} en {items[-1]}"


def count(number: int, singular: str, plural: str) -> str:
    """``1 indicator``, ``2 indicatoren``, with Dutch thousands."""
    return f"{nl_number(number)} {singular if number == 1 else plural}"


def import_summary(report: ImportReport) -> str:
    """One line: file, dataset, periods, rows and figures."""
    periods = ("periode " if len(report.periods) == 1 else "perioden ") + nl_list(report.periods)
    return (
        f"{report.file_name} ({report.dataset}), {periods}, {count(report.rows, 'rij', 'rijen')}, "
        f"{count(report.observations, 'cijfer', 'cijfers')}."
    )


def replacement_lines(report: ImportReport | IntakeReport, *, vervang: bool = True) -> list[str]:
    """What an import or package replaced, what became hidden, what it left alone.

    ``vervang``: the hidden figures were allowed by ``importeer --vervang`` (open data).
    """
    lines = [
        f"{count(r.cells, 'cijfer', 'cijfers')} vervangen uit import {r.import_id} ({r.file_name})."
        for r in report.replaced
    ]
    if report.became_hidden:
        lines.append(
            f"{count(report.became_hidden, 'gepubliceerd cijfer is', 'gepubliceerde cijfers zijn')}"
            " nu verborgen" + (" (--vervang)." if vervang else ".")
        )
    if report.untouched:
        lines.append(
            f"{count(report.untouched, 'cijfer', 'cijfers')} van andere regio's bij dezelfde "
            f"indicatoren {'bleef' if report.untouched == 1 else 'bleven'} ongewijzigd."
        )
    return lines


def print_import_report(console: Console, report: ImportReport) -> None:
    """The CLI's report of one import."""
    if report.already_imported:
        console.print(
            f"[yellow]{report.file_name}[/] is al geïmporteerd (import {report.import_id}); "
            "er is niets veranderd."
        )
        return
    console.print(f"[green]Geïmporteerd[/]: {import_summary(report)}", highlight=False)
    for warning in report.warnings:
        console.print(f"[yellow]Let op[/]: {warning}", highlight=False)
    for line in replacement_lines(report):
        console.print(line, highlight=False)
    table = Table(title="Cijfers per indicator", show_lines=False)
    table.add_column("indicator")
    table.add_column("periode")
    table.add_column("met cijfer", justify="right")
    table.add_column("verborgen", justify="right")
    for c in report.counts:
        table.add_row(c.indicator_id, c.period, nl_number(c.values), nl_number(c.hidden))
    console.print(table)
    for line in definition_lines(report):
        console.print(line, highlight=False)
    if report.unused_columns:
        console.print(
            f"Niet gebruikte kolommen ({len(report.unused_columns)}): "
            f"{', '.join(report.unused_columns)}",
            highlight=False,
        )
    for level, codes in report.regions_without_boundary.items():
        shown = ", ".join(codes[:12]) + (" …" if len(codes) > 12 else "")
        console.print(
            f"[yellow]Let op[/]: {count(len(codes), f'{level}-regio', f'{level}-regio' + chr(39) + 's')} "
            f"zonder vlak op de kaart (grenzen van een ander jaar): {shown}",
            highlight=False,
        )
    if any(report.regions_without_boundary.values()):
        console.print(
            "Tip: importeer de wijk- en buurtkaart van CBS van hetzelfde jaar met "
            "'buurtbeeld importeer-grenzen'."
        )


MARKER_WORDS = {
    ".": "'.' (onbekend of geheim)",
    "x": "'x' (geheim)",
    "-": "'-' (nihil of niet beschikbaar)",
    "?": "'?' (onbekend)",
    "leeg": "lege cel (kan niet voorkomen)",
    "klein_aantal": "klein aantal (verborgen volgens het beveiligingsprofiel)",
}


def definition_lines(report: ImportReport) -> list[str]:
    """Indicators the import defined, columns that are no indicator (why), CBS symbols met."""
    lines = []
    if report.defined_indicators:
        lines.append(
            f"{count(len(report.defined_indicators), 'indicator', 'indicatoren')} gemaakt uit de "
            "beschrijving van de bron."
        )
    other = {c: why for c, why in report.columns.items() if " " in why}  # a reason, not an id
    if other:
        lines.append(
            f"Geen indicator ({len(other)}): "
            + "; ".join(f"{c}: {why}" for c, why in sorted(other.items()))
        )
    if report.markers:
        lines.append(
            "Symbolen van de bron: "
            + ", ".join(
                f"{nl_number(n)}× {MARKER_WORDS.get(m, m)}"
                for m, n in sorted(report.markers.items())
            )
            + " (verborgen, lege cellen ontbreken)."
        )
    if report.skipped_regions:
        lines.append(
            "Niet geïmporteerd (geen gemeente, wijk of buurt): "
            + ", ".join(
                f"{nl_number(n)} {kind}" for kind, n in sorted(report.skipped_regions.items())
            )
            + "."
        )
    return lines


def package_summary(file_name: str, report: IntakeReport, signer: str | None = None) -> str:
    """One line for an accepted package (with the partner that signed it, if known)."""
    return (
        f"{file_name} — {count(len(report.indicators), 'indicator', 'indicatoren')}, "
        f"{count(report.published, 'gepubliceerde', 'gepubliceerde')} en "
        f"{count(report.hidden, 'verborgen cel', 'verborgen cellen')}; aanvalscontrole op "
        f"{count(report.audited_hidden_cells, 'verborgen cel', 'verborgen cellen')} geslaagd"
        + (f"; ondertekend door partner '{signer}'." if signer else ".")
    )
