"""Login rate limit: after too many failed sign-ins an account or a client address must wait.

Counted separately per account name (someone guessing one account's password from many
addresses) and per client address (one address trying many accounts): by default 5 failures
within 15 minutes block that key until the oldest failure is 15 minutes old. A successful
sign-in clears the account's count (not the address's: one good password must not reset a
guessing run over other accounts).

The counts live in the memory of one server process. With several worker processes each keeps
its own, so the effective limit is at most ``failures × workers``; the audit log keeps every
failure regardless.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
# Bound on tracked keys, so that a flood of invented names cannot fill the memory.
MAX_KEYS = 100_000


class LoginLimiter:
    """Sliding-window failure counts per account and per client address (thread-safe)."""

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(account: str, address: str) -> tuple[str, str]:
        return "account:" + account.strip().casefold(), "adres:" + address

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait_seconds(self, account: str, address: str) -> int:
        """0 when a sign-in may be tried now, else the whole seconds to wait."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(account, address):
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    wait = max(wait, times[-self.max_failures] + self.window - now)
        return math.ceil(wait)

    def failed(self, account: str, address: str) -> None:
        """Count one failed sign-in for the account and for the address."""
        now = self.clock()
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                for key in list(self._failures):
                    self._recent(key, now)
                while len(self._failures) >= MAX_KEYS:  # still full: forget the oldest keys
                    del self._failures[next(iter(self._failures))]
            for key in self._keys(account, address):
                times = self._failures.setdefault(key, deque())
                times.append(now)
                while len(times) > self.max_failures:
                    times.popleft()

    def succeeded(self, account: str) -> None:
        """A correct password clears the account's failures."""
        with self._lock:
            self._failures.pop(self._keys(account, "")[0], None)
