"""Error types with stable codes and Dutch hints.

Every error a user can meet carries a stable ``code`` (``BB-<AREA>-<NNN>``), a Dutch
message and a Dutch ``hint`` that says what to do. Exceptions also inherit the builtin
users already catch (``ValueError``, ``LookupError``), as in Ibis.

Privacy rule: messages never contain record-level values or suppressed counts. Name the
cell or the file, never the hidden number.
"""

from __future__ import annotations

from typing import ClassVar


class BuurtbeeldError(Exception):
    """Root of all Buurtbeeld errors."""

    code: ClassVar[str] = "BB-GEN-000"
    http_status: ClassVar[int] = 500
    default_hint: ClassVar[str] = "Meld dit aan de beheerder van Buurtbeeld."

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or self.default_hint
        if code is not None:
            self.code = code  # type: ignore[misc]

    def __str__(self) -> str:
        return f"Fout {self.code}: {self.message}\n  Oplossing: {self.hint}"


class ConfigError(BuurtbeeldError, ValueError):
    """A setting or workspace file is wrong."""

    code = "BB-CFG-001"
    http_status = 500
    default_hint = "Controleer buurtbeeld.toml in de werkmap."


class WorkspaceError(BuurtbeeldError, ValueError):
    """The workspace folder is missing, locked or not a Buurtbeeld workspace."""

    code = "BB-WS-001"
    http_status = 500
    default_hint = "Maak een werkmap met 'buurtbeeld init <map>' of kies een bestaande werkmap."


class ImportFileError(BuurtbeeldError, ValueError):
    """An input file cannot be read or is not what the importer expects."""

    code = "BB-IMP-001"
    http_status = 422
    default_hint = "Controleer of dit het originele bestand van CBS is."


class RegionCodeError(BuurtbeeldError, ValueError):
    """A region code is malformed or unknown."""

    code = "BB-GEO-001"
    http_status = 422
    default_hint = (
        "Gebruik CBS-codes: NL00, GM + 4 cijfers, WK + 6 cijfers of BU + 8 cijfers "
        "(bijvoorbeeld GM0505, WK050501, BU05050101)."
    )


class CatalogError(BuurtbeeldError, ValueError):
    """An indicator definition is invalid."""

    code = "BB-IND-001"
    http_status = 500
    default_hint = "Corrigeer de indicatordefinitie (YAML) en probeer het opnieuw."


class NotFoundError(BuurtbeeldError, LookupError):
    """A requested region, indicator or page does not exist."""

    code = "BB-NF-001"
    http_status = 404
    default_hint = "Controleer de code of kies uit de lijst."


class NotReadyError(BuurtbeeldError):
    """What was asked for is still being computed (e.g. the demo's stapeling in the background)."""

    code = "BB-WEB-016"
    http_status = 503
    default_hint = "Ververs de pagina over enkele minuten."


class DisclosureError(BuurtbeeldError, ValueError):
    """A table would disclose information about individuals."""

    code = "BB-SDC-001"
    http_status = 422
    default_hint = "Pas de beveiliging toe met het bronprofiel voordat u de tabel deelt."


class InconsistentFiguresError(BuurtbeeldError):
    """Figures contradict each other: no table satisfies every relation and published value.

    Raised by the attacker audit when its linear program is infeasible (e.g. a total that is
    not the sum of its parts, beyond rounding). Deliberately not a ``ValueError``: callers
    catch exactly this and nothing else.
    """

    code = "BB-SDC-002"
    http_status = 422
    default_hint = (
        "De cijfers tellen niet op over regio's of categorieën. Maak de tabel opnieuw met de "
        "brontoolkit; wijzig cijfers nooit met de hand."
    )


class ProtectionSettingError(BuurtbeeldError, ValueError):
    """A protection profile setting is unknown (e.g. the clean-up's cost function)."""

    code = "BB-SDC-020"
    http_status = 422
    default_hint = "Kies een bestaande instelling van het beveiligingsprofiel."


class SingletonRuleError(ProtectionSettingError):
    """The profile names an unknown singleton rule (``Profile.singleton_regel``)."""

    code = "BB-SDC-040"


class EliminationSizeError(BuurtbeeldError):
    """One part of a table is too large for the elimination's dense matrix (memory bound).

    Not a :class:`DisclosureError`: protection does not retry a part jointly on this error.
    """

    code = "BB-SDC-080"
    http_status = 422
    default_hint = (
        "Beperk de specificatie tot de gemeenten waar de bron gegevens heeft, of lever per "
        "gemeente."
    )


class SignatureError(BuurtbeeldError, ValueError):
    """A package signature or a partner key is missing, unknown or wrong."""

    code = "BB-SIG-001"
    http_status = 422
    default_hint = (
        "Vraag de partner het pakket opnieuw te maken en te ondertekenen met de brontoolkit."
    )


class BoundaryFileError(BuurtbeeldError, ValueError):
    """A boundary file (CBS wijk- en buurtkaart) cannot be read or is not what is expected."""

    code = "BB-GEO-010"
    http_status = 422
    default_hint = (
        "Gebruik de GeoPackage van de CBS wijk- en buurtkaart (bijvoorbeeld "
        "wijkenbuurten_2023_v1.gpkg) zoals CBS hem publiceert."
    )
