"""What the CLI and the demo need around a workspace: its catalogue ids, the demo framework."""

from __future__ import annotations

from pathlib import Path

from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.steer.framework import Framework, parse_framework
from buurtbeeld.steer.framework_store import load_framework, save_framework

DEMO_FRAMEWORK = Path(__file__).parent / "data" / "dordrecht.yaml"


def workspace_indicator_ids(workspace_root: Path) -> list[str]:
    """The ids of the built-in catalogue plus the indicators the workspace defines."""
    from buurtbeeld.catalog.load import builtin_catalog
    from buurtbeeld.store.cube import Cube
    from buurtbeeld.store.workspace import open_workspace

    cube = Cube(open_workspace(workspace_root))
    try:
        return [i.id for i in cube.catalog(builtin_catalog()).indicators]
    finally:
        cube.close()


def import_framework_text(
    db: PlatformDB, text: str, known: list[str], actor: str, *, source: str
) -> tuple[Framework, int]:
    """Validate ``text`` completely, then replace the stored framework; (framework, version)."""
    framework = parse_framework(text, known)
    return framework, save_framework(db, framework, actor, source=source)


def load_demo_framework(db: PlatformDB, known: list[str]) -> Framework | None:
    """The example framework for Dordrecht, unless a framework exists already (kept)."""
    if load_framework(db) is not None:
        return None
    framework, _ = import_framework_text(
        db, DEMO_FRAMEWORK.read_text(encoding="utf-8"), known, "demo", source="demo"
    )
    return framework
