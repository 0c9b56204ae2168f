"""Errors of duiding (``BB-DUI-…``) and the doorbraken register (``BB-DBR-…``).

Privacy rule: a refusal names the *kind* of personal data and *where* it is in the text (line,
characters), never the value itself.
"""

from __future__ import annotations

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.steer.text_privacy import TextCheck


class DuidingError(BuurtbeeldError, ValueError):
    """A duiding cannot be saved, found or reviewed."""

    code = "BB-DUI-001"
    http_status = 422
    default_hint = "Pas de duiding aan en probeer het opnieuw."


class DuidingNotFoundError(DuidingError, LookupError):
    """The duiding does not exist."""

    code = "BB-DUI-007"
    http_status = 404


class DuidingConflictError(DuidingError):
    """The duiding was already reviewed."""

    code = "BB-DUI-008"
    http_status = 409


class DuidingForbiddenError(DuidingError):
    """Only an analist reviews."""

    code = "BB-DUI-009"
    http_status = 403


class BreakthroughError(BuurtbeeldError, ValueError):
    """A doorbraak cannot be recorded."""

    code = "BB-DBR-001"
    http_status = 422
    default_hint = "Pas het formulier aan en probeer het opnieuw."


def privacy_message(check: TextCheck, what: str) -> str:
    """Dutch: why ``what`` (e.g. "De duiding") was refused: kinds and places, no values."""
    found = "; ".join(f.describe(check.text) for f in check.refusals)
    return f"{what} is niet opgeslagen: de tekst bevat {found}."


def warning_message(check: TextCheck, what: str) -> str:
    """Dutch: what the author must confirm before ``what`` is saved."""
    found = "; ".join(f.describe(check.text) for f in check.warnings)
    return f"{what} is nog niet opgeslagen: de tekst bevat {found}."
