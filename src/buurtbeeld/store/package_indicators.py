"""Package tables as cube indicators: their own namespace, and collisions refused at intake.

A package table (and each of its categories) becomes an indicator
``p_<bron>_<dataset>_<tabel>[_<categorie>]`` (slugged). The prefix keeps partners' indicators
apart from the built-in catalogue (no ``p_`` ids there) and the source keeps two partners'
tables of the same name apart. Indicators that packages defined under the earlier ids
(``<dataset>_<tabel>``) stay as they are and keep working.
"""

from __future__ import annotations

import re

from buurtbeeld.catalog.load import Catalog, builtin_catalog
from buurtbeeld.catalog.models import Indicator, Polarity, Rounding, SourceRef
from buurtbeeld.errors import CatalogError, ImportFileError
from buurtbeeld.package_format.model import TOTAL, PackageContents, PublishedTable
from buurtbeeld.protect import get_profile


def _source(indicator: Indicator) -> str | None:
    return indicator.source.package_source if indicator.source else None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def package_indicator_id(source: str, dataset: str, table: str, category: str = TOTAL) -> str:
    """The cube id of a package table's category (``totaal``: the table total)."""
    return "p_" + _slug(
        f"{source}_{dataset}_{table}" + ("" if category == TOTAL else f"_{category}")
    )


def indicator_for(contents: PackageContents, table: PublishedTable, category: str) -> Indicator:
    """The cube indicator for one table and category label (``totaal``: the table total).

    Package indicators have their own namespace, ``p_<bron>_<dataset>_<tabel>[_<categorie>]``
    (slugged), so a partner's table never takes the id of a catalogue indicator or of another
    source's table; :func:`check_indicator_ids` refuses what still collides.
    """
    ident = package_indicator_id(contents.source, contents.dataset, table.name, category)
    label = table.title if category == TOTAL else f"{table.title}: {category}"
    what = f"{table.title.lower()}{'' if category == TOTAL else ', ' + category}"
    profile = table.profile or contents.profile
    if table.measure == "som":
        definition = (
            f"Som van {table.amount_column or 'het bedrag'} in euro's ({what}), opgeteld bij de bron "
            f"door {contents.source} en beveiligd met profiel '{profile}'."
        )
        note = "Bedragen met te weinig of te dominante bijdragers zijn bij de bron verborgen."
    else:
        definition = (
            f"Aantal {table.unit or contents.unit} ({what}), geteld bij de bron door {contents.source} en "
            f"beveiligd met profiel '{profile}'."
        )
        note = "Kleine aantallen zijn bij de bron verborgen."
    base = get_profile(profile).rounding_base if table.measure != "som" else None
    return Indicator(
        id=ident,
        name=label,
        definition=definition,
        unit="euro" if table.measure == "som" else "aantal",
        polarity=Polarity(table.polarity),
        theme="ketenpartners",
        source=SourceRef(dataset="pakket", column=table.name, package_source=contents.source),
        source_label=f"{contents.source} (beveiligd pakket)",
        note=note,
        # the toolkit rounds published counts at random to the profile's base (issue 10, item 7)
        rounding=Rounding(base=base, method="aselect") if base else None,
    )


def check_indicator_ids(
    contents: PackageContents, existing: dict[str, Indicator], catalog: Catalog | None = None
) -> None:
    """Refuse a package whose indicators would collide, before anything is written.

    Two tables or categories of the package must not become one indicator (``BB-PKG-006``);
    no indicator may take a catalogue id (``BB-PKG-026``) or an id another source's package
    defined (``BB-PKG-027``); and the catalogue the web app builds at start must still load,
    so ``serve`` can never be broken by an accepted package. ``existing``: the workspace's
    package indicators by id; ``catalog``: the built-in catalogue unless given.
    """
    seen: dict[str, tuple[str, str]] = {}
    new: dict[str, Indicator] = {}
    for table in contents.tables:
        for label in sorted({table.label(k[1]) for k in table.keys}):
            indicator = indicator_for(contents, table, label)
            ident = indicator.id
            if seen.setdefault(ident, (table.name, label)) != (table.name, label):
                other = seen[ident]
                raise ImportFileError(
                    f"Pakket geweigerd: tabel '{table.name}' ({label}) en tabel '{other[0]}' "
                    f"({other[1]}) krijgen dezelfde indicatorcode '{ident}'.",
                    code="BB-PKG-006",
                    hint="Geef de tabellen of categorieën in de specificatie namen die ook zonder "
                    "leestekens verschillen, en maak het pakket opnieuw.",
                )
            new[ident] = indicator
    builtin = catalog or builtin_catalog()
    clash = sorted(set(new) & {i.id for i in builtin.indicators})
    if clash:
        raise ImportFileError(
            f"Pakket geweigerd: {len(clash)} indicatorcodes van het pakket bestaan al in de "
            f"ingebouwde catalogus ({', '.join(clash[:5])}).",
            code="BB-PKG-026",
            hint="Geef de tabel in de specificatie een andere naam en maak het pakket opnieuw.",
        )
    for ident, indicator in new.items():
        before = existing.get(ident)
        if before is not None and _source(before) != _source(indicator):
            raise ImportFileError(
                f"Pakket geweigerd: indicatorcode '{ident}' hoort al bij een andere bron.",
                code="BB-PKG-027",
                hint="Twee bronnen met bijna dezelfde naam krijgen dezelfde codes. Laat de partner "
                "een onderscheidende bronnaam in de specificatie gebruiken.",
            )
    try:
        # what serve does at start, for the new indicators (an earlier clash is not this package's)
        builtin.extended(list(new.values()))
    except CatalogError as err:
        raise ImportFileError(
            f"Pakket geweigerd: met dit pakket zou de catalogus van de werkmap niet meer laden ({err.message})",
            code="BB-PKG-026",
            hint="Geef de tabel in de specificatie een andere naam en maak het pakket opnieuw.",
        ) from err
