"""Intake of a linked (stapeling) package: its cells land in the stapeling table, nothing else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format import Linkage, PackageContents, Provision, TableDimension
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.overlap_read import join
from buurtbeeld.store.package_reader import read_package
from buurtbeeld.store.partners import trusted_keys
from buurtbeeld.store.schema import SCHEMA_VERSION
from buurtbeeld.store.workspace import Workspace, open_workspace
from tests.conftest import copy_workspace
from tests.overlap_package import published_cells


@pytest.fixture
def workspace(tmp_path: Path, overlap_workspace_template: Path) -> Workspace:
    root = tmp_path / "werkmap"
    copy_workspace(overlap_workspace_template, root)
    return open_workspace(root)


def _contents(workspace: Workspace, package: Path) -> PackageContents:
    return read_package(package, trusted_keys(workspace))


def _stored(workspace: Workspace) -> dict[tuple[str, str, str, str], tuple[float | None, str, int]]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT unit, region_code, combination, unrestricted, value, status, import_id "
            "FROM stapeling"
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6]) for r in rows}


def _key(cell: tuple[str, str, str, str]) -> tuple[str, str]:
    """(combination, unrestricted) of a package cell (regiocode, wmo, jeugdhulp, bijstand)."""
    names = ("wmo", "jeugdhulp", "bijstand")
    yes = [n for n, v in zip(names, cell[1:], strict=True) if v == "ja"]
    anything = [n for n, v in zip(names, cell[1:], strict=True) if v == "totaal"]
    return join(yes), join(anything)


def test_every_package_cell_is_stored_as_published_or_hidden(
    workspace: Workspace, linked_package: tuple[Path, object]
) -> None:
    stored = _stored(workspace)
    expected = 0
    for unit in ("huishoudens", "personen"):
        for cell, value in published_cells(linked_package[0], unit).items():
            expected += 1
            got = stored[(unit, cell[0], *_key(cell))]
            assert got[:2] == ((value, "value") if value is not None else (None, "hidden"))
    assert len(stored) == expected
    con = workspace.connect(read_only=True)
    try:
        # the combinations are no catalogue indicators and no observations (the only defined
        # indicators are the KWB's own columns, issue 17)
        assert con.execute(
            "SELECT count(*) FROM indicator_def "
            "WHERE json_extract_string(definition_json, '$.source.dataset') <> 'kwb'"
        ).fetchone() == (0,)
        assert con.execute(
            "SELECT count(*) FROM observation WHERE starts_with(indicator_id, 'p_')"
        ).fetchone() == (0,)
        batch = con.execute(
            "SELECT dataset, source_label, observations FROM import_batch "
            "WHERE dataset = 'pakket:stapeling'"
        ).fetchall()
        provisions = con.execute(
            "SELECT name, title FROM stapeling_voorziening ORDER BY position"
        ).fetchall()
    finally:
        con.close()
    assert batch == [
        (
            "pakket:stapeling",
            "Onderzoeksbureau Drechtsteden (koppelpartij) (beveiligd pakket)",
            expected,
        )
    ]
    assert provisions == [("wmo", "Wmo"), ("jeugdhulp", "Jeugdhulp"), ("bijstand", "Bijstand")]


def test_the_same_package_again_changes_nothing(
    workspace: Workspace, linked_package: tuple[Path, object]
) -> None:
    before = _stored(workspace)
    report = intake_package(workspace, _contents(workspace, linked_package[0]))
    assert report.already_imported
    assert _stored(workspace) == before


def _only_regions(contents: PackageContents, prefix: str) -> PackageContents:
    """The package restricted to the regions starting with ``prefix`` (as a new file)."""
    tables = []
    for t in contents.tables:
        keep = [i for i, k in enumerate(t.keys) if k[0].startswith(prefix)]
        tables.append(
            replace(
                t,
                keys=tuple(t.keys[i] for i in keep),
                values=tuple(t.values[i] for i in keep),
                statuses=tuple(t.statuses[i] for i in keep),
            )
        )
    return replace(
        contents, tables=tuple(tables), sha256="1" * 64, file_name="stapeling-wijk01.zip"
    )


def test_a_package_replaces_only_the_regions_it_covers(
    workspace: Workspace, linked_package: tuple[Path, object]
) -> None:
    before = _stored(workspace)
    first_import = next(iter(before.values()))[2]
    part = _only_regions(_contents(workspace, linked_package[0]), "BU053101")
    report = intake_package(workspace, part)
    after = _stored(workspace)
    covered = {k for k in before if k[1].startswith("BU053101")}
    assert covered and len(covered) < len(before)
    assert set(after) == set(before)
    for key, (value, status, import_id) in after.items():
        assert (value, status) == before[key][:2]
        assert import_id == (report.import_id if key in covered else first_import)
    assert [(r.import_id, r.cells) for r in report.replaced] == [(first_import, len(covered))]
    assert report.untouched == len(before) - len(covered)
    assert report.became_hidden == 0


def test_a_provision_without_a_partner_table_is_stored(
    workspace: Workspace, linked_package: tuple[Path, object]
) -> None:
    """A provision protected against no partner package (``tabel`` absent, as the demo's
    yearly bijstand beside the partner's quarterly package) is stored all the same."""
    contents = _only_regions(_contents(workspace, linked_package[0]), "BU053101")
    assert contents.linkage is not None
    provisions = tuple(
        replace(p, table=None) if p.name == "bijstand" else p for p in contents.linkage.provisions
    )
    contents = replace(contents, linkage=replace(contents.linkage, provisions=provisions))
    report = intake_package(workspace, contents)
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT name, table_name FROM stapeling_voorziening WHERE import_id = ? "
            "ORDER BY position",
            [report.import_id],
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("wmo", "voorzieningen_totaal"),
        ("jeugdhulp", "voorzieningen_totaal"),
        ("bijstand", ""),
    ]


