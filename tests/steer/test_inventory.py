"""The data inventory: lineage, coverage, overdue deliveries, gaps, edits and exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from buurtbeeld.catalog.load import Catalog, builtin_catalog
from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.db import PlatformDB, open_platform
from buurtbeeld.steer.errors import SteerError, SteerNotFound
from buurtbeeld.steer.framework import parse_framework
from buurtbeeld.steer.inventory import (
    GAP_HEADERS,
    GAP_RULE,
    HEADERS,
    build_inventory,
    framework_gaps,
    inventory_csv,
    inventory_xlsx,
    save_source,
    table_rows,
)
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.workspace import open_workspace


@pytest.fixture(scope="module")
def cube(filled_workspace_template: Path) -> Iterator[Cube]:
    c = Cube(open_workspace(filled_workspace_template))
    yield c
    c.close()


@pytest.fixture(scope="module")
def catalog(cube: Cube) -> Catalog:
    return cube.catalog(builtin_catalog())


@pytest.fixture
def db(tmp_path: Path) -> Iterator[PlatformDB]:
    with open_platform(None, url=f"sqlite:///{tmp_path / 'platform.sqlite'}") as database:
        yield database


def _save(db: PlatformDB, **change: str) -> None:
    values = {
        "dataset": "kwb",
        "owner": "CBS",
        "legal_basis": "open_data",
        "legal_basis_text": "CC BY 4.0",
        "frequency": "jaarlijks",
        "quality_notes": "Afgerond op 5 of 10.",
    }
    values.update(change)
    save_source(db, {"kwb", "gezondheidsmonitor"}, actor="beheerder", **values)  # type: ignore[arg-type]


def test_every_imported_source_with_lineage_and_coverage(db: PlatformDB, cube: Cube) -> None:
    rows = {r.dataset: r for r in build_inventory(db, cube)}
    assert set(rows) == {"kwb", "gezondheidsmonitor"}
    health = rows["gezondheidsmonitor"]
    assert health.periods == ("2016", "2020")
    assert "eenzaam_pct" in health.indicators and "bijstand" not in health.indicators
    assert health.last_delivery is not None and not health.overdue  # no frequency: no schedule
    # coverage per level = the cube's own coverage of each indicator at its latest period (in
    # the current division: the KWB's; the health monitor's cells are of the 2020 division)
    kwb = rows["kwb"]
    for level in ("gemeente", "wijk", "buurt"):
        published = hidden = 0
        for indicator in kwb.indicators:
            latest = cube.periods(indicator)[-1]
            for period, lv, values, hid, _missing in cube.coverage(indicator):
                if period == latest and lv == level:
                    published, hidden = published + values, hidden + hid
        assert kwb.coverage.get(level, (0, 0)) == (published, hidden), level
    assert rows["kwb"].hidden_share("buurt").endswith(" %")


def test_an_overdue_delivery_is_flagged_by_frequency(db: PlatformDB, cube: Cube) -> None:
    _save(db, frequency="kwartaal")
    kwb = next(r for r in build_inventory(db, cube) if r.dataset == "kwb")
    assert kwb.last_delivery is not None and kwb.due is not None
    delivered = kwb.last_delivery.date()
    assert not kwb.overdue  # imported today
    later = {r.dataset: r for r in build_inventory(db, cube, today=delivered + timedelta(days=150))}
    assert later["kwb"].overdue  # a quarter plus a month's grace has passed
    assert not later["gezondheidsmonitor"].overdue  # no frequency set
    _save(db, frequency="jaarlijks")
    again = {r.dataset: r for r in build_inventory(db, cube, today=delivered + timedelta(days=150))}
    assert not again["kwb"].overdue


def test_edits_are_saved_and_audited(db: PlatformDB, cube: Cube) -> None:
    _save(db)
    kwb = next(r for r in build_inventory(db, cube) if r.dataset == "kwb")
    assert (kwb.owner, kwb.legal_basis, kwb.frequency) == ("CBS", "open_data", "jaarlijks")
    entry = [e for e in AuditLog(db).entries() if e.event == "bron_gewijzigd"][-1]
    assert json.loads(entry.details) == {
        "bron": "kwb",
        "frequentie": "jaarlijks",
        "grondslag": "open_data",
    }


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"dataset": "pakket:onbekend"}, "BB-STR-010"),
        ({"legal_basis": "omdat het kan"}, "BB-STR-011"),
        ({"frequency": "soms"}, "BB-STR-012"),
        ({"owner": "x" * 201}, "BB-STR-013"),
    ],
)
def test_bad_edits_are_refused_and_nothing_is_saved(
    db: PlatformDB, cube: Cube, change: dict[str, str], code: str
) -> None:
    with pytest.raises((SteerError, SteerNotFound)) as err:
        _save(db, **change)
    assert err.value.code == code
    assert all(r.owner == "" for r in build_inventory(db, cube))


def test_gaps_of_the_framework(cube: Cube, catalog: Catalog) -> None:
    # Real figures: Terschelling's income per inhabitant is published for the gemeente only,
    # Vlieland's not at all; the health monitor's latest period is 2020.
    ids = [i.id for i in catalog.indicators]
    text = """kader: K
