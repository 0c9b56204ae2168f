"""The whole run a partner starts: read → aggregate → protect → package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from buurtbeeld.source.aggregate import Aggregation, aggregate
from buurtbeeld.source.engines import EngineName
from buurtbeeld.source.keys import KeyFiles, key_files, signing_key
from buurtbeeld.source.ledger import (
    LedgerEntry,
    check_no_revision,
    record_made,
    sent_ledgers,
    sent_packages,
)
from buurtbeeld.source.package import rounding_seed, write_delivery
from buurtbeeld.source.protection import ProtectedDelivery, protect_delivery
from buurtbeeld.source.spec import DeliverySpec

Progress = Callable[[str], None]


@dataclass
class PackageResult:
    """A written package and what went into it (no hidden value)."""

    path: Path
    delivery: ProtectedDelivery
    earlier: list[LedgerEntry] = field(default_factory=list)
    """Sent packages of the same dataset this delivery was protected together with."""
    keys: KeyFiles | None = None
    key_created: bool = False
    """The source's key pair was made for this package: send the public key to the platform."""

    @property
    def aggregation(self) -> Aggregation:
        """The aggregation behind the package."""
        return self.delivery.aggregation


def default_target(spec: DeliverySpec, folder: Path) -> Path:
    """``<dataset>-<gebied>-<periode>.zip`` in ``folder``."""
    periods = spec.periode.periods()
    label = periods[0].label if len(periods) == 1 else f"{periods[0].label}_{periods[-1].label}"
    area = spec.gemeenten[0] if len(spec.gemeenten) == 1 else f"{len(spec.gemeenten)}gemeenten"
    return folder / f"{spec.dataset}-{area}-{label}.zip"


def make_package(
    spec: DeliverySpec,
    target: Path,
    *,
    engine: EngineName | None = None,
    seed: str | None = None,
    progress: Progress | None = None,
) -> PackageResult:
    """Aggregate, protect and package one delivery, together with the dataset's sent packages.

    The package is recorded in the spec's release ledger as *gemaakt*; mark it *verzonden*
    (:func:`buurtbeeld.source.ledger.mark_sent`) once it has left the machine.

    Raises
    ------
    SpecError
        Invalid inputs (``BB-SPEC-…``).
    RevisionError
        ``BB-BRON-002``: the delivery counts cells of a sent package differently.
    DisclosureError
        When protection cannot find a safe pattern (nothing is written).
    """
    key, created = signing_key(spec)  # before the long run: a bad key file stops it at once
    agg = aggregate(spec, engine=engine, progress=progress)
    if progress:
        progress("Beveiligen: onderdrukking en aanvalscontrole")
    seed = seed if seed is not None else rounding_seed(spec)
    sent = sent_packages(spec) if spec.logboek is not None else []
    check_no_revision(agg, seed, sent)
    ledgers, earlier = sent_ledgers(spec, sent)
    delivery = protect_delivery(agg, seed=seed, ledgers=ledgers)
    if progress:
        progress("Pakket schrijven")
    path = write_delivery(delivery, target, key)
    if spec.logboek is not None:
        record_made(spec, delivery, path, seed=seed)
    return PackageResult(path, delivery, earlier, key_files(spec), created)