def _renamed(contents: PackageContents, old: str, new: str) -> PackageContents:
    tables = tuple(
        replace(
            t,
            dimensions=tuple(
                TableDimension(new if d.name == old else d.name, d.additive) for d in t.dimensions
            ),
        )
        for t in contents.tables
    )
    assert contents.linkage is not None
    linkage = Linkage(
        contents.linkage.kind,
        contents.linkage.rule,
        tuple(
            Provision(new, "Schulden", "Schuldhulp (demo)", new, "t") if p.name == old else p
            for p in contents.linkage.provisions
        ),
    )
    return replace(contents, tables=tables, linkage=linkage, sha256="2" * 64)


def test_other_provisions_for_the_same_dataset_and_period_are_refused(
    workspace: Workspace, linked_package: tuple[Path, object]
) -> None:
    before = _stored(workspace)
    other = _renamed(_contents(workspace, linked_package[0]), "bijstand", "schulden")
    with pytest.raises(ImportFileError) as err:
        intake_package(workspace, other)
    assert err.value.code == "BB-STP-010"
    assert "schulden" in err.value.message and "stapeling-" in err.value.hint
    assert _stored(workspace) == before


def test_a_table_over_other_dimensions_than_the_linkage_is_refused(
    workspace: Workspace, linked_package: tuple[Path, object]
) -> None:
    contents = _contents(workspace, linked_package[0])
    assert contents.linkage is not None
    odd = replace(
        contents,
        linkage=replace(contents.linkage, provisions=contents.linkage.provisions[:2]),
        sha256="3" * 64,
    )
    with pytest.raises(ImportFileError) as err:
        intake_package(workspace, odd)
    assert err.value.code == "BB-STP-011"


def test_a_workspace_of_schema_2_gets_the_stapeling_table(workspace: Workspace) -> None:
    con = workspace.connect()
    con.execute("DROP TABLE stapeling")
    con.execute("DROP TABLE stapeling_voorziening")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    n = con.execute("SELECT count(*) FROM observation").fetchone()
    con.close()
    reopened = open_workspace(workspace.root)
    con = reopened.connect(read_only=True)
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        assert con.execute("SELECT count(*) FROM stapeling").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM observation").fetchone() == n
    finally:
        con.close()


def test_the_stored_cells_join_the_audit_of_a_replacement_as_published(
    workspace: Workspace, linked_package: tuple[Path, object]
) -> None:
    from buurtbeeld.store.overlap import earlier_overlap

    contents = _contents(workspace, linked_package[0])
    assert contents.linkage is not None
    con = workspace.connect(read_only=True)
    try:
        earlier = earlier_overlap(con, contents, contents.linkage)
    finally:
        con.close()
    assert len(earlier.import_ids) == 1
    assert len(earlier.views) == len(contents.tables)
    for table, view in zip(contents.tables, earlier.views, strict=True):
        assert view.earlier and view.period == table.period
        package = dict(zip(table.keys, table.values, strict=True))
        stored = dict(zip(view.keys, view.values, strict=True))
        assert stored == package  # every cell back in the package's own coordinates
        hidden = {k for k, m in zip(view.keys, view.marks, strict=True) if m is not None}
        assert hidden == {k for k, v in package.items() if v is None}


