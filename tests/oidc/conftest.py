"""A real OpenID provider (npm ``oidc-provider``, tests/oidc/provider.js) started by the tests.

Needs Node 20+ and ``npm ci`` in tests/oidc (``make test`` runs it when npm is present);
without them the sign-in tests through the provider are skipped with that reason.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.platform.conftest import postgres_cluster  # noqa: F401 (fixture, for PostgreSQL runs)

HERE = Path(__file__).parent
APP = "http://127.0.0.1:8000"
REDIRECT_URI = f"{APP}/inloggen/oidc/terug"
AFTER_LOGOUT = f"{APP}/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def provider() -> Iterator[str]:
    """The issuer URL of a running oidc-provider on 127.0.0.1 (stopped afterwards)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip(
            "Node.js ontbreekt: de OIDC-tests hebben een echte provider (oidc-provider) nodig"
        )
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("tests/oidc/node_modules ontbreekt: draai 'npm ci --prefix tests/oidc'")
    port = _free_port()
    process = subprocess.Popen(
        [node, str(HERE / "provider.js"), str(port), REDIRECT_URI, AFTER_LOGOUT],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("klaar "):
            pytest.fail(f"oidc-provider startte niet (exitcode {process.poll()})")
        yield line.removeprefix("klaar ")
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