gemeente: {gm}
aandachtsgebieden:
  - sleutel: inkomen
    naam: Inkomen
    subdoelen:
      - sleutel: a
        naam: A
        indicatoren: [inkomen_per_inwoner, eenzaam_pct, bijstand_per_1000]
"""
    today = date(2026, 12, 3)
    gaps = framework_gaps(
        cube, catalog, parse_framework(text.format(gm="GM0093"), ids), today=today
    )
    assert {(g.indicator_id, g.kind) for g in gaps} == {
        ("inkomen_per_inwoner", "grover niveau"),
        ("eenzaam_pct", "oude periode"),
    }
    vlieland = framework_gaps(
        cube, catalog, parse_framework(text.format(gm="GM0096"), ids), today=today
    )
    assert ("inkomen_per_inwoner", "geen gegevens") in {(g.indicator_id, g.kind) for g in vlieland}
    earlier = framework_gaps(
        cube, catalog, parse_framework(text.format(gm="GM0093"), ids), today=date(2022, 1, 1)
    )
    assert {g.kind for g in earlier} == {"grover niveau"}  # 2020 was recent in 2022


def test_csv_and_xlsx_carry_the_same_table(db: PlatformDB, cube: Cube) -> None:
    _save(db, quality_notes='=HYPERLINK("http://x")')  # a formula stays text
    rows = build_inventory(db, cube)
    table = list(csv.reader(io.StringIO(inventory_csv(rows)), delimiter=";"))
    assert tuple(table[0]) == HEADERS and len(table) == 1 + len(rows)
    sheet = load_workbook(io.BytesIO(inventory_xlsx(rows))).active
    assert sheet is not None
    cells = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert cells == table
    kwb = next(r for r in table[1:] if r[0] == "kwb")
    assert kwb[HEADERS.index("kwaliteit")].startswith("'=")


def test_coverage_counts_the_cells_of_the_frameworks_gemeente(db: PlatformDB, cube: Cube) -> None:
    kwb = next(r for r in build_inventory(db, cube, gemeente="GM0505") if r.dataset == "kwb")
    codes = {
        "gemeente": ["GM0505"],
        "wijk": [r.code for r in cube.children("GM0505", "wijk")],
        "buurt": [r.code for r in cube.children("GM0505", "buurt")],
    }
    for level, regions in codes.items():
        published = hidden = 0
        for indicator in kwb.indicators:
            latest = cube.periods(indicator)[-1]
            for cell in cube.cells(indicator, latest, regions).values():
                published += cell.status in ("value", "provisional")
                hidden += cell.status == "hidden"
        assert kwb.coverage[level] == (published, hidden), level
    nation = next(r for r in build_inventory(db, cube) if r.dataset == "kwb")
    assert nation.coverage["buurt"][0] > 100 * kwb.coverage["buurt"][0]
    assert "." in nation.coverage_text("buurt")  # Dutch thousands: 580.688 cijfers


def test_the_xlsx_carries_the_gaps_with_their_rule(
    db: PlatformDB, cube: Cube, catalog: Catalog
) -> None:
    text = """kader: K
gemeente: GM0093
aandachtsgebieden:
  - sleutel: inkomen
    naam: Inkomen
    subdoelen:
      - sleutel: a
        naam: A
        indicatoren: [inkomen_per_inwoner, eenzaam_pct, bijstand_per_1000]
