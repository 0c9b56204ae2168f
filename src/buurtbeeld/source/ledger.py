"""The partner's release ledger: what earlier *sent* packages of a dataset published.

A new delivery is protected together with everything the same dataset already published, so
that differencing across deliveries (a table by age after a table by voorziening for the same
year, or a re-run of a year with an extra table) is caught by the same suppression and audit
(:class:`buurtbeeld.protect.ReleaseLedger`).

The ledger lives on the partner's machine, beside the spec in ``.buurtbeeld-logboek/`` (spec
field ``logboek``): one gzip-compressed JSON per package, ``<dataset>/<sha256>.json.gz``, with
per protection run (``aantallen``, ``bedragen``) the released cells - key, status, published
value, rounding base and the hidden range of primaries - and the table relations. It never
holds a hidden value; per cell it keeps a fingerprint of the true value keyed with the secret
rounding seed, so that a later delivery that counts a sent cell differently is refused as a
revision (:mod:`buurtbeeld.source.revision`). Without the seed the ledger is no more sensitive
than the packages themselves.

``bron maak-pakket`` records every package it writes as *gemaakt*; only packages marked
*verzonden* (``bron verzonden``) constrain later deliveries. A partner who tries specs out does
not tie later deliveries to packages nobody received.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from buurtbeeld.errors import BuurtbeeldError, DisclosureError
from buurtbeeld.protect import CellStatus, Relation, Release, ReleasedCell, ReleaseLedger
from buurtbeeld.source.aggregate import Aggregation
from buurtbeeld.source.protection import ProtectedDelivery
from buurtbeeld.source.revision import changed_cells, delivery_truth, fingerprints, key_id
from buurtbeeld.source.spec import DeliverySpec

FORMAT = "buurtbeeld-logboek"
VERSION = 1
MADE = "gemaakt"
SENT = "verzonden"
WITHDRAWN = "ingetrokken"


class LedgerError(BuurtbeeldError):
    """The release ledger cannot be read or a package is not in it (``BB-BRON-001``)."""

    code = "BB-BRON-001"
    http_status = 422
    default_hint = "Maak het pakket met 'buurtbeeld bron maak-pakket' en dezelfde specificatie."


class RevisionError(DisclosureError):
    """A delivery counts cells of a sent package differently (``BB-BRON-002``)."""

    code = "BB-BRON-002"
    default_hint = (
        "Overleg met de privacyfunctionaris; lever een herziening pas als het eerdere pakket is "
        "ingetrokken, en haal het dan met 'buurtbeeld bron ingetrokken' uit het logboek."
    )


@dataclass(frozen=True)
class LedgerEntry:
    """One package in the ledger (no cell data)."""

    path: Path
    dataset: str
    package: str
    sha256: str
    periods: tuple[str, ...]
    status: str
    made: str
    sent: str | None


def ledger_folder(spec: DeliverySpec) -> Path:
    """The ledger folder of a spec (``logboek``; default beside the spec)."""
    if spec.logboek is None:
        raise ValueError("spec.logboek is not set; use load_spec")
    return spec.logboek


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry_path(spec: DeliverySpec, sha: str) -> Path:
    return ledger_folder(spec) / spec.dataset / f"{sha}.json.gz"


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tmp.write_bytes(gzip.compress(raw, mtime=0))
    os.replace(tmp, path)


def _read(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise LedgerError(
            f"Logboekbestand '{path.name}' is onleesbaar.",
            hint="Zet het bestand terug uit een back-up; verwijder het alleen als dat pakket "
            "nooit is verzonden.",
        ) from err
    if data.get("formaat") != FORMAT or data.get("versie") != VERSION:
        raise LedgerError(f"Logboekbestand '{path.name}' heeft een onbekend formaat.")
    return data


def _release_json(release: Release) -> dict[str, Any]:
    return {
        "cellen": [
            [list(c.key), c.status.value, c.value, c.rounding_base, c.hidden_min, c.hidden_max]
            for c in release.cells
        ],
        "relaties": [[list(r.total), [list(p) for p in r.parts]] for r in release.relations],
    }


def _release(name: str, data: dict[str, Any]) -> Release:
    cells = tuple(
        ReleasedCell(tuple(key), CellStatus(status), value, base, low, high)
        for key, status, value, base, low, high in data["cellen"]
    )
    relations = tuple(
        Relation(tuple(total), tuple(tuple(p) for p in parts)) for total, parts in data["relaties"]
    )
    return Release(name, cells, relations)


def _entry(path: Path, data: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        path=path,
        dataset=str(data["dataset"]),
        package=str(data["pakket"]),
        sha256=str(data["pakket_sha256"]),
        periods=tuple(data["perioden"]),
        status=str(data["status"]),
        made=str(data["gemaakt"]),
        sent=data.get("verzonden"),
    )


def record_made(
    spec: DeliverySpec, delivery: ProtectedDelivery, package: Path, *, seed: str | None = None
) -> LedgerEntry:
    """Record a written package as *gemaakt* (keeps *verzonden* if it was sent before).

    With the rounding ``seed`` the ledger also keeps keyed fingerprints of the true values, so a
    later revision of any cell is recognised (:func:`check_no_revision`).
    """
    sha = _file_sha(package)
    path = _entry_path(spec, sha)
    if path.exists():
        return _entry(path, _read(path))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    runs: dict[str, dict[str, Any]] = {
        name: _release_json(run.to_release(f"{sha}:{name}"))
        for name, run in sorted(delivery.runs.items())
    }
    data: dict[str, Any] = {
        "formaat": FORMAT,
        "versie": VERSION,
        "bron": spec.bron,
        "dataset": spec.dataset,
        "pakket": package.name,
        "pakket_sha256": sha,
        "spec_sha256": spec.sha256(),
        "perioden": [p.label for p in delivery.aggregation.periods],
        "status": MADE,
        "gemaakt": now,
        "verzonden": None,
        "runs": runs,
    }
    if seed is not None:
        data["vingerafdruksleutel"] = key_id(seed)
        truth = delivery_truth(delivery.aggregation)
        for name, run in delivery.runs.items():
            runs[name]["vingerafdrukken"] = fingerprints(truth, run.keys, seed)
    _write(path, data)
    return _entry(path, data)


def mark_sent(spec: DeliverySpec, package: Path) -> LedgerEntry:
    """Mark a package as sent: from now on it constrains every delivery of its dataset.

    Raises
    ------
    LedgerError
        The package is not in this spec's ledger (made elsewhere, or changed since).
    """
    return _mark(spec, package, SENT)


def mark_withdrawn(spec: DeliverySpec, package: Path) -> LedgerEntry:
    """Mark a sent package as withdrawn (the platform deleted it): it no longer constrains."""
    return _mark(spec, package, WITHDRAWN)


def _mark(spec: DeliverySpec, package: Path, status: str) -> LedgerEntry:
    if not package.exists():
        raise LedgerError(f"Bestand '{package.name}' bestaat niet.", hint="Controleer het pad.")
    path = _entry_path(spec, _file_sha(package))
    if not path.exists():
        raise LedgerError(
            f"Pakket '{package.name}' staat niet in het logboek van dataset '{spec.dataset}' "
            f"({ledger_folder(spec)}).",
        )
    data = _read(path)
    if data["status"] != status:
        data["status"] = status
        data[status] = datetime.now(UTC).isoformat(timespec="seconds")
        _write(path, data)
    return _entry(path, data)


def _load(spec: DeliverySpec) -> list[tuple[LedgerEntry, dict[str, Any]]]:
    """Every package of the spec's dataset with its ledger data, oldest first (one read each)."""
    folder = ledger_folder(spec) / spec.dataset
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json.gz")):
        data = _read(path)
        found.append((_entry(path, data), data))
    return sorted(found, key=lambda pair: (pair[0].made, pair[0].sha256))


