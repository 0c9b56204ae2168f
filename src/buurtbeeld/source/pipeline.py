"""The whole run a partner starts: read → aggregate → protect → package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from buurtbeeld.source.aggregate import Aggregation, aggregate
from buurtbeeld.source.engines import EngineName
from buurtbeeld.source.package import rounding_seed, write_delivery
from buurtbeeld.source.protection import ProtectedDelivery, protect_delivery
from buurtbeeld.source.spec import DeliverySpec

Progress = Callable[[str], None]


@dataclass
class PackageResult:
    """A written package and what went into it (no hidden value)."""

    path: Path
    delivery: ProtectedDelivery

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
    """Aggregate, protect and package one delivery.

    Raises
    ------
    SpecError
        Invalid inputs (``BB-SPEC-…``).
    DisclosureError
        When protection cannot find a safe pattern (nothing is written).
    """
    agg = aggregate(spec, engine=engine, progress=progress)
    if progress:
        progress("Beveiligen: onderdrukking en aanvalscontrole")
    delivery = protect_delivery(agg, seed=seed if seed is not None else rounding_seed(spec))
    if progress:
        progress("Pakket schrijven")
    return PackageResult(write_delivery(delivery, target), delivery)
