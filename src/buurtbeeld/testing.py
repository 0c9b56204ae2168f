"""Helpers for tests and benchmarks that drive Debian's headless Chromium (no downloaded browser)."""

from __future__ import annotations

import shutil
from pathlib import Path

# WebGL2 (MapLibre 6) runs in software through SwiftShader; the networking flags keep Chromium
# from reaching out to Google's services on a closed network. Never add
# --disable-software-rasterizer: it disables WebGL.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_path() -> Path | None:
    """Debian's chromium binary, or None when it is not installed."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return Path(found) if Path(found).exists() else None
