"""Which source an indicator comes from, for visibility (issue 12 item 3).

A *source* is what a beheerder publishes or withdraws as a whole: an open-data dataset
(``kwb``, ``gezondheidsmonitor``, …: CBS/RIVM, public by default) or a partner
(``pakket:<partner>``: its protected packages, internal by default). A stapeling of a linked
package (``stapeling:<dataset>``) is a source without catalogue indicators. Derived indicators
have no source of their own: they are public only when their inputs are.
"""

from __future__ import annotations

import re

from buurtbeeld.catalog.models import Indicator

PACKAGE_PREFIX = "pakket:"
STAPELING_PREFIX = "stapeling:"
OWN_TABLE_PREFIX = "tabel:"
"""A gemeente's own table (``importeer-tabel``, issue 17): internal by default."""
OPEN_DATA_TITLES = {
    "kwb": "CBS, Kerncijfers wijken en buurten",
    "gezondheidsmonitor": "RIVM/CBS, Gezondheidsmonitor Volwassenen en Ouderen",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def source_key(indicator: Indicator) -> str | None:
    """The source key of a sourced indicator (``None`` for a derived one)."""
    if indicator.source is None:
        return None
    if indicator.source.dataset == "pakket":
        return PACKAGE_PREFIX + _slug(indicator.source.package_source or "onbekend")
    if indicator.source.dataset in {"statline", "tabel"} and indicator.source.table:
        return f"{indicator.source.dataset}:{indicator.source.table}"  # one source per table
    return indicator.source.dataset


def source_title(indicator: Indicator) -> str:
    """A display name of the indicator's source."""
    if indicator.source is not None and indicator.source.dataset in OPEN_DATA_TITLES:
        return OPEN_DATA_TITLES[indicator.source.dataset]
    if indicator.source is not None and indicator.source.package_source:
        return indicator.source.package_source
    return indicator.source_label


def public_by_default(key: str) -> bool:
    """Open data is public by default; partner packages, stapeling and own tables are internal."""
    return not key.startswith((PACKAGE_PREFIX, STAPELING_PREFIX, OWN_TABLE_PREFIX))


def inputs(indicator: Indicator) -> tuple[str, ...]:
    """The indicators a derived indicator is computed from."""
    rule = indicator.derived
    return (rule.numerator, rule.denominator) if rule else ()


def stapeling_key(dataset: str) -> str:
    """The source key of a stapeling dataset."""
    return STAPELING_PREFIX + dataset
