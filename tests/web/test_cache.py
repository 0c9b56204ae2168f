"""The view cache computes a missing key once, however many requests ask for it at the same time."""

from __future__ import annotations

import threading
import time

import pytest

from buurtbeeld.web.cache import LRUCache


def test_concurrent_misses_compute_once() -> None:
    cache = LRUCache(size=4)
    calls: list[int] = []
    start = threading.Barrier(8)

    def build() -> str:
        calls.append(1)
        time.sleep(0.2)  # a slow view (the national stapelkaart); not a timing assertion
        return "kaart"

    results: list[str] = []

    def request() -> None:
        start.wait()
        results.append(cache.get_or_create("NL00", build))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["kaart"] * 8
    assert len(calls) == 1


def test_a_failed_build_is_not_cached_and_lru_evicts() -> None:
    cache = LRUCache(size=2)

    def fail() -> str:
        raise RuntimeError("kapot")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            cache.get_or_create("x", fail)
    assert cache.get_or_create("x", lambda: "goed") == "goed"
    cache.get_or_create("y", lambda: "y")
    cache.get_or_create("z", lambda: "z")
    assert cache.get_or_create("x", lambda: "opnieuw") == "opnieuw"
