"""Every error code used in the code is documented (datasette-style docs test)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_error_code_is_documented() -> None:
    used = set()
    for path in (ROOT / "src" / "buurtbeeld").rglob("*.py"):
        used |= set(re.findall(r'"(BB-[A-Z]+-\d{3})"', path.read_text(encoding="utf-8")))
    documented = set(
        re.findall(
            r"\| (BB-[A-Z]+-\d{3}) \|", (ROOT / "docs" / "fouten.md").read_text(encoding="utf-8")
        )
    )
    assert used, "no error codes found"
    assert used <= documented, f"undocumented: {sorted(used - documented)}"
