"""Errors of steering (``BB-STR-…``): Dutch message, hint and a stable code (docs/fouten.md).

Privacy rule: no message quotes a figure; messages about YAML name the line, not the content
beyond a key or an indicator id (cut to 60 characters).
"""

from __future__ import annotations

from buurtbeeld.errors import BuurtbeeldError


class SteerError(BuurtbeeldError, ValueError):
    """Bad input for the framework, the inventory or the goals; nothing was saved."""

    code = "BB-STR-001"
    http_status = 422
    default_hint = "Pas de invoer aan en probeer opnieuw; er is niets opgeslagen."


class WriteRefused(SteerError):
    """A write without a signed-in user (the local viewer reads only)."""

    code = "BB-STR-031"
    http_status = 403


class SteerNotFound(BuurtbeeldError, LookupError):
    """A framework, focus area, source or goal that does not exist."""

    code = "BB-STR-008"
    http_status = 404
    default_hint = "Importeer eerst een indicatorenkader met 'buurtbeeld kader importeer'."


def cut(value: object, size: int = 60) -> str:
    """``value`` as text, at most ``size`` characters (echoed input)."""
    text = str(value)
    return text if len(text) <= size else text[: size - 1] + "…"
