"""What a beheerder can import through the web: one :class:`ImportKind` per kind of file.

A kind is a name, a Dutch label, the file suffixes it accepts, the audit event of a success and
one function that imports a file into a workspace and returns the Dutch report (a dict, stored
as JSON with the job). Another import (e.g. own StatLine tables) is one more entry in
:data:`KINDS`: the upload page, the job runner, the audit entries and the report page follow.
The report holds counts and Dutch lines only — never a figure of the file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData

from buurtbeeld.platform.audit import Event
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.own_table_upload import own_table_files, run_options

Progress = Callable[[str], None]
Report = dict[str, Any]


@dataclass(frozen=True)
class ImportKind:
    """One kind of import through the web."""

    name: str
    label: str
    suffixes: tuple[str, ...]
    success_event: Event
    run: Callable[[Workspace, Path, Progress], Report]
    extra_files: Callable[[FormData], Awaitable[dict[str, bytes]]] | None = None
    """Files the job needs beside the upload (name → bytes), validated before the job is made."""


def _nl(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _count(number: int, singular: str, plural: str) -> str:
    return f"{_nl(number)} {singular if number == 1 else plural}"


def _replaced_lines(report: Any) -> list[str]:
    lines = [
        f"{_count(r.cells, 'cijfer', 'cijfers')} vervangen uit import {r.import_id} ({r.file_name})."
        for r in report.replaced
    ]
    if report.became_hidden:
        lines.append(
            _count(report.became_hidden, "gepubliceerd cijfer is", "gepubliceerde cijfers zijn")
            + " nu verborgen."
        )
    if report.untouched:
        lines.append(
            f"{_count(report.untouched, 'cijfer', 'cijfers')} van andere regio's bij dezelfde "
            "indicatoren bleven ongewijzigd."
        )
    return lines


def run_cbs_file(workspace: Workspace, path: Path, say: Progress) -> Report:
    """A CBS KWB, Gezondheidsmonitor or StatLine file (the same import as ``buurtbeeld importeer``)."""
    from buurtbeeld.store.statline_import import import_path

    return _summary(import_path(workspace, path, progress=say))


def run_own_table(workspace: Workspace, path: Path, say: Progress) -> Report:
    """A gemeente's own table (the same import as ``buurtbeeld importeer-tabel``)."""
    from buurtbeeld.store.own_table import SMALL, import_own_table

    definition, strict, skip_unknown = run_options(path.parent)
    report = import_own_table(
        workspace, path, definition, strict=strict, skip_unknown=skip_unknown, progress=say
    )
    out = _summary(report)
    if report.already_imported:
        return out
    small = report.markers.get(SMALL, 0)
    if small:
        out["regels"].insert(
            0,
            f"{_count(small, 'klein aantal', 'kleine aantallen')} verborgen bij het importeren "
            "(beveiligingsprofiel van de werkmap; reden: klein aantal).",
        )
    for indicator, visibility in sorted(report.visibility.items()):
        out["regels"].append(f"Zichtbaarheid van {indicator} volgens de definitie: {visibility}.")
    out["indicatoren"] = list(report.defined_indicators)
    return out


def _summary(report: Any) -> Report:
    """The Dutch report of an open-data or own-table import (counts and lines, no figures)."""
    if report.already_imported:
        return {
            "al_geimporteerd": True,
            "import_id": report.import_id,
            "samenvatting": f"{report.file_name} is al geïmporteerd (import {report.import_id}); "
            "er is niets veranderd.",
        }
    periods = ("periode " if len(report.periods) == 1 else "perioden ") + ", ".join(report.periods)
    return {
        "al_geimporteerd": False,
        "import_id": report.import_id,
        "cijfers": report.observations,
        "samenvatting": f"Geïmporteerd: {report.file_name} ({report.dataset}), {periods}, "
        f"{_count(report.rows, 'rij', 'rijen')}, {_count(report.observations, 'cijfer', 'cijfers')}.",
        "waarschuwingen": list(report.warnings),
        "regels": _replaced_lines(report),
        "tabel": [[c.indicator_id, c.period, c.values, c.hidden] for c in report.counts],
        "zonder_grens": {
            level: len(codes) for level, codes in report.regions_without_boundary.items()
        },
    }


def run_package(workspace: Workspace, path: Path, say: Progress) -> Report:
    """A protected partner package (the same intake as ``buurtbeeld importeer-pakket``)."""
    from buurtbeeld.store.intake import intake_package
    from buurtbeeld.store.package_reader import read_package
    from buurtbeeld.store.partners import list_partners, trusted_keys

    say("Pakket controleren: handtekening, manifest en controlesommen")
    report = intake_package(workspace, read_package(path, trusted_keys(workspace)), progress=say)
    if report.already_imported:
        return {
            "al_geimporteerd": True,
            "import_id": report.import_id,
            "samenvatting": f"{path.name} is al geïmporteerd (import {report.import_id}); "
            "er is niets veranderd.",
        }
    names = {p.vingerafdruk: p.naam for p in list_partners(workspace)}
    signer = names.get(report.signed_by or "")
    return {
        "al_geimporteerd": False,
        "import_id": report.import_id,
        "cijfers": report.published + report.hidden,
        "samenvatting": f"Pakket geaccepteerd: {path.name} — "
        f"{_count(len(report.indicators), 'indicator', 'indicatoren')}, "
        f"{_nl(report.published)} gepubliceerde en "
        f"{_count(report.hidden, 'verborgen cel', 'verborgen cellen')}; aanvalscontrole op "
        f"{_count(report.audited_hidden_cells, 'verborgen cel', 'verborgen cellen')} geslaagd"
        + (f"; ondertekend door partner '{signer}'." if signer else "."),
        "waarschuwingen": list(report.notes),
        "regels": _replaced_lines(report)
        + (
            [
                f"{_count(report.risk_estimates, 'risicoschatting', 'risicoschattingen')} op "
                "groepsniveau opgeslagen (pagina Risicofactoren van de gemeente)."
            ]
            if report.risk_estimates
            else []
        ),
        "indicatoren": list(report.indicators),
    }


CBS = ImportKind(
    name="cbs",
    label="CBS-bestand: Kerncijfers wijken en buurten, Gezondheidsmonitor of StatLine-CSV (.xlsx, .csv, .parquet)",
    suffixes=(".xlsx", ".csv", ".parquet"),
    success_event=Event.IMPORT,
    run=run_cbs_file,
)
PACKAGE = ImportKind(
    name="pakket",
    label="Beveiligd pakket van een ketenpartner (.zip)",
    suffixes=(".zip",),
    success_event=Event.PACKAGE_INTAKE,
    run=run_package,
)
OWN_TABLE = ImportKind(
    name="tabel",
    label="Eigen tabel per buurt of wijk (.csv, .xlsx, .parquet), met een definitie",
    suffixes=(".csv", ".xlsx", ".parquet"),
    success_event=Event.IMPORT,
    run=run_own_table,
    extra_files=own_table_files,
)
KINDS: dict[str, ImportKind] = {k.name: k for k in (CBS, PACKAGE, OWN_TABLE)}
