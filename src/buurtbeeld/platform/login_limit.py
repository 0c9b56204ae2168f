"""Login rate limit: after too many failed sign-ins an account or a client address must wait.

Counted separately per account name (someone guessing one account's password from many
addresses) and per client address (one address trying many accounts): by default 5 failures
within 15 minutes block that key until the oldest failure is 15 minutes old. A successful
sign-in clears the account's count (not the address's: one good password must not reset a
guessing run over other accounts).

:class:`LoginLimiter` keeps the counts in the memory of one process (tests, a single worker);
:class:`SharedLoginLimiter` keeps them in the platform database, so that all worker processes of
``buurtbeeld serve`` (and all replicas on one PostgreSQL) count the same failures: the limit
holds whatever worker a request reaches. The web app uses the shared one. Keys are stored as
HMACs (a password typed into the name field is never stored readable). The audit log keeps
every failure regardless.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import delete, func, insert, select

from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.tables import login_failures

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
# Bound on tracked keys, so that a flood of invented names cannot fill the memory.
MAX_KEYS = 100_000


class Limiter(Protocol):
    """What the sign-in route asks of a limiter."""

    def wait_seconds(self, account: str, address: str) -> int: ...

    def failed(self, account: str, address: str) -> None: ...

    def succeeded(self, account: str) -> None: ...


def _keys(account: str, address: str) -> tuple[str, str]:
    return "account:" + account.strip().casefold(), "adres:" + address


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
            for key in _keys(account, address):
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
            for key in _keys(account, address):
                times = self._failures.setdefault(key, deque())
                times.append(now)
                while len(times) > self.max_failures:
                    times.popleft()

    def succeeded(self, account: str) -> None:
        """A correct password clears the account's failures."""
        with self._lock:
            self._failures.pop(_keys(account, "")[0], None)


class SharedLoginLimiter:
    """The same rule as :class:`LoginLimiter`, counted in the platform database.

    Parameters
    ----------
    db
        The platform database (SQLite file or PostgreSQL) that every worker process opens.
    secret
        The session secret: keys are stored as HMAC-SHA-256 under it.
    clock
        Seconds since the epoch (wall time: processes must agree on it).
    """

    def __init__(
        self,
        db: PlatformDB,
        secret: str,
        *,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self._secret = secret.encode("utf-8")
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock

    def _hash(self, key: str) -> str:
        return hmac.new(self._secret, key.encode("utf-8"), hashlib.sha256).hexdigest()

    def wait_seconds(self, account: str, address: str) -> int:
        """0 when a sign-in may be tried now, else the whole seconds to wait."""
        now = self.clock()
        wait = 0.0
        with self.db.begin() as con:
            for key in _keys(account, address):
                times = con.execute(
                    select(login_failures.c.at)
                    .where(
                        login_failures.c.key_hash == self._hash(key),
                        login_failures.c.at > now - self.window,
                    )
                    .order_by(login_failures.c.at.desc())
                    .limit(self.max_failures)
                ).scalars()
                recent = list(times)
                if len(recent) >= self.max_failures:
                    wait = max(wait, recent[-1] + self.window - now)
        return math.ceil(wait)

    def failed(self, account: str, address: str) -> None:
        """Count one failed sign-in for the account and for the address; forget old ones."""
        now = self.clock()
        with self.db.begin() as con:
            con.execute(delete(login_failures).where(login_failures.c.at <= now - self.window))
            con.execute(
                insert(login_failures),
                [{"key_hash": self._hash(k), "at": now} for k in _keys(account, address)],
            )

    def succeeded(self, account: str) -> None:
        """A correct password clears the account's failures."""
        with self.db.begin() as con:
            con.execute(
                delete(login_failures).where(
                    login_failures.c.key_hash == self._hash(_keys(account, "")[0])
                )
            )

    def count(self) -> int:
        """Failures stored now (for tests and the operator)."""
        with self.db.begin() as con:
            return int(con.execute(select(func.count()).select_from(login_failures)).scalar_one())
