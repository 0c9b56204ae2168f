"""The NL Design System subset is current: every class the pages name is in it (issue 13)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import buurtbeeld.web

ROOT = Path(__file__).resolve().parents[2]
WEB = Path(buurtbeeld.web.__file__).resolve().parent
CLASS = re.compile(r"\butrecht-[a-z0-9]+(?:[-_]{1,2}[a-z0-9]+)*")


def test_subset_is_what_the_script_writes_today() -> None:
    """Fails when a template starts using a class of the library: run scripts/subset_css.py."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "subset_css.py"), "--check"], check=False
    )
    assert run.returncode == 0, "static/css/nlds.css is stale: python scripts/subset_css.py"


def test_every_library_class_the_pages_use_is_in_the_subset() -> None:
    library = (WEB / "static/vendor/nl-design-system/utrecht-component-library.css").read_text()
    subset = (WEB / "static/css/nlds.css").read_text()
    texts = [p.read_text(encoding="utf-8") for p in (WEB / "templates").rglob("*.html")]
    used = {c for text in texts for c in CLASS.findall(text)}

    def styles(css: str, name: str) -> bool:
        return re.search(re.escape(f".{name}") + r"(?![A-Za-z0-9_-])", css) is not None

    styled = {c for c in used if styles(library, c)}
    assert len(styled) > 30  # headings, paragraphs, tables, buttons, forms, …
    assert not {c for c in styled if not styles(subset, c)}
    assert len(subset) < len(library) / 3  # the point of it: most of 615 KB is gone
    # the pages link the subset, not the vendored files
    base = (WEB / "templates" / "base.html").read_text()
    assert "/static/css/nlds.css" in base and "utrecht-component-library.css" not in base
