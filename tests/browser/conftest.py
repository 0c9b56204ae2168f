"""Headless Chromium (Debian's package) driven by Playwright against a live local server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from buurtbeeld.testing import CHROMIUM_ARGS, chromium_path
from buurtbeeld.web.app import create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(root: Path, **app_options: Any) -> Iterator[str]:
    """The web app of a workspace on a free local port, in a thread; yields its base URL."""
    port = _free_port()
    app = create_app(root, **app_options)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app_workspace: Path) -> Iterator[str]:
    with serve(app_workspace) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    chromium = chromium_path()
    if chromium is None:
        pytest.skip(
            "Debian-pakket chromium ontbreekt (apt-get install chromium); .ci/run installeert het"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        yield b
        b.close()
