"""The order of the indicators a workspace defines: as CBS orders its tables (issue 17).

A KWB file brings ~90 indicators, a StatLine table as many as it has topics. Listed by id
they scatter (``kwb_a_eur_al``, ``kwb_a_gbl_eu``, ``kwb_a_geb`` …: origin, birth, origin);
listed as CBS lists them, related figures stand together (sex, age groups, marital status,
origin …), as in StatLine and the KWB Excel file. KWB columns follow the bundled column
dictionary (``data/cbs/kwb_kolommen.yaml``, in CBS's order), StatLine topics their
DataProperties number (the ``_123`` of ``OppervlakteLand_123``); every other indicator keeps
its place by id.
"""

from __future__ import annotations

import re

from buurtbeeld.catalog.models import Indicator
from buurtbeeld.store.kwb_columns import kwb_columns

_NUMBER = re.compile(r"_(\d+)$")


def _key(indicator: Indicator, positions: dict[str, int]) -> tuple[str, int, str]:
    source = indicator.source
    if source is not None and source.dataset == "kwb" and source.column in positions:
        return ("kwb", positions[source.column], indicator.id)
    if source is not None and source.dataset == "statline":
        topic, _, categories = source.column.partition("@")
        found = _NUMBER.search(topic)
        if found:
            return (f"cbs_{source.table or ''}", int(found.group(1)), categories)
    return (indicator.id, 0, "")


def in_cbs_order(indicators: list[Indicator]) -> list[Indicator]:
    """``indicators`` sorted as CBS lists them (see the module docstring)."""
    positions = {short: number for number, short in enumerate(kwb_columns().topics)}
    return sorted(indicators, key=lambda indicator: _key(indicator, positions))
