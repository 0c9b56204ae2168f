"""A small LRU cache for views: a served workspace cannot change, so results stay valid."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class LRUCache:
    """Thread-safe least-recently-used cache with a fixed number of entries.

    Concurrent requests for a key that is not cached yet compute it once: the others wait for
    that result (under load, 20 requests for the national stapelkaart must not build it 20 times).
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get_or_create(self, key: Hashable, create: Callable[[], T]) -> T:
        """The cached value for ``key``, computing it with ``create`` when absent."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._items:  # built by another request while this one waited
                    self._items.move_to_end(key)
                    return self._items[key]  # type: ignore[return-value]
            try:
                value = create()
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value
