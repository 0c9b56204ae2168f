"""Intake of protected packages: re-audited on what they publish, refused when unsafe."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from buurtbeeld.catalog.models import Polarity
from buurtbeeld.errors import DisclosureError
from buurtbeeld.protect import CellStatus, build_cross_table, protect_table
from buurtbeeld.store.intake import PackageContents, PublishedTable, intake_package
from buurtbeeld.store.workspace import Workspace
from tests.store.test_import import fingerprint

CATEGORIES = ("hulp_bij_huishouden", "begeleiding", "hulpmiddelen")


def dordrecht_counts(
    workspace: Workspace,
) -> tuple[dict[str, list[str]], dict[tuple[str, str], int]]:
    con = workspace.connect(read_only=True)
    buurten = [
        r[0]
        for r in con.execute(
            "SELECT code FROM region WHERE division_year = 2023 AND code LIKE 'BU0505%' ORDER BY code"
        ).fetchall()
    ]
    con.close()
    hierarchy: dict[str, list[str]] = {"GM0505": sorted({"WK" + b[2:8] for b in buurten})}
    for b in buurten:
        hierarchy.setdefault("WK" + b[2:8], []).append(b)
    rng = np.random.default_rng(7)
    counts = {
        (b, c): int(rng.poisson(lam))
        for b in buurten
        for c, lam in zip(CATEGORIES, (12, 9, 20), strict=True)
    }
    return hierarchy, counts


def protected_contents(workspace: Workspace) -> PackageContents:
    hierarchy, counts = dordrecht_counts(workspace)
    table = build_cross_table(counts, [hierarchy, {"totaal": list(CATEGORIES)}])
    protected = protect_table(table, profile="cbs-zorg", seed="test")
    statuses = {
        CellStatus.PUBLISHABLE: "s",
        CellStatus.FORCED_PUBLISHABLE: "z",
        CellStatus.PRIMARY_SUPPRESSED: "u",
        CellStatus.SECONDARY_SUPPRESSED: "x",
    }
    return PackageContents(
        file_name="wmo-2024.zip",
        sha256="abc123",
        source="Wmo-team Dordrecht",
        dataset="wmo",
        unit="personen",
        period="2024",
        division_year=2023,
        profile="cbs-zorg",
        tables=(
            PublishedTable(
                name="voorzieningen",
                title="Wmo-cliënten naar voorziening",
                dimension="voorziening",
                keys=tuple((k[0], k[1]) for k in protected.keys),
                values=protected.values,
                statuses=tuple(statuses[s] for s in protected.statuses),
                polarity=Polarity.HIGHER_IS_WORSE,
            ),
        ),
    )


def test_protected_package_is_accepted_and_lands_in_the_cube(filled_workspace: Workspace) -> None:
    contents = protected_contents(filled_workspace)
    report = intake_package(filled_workspace, contents)
    assert (
        report.hidden > 0 and report.published > 0 and report.audited_hidden_cells >= report.hidden
    )
    assert "wmo_voorzieningen" in report.indicators and len(report.indicators) == 4
    con = filled_workspace.connect(read_only=True)
    rows = {
        (r[0], r[1]): (r[2], r[3])
        for r in con.execute(
            "SELECT region_code, indicator_id, value, status FROM observation WHERE period = '2024'"
        ).fetchall()
    }
    for key, value, status in zip(
        contents.tables[0].keys, contents.tables[0].values, contents.tables[0].statuses, strict=True
    ):
        ident = "wmo_voorzieningen" + ("" if key[1] == "totaal" else f"_{key[1]}")
        assert rows[(key[0], ident)] == ((value, "value") if status in "sz" else (None, "hidden"))
    again = intake_package(filled_workspace, contents)
    assert again.already_imported


def test_unprotected_cell_refuses_the_whole_package(filled_workspace: Workspace) -> None:
    """A tampered package: a buurt publishes its other categories and a total that pin the
    hidden primary to at most 2 - inside the hidden range 0..7 - and must be refused."""
    contents = protected_contents(filled_workspace)
    table = contents.tables[0]
    cells = {k: i for i, k in enumerate(table.keys)}
    statuses = list(table.statuses)
    values = list(table.values)
    region, category = next(
        k for k, s in zip(table.keys, statuses, strict=True) if s == "u" and k[0].startswith("BU")
    )
    others = [c for c in CATEGORIES if c != category]
    for c in others:
        statuses[cells[(region, c)]], values[cells[(region, c)]] = "s", 20.0
    statuses[cells[(region, "totaal")]], values[cells[(region, "totaal")]] = "s", 30.0
    tampered = dataclasses.replace(
        contents,
        tables=(dataclasses.replace(table, statuses=tuple(statuses), values=tuple(values)),),
    )
    before = fingerprint(filled_workspace)
    with pytest.raises(DisclosureError) as info:
        intake_package(filled_workspace, tampered)
    assert info.value.code == "BB-PKG-011"
    assert f"{region}/{category}" in info.value.message
    assert "20.0" not in info.value.message and "30.0" not in info.value.message
    assert fingerprint(filled_workspace) == before


def test_small_published_count_is_refused_without_showing_it(filled_workspace: Workspace) -> None:
    contents = protected_contents(filled_workspace)
    table = contents.tables[0]
    values = list(table.values)
    statuses = list(table.statuses)
    u = statuses.index("u")
    statuses[u], values[u] = "s", 0.0
    tampered = dataclasses.replace(
        contents,
        tables=(dataclasses.replace(table, statuses=tuple(statuses), values=tuple(values)),),
    )
    with pytest.raises(DisclosureError) as info:
        intake_package(filled_workspace, tampered)
    assert info.value.code == "BB-PKG-010"
    assert "verborgen moet zijn" in info.value.message