def entries(spec: DeliverySpec) -> list[LedgerEntry]:
    """Every package of the spec's dataset in the ledger, oldest first."""
    return [entry for entry, _ in _load(spec)]


SentPackages = list[tuple[LedgerEntry, dict[str, Any]]]


def sent_packages(spec: DeliverySpec) -> SentPackages:
    """The dataset's sent packages with their ledger data, oldest first."""
    return [(entry, data) for entry, data in _load(spec) if entry.status == SENT]


def check_no_revision(agg: Aggregation, seed: str, sent: SentPackages) -> None:
    """Refuse a delivery that counts any cell of a sent package differently.

    Raises
    ------
    RevisionError
        ``BB-BRON-002``, naming the package, the number of cells and a few of them (never a
        value). Ledger entries made before fingerprints existed are checked by the protection
        step against the published rounding intervals only.
    """
    truth = delivery_truth(agg)
    for entry, data in sent:
        if data.get("vingerafdruksleutel") != key_id(seed):
            continue
        changed = []
        for run in data["runs"].values():
            recorded = run.get("vingerafdrukken")
            if recorded is not None:
                keys = [tuple(cell[0]) for cell in run["cellen"]]
                changed += changed_cells(truth, keys, recorded, seed)
        if changed:
            named = ", ".join(" / ".join(k[2:]) for k in changed[:3])
            raise RevisionError(
                f"Deze levering telt {len(changed)} cellen anders dan het verzonden pakket "
                f"'{entry.package}' van dataset '{entry.dataset}' (o.a. {named}): het is een "
                "herziening. Twee versies naast elkaar laten verschillen zien die klein kunnen zijn."
            )


def sent_ledgers(
    spec: DeliverySpec, sent: SentPackages | None = None
) -> tuple[dict[str, ReleaseLedger], list[LedgerEntry]]:
    """The ledgers (per protection run) of the dataset's sent packages, and those packages."""
    ledgers: dict[str, ReleaseLedger] = {}
    found = []
    for entry, data in sent_packages(spec) if sent is None else sent:
        found.append(entry)
        for run, cells in data["runs"].items():
            release = _release(f"{entry.sha256}:{run}", cells)
            ledgers[run] = ledgers.get(run, ReleaseLedger()).add(release)
    return ledgers, found
