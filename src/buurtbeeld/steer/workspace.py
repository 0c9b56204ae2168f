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


#: What the demo fills in on the data inventory (the beheerder's fields), per source.
DEMO_SOURCES: dict[str, tuple[str, str, str, str, str]] = {
    # dataset: owner, legal basis, its explanation, delivery frequency, quality notes
    "kwb": ("CBS", "open_data", "CC BY 4.0", "jaarlijks",
            "Kleine aantallen afgerond of verborgen door CBS; twee à drie jaar vertraging."),
    "gezondheidsmonitor": ("RIVM, CBS en GGD'en", "open_data", "CC BY 4.0", "eenmalig",
                           "Modelmatige schattingen per buurt, indeling 2020; elke vier jaar."),
}  # fmt: skip
DEMO_PARTNER = (
    "overeenkomst", "Convenant gegevensuitwisseling sociaal domein Drechtsteden (demo)",
    "kwartaal", "Beveiligd bij de bron (cbs-zorg); fictieve cijfers voor de demo.",
)  # fmt: skip


def load_demo_inventory(db: PlatformDB, workspace_root: Path) -> int:
    """Owner, legal basis and frequency of the demo's sources, where none was set; how many."""
    from buurtbeeld.steer.inventory import build_inventory
    from buurtbeeld.steer.inventory import save_source as save
    from buurtbeeld.store.cube import Cube
    from buurtbeeld.store.workspace import open_workspace

    cube = Cube(open_workspace(workspace_root))
    try:
        rows = build_inventory(db, cube)
    finally:
        cube.close()
    known, filled = {r.dataset for r in rows}, 0
    for row in rows:
        if row.owner or row.legal_basis or row.frequency:
            continue  # the beheerder's own entry is kept
        if row.dataset in DEMO_SOURCES:
            owner, basis, text, frequency, notes = DEMO_SOURCES[row.dataset]
        elif row.partner:
            owner = row.label.removesuffix(" (beveiligd pakket)")
            basis, text, frequency, notes = DEMO_PARTNER
        else:
            continue
        save(db, known, dataset=row.dataset, owner=owner, legal_basis=basis,
             legal_basis_text=text, frequency=frequency, quality_notes=notes, actor="demo")  # fmt: skip
        filled += 1
    return filled
