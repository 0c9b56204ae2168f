"""Imports replace exactly what the new file covers (indicator × period × region), nothing else."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.protect import CellStatus, build_cross_table, protect_table
from buurtbeeld.store.importer import import_file
from buurtbeeld.store.intake import PackageContents, PublishedTable, TableDimension, intake_package
from buurtbeeld.store.workspace import Workspace
from tests.conftest import shared_file
from tests.store.test_import import fingerprint

UTRECHT = "0344"


def _rows(workspace: Workspace, where: str) -> dict[tuple[str, str, str], tuple[object, ...]]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT indicator_id, region_code, period, value, status, status_note, import_id "
            f"FROM observation WHERE {where}"
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


def _is_utrecht(code: str) -> bool:
    return code[2:6] == UTRECHT and code[:2] in {"GM", "WK", "BU"}


def _utrecht_from_national(path: Path) -> Path:
    """The 122 Utrecht rows of CBS's national KWB 2023 file, as a user filters and saves them."""
    workbook = openpyxl.load_workbook(
        shared_file("raw/inmindaen-kwb2023/kwb-2023-transformed.xlsx"), read_only=True
    )
    try:
        rows = list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()
    header = [str(h) for h in rows[0]]
    at = header.index("gwb_code_10")
    keep = [r for r in rows[1:] if _is_utrecht(str(r[at]).strip())]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in r] for r in keep)
    return path


@pytest.mark.shared_data
def test_gemeente_file_replaces_only_its_own_regions(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    before = _rows(filled_workspace, "period = '2023'")
    others_before = {k: v for k, v in before.items() if not _is_utrecht(k[1])}
    path = _utrecht_from_national(tmp_path / "kwb-2023-utrecht.csv")
    report = import_file(filled_workspace, path)
    assert report.rows == 122
    after = _rows(filled_workspace, "period = '2023'")
    others_after = {k: v for k, v in after.items() if not _is_utrecht(k[1])}
    assert len({k[1] for k in others_after}) == 18116 - 122
    assert others_after == others_before
    utrecht = {k: v for k, v in after.items() if _is_utrecht(k[1])}
    assert utrecht and all(v[-1] == report.import_id for v in utrecht.values())
    # the same CBS figures give the same values, derived ratios included (recomputed)
    assert {k: v[:-1] for k, v in utrecht.items()} == {
        k: v[:-1] for k, v in before.items() if _is_utrecht(k[1])
    }
    assert {"bijstand_per_1000", "eenpersoonshuishoudens_pct"} <= set(report.derived_indicators)
    # the report says what was replaced, by which import and file, and what was not touched
    assert report.became_hidden == 0
    assert [(r.import_id, r.file_name) for r in report.replaced] == [(1, "kwb2023.parquet")]
    replaced_sourced = sum(r.cells for r in report.replaced)
    assert replaced_sourced == sum(
        1 for k in utrecht if k[0] in {c.indicator_id for c in report.counts}
    ) - sum(1 for k in utrecht if k[0] in report.derived_indicators)
    assert report.untouched == sum(
        1 for k in others_before if k[0] not in report.derived_indicators
    )


@pytest.mark.shared_data
def test_early_download_over_newer_figures_is_refused_unless_replacing(
    filled_workspace: Workspace,
) -> None:
    """CBS's Utrecht KWB 2023 download of October 2024 still has '.' for income, jeugdzorg and
    Wmo, which the national file of 2025 publishes: importing it would hide published figures."""
    path = shared_file("raw/utrecht-kwb-society-in-the-loop/CBS-Utrecht-kwb-2023.xlsx")
    before = fingerprint(filled_workspace)
    stored = _rows(filled_workspace, "period = '2023'")
    with pytest.raises(ImportFileError) as info:
        import_file(filled_workspace, path)
    assert info.value.code == "BB-IMP-030"
    assert fingerprint(filled_workspace) == before
    report = import_file(filled_workspace, path, replace_hidden=True)
    after = _rows(filled_workspace, "period = '2023'")
    sourced = {c.indicator_id for c in report.counts} - set(report.derived_indicators)
    became_hidden = sum(
        1
        for k, v in after.items()
        if k[0] in sourced and k in stored and v[1] == "hidden" and stored[k][1] != "hidden"
    )
    assert became_hidden > 0 and report.became_hidden == became_hidden
    assert f"{became_hidden:,}".replace(",", ".") in info.value.message
    # the other 17,994 regions keep every 2023 figure
    others = {k: v for k, v in stored.items() if not _is_utrecht(k[1])}
    assert len({k[1] for k in others}) == 17994
    assert {k: v for k, v in after.items() if not _is_utrecht(k[1])} == others


def _gemeente_package(workspace: Workspace, gemeente: str, source: str) -> PackageContents:
    digits = gemeente[2:]
    con = workspace.connect(read_only=True)
    buurten = [
        r[0]
        for r in con.execute(
            "SELECT code FROM region WHERE division_year = 2023 AND code LIKE ? ORDER BY code",
            [f"BU{digits}%"],
        ).fetchall()
    ]
    con.close()
    hierarchy: dict[str, list[str]] = {gemeente: sorted({"WK" + b[2:8] for b in buurten})}
    for b in buurten:
        hierarchy.setdefault("WK" + b[2:8], []).append(b)
    rng = np.random.default_rng(int(digits))
    categories = ("hulp_bij_huishouden", "begeleiding")
    counts = {(b, c): int(rng.poisson(15)) for b in buurten for c in categories}
    table = build_cross_table(counts, [hierarchy, {"totaal": list(categories)}])
    protected = protect_table(table, profile="cbs-zorg", seed="test")
    letters = {
        CellStatus.PUBLISHABLE: "s",
        CellStatus.FORCED_PUBLISHABLE: "z",
        CellStatus.PRIMARY_SUPPRESSED: "u",
        CellStatus.SECONDARY_SUPPRESSED: "x",
    }
    return PackageContents(
        file_name=f"wmo-{gemeente}.zip",
        sha256=f"sha-{gemeente}",
        source=source,
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
                statuses=tuple(letters[s] for s in protected.statuses),
            ),
        ),
    )


def test_package_of_another_gemeente_keeps_the_first(filled_workspace: Workspace) -> None:
    # one regional team delivers per gemeente: same source, dataset, table and period
    dordrecht = _gemeente_package(filled_workspace, "GM0505", "Wmo-team Drechtsteden")
    first = intake_package(filled_workspace, dordrecht)
    kept = _rows(filled_workspace, "period = '2024'")
    assert kept and all(v[-1] == first.import_id for v in kept.values())
    second = intake_package(
        filled_workspace, _gemeente_package(filled_workspace, "GM0642", "Wmo-team Drechtsteden")
    )
    after = _rows(filled_workspace, "period = '2024'")
    assert {k: v for k, v in after.items() if k[1][2:6] == "0505"} == kept
    assert any(v[-1] == second.import_id for v in after.values())
    assert set(second.indicators) == {k[0] for k in kept}  # the same indicators
    assert second.replaced == [] and second.untouched == len(kept)
