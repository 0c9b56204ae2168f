"""What a server process serves from one cube generation, and the switch to a newer one.

An import publishes a new generation of the workspace's cube (store/generations.py). Every worker
process notices it by reading the link (at most every :data:`CHECK_EVERY` seconds, one
``readlink``), opens the new generation in a background thread while requests keep being answered
from the old one, and swaps the bundle in. A request pins the bundle it started with
(:func:`served`), so one answer never mixes two generations; the old bundle is closed by garbage
collection when its last request is done.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from buurtbeeld.catalog.load import Catalog, builtin_catalog
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.cache import LRUCache

log = logging.getLogger("buurtbeeld.web")
CHECK_EVERY = 0.25
"""Seconds between two looks at the workspace's current generation (per worker process)."""
_SCOPE_KEY = "buurtbeeld_served"


@dataclass
class Served:
    """One generation as served: the cube, its catalogue and the caches built from it."""

    cube: Cube
    catalog: Catalog
    map_cache: LRUCache = field(default_factory=lambda: LRUCache(size=32))
    stack_cache: LRUCache = field(default_factory=lambda: LRUCache(size=8))  # national: 14,000 rows

    @property
    def generation(self) -> str:
        """The generation this bundle serves."""
        return self.cube.generation


def open_served(workspace: Workspace) -> Served:
    """Open the workspace's current generation for serving."""
    cube = Cube(workspace)
    return Served(cube=cube, catalog=cube.catalog(builtin_catalog()))


class Generations:
    """The bundle a server process serves now, following the workspace's generations."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        check_every: float = CHECK_EVERY,
        on_switch: Callable[[Served], None] = lambda _s: None,
    ) -> None:
        self.workspace = workspace
        self.check_every = check_every
        self.on_switch = on_switch
        self._current = open_served(workspace)
        on_switch(self._current)
        self._lock = threading.Lock()
        self._building = False
        self._checked = time.monotonic()

    @property
    def current(self) -> Served:
        """The bundle to serve a new request with (starts a switch when one is due)."""
        now = time.monotonic()
        if now - self._checked >= self.check_every and not self._building:
            self._checked = now
            if self.workspace.generation() != self._current.generation:
                self._start_switch()
        return self._current

    def _start_switch(self) -> None:
        with self._lock:
            if self._building:
                return
            self._building = True
        threading.Thread(target=self._switch, name="buurtbeeld-generatie", daemon=True).start()

    def _switch(self) -> None:
        try:
            fresh = open_served(self.workspace)
            self._current = fresh  # one assignment: a request sees the old or the new bundle
            self.on_switch(fresh)
            log.info("Nieuwe generatie van de kubus: %s", fresh.generation)
        except Exception as err:  # noqa: BLE001 - keep serving the old one; try again later
            log.error("Nieuwe generatie niet te openen: %s", type(err).__name__)
        finally:
            self._building = False

    def switch_now(self) -> Served:
        """Open the current generation at once (tests, and the start of a process)."""
        if self.workspace.generation() != self._current.generation:
            self._current = open_served(self.workspace)
            self.on_switch(self._current)
        return self._current

    def close(self) -> None:
        """Close the current bundle's cube."""
        self._current.cube.close()


class PinGeneration:
    """ASGI middleware: each HTTP request keeps the bundle current when it started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            generations: Generations | None = getattr(scope["app"].state, "generations", None)
            if generations is not None:
                scope[_SCOPE_KEY] = generations.current
        await self.app(scope, receive, send)


def served(request: Request) -> Served:
    """The bundle this request is served from."""
    pinned: Served | None = request.scope.get(_SCOPE_KEY)
    if pinned is not None:
        return pinned
    current: Served = request.app.state.generations.current
    return current
