"""The platform database: password hashing, sessions and the audit log (issue 12).

Usage: python benchmarks/bench_platform.py [--database-url postgresql://…] [--entries 5000]

Without ``--database-url`` a SQLite file in a temporary folder. Prints, best of 3 where cheap:
- argon2id hash and verify (one sign-in costs one verify);
- session create and look-up (every signed-in request does one look-up);
- audit appends one by one (each its own transaction, as sign-ins are) and the time
  ``audit controleer`` needs for the whole chain.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import open_platform
from buurtbeeld.platform.passwords import hash_password, verify_password
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.users import UserStore

PASSWORD = "een lange zin als wachtwoord"


def best(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--entries", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'platform.sqlite'}"
        with open_platform(None, url=url) as db:
            print(f"database: {db.dialect}")
            stored = hash_password(PASSWORD)
            print(f"argon2id hash:   {best(lambda: hash_password(PASSWORD)) * 1000:7.0f} ms")
            print(
                f"argon2id verify: {best(lambda: verify_password(stored, PASSWORD)) * 1000:7.0f} ms"
            )
            user = UserStore(db).create("bench", "lezer", PASSWORD, actor="bench")
            sessions = SessionStore(db)
            n = 500
            tokens: list[str] = []
            t = best(
                lambda: tokens.extend(sessions.create(user, timedelta(hours=1)) for _ in range(n)),
                1,
            )
            print(f"session create:  {t / n * 1000:7.2f} ms each")
            t = best(lambda: [sessions.get(tok) for tok in tokens[:n]])
            print(f"session get:     {t / n * 1000:7.2f} ms each")
            log = AuditLog(db)
            start = time.perf_counter()
            for i in range(args.entries):
                log.append(Event.SIGN_IN, f"gebruiker{i % 50}", {"methode": "lokaal"})
            t = time.perf_counter() - start
            print(
                f"audit append:    {t / args.entries * 1000:7.2f} ms each ({args.entries} entries)"
            )
            t = best(log.verify)
            print(f"audit verify:    {t:7.2f} s for {log.count()} entries")


if __name__ == "__main__":
    main()
