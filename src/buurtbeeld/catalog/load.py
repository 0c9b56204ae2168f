"""Load and validate the indicator catalogue from YAML files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from buurtbeeld.catalog.models import Indicator, Relation, Theme
from buurtbeeld.errors import CatalogError, NotFoundError

BUILTIN_DIR = Path(__file__).parent / "indicators"


@dataclass(frozen=True)
class Catalog:
    """All themes and indicators, in file order."""

    themes: tuple[Theme, ...]
    indicators: tuple[Indicator, ...]
    relations: tuple[Relation, ...] = ()
    """Relations CBS guarantees between indicators (``relations.yaml``), checked on import."""

    def get(self, indicator_id: str) -> Indicator:
        """Indicator by id, or a Dutch NotFoundError."""
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise NotFoundError(
            f"Indicator '{indicator_id}' bestaat niet.",
            code="BB-NF-002",
            hint="Zie /indicatoren voor de lijst met indicatoren.",
        )

    def theme_name(self, theme_id: str) -> str:
        """Display name of a theme."""
        return next((t.name for t in self.themes if t.id == theme_id), theme_id)

    def extended(self, extra: list[Indicator]) -> Catalog:
        """This catalogue plus indicators defined in a workspace (e.g. from partner packages).

        Raises
        ------
        CatalogError
            When an extra indicator reuses a built-in id or names an unknown theme.
        """
        ids = {i.id for i in self.indicators}
        themes = {t.id for t in self.themes}
        for indicator in extra:
            if indicator.id in ids:
                raise CatalogError(
                    f"Indicator-id '{indicator.id}' bestaat al in de ingebouwde catalogus.",
                    code="BB-IND-002",
                )
            if indicator.theme not in themes:
                raise CatalogError(
                    f"Indicator '{indicator.id}' verwijst naar onbekend thema '{indicator.theme}'.",
                    code="BB-IND-002",
                )
        return Catalog(
            themes=self.themes, indicators=self.indicators + tuple(extra), relations=self.relations
        )

    def only(self, ids: frozenset[str]) -> Catalog:
        """This catalogue restricted to ``ids`` (what a role may see); the rest does not exist."""
        return Catalog(
            themes=self.themes,
            indicators=tuple(i for i in self.indicators if i.id in ids),
            relations=tuple(r for r in self.relations if {r.smaller, r.larger} <= ids),
        )

    def by_theme(self) -> list[tuple[Theme, list[Indicator]]]:
        """Indicators grouped by theme, in catalogue order."""
        return [(t, [i for i in self.indicators if i.theme == t.id]) for t in self.themes]


def load_catalog(directory: Path = BUILTIN_DIR) -> Catalog:
    """Read ``themes.yaml`` and every other ``*.yaml`` in ``directory``.

    Raises
    ------
    CatalogError
        With file name, indicator id and field for every problem (``BB-IND-001``), or
        for references to unknown indicators/themes (``BB-IND-002``).
    """
    themes_file = directory / "themes.yaml"
    themes = tuple(Theme.model_validate(t) for t in _read_yaml(themes_file))
    indicators: list[Indicator] = []
    relations_file = directory / "relations.yaml"
    relations = (
        tuple(_relation(r, relations_file) for r in _read_yaml(relations_file))
        if relations_file.exists()
        else ()
    )
    for path in sorted(directory.glob("*.yaml")):
        if path.name in {"themes.yaml", "relations.yaml"}:
            continue
        for entry in _read_yaml(path):
            try:
                indicators.append(Indicator.model_validate(entry))
            except ValidationError as err:
                ident = entry.get("id", "?") if isinstance(entry, dict) else "?"
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or '(indicator)'}: {e['msg']}"
                    for e in err.errors()
                )
                raise CatalogError(f"{path.name}, indicator '{ident}': {problems}.") from err
    _check_references(themes, indicators)
    known = {i.id for i in indicators}
    for relation in relations:
        for part in (relation.smaller, relation.larger):
            if part not in known:
                raise CatalogError(
                    f"relations.yaml verwijst naar onbekende indicator '{part}'.",
                    code="BB-IND-002",
                    hint="Voeg die indicator toe of corrigeer de relatie.",
                )
    return Catalog(themes=themes, indicators=tuple(indicators), relations=relations)


def _relation(entry: object, path: Path) -> Relation:
    try:
        return Relation.model_validate(entry)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        raise CatalogError(f"{path.name}: {problems}.") from err


def _read_yaml(path: Path) -> list[dict[str, object]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise CatalogError(f"{path.name} is geen geldige YAML: {err}.") from err
    if not isinstance(data, list):
        raise CatalogError(f"{path.name} moet een lijst met definities bevatten.")
    return data


def _check_references(themes: tuple[Theme, ...], indicators: list[Indicator]) -> None:
    ids = [i.id for i in indicators]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CatalogError(
            f"Indicator-id's komen dubbel voor: {', '.join(dupes)}.", code="BB-IND-002"
        )
    theme_ids = {t.id for t in themes}
    known = set(ids)
    for indicator in indicators:
        if indicator.theme not in theme_ids:
            raise CatalogError(
                f"Indicator '{indicator.id}' verwijst naar onbekend thema '{indicator.theme}'.",
                code="BB-IND-002",
            )
        for ref in (indicator.derived, indicator.published_check):
            if ref is None:
                continue
            for part in (ref.numerator, ref.denominator):
                if part not in known:
                    raise CatalogError(
                        f"Indicator '{indicator.id}' verwijst naar onbekende indicator '{part}'.",
                        code="BB-IND-002",
                        hint="Voeg die indicator toe of corrigeer de verwijzing.",
                    )


@cache
def builtin_catalog() -> Catalog:
    """The catalogue shipped with Buurtbeeld (cached)."""
    return load_catalog()