def test_a_replacement_that_hides_a_published_cell_is_refused(
    workspace: Workspace, linked_package: tuple[Path, object]
) -> None:
    from buurtbeeld.errors import DisclosureError

    contents = _contents(workspace, linked_package[0])
    before = _stored(workspace)
    table = contents.tables[0]
    i = next(
        j
        for j, (k, v) in enumerate(zip(table.keys, table.values, strict=True))
        if k[0].startswith("BU") and v
    )
    changed = replace(
        table,
        values=(*table.values[:i], None, *table.values[i + 1 :]),
        statuses=(*table.statuses[:i], "v", *table.statuses[i + 1 :]),
    )
    revised = replace(contents, tables=(changed, *contents.tables[1:]), sha256="5" * 64)
    with pytest.raises(DisclosureError) as err:
        intake_package(workspace, revised)
    assert err.value.code == "BB-PKG-040"  # with the cells it replaces; alone it passes
    assert _stored(workspace) == before


def _with_two_or_more(contents: PackageContents) -> PackageContents:
    """The package plus a "2 or more" table of households for its buurten, in the shape
    ``buurtbeeld koppel`` writes: published where every combination of two or more is (their
    sum, a multiple of the rounding base like each of them), hidden elsewhere. Only buurten:
    wijk and gemeente cells would have to agree with the buurten's rounded figures."""
    from buurtbeeld.package_format.model import PublishedTable

    table = next(t for t in contents.tables if t.unit == "huishoudens")
    names = tuple(d.name for d in table.dimensions)
    by_region: dict[str, list[float | None]] = {}
    for (region, combo), value in zip(table.keys, table.values, strict=True):
        if region.startswith("BU") and "totaal" not in combo and combo.count("ja") >= 2:
            by_region.setdefault(region, []).append(value)
    keys, values = [], []
    for region, parts in sorted(by_region.items()):
        keys.append((region, ("2",)))
        values.append(None if any(v is None for v in parts) else sum(v or 0.0 for v in parts))
    at_least = PublishedTable(
        name="huishoudens_minstens",
        title="Huishoudens met k of meer voorzieningen",
        period=table.period,
        dimensions=(TableDimension("minstens", additive=False),),
        keys=tuple(keys),
        values=tuple(values),
        statuses=tuple("v" if v is None else "z" for v in values),
        unit="huishoudens",
        at_least_of=names,
    )
    return replace(contents, tables=(*contents.tables, at_least), sha256="7" * 64)


def test_k_or_more_cells_are_stored_read_and_audited_on_replacement(
    workspace: Workspace, linked_package: tuple[Path, object]
) -> None:
    from buurtbeeld.analysis.overlap import at_least
    from buurtbeeld.errors import DisclosureError
    from buurtbeeld.store.overlap import earlier_overlap
    from buurtbeeld.store.overlap_read import OverlapCells, at_least_key

    contents = _with_two_or_more(_contents(workspace, linked_package[0]))
    extra = contents.tables[-1]
    shown = {k[0]: v for k, v in zip(extra.keys, extra.values, strict=True)}
    assert any(v is not None for v in shown.values()) and None in shown.values()
    intake_package(workspace, contents)
    stored = _stored(workspace)
    for region, value in shown.items():
        cell = stored[("huishoudens", region, *at_least_key(2))]
        assert cell[:2] == (value, "value" if value is not None else "hidden")
    con = workspace.connect(read_only=True)
    try:
        cells = OverlapCells(con)
        chosen = cells.sets[0]
        read = cells.cells(chosen, sorted(shown))
        names = list(extra.at_least_of)
        for region, value in shown.items():
            figure = at_least(read[("huishoudens", region)], names, 2)
            assert figure.value == value and figure.status == ("value" if value else "hidden")
        earlier = earlier_overlap(con, contents, contents.linkage)  # type: ignore[arg-type]
    finally:
        con.close()
    view = next(v for v in earlier.views if v.at_least_of)
    assert dict(zip(view.keys, view.values, strict=True)) == dict(
        zip(extra.keys, extra.values, strict=True)
    )
    # a replacement that publishes a "2 or more" the earlier package hid gives away the hidden
    # combination it sums: refused together with the cells it replaces
    region = next(r for r, v in shown.items() if v is None and r.startswith("BU"))
    i = extra.keys.index((region, ("2",)))
    leaves = {
        k[1]: v
        for k, v in zip(contents.tables[0].keys, contents.tables[0].values, strict=True)
        if k[0] == region
    }
    assert None in leaves.values()
    with pytest.raises(DisclosureError) as err:
        bad = replace(
            extra,
            values=(*extra.values[:i], 50.0, *extra.values[i + 1 :]),
            statuses=(*extra.statuses[:i], "z", *extra.statuses[i + 1 :]),
        )
        intake_package(
            workspace, replace(contents, tables=(*contents.tables[:-1], bad), sha256="8" * 64)
        )
    assert err.value.code in {"BB-PKG-010", "BB-PKG-011"}  # recomputable, or does not add up
