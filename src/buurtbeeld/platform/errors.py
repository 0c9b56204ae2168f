"""Errors of the platform (``BB-PLT-…``) and its audit log (``BB-AUD-…``).

Privacy rule: no message quotes a password, a session token, a secret or a claim value other
than a user name.
"""

from __future__ import annotations

from buurtbeeld.errors import BuurtbeeldError


class PlatformError(BuurtbeeldError, ValueError):
    """The platform database, a user, a role or a setting is wrong."""

    code = "BB-PLT-001"
    http_status = 500
    default_hint = "Controleer de instellingen van Buurtbeeld (zie docs/installatie.md)."


class UserError(PlatformError):
    """A user cannot be created, found or changed."""

    code = "BB-PLT-010"
    http_status = 422
    default_hint = "Bekijk de gebruikers met 'buurtbeeld gebruiker lijst'."


class SettingsError(PlatformError):
    """An environment setting is missing or unsafe."""

    code = "BB-PLT-030"
    http_status = 500
    default_hint = "Pas de omgevingsvariabele aan (zie docs/installatie.md) en start opnieuw."


class AuditError(BuurtbeeldError, ValueError):
    """The audit log is broken (tampered with) or an entry is not allowed."""

    code = "BB-AUD-001"
    http_status = 500
    default_hint = (
        "Het auditlog is mogelijk gewijzigd. Vergelijk met de laatste reservekopie en meld het "
        "aan de privacyfunctionaris."
    )
