"""A source frame: one dataset's numbers for one period, parsed but not yet in the cube."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from buurtbeeld.opendata.cbs_values import ParsedColumn


@dataclass
class SourceFrame:
    """Parsed open-data columns for one period, keyed by normalised region code.

    ``columns`` maps a source column key (``a_inw``, or ``Eenzaam_28@20300`` for the
    health monitor's age group 18+) to values and a hidden-by-source mask aligned with
    ``codes``.
    """

    dataset: str
    period: str
    division_year: int
    codes: list[str]
    columns: dict[str, ParsedColumn]
    file_name: str
    unused_columns: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    notes: dict[str, np.ndarray] = field(default_factory=dict)
    """Per column, the status note of each hidden cell (StatLine: ``bron`` or ``geheim``)."""
    missing: dict[str, np.ndarray] = field(default_factory=dict)
    """Per column, cells the source leaves empty (not stored: *missing*)."""
