"""Intake of protected packages: re-audited on what they publish, refused when unsafe."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from buurtbeeld.catalog.models import Polarity
from buurtbeeld.errors import DisclosureError, ImportFileError
from buurtbeeld.protect import CellStatus, build_cross_table, protect_table
from buurtbeeld.store.intake import (
    PackageContents,
    PublishedTable,
    TableDimension,
    intake_package,
)
from buurtbeeld.store.workspace import Workspace
from tests.store.test_import import fingerprint

CATEGORIES = ("hulp_bij_huishouden", "begeleiding", "hulpmiddelen")
WMO = "p_wmo_team_dordrecht_wmo_"
"""Package indicators: ``p_<bron>_<dataset>_<tabel>[_<categorie>]`` (docs/pakketformaat.md)."""


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
                period="2024",
                dimensions=(TableDimension("voorziening"),),
                keys=tuple((k[0], (k[1],)) for k in protected.keys),
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
    assert WMO + "voorzieningen" in report.indicators and len(report.indicators) == 4
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
        category = key[1][0]
        ident = WMO + "voorzieningen" + ("" if category == "totaal" else f"_{category}")
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
    region, (category,) = next(
        k for k, s in zip(table.keys, statuses, strict=True) if s == "u" and k[0].startswith("BU")
    )
    others = [c for c in CATEGORIES if c != category]
    for c in others:
        statuses[cells[(region, (c,))]], values[cells[(region, (c,))]] = "s", 20.0
    statuses[cells[(region, ("totaal",))]], values[cells[(region, ("totaal",))]] = "s", 30.0
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
    assert "niet kan opleveren" in info.value.message


def _categories_table(contents: PackageContents) -> PublishedTable:
    """The same categories (without their total) as a second table of the same package."""
    table = contents.tables[0]
    rows = [
        (k, v, s)
        for k, v, s in zip(table.keys, table.values, table.statuses, strict=True)
        if k[1] != ("totaal",)
    ]
    return PublishedTable(
        name="clienten",
        title="Wmo-cliënten",
        period="2024",
        dimensions=(TableDimension("voorziening", additive=False),),
        keys=tuple(k for k, _, _ in rows),
        values=tuple(v for _, v, _ in rows),
        statuses=tuple(s for _, _, s in rows),
    )


def test_tables_of_one_package_are_audited_together(filled_workspace: Workspace) -> None:
    contents = protected_contents(filled_workspace)
    twin = _categories_table(contents)
    consistent = dataclasses.replace(contents, tables=(*contents.tables, twin))
    report = intake_package(filled_workspace, consistent)
    assert {WMO + "voorzieningen", WMO + "clienten_begeleiding"} <= set(report.indicators)
    # the second table publishes a cell the first one hides: refused, without the value
    hidden = next(i for i, s in enumerate(twin.statuses) if s in "ux")
    values, statuses = list(twin.values), list(twin.statuses)
    values[hidden], statuses[hidden] = 35.0, "s"
    leaky = dataclasses.replace(twin, values=tuple(values), statuses=tuple(statuses))
    before = fingerprint(filled_workspace)
    with pytest.raises(DisclosureError) as info:
        intake_package(
            filled_workspace,
            dataclasses.replace(contents, sha256="other", tables=(*contents.tables, leaky)),
        )
    assert info.value.code == "BB-PKG-011" and "35" not in info.value.message
    assert "/".join((twin.keys[hidden][0], *twin.keys[hidden][1])) in info.value.message
    assert fingerprint(filled_workspace) == before


def test_amounts_keep_cents_and_an_exactly_recoverable_amount_is_refused(
    filled_workspace: Workspace,
) -> None:
    hierarchy, _ = dordrecht_counts(filled_workspace)
    rng = np.random.default_rng(3)
    buurten = {
        b: round(float(rng.uniform(1_000, 90_000)), 2)
        for w in hierarchy["GM0505"]
        for b in hierarchy[w]
    }
    sums = dict(buurten)
    for wijk in hierarchy["GM0505"]:
        sums[wijk] = round(sum(buurten[b] for b in hierarchy[wijk]), 2)
    sums["GM0505"] = round(sum(sums[w] for w in hierarchy["GM0505"]), 2)
    wijk = next(w for w in hierarchy["GM0505"] if len(hierarchy[w]) >= 3)
    one, two = hierarchy[wijk][:2]

    def package(hidden: set[str], sha: str) -> PackageContents:
        codes = sorted(sums)
        table = PublishedTable(
            name="achterstand",
            title="Betalingsachterstand",
            period="2024",
            dimensions=(),
            keys=tuple((c, ()) for c in codes),
            values=tuple(None if c in hidden else sums[c] for c in codes),
            statuses=tuple("u" if c in hidden else "s" for c in codes),
            measure="som",
            profile="bedragen",
            amount_column="bedrag",
        )
        return PackageContents(
            "schulden.zip",
            sha,
            "Schuldhulp",
            "schulden",
            "huishoudens",
            "2024",
            2023,
            "cbs-zorg",
            (table,),
        )

    with pytest.raises(DisclosureError) as info:
        intake_package(filled_workspace, package({one}, "a"))
    assert info.value.code == "BB-PKG-011" and f"{one}/totaal" in info.value.message
    report = intake_package(filled_workspace, package({one, two}, "b"))
    assert report.indicators == ["p_schuldhulp_schulden_achterstand"] and report.hidden == 2
    con = filled_workspace.connect(read_only=True)
    stored = dict(
        con.execute(
            "SELECT region_code, value FROM observation WHERE indicator_id = 'p_schuldhulp_schulden_achterstand'"
        ).fetchall()
    )
    definition = con.execute(
        "SELECT definition_json FROM indicator_def WHERE id = 'p_schuldhulp_schulden_achterstand'"
    ).fetchone()
    con.close()
    assert stored[wijk] == sums[wijk] and stored[one] is None
    assert definition is not None and '"unit":"euro"' in definition[0]


def test_two_tables_may_not_become_one_indicator(filled_workspace: Workspace) -> None:
    contents = protected_contents(filled_workspace)
    twin = dataclasses.replace(_categories_table(contents), name="Voorzieningen")
    clash = dataclasses.replace(contents, tables=(*contents.tables, twin))
    with pytest.raises(ImportFileError) as info:
        intake_package(filled_workspace, clash)
    assert info.value.code == "BB-PKG-006" and WMO + "voorzieningen" in info.value.message


def test_figures_that_do_not_add_up_are_refused_not_crashed(filled_workspace: Workspace) -> None:
    contents = protected_contents(filled_workspace)
    table = contents.tables[0]
    total = table.keys.index(("GM0505", ("totaal",)))
    assert table.statuses[total] in "sz"
    values = list(table.values)
    values[total] = (values[total] or 0) + 1000  # a gemeente total far from its wijken's sum
    before = fingerprint(filled_workspace)
    with pytest.raises(DisclosureError) as info:
        intake_package(
            filled_workspace,
            dataclasses.replace(
                contents, tables=(dataclasses.replace(table, values=tuple(values)),)
            ),
        )
    assert info.value.code == "BB-PKG-010" and "tellen niet op" in info.value.message
    assert fingerprint(filled_workspace) == before