"""
    framework = parse_framework(text, [i.id for i in catalog.indicators])
    gaps = framework_gaps(cube, catalog, framework, today=date(2026, 12, 3))
    book = load_workbook(io.BytesIO(inventory_xlsx(build_inventory(db, cube), gaps)))
    assert book.sheetnames == ["Inventaris", "Hiaten"]
    lines = [r for r in book["Hiaten"].iter_rows(values_only=True) if any(r)]
    assert lines[0] == GAP_HEADERS
    assert {(line[0], line[3]) for line in lines[1:-1]} == {
        ("inkomen_per_inwoner", "grover niveau"),
        ("eenzaam_pct", "oude periode"),
    }
    assert lines[-1][0] == GAP_RULE


def test_an_overdue_partner_delivery_is_flagged(
    db: PlatformDB, overlap_workspace_template: Path
) -> None:
    """A partner's package (its lineage) with a delivery schedule: flagged once overdue."""
    partner_cube = Cube(open_workspace(overlap_workspace_template))
    try:
        rows = build_inventory(db, partner_cube)
        (package,) = [r for r in rows if r.partner]
        assert package.dataset.startswith("pakket:") and package.last_delivery is not None
        assert package.periods == ("2024",)  # filled from the import lineage
        known = {r.dataset for r in rows}
        save_source(db, known, dataset=package.dataset, owner="Koppelpartij",
                    legal_basis="overeenkomst", legal_basis_text="Convenant sociaal domein",
                    frequency="maandelijks", quality_notes="", actor="beheerder")  # fmt: skip
        delivered = package.last_delivery.date()
        on_time = build_inventory(db, partner_cube, today=delivered + timedelta(days=40))
        late = build_inventory(db, partner_cube, today=delivered + timedelta(days=90))
        assert not next(r for r in on_time if r.partner).overdue  # a month plus 31 days' grace
        flagged = next(r for r in late if r.partner)
        assert flagged.overdue and flagged.owner == "Koppelpartij"
        line = next(r for r in table_rows(late) if r[0] == package.dataset)
        assert (
            line[HEADERS.index("te laat")] == "ja" and line[HEADERS.index("ketenpartner")] == "ja"
        )
    finally:
        partner_cube.close()


def test_the_demo_fills_the_inventory_once_and_keeps_the_beheerders_entry(
    db: PlatformDB, filled_workspace_template: Path
) -> None:
    from buurtbeeld.steer.workspace import load_demo_inventory

    save_source(db, {"kwb", "gezondheidsmonitor"}, dataset="kwb", owner="Eigen keuze",
                legal_basis="", legal_basis_text="", frequency="", quality_notes="",
                actor="beheerder")  # fmt: skip
    assert load_demo_inventory(db, filled_workspace_template) == 1  # only the health monitor
    cube = Cube(open_workspace(filled_workspace_template))
    try:
        rows = {r.dataset: r for r in build_inventory(db, cube)}
    finally:
        cube.close()
    assert rows["kwb"].owner == "Eigen keuze" and rows["kwb"].frequency == ""
    health = rows["gezondheidsmonitor"]
    assert health.legal_basis == "open_data" and health.owner.startswith("RIVM")
    assert load_demo_inventory(db, filled_workspace_template) == 0


def test_the_demo_names_a_partner_package_after_its_partner(
    db: PlatformDB, overlap_workspace_template: Path
) -> None:
    from buurtbeeld.steer.workspace import load_demo_inventory

    assert load_demo_inventory(db, overlap_workspace_template) == 3  # kwb, health, the package
    partner_cube = Cube(open_workspace(overlap_workspace_template))
    try:
        (package,) = [r for r in build_inventory(db, partner_cube) if r.partner]
    finally:
        partner_cube.close()
    assert package.owner == package.label.removesuffix(" (beveiligd pakket)") != package.label
    assert package.legal_basis == "overeenkomst" and package.frequency == "kwartaal"


def test_a_linked_package_has_coverage_of_its_combination_cells(
    db: PlatformDB, overlap_workspace_template: Path
) -> None:
    """A stapeling package holds combinations, not indicators: its coverage counts those cells
    (published and hidden per level, latest period), in the whole workspace and per gemeente."""
    workspace = open_workspace(overlap_workspace_template)
    cube = Cube(workspace)
    try:
        (linked,) = [r for r in build_inventory(db, cube) if r.dataset == "pakket:stapeling"]
        assert linked.partner and not linked.indicators
        con = workspace.connect(read_only=True)
        try:
            expected = {
                level: (int(shown), int(hidden))
                for level, shown, hidden in con.execute(
                    """SELECT r.level, count(*) FILTER (s.status = 'value'),
                              count(*) FILTER (s.status = 'hidden')
                       FROM stapeling s
                       JOIN region r ON r.code = s.region_code
                                    AND r.division_year = s.division_year
                       WHERE s.period = (SELECT max(period) FROM stapeling)
                       GROUP BY 1"""
                ).fetchall()
            }
            gemeente = con.execute("SELECT min(region_code) FROM stapeling WHERE region_code LIKE 'GM%'").fetchone()[0]  # fmt: skip
        finally:
            con.close()
        assert linked.coverage == expected and expected["buurt"][1] > 0
        (own,) = [
            r
            for r in build_inventory(db, cube, gemeente=gemeente)
            if r.dataset == "pakket:stapeling"
        ]
        assert own.coverage == expected  # the package covers this one gemeente
        other = [r for r in build_inventory(db, cube, gemeente="GM0363") if r.dataset == "pakket:stapeling"]  # fmt: skip
        assert other[0].coverage == {}
    finally:
        cube.close()
