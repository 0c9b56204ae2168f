"""Plausibility of parsed open data against the catalogue: ranges and relations.

Runs before the workspace is touched. Ranges come from each indicator (declared ``range`` or
the one its unit implies: counts ≥ 0, percentages 0–100, per 1,000 at most 1,000); relations
from the catalogue's ``relations.yaml`` (e.g. households ≤ inhabitants). A violation refuses
the whole file with the column, the regions and — for open data, which is public — the values.
"""

from __future__ import annotations

import numpy as np

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import ImportFileError
from buurtbeeld.opendata.frames import SourceFrame


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _bounds_text(low: float | None, high: float | None) -> str:
    if high is None:
        return f"minstens {_number(low or 0)}"
    if low is None:
        return f"hoogstens {_number(high)}"
    return f"van {_number(low)} tot en met {_number(high)}"


def check_ranges(frame: SourceFrame, indicators: list[Indicator]) -> None:
    """Every published value lies in its indicator's valid range."""
    for indicator in indicators:
        assert indicator.source is not None
        column = frame.columns.get(indicator.source.key)
        if column is None:
            continue
        low, high = indicator.valid_range
        shown = ~column.hidden
        bad = np.zeros(len(column.values), dtype=bool)
        if low is not None:
            bad |= shown & (column.values < low)
        if high is not None:
            bad |= shown & (column.values > high)
        rows = np.flatnonzero(bad)
        if not len(rows):
            continue
        examples = ", ".join(f"{frame.codes[i]}: {_number(column.values[i])}" for i in rows[:3])
        raise ImportFileError(
            f"Kolom '{indicator.source.column}' ({indicator.name}, {indicator.unit_label}) in "
            f"'{frame.file_name}' heeft {len(rows)} {'waarde' if len(rows) == 1 else 'waarden'} "
            f"buiten het geldige bereik ({_bounds_text(low, high)}): {examples}.",
            code="BB-IMP-037",
            hint="Een aantal is nooit negatief en een percentage nooit boven 100. Controleer of "
            "de kolommen van het bestand kloppen, of gebruik het originele CBS-bestand.",
        )


def check_relations(frame: SourceFrame, catalog: Catalog) -> None:
    """Relations CBS guarantees (smaller ≤ larger + slack) hold in every region of the file."""
    by_id = {i.id: i for i in catalog.indicators}
    for relation in catalog.relations:
        small, large = by_id[relation.smaller], by_id[relation.larger]
        if small.source is None or large.source is None:
            continue
        a, b = frame.columns.get(small.source.key), frame.columns.get(large.source.key)
        if a is None or b is None:
            continue
        both = ~a.hidden & ~b.hidden
        bad = np.flatnonzero(both & (a.values > b.values + relation.slack))
        if not len(bad):
            continue
        examples = ", ".join(frame.codes[i] for i in bad[:3])
        regions = "regio" if len(bad) == 1 else "regio's"
        raise ImportFileError(
            f"In '{frame.file_name}' is kolom '{small.source.column}' ({small.name}) in "
            f"{len(bad)} {regions} groter dan kolom "
            f"'{large.source.column}' ({large.name}), wat niet kan ({examples}).",
            code="BB-IMP-038",
            hint="Waarschijnlijk zijn kolommen verwisseld of verkeerd benoemd. Gebruik het "
            "originele CBS-bestand of herstel de kolomnamen.",
        )
