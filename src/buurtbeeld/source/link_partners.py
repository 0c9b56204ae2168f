"""The partners' signed packages as joint protection reads them (issue 11).

A partner's package is verified against the partner's public key (the ``<bron>.pub`` file of
``buurtbeeld bron sleutel``); an unsigned or forged package, or one for another division or
area, is refused. What joint protection uses of it: the distinct-unit totals per period and
region of one table (``pakkettabel``), published or hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.package_format import (
    TOTAL,
    Package,
    PackageTable,
    PublicKey,
    parse_public_key,
    read_package,
)
from buurtbeeld.protect import Profile, get_profile
from buurtbeeld.protect.rounding import rounding_interval


class LinkProtectionError(BuurtbeeldError, ValueError):
    """A partner package cannot be used for joint protection (``BB-KOP-030``…``035``)."""

    code = "BB-KOP-030"
    http_status = 422
    default_hint = "Vraag de partner om het ondertekende pakket en de publieke sleutel."


class _Extract(Protocol):
    naam: str
    titel: str
    pakket: Path | None
    pakkettabel: str | None


class _LinkSpec(Protocol):
    dataset: str
    bron: str
    profiel: str
    indelingsjaar: int

    @property
    def gemeenten(self) -> list[str]: ...

    @property
    def extracten(self) -> Sequence[_Extract]: ...

    def sha256(self) -> str: ...


@dataclass(frozen=True)
class PartnerMarginals:
    """One partner's published distinct-unit totals (``pakkettabel``), verified."""

    name: str
    """The provision (extract) name."""
    package: Package
    table: str
    unit: str
    profile: Profile
    """The protection profile of the partner's table."""
    cells: dict[tuple[str, str], float | None]
    """``(period, region)`` → published value (``None``: hidden)."""


def check_published(
    spec: _LinkSpec,
    name: str,
    period: str,
    region: str,
    published: float,
    true: int,
    partner: PartnerMarginals,
) -> None:
    """A partner's published figure must fit its own extract and the link's profile."""
    base = partner.profile.rounding_base
    low, up = rounding_interval(published, base) if base else (published, published)
    if not low - 1e-6 <= true <= up + 1e-6:
        raise LinkProtectionError(
            f"Het pakket van extract '{name}' past niet bij het extract "
            f"(periode {period}, regio {region}).",
            code="BB-KOP-033",
            hint="Gebruik het pakket en het extract van dezelfde levering.",
        )
    rule = get_profile(spec.profiel).frequency
    if true > 0 and rule is not None and rule.is_sensitive(true):
        raise LinkProtectionError(
            f"Het pakket van extract '{name}' publiceert in regio {region} een "
            f"aantal dat profiel '{spec.profiel}' verbergt.",
            code="BB-KOP-033",
            hint="Koppel met het profiel waarmee de partners hun pakketten maakten.",
        )


def partner_keys(paths: Sequence[Path]) -> dict[str, PublicKey]:
    """The partners' public key files (one line each) by fingerprint.

    Raises
    ------
    LinkProtectionError
        ``BB-KOP-030`` when a file cannot be read or is no public key.
    """
    keys: dict[str, PublicKey] = {}
    for path in paths:
        try:
            key = parse_public_key(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, BuurtbeeldError) as err:
            raise LinkProtectionError(
                f"'{Path(path).name}' is geen leesbare publieke sleutel van een partner.",
                hint="Gebruik het .pub-bestand dat de partner met 'buurtbeeld bron sleutel' maakte.",
            ) from err
        keys[key.fingerprint] = key
    return keys


def read_partner(
    name: str, path: Path, table: str, trusted: Mapping[str, PublicKey], spec: _LinkSpec
) -> PartnerMarginals:
    """A partner's signed package, verified, and the totals of its ``table``.

    Raises
    ------
    LinkProtectionError
        ``BB-KOP-030`` unsigned, forged, signed with a key not given, or unreadable;
        ``BB-KOP-031`` the table is missing or has no totals per region; ``BB-KOP-032`` another
        division year or area than the koppelspec.
    """
    try:
        package = read_package(path, trusted)
    except BuurtbeeldError as err:
        why = (
            "het is niet ondertekend met de opgegeven sleutel van de partner, of de handtekening "
            "klopt niet"
            if err.code.startswith("BB-SIG")
            else err.message
        )
        raise LinkProtectionError(
            f"Het pakket van extract '{name}' ({Path(path).name}) is geweigerd: {why}.",
            hint=f"Alleen een pakket dat de partner zelf ondertekende telt mee ({err.code}). "
            "Geef de publieke sleutel van de partner op, of vraag het pakket opnieuw.",
        ) from err
    manifest = package.manifest
    if int(manifest["indelingsjaar"]) != int(spec.indelingsjaar):
        raise LinkProtectionError(
            f"Het pakket van extract '{name}' gebruikt indeling {manifest['indelingsjaar']}, "
            f"de koppeling {spec.indelingsjaar}.",
            code="BB-KOP-032",
            hint="Vraag de partner een pakket in de indeling van de koppeling.",
        )
    area = set(manifest.get("gebied") or [])
    # a national package covers every gemeente: a linking per gemeente can use it as it is
    if area and COUNTRY_CODE not in area and not set(spec.gemeenten) <= area:
        raise LinkProtectionError(
            f"Het pakket van extract '{name}' dekt niet het hele gebied van de koppeling.",
            code="BB-KOP-032",
            hint="Vraag de partner een pakket voor dezelfde gemeente(n).",
        )
    found = package.tables.get(table)
    if found is None or found.meta.get("maat", "aantal") != "aantal":
        raise LinkProtectionError(
            f"Het pakket van extract '{name}' heeft geen teltabel '{table}'.",
            code="BB-KOP-031",
            hint="Noem bij 'pakkettabel' de tabel met het aantal unieke personen of huishoudens "
            "per buurt (bijvoorbeeld voorzieningen_totaal).",
        )
    unit = str(found.meta.get("eenheid") or manifest.get("eenheid") or "personen")
    profile = get_profile(str(found.meta.get("profiel") or manifest["profiel"]))
    return PartnerMarginals(name, package, table, unit, profile, _totals(found, package, name))


def _totals(
    table: PackageTable, package: Package, name: str
) -> dict[tuple[str, str], float | None]:
    data = table.data
    dims = [d for d in table.dimensions if d in data.column_names]
    n = data.num_rows
    periods = (
        data["periode"].to_pylist() if "periode" in data.column_names else [package.periods[0]] * n
    )
    regions = data["regiocode"].to_pylist()
    values = data["waarde"].to_pylist()
    columns = [data[d].to_pylist() for d in dims]
    if not dims and "categorie" in data.column_names:
        columns = [data["categorie"].to_pylist()]
    cells: dict[tuple[str, str], float | None] = {}
    for i in range(n):
        if all((col[i] or TOTAL) == TOTAL for col in columns):
            cells[(str(periods[i]), str(regions[i]))] = (
                None if values[i] is None else float(values[i])
            )
    if not cells:
        raise LinkProtectionError(
            f"Tabel '{table.name}' van het pakket van extract '{name}' heeft geen totalen per regio.",
            code="BB-KOP-031",
            hint="Noem bij 'pakkettabel' een tabel met een totaal per regio.",
        )
    return cells
