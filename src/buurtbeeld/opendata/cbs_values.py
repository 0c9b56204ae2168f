"""Parse CBS cell text into numbers and statuses (pure; operates on Arrow arrays).

CBS writes ``.`` for a value that is hidden, confidential or not (yet) available, and
sometimes ``x`` or ``-``; decimal separators are a point in some columns and a comma in
others; numbers may be padded with spaces. A hidden cell is never a zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from buurtbeeld.errors import ImportFileError

HIDDEN_MARKERS = (".", "x", "-", "?")


@dataclass(frozen=True)
class ParsedColumn:
    """Numeric values and a hidden-by-source mask for one column."""

    values: np.ndarray  # float64; NaN where hidden
    hidden: np.ndarray  # bool


def parse_column(column: pa.ChunkedArray | pa.Array, *, name: str, file_name: str) -> ParsedColumn:
    """Parse one CBS column into floats; ``.``/``x``/``-``/empty become *hidden*.

    Raises
    ------
    ImportFileError
        When a cell is neither a number nor a CBS marker (``BB-IMP-010``); the message
        names the column and the first rows (open data only, never partner data).
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        hidden = np.asarray(pc.is_null(column).to_numpy(zero_copy_only=False), dtype=bool)
        _refuse_non_finite(values, hidden, column, name=name, file_name=file_name)
        return ParsedColumn(np.where(hidden, np.nan, values), hidden)
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    hidden_arr = pc.or_kleene(pc.is_null(text), pc.is_in(text, pa.array(["", *HIDDEN_MARKERS])))
    hidden = np.asarray(hidden_arr.fill_null(True).to_numpy(zero_copy_only=False), dtype=bool)
    cleaned = pc.if_else(
        hidden_arr, pa.scalar(None, pa.string()), pc.replace_substring(text, ",", ".")
    )
    try:
        values = pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        bad_rows = _unparseable_rows(cleaned)
        examples = ", ".join(f"rij {i + 2}: '{text[i].as_py()}'" for i in bad_rows[:3])
        raise ImportFileError(
            f"Kolom '{name}' in '{file_name}' bevat tekst die geen getal is ({examples}; "
            f"{len(bad_rows)} cellen in totaal).",
            code="BB-IMP-010",
            hint="Een CBS-cel is een getal of '.' (geheim/onbekend). Gebruik het originele "
            "CBS-bestand, niet een bewerkte versie.",
        ) from None
    _refuse_non_finite(values, hidden, text, name=name, file_name=file_name)
    return ParsedColumn(np.where(hidden, np.nan, values), hidden)


def _refuse_non_finite(
    values: np.ndarray, hidden: np.ndarray, cells: pa.Array, *, name: str, file_name: str
) -> None:
    """``NaN``, ``inf``, ``1e400`` or a 400-digit number is no figure: never store it as ±∞."""
    bad = np.flatnonzero(~hidden & ~np.isfinite(values))
    if not len(bad):
        return
    examples = ", ".join(f"rij {i + 2}: '{str(cells[int(i)].as_py())[:20]}'" for i in bad[:3])
    raise ImportFileError(
        f"Kolom '{name}' in '{file_name}' bevat waarden die geen eindig getal zijn ({examples}; "
        f"{len(bad)} {'cel' if len(bad) == 1 else 'cellen'} in totaal).",
        code="BB-IMP-033",
        hint="NaN, oneindig of een getal met honderden cijfers is geen CBS-cijfer. Gebruik '.' "
        "voor een onbekende waarde, of het originele CBS-bestand.",
    )


def _unparseable_rows(cleaned: pa.Array) -> list[int]:
    bad = []
    for i, cell in enumerate(cleaned.to_pylist()):
        if cell is None:
            continue
        try:
            float(cell)
        except ValueError:
            bad.append(i)
    return bad


def parse_codes(column: pa.ChunkedArray | pa.Array) -> list[str]:
    """Strip CBS padding from a code column; null becomes the empty string."""
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    return [c or "" for c in text.to_pylist()]
