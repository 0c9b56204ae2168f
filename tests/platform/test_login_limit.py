"""The shared login limiter: the same counts for every worker process, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from buurtbeeld.platform.db import PlatformDB, open_platform
from buurtbeeld.platform.login_limit import LoginLimiter, SharedLoginLimiter
from buurtbeeld.platform.tables import login_failures

SECRET = "s" * 40


@pytest.fixture
def db(platform_url: str) -> Iterator[PlatformDB]:
    db = open_platform(None, url=platform_url)
    yield db
    db.close()


def test_two_processes_count_the_same_failures(platform_url: str, db: PlatformDB) -> None:
    now = [1_000_000.0]
    first = SharedLoginLimiter(db, SECRET, clock=lambda: now[0])
    with open_platform(None, url=platform_url) as other_db:  # another worker's connection pool
        second = SharedLoginLimiter(other_db, SECRET, clock=lambda: now[0])
        for limiter in (first, second, first, second):
            limiter.failed("els", "10.0.0.1")
        assert first.wait_seconds("els", "10.0.0.9") == 0  # four failures: not yet
        second.failed("Els ", "10.0.0.2")  # names compare case-insensitively
        assert first.wait_seconds("els", "10.0.0.9") == 900
        assert second.wait_seconds("els", "10.0.0.9") == 900
        now[0] += 600
        assert second.wait_seconds("ELS", "10.0.0.9") == 300
        now[0] += 300
        assert first.wait_seconds("els", "10.0.0.1") == 0


def test_same_rule_as_the_in_process_limiter(db: PlatformDB) -> None:
    now = [5_000.0]
    shared = SharedLoginLimiter(db, SECRET, clock=lambda: now[0])
    local = LoginLimiter(clock=lambda: now[0])
    steps = [
        ("a", "1"),
        ("b", "1"),
        ("a", "2"),
        ("c", "1"),
        ("d", "1"),
        ("a", "3"),
        ("e", "1"),
        ("a", "4"),
    ]
    for i, (account, address) in enumerate(steps):
        now[0] += 37.0
        for limiter in (shared, local):
            limiter.failed(account, address)
        for probe in (("a", "9"), ("x", "1"), ("b", "2")):
            assert shared.wait_seconds(*probe) == local.wait_seconds(*probe), (i, probe)
    shared.succeeded("a")
    local.succeeded("a")
    assert shared.wait_seconds("a", "9") == local.wait_seconds("a", "9") == 0
    assert shared.wait_seconds("x", "1") == local.wait_seconds("x", "1") > 0  # address still


def test_keys_are_not_stored_readable_and_old_failures_are_removed(db: PlatformDB) -> None:
    now = [10_000.0]
    limiter = SharedLoginLimiter(db, SECRET, clock=lambda: now[0])
    limiter.failed("mijn-wachtwoord-per-ongeluk", "192.0.2.77")
    with db.begin() as con:
        stored = " ".join(str(v) for row in con.execute(select(login_failures)) for v in row)
    assert "wachtwoord" not in stored and "192.0.2.77" not in stored
    assert limiter.count() == 2
    now[0] += 901
    limiter.failed("iemand", "192.0.2.1")
    assert limiter.count() == 2  # the first two are past the window and gone
