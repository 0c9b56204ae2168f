"""What a request may see: the catalogue and the cube as ``publiek`` sees them (issue 12 item 3).

Signed-in roles and the local viewer (no sign-in configured: the owner) see everything. A request
without a session (``publiek``) gets a *view*: a catalogue without the internal indicators and a
:class:`PublicCube` whose figures, periods, stapeling and import log leave out what is internal.
Routes never check visibility themselves: they read through ``web/deps.py`` (``CatalogDep``,
``CubeDep``), so an internal indicator does not exist for them, and its id gets the same 404 as an
id that never existed.

A *public instance* (``buurtbeeld publieke-werkmap``: ``publiek = true`` in buurtbeeld.toml)
holds only public data, so everything in it is shown to everyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from fastapi import Request

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.sources import (
    OPEN_DATA_TITLES,
    inputs,
    public_by_default,
    source_key,
    source_title,
    stapeling_key,
)
from buurtbeeld.errors import WorkspaceError
from buurtbeeld.platform.settings import load_settings
from buurtbeeld.platform.visibility import (
    Decisions,
    SourceInfo,
    Subject,
    Universe,
    VisibilityStore,
)
from buurtbeeld.store.cube import Cell, Cube
from buurtbeeld.store.overlap_read import OverlapCells, OverlapSet
from buurtbeeld.store.workspace import Workspace


def universe_of(catalog: Catalog, cube: Cube) -> Universe:
    """The sources and indicators of a workspace, as the visibility rules see them."""
    sources: dict[str, SourceInfo] = {}
    for indicator in catalog.indicators:
        key = source_key(indicator)
        if key is not None and key not in sources:
            sources[key] = SourceInfo(key, source_title(indicator), public_by_default(key))
    for key, title in OPEN_DATA_TITLES.items():  # listed even before their first import
        sources.setdefault(key, SourceInfo(key, title, True))
    for s in cube.overlap.sets:
        key = stapeling_key(s.dataset)
        if key not in sources:
            sources[key] = SourceInfo(key, f"Stapeling: {s.source}", public_by_default(key))
    return Universe(
        sources=tuple(sources.values()),
        indicators=tuple(
            Subject(i.id, source_key(i), inputs(i), i.name) for i in catalog.indicators
        ),
    )


@dataclass(frozen=True)
class Visible:
    """What one role may see: indicator ids, stapeling datasets and import ids."""

    indicators: frozenset[str]
    overlap_datasets: frozenset[str]
    import_ids: frozenset[int]


def visible_under(universe: Universe, cube: Cube, decisions: Decisions) -> Visible:
    """What ``publiek`` may see under ``decisions``."""
    indicators = universe.public_indicators(decisions)
    sources = universe.public_sources(decisions)
    datasets = frozenset(
        s.dataset for s in cube.overlap.sets if stapeling_key(s.dataset) in sources
    )
    return Visible(indicators, datasets, _public_imports(cube, indicators, datasets))


def _import_contents(cube: Cube) -> dict[int, tuple[set[str], set[str]]]:
    """Per import: the indicators and stapeling datasets it wrote (read once per cube)."""
    key = ("visibility", "import_contents")
    if key not in cube.memo:
        out: dict[int, tuple[set[str], set[str]]] = {i[0]: (set(), set()) for i in cube.imports}
        cur = cube.cursor()
        for query, slot in (
            ("SELECT DISTINCT import_id, indicator_id FROM observation", 0),
            ("SELECT import_id, id FROM indicator_def", 0),
            ("SELECT DISTINCT import_id, dataset FROM stapeling", 1),
        ):
            for import_id, name in cur.execute(query).fetchall():
                out.setdefault(int(import_id), (set(), set()))[slot].add(str(name))
        cube.memo[key] = out
    found: dict[int, tuple[set[str], set[str]]] = cube.memo[key]  # type: ignore[assignment]
    return found


def _public_imports(
    cube: Cube, indicators: frozenset[str], datasets: frozenset[str]
) -> frozenset[int]:
    """Imports whose every indicator and stapeling dataset is public (boundaries: always)."""
    return frozenset(
        import_id
        for import_id, (wrote, stapeling) in _import_contents(cube).items()
        if wrote <= indicators and stapeling <= datasets
    )


class PublicOverlap(OverlapCells):
    """The stapeling cells of public datasets only."""

    def __init__(self, base: OverlapCells, datasets: frozenset[str]) -> None:
        self.__dict__.update(base.__dict__)
        self.sets = [s for s in base.sets if s.dataset in datasets]
        self._datasets = datasets

    def sets_for(self, code: str) -> list[OverlapSet]:
        """The public sets with cells for ``code``."""
        return [s for s in super().sets_for(code) if s.dataset in self._datasets]

    def find(
        self, dataset: str | None, period: str | None, among: Sequence[OverlapSet] | None = None
    ) -> OverlapSet | None:
        """As :meth:`OverlapCells.find`, among public sets only."""
        return super().find(dataset, period, self.sets if among is None else among)


class PublicCube(Cube):
    """The cube without internal indicators, stapeling datasets and imports.

    Shares the served cube's connection and caches (a cube generation never changes);
    an internal indicator has no periods and no figures, as an id that does not exist.
    """

    def __init__(self, base: Cube, visible: Visible) -> None:
        self.__dict__.update(
            {k: v for k, v in base.__dict__.items() if k not in ("overlap", "imports")}
        )
        self._base = base
        self._visible = visible

    def _hidden(self, indicator_id: str) -> bool:
        return indicator_id not in self._visible.indicators

    def periods(self, indicator_id: str) -> list[str]:
        return [] if self._hidden(indicator_id) else self._base.periods(indicator_id)

    def default_period(self, indicator_id: str, codes: list[str]) -> str | None:
        return (
            None if self._hidden(indicator_id) else self._base.default_period(indicator_id, codes)
        )

    def indicator_divisions(self, indicator_id: str) -> list[int]:
        return [] if self._hidden(indicator_id) else self._base.indicator_divisions(indicator_id)

    def cells(self, indicator_id: str, period: str, codes: list[str]) -> dict[str, Cell]:
        if self._hidden(indicator_id):
            return {c: Cell(c, None, "missing", None, period) for c in codes}
        return self._base.cells(indicator_id, period, codes)

    def published_values(self, indicator_id: str, period: str, codes: list[str]) -> np.ndarray:
        if self._hidden(indicator_id):
            return np.asarray([], dtype=float)
        return self._base.published_values(indicator_id, period, codes)

    def cells_by_period(self, indicator_id: str, code: str) -> list[Cell]:
        return [] if self._hidden(indicator_id) else self._base.cells_by_period(indicator_id, code)

    def series_for_region(self, code: str) -> dict[str, list[Cell]]:
        return {k: v for k, v in self._base.series_for_region(code).items() if not self._hidden(k)}

    def latest_cells_for_region(self, code: str) -> dict[str, Cell]:
        return {
            k: v for k, v in self._base.latest_cells_for_region(code).items() if not self._hidden(k)
        }

    def coverage(self, indicator_id: str) -> list[tuple[str, str, int, int, int]]:
        return [] if self._hidden(indicator_id) else self._base.coverage(indicator_id)

    @cached_property
    def overlap(self) -> OverlapCells:
        """The stapeling of public datasets only."""
        return PublicOverlap(self._base.overlap, self._visible.overlap_datasets)

    @cached_property
    def imports(self) -> list[tuple[int, str, str, str, str]]:
        """The import log of public sources only."""
        return [i for i in self._base.imports if i[0] in self._visible.import_ids]


def public_decisions(request: Request) -> dict[tuple[str, str], bool] | None:
    """The publication decisions when this request sees only public data; ``None``: everything.

    Everything: the local viewer (no sign-in: the owner), a public instance (it holds only
    public data) and every signed-in role. Read per request from the platform database, so a
    publication or withdrawal by any server process applies at once in all of them.
    """
    from buurtbeeld.web.auth import current_session  # auth imports deps; deps imports this

    auth = getattr(request.app.state, "auth", None)
    if auth is None or request.app.state.workspace.config.public:
        return None
    if current_session(request) is not None:
        return None
    return VisibilityStore(auth.db).decisions()


def universe_for(catalog: Catalog, cube: Cube) -> Universe:
    """The universe of the served workspace (built once per cube)."""
    key = ("visibility", "universe")
    if key not in cube.memo:
        cube.memo[key] = universe_of(catalog, cube)
    found: Universe = cube.memo[key]  # type: ignore[assignment]
    return found


def public_view(catalog: Catalog, cube: Cube, decisions: Decisions) -> tuple[Catalog, Cube]:
    """The catalogue and cube ``publiek`` sees under ``decisions`` (cached per decision set)."""
    key = ("visibility", "view", frozenset(decisions.items()))
    if key not in cube.memo:
        if len([k for k in cube.memo if k[:2] == ("visibility", "view")]) > 32:
            for old in [k for k in cube.memo if k[:2] == ("visibility", "view")]:
                del cube.memo[old]
        visible = visible_under(universe_for(catalog, cube), cube, decisions)
        cube.memo[key] = (catalog.only(visible.indicators), PublicCube(cube, visible))
    view: tuple[Catalog, Cube] = cube.memo[key]  # type: ignore[assignment]
    return view


def check_public_instance(workspace: Workspace) -> None:
    """A public site (``BUURTBEELD_PUBLIEKE_INSTANTIE=ja``, no sign-in: everything it holds is
    shown to the world) serves only a public workspace (``buurtbeeld publieke-werkmap``)."""
    if load_settings().public_instance and not workspace.config.public:
        raise WorkspaceError(
            f"Werkmap '{workspace.root}' bevat ook interne cijfers en kan niet als publieke "
            "site draaien.",
            code="BB-PUB-022",
            hint="Maak een publieke werkmap met 'buurtbeeld publieke-werkmap DOEL' en start "
            "de publieke site met die map.",
        )
