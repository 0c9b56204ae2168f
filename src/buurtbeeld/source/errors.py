"""Errors of the source toolkit (Dutch messages, stable codes, hints).

Privacy rule, as everywhere in Buurtbeeld: a message names the file, line, column or reason,
never the content of a record or a count that may be hidden.
"""

from __future__ import annotations

from buurtbeeld.errors import BuurtbeeldError


class SpecError(BuurtbeeldError, ValueError):
    """A delivery spec is invalid (``BB-SPEC-001``); the message names file, line and field."""

    code = "BB-SPEC-001"
    http_status = 422
    default_hint = "Corrigeer de specificatie (YAML); zie examples/ voor voorbeelden."


class InputFileError(SpecError):
    """An input or lookup file cannot be read as the spec describes (``BB-SPEC-002``)."""

    code = "BB-SPEC-002"
    default_hint = "Controleer pad, formaat, scheidingsteken en tekenset in de specificatie."


class ColumnError(SpecError):
    """Columns named in the spec are missing from an input file (``BB-SPEC-003``)."""

    code = "BB-SPEC-003"
    default_hint = "Pas de kolomnamen in de specificatie aan aan het exportbestand."
