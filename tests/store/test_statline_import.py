"""StatLine tables (issue 17 item 1) from the real CBS files: metadata → definitions, values,
markers and periods equal the file, bad dumps refused with coded Dutch errors, nothing changed."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.statline_import import import_path, import_statline
from buurtbeeld.store.workspace import Workspace
from tests.conftest import shared_file
from tests.statline_files import (
    GENERIC_TITLE,
    kwb2024_values,
    write_kwb2024_v3,
    write_kwb2024_v4,
)

pytestmark = pytest.mark.shared_data

SES = "raw/ses-woa-amsterdam-inversegerrymandering/SES_WOA_scores_per_wijk_en_buurt_25042023_160857.csv"
NABIJHEID = "raw/utrecht-kwb-society-in-the-loop/CBS-Utrecht_Nabijheid_voorzieningen__buurt_2023_14102024_164034.csv"


def fingerprint(workspace: Workspace) -> tuple[object, ...]:
    con = workspace.connect(read_only=True)
    try:
        return tuple(
            con.execute(sql).fetchone()
            for sql in (
                "SELECT count(*), sum(hash(indicator_id, region_code, period, value, status, status_note)) FROM observation",
                "SELECT count(*), string_agg(file_sha256, ',' ORDER BY import_id) FROM import_batch",
                "SELECT count(*), sum(hash(code, division_year, name)) FROM region",
                "SELECT count(*), sum(hash(id, definition_json)) FROM indicator_def",
            )
        )
    finally:
        con.close()


def stored(workspace: Workspace, prefix: str) -> dict[tuple[str, str, str], tuple[object, ...]]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT indicator_id, region_code, period, value, status, status_note FROM observation "
            "WHERE indicator_id LIKE ?",
            [prefix + "%"],
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1], r[2]): (r[3], r[4], r[5]) for r in rows}


def definitions(workspace: Workspace) -> dict[str, Indicator]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute("SELECT id, definition_json FROM indicator_def").fetchall()
    finally:
        con.close()
    return {r[0]: Indicator.model_validate_json(r[1]) for r in rows}


def test_kwb2024_metadata_becomes_indicator_definitions(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    folder = write_kwb2024_v3(tmp_path / "85984NED", generic=True)
    report = import_statline(empty_workspace, folder)
    props = json.loads(folder.joinpath("DataProperties.json").read_text(encoding="utf-8"))
    topics = {p["Key"]: p for p in props if p["Type"] == "Topic"}
    defined = definitions(empty_workspace)
    assert len(report.defined_indicators) == 8 == len(defined)
    units = {"aantal": "aantal", "aantal inwoners per km²": "per_km2", "ha": "anders"}
    for column, ident in report.columns.items():
        indicator, topic = defined[ident], topics[column]
        assert indicator.source is not None and indicator.source.column == column
        assert indicator.source.table == "85984NED"
        assert topic["Title"].strip() in indicator.name
        assert indicator.unit == units[topic["Unit"]]
        assert indicator.unit_label == ("ha" if topic["Unit"] == "ha" else indicator.unit_label)
        assert indicator.decimals == topic["Decimals"]
        assert indicator.licence == "Bron: CBS"
        assert GENERIC_TITLE in indicator.source_label
    assert defined["cbs_85984ned_mannen_6"].name == "Geslacht – Mannen"
    assert defined["cbs_85984ned_oppervlakte_land_123"].theme == "gebied"
    cube = Cube(empty_workspace)
    try:  # the catalogue lists them as CBS's DataProperties do, not by id
        listed = [i.id for i in cube.catalog(builtin_catalog()).indicators if i.id in defined]
    finally:
        cube.close()
    keys = [p["Key"] for p in props if p["Type"] == "Topic"]
    column_of = {ident: column for column, ident in report.columns.items()}
    assert listed == sorted(listed, key=lambda i: keys.index(column_of[i]))


def test_kwb2024_values_equal_the_file_and_nulls_are_hidden(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    report = import_statline(empty_workspace, write_kwb2024_v3(tmp_path / "85984NED", generic=True))
    assert report.periods == ["2024"] and report.new_regions == 3735
    obs = stored(empty_workspace, "cbs_85984ned_")
    checked = hidden = 0
    for code, values in kwb2024_values().items():
        for column, value in values.items():
            got = obs[(report.columns[column], code, "2024")]
            if value is None:
                assert got == (None, "hidden", "bron")
                hidden += 1
            else:
                assert got == (float(value), "value", None)
                checked += 1
    assert checked + hidden == len(obs) and hidden == report.markers["."]
    assert hidden > 0


def test_v4_download_gives_the_same_figures_as_v3(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    import_statline(empty_workspace, write_kwb2024_v3(tmp_path / "85984NED", generic=True))
    v3 = {k: v for k, v in stored(empty_workspace, "cbs_").items() if k[1][2:6] in ("0505", "0344")}
    report = import_statline(
        empty_workspace, write_kwb2024_v4(tmp_path / "v4", gemeenten=("0505", "0344"))
    )
    assert report.replaced[0].cells == len(v3) == report.observations
    assert {k[1][:2] for k in v3} == {"GM", "WK"}
    assert stored(empty_workspace, "cbs_") == {**stored(empty_workspace, "cbs_"), **v3}
    con = empty_workspace.connect(read_only=True)
    try:
        written = con.execute(
            "SELECT count(*) FROM observation WHERE import_id = ?", [report.import_id]
        ).fetchone()
    finally:
        con.close()
    assert written == (len(v3),)


def test_import_is_idempotent_and_definitions_file_overrides(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    folder = write_kwb2024_v3(tmp_path / "85984NED", generic=True)
    first = import_statline(empty_workspace, folder)
    again = import_statline(empty_workspace, folder)
    assert again.already_imported and again.import_id == first.import_id
    (folder / "definities.yaml").write_text(
        "- kolom: AantalInwoners_5\n  name: Inwoners volgens CBS\n  polarity: neutraal\n"
        "  theme: bevolking\n- kolom: OppervlakteWater_124\n  weglaten: true\n",
        encoding="utf-8",
    )
    changed = import_statline(empty_workspace, folder)
    assert not changed.already_imported
    defined = definitions(empty_workspace)
    assert defined["cbs_85984ned_aantal_inwoners_5"].name == "Inwoners volgens CBS"
    assert changed.columns["OppervlakteWater_124"] == "weggelaten in het definitiebestand"
    assert "cbs_85984ned_oppervlakte_water_124" not in changed.defined_indicators


def _break(folder: Path, name: str, change: object) -> None:
    path = folder / name
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data["value"] if isinstance(data, dict) else data
    change(rows)  # type: ignore[operator]
    path.write_text(json.dumps(rows), encoding="utf-8")


def _rename_region(rows: list[dict[str, object]]) -> None:
    for row in rows:
        row["Postcode"] = "1011AB"
        del row["WijkenEnBuurten"]


def _geo_to_postcode(props: list[dict[str, object]]) -> None:
    props[0]["Key"] = "Postcode"


def _drop_topic(props: list[dict[str, object]]) -> None:
    props[:] = [p for p in props if p.get("Key") != "Mannen_6"]


def _add_periods(props: list[dict[str, object]]) -> None:
    props.insert(1, {"ID": 999, "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden"})


def _bad_period(rows: list[dict[str, object]]) -> None:
    for row in rows:
        row["Perioden"] = "2024JJ00"
    rows[7]["Perioden"] = "2024XX13"


def _text_value(rows: list[dict[str, object]]) -> None:
    rows[3]["AantalInwoners_5"] = "veel"


def _duplicate(rows: list[dict[str, object]]) -> None:
    rows.append(dict(rows[0]))


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        (
            [("TypedDataSet.json", _rename_region), ("DataProperties.json", _geo_to_postcode)],
            "BB-STL-003",
        ),
        ([("DataProperties.json", _add_periods), ("TypedDataSet.json", _bad_period)], "BB-STL-004"),
        ([("DataProperties.json", _drop_topic)], "BB-STL-005"),
        ([("TypedDataSet.json", _text_value)], "BB-IMP-010"),
        ([("TypedDataSet.json", _duplicate)], "BB-STL-008"),
    ],
    ids=[
        "onbekende-regiodimensie",
        "verkeerde-periode",
        "ontbrekende-dataproperty",
        "tekst",
        "dubbel",
    ],
)
def test_bad_dump_gets_a_coded_dutch_error_and_changes_nothing(
    filled_workspace: Workspace, tmp_path: Path, changes: list[tuple[str, object]], code: str
) -> None:
    folder = write_kwb2024_v3(tmp_path / "85984NED", gemeenten=("0505",), generic=True)
    before = fingerprint(filled_workspace)
    for name, change in changes:
        _break(folder, name, change)
    with pytest.raises(BuurtbeeldError) as err:
        import_statline(filled_workspace, folder)
    assert err.value.code == code
    assert err.value.hint
    assert fingerprint(filled_workspace) == before


def test_missing_dataproperties_and_bad_definitions_file_are_refused(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    folder = write_kwb2024_v3(tmp_path / "85984NED", gemeenten=("0505",), generic=True)
    before = fingerprint(filled_workspace)
    (folder / "definities.yaml").write_text("- kolom: Mannen_6\n  kleur: rood\n", encoding="utf-8")
    with pytest.raises(BuurtbeeldError) as err:
        import_statline(filled_workspace, folder)
    assert err.value.code == "BB-STL-011" and "kleur" in err.value.message
    (folder / "DataProperties.json").unlink()
    with pytest.raises(BuurtbeeldError) as err:
        import_statline(filled_workspace, folder)
    assert err.value.code == "BB-STL-002"
    assert fingerprint(filled_workspace) == before


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_ses_woa_csv_with_statistical_symbols_equals_the_file(
    empty_workspace: Workspace,
) -> None:
    path = shared_file(SES)
    report = import_path(empty_workspace, path, table_id="85163NED")
    assert report.dataset == "statline:85163NED" and report.periods == ["2019"]
    obs = stored(empty_workspace, "cbs_85163ned_")
    rows = _csv_rows(path)
    value_columns = [c for c in rows[0] if c.endswith(")") and not c.endswith("(code)")]
    assert len(report.columns) == len(value_columns) == 6
    seen = 0
    for row in rows:
        code = row["Regiocode (gemeente, wijk, buurt) (code)"].strip()
        assert row["Perioden"].strip() == "2019"
        for column, ident in zip(value_columns, report.columns.values(), strict=True):
            cell = row[column].strip()
            value, status, note = obs[(ident, code, "2019")]
            if cell == ".":
                assert (value, status, note) == (None, "hidden", "bron")
            else:
                assert status == "value" and math.isclose(value, float(cell))  # type: ignore[arg-type]
            seen += 1
    assert seen == len(obs) == 579 * 6
    defined = definitions(empty_workspace)
    assert defined["cbs_85163ned_opleidingsniveau_laag"].unit == "procent"
    assert defined["cbs_85163ned_opleidingsniveau_laag"].name == "Opleidingsniveau – Laag"


def test_nabijheid_csv_lists_its_text_columns_with_the_reason(
    empty_workspace: Workspace,
) -> None:
    report = import_path(empty_workspace, shared_file(NABIJHEID), table_id="84718NED")
    assert report.periods == ["2023"] and report.rows == 123
    reasons = {c: why for c, why in report.columns.items() if " " in why}
    assert set(reasons) == {
        "regioaanduiding_gemeentenaam",
        "regioaanduiding_soort_regio",
        "regioaanduiding_indelingswijziging_wijken_en_buurten",
    }
    assert len(report.defined_indicators) == 115 - 2 - len(reasons)
    # distance to a school or a museum is about facilities: all under one theme
    themes = {i.theme for i in definitions(empty_workspace).values()}
    assert themes == {"voorzieningen"}


def test_kwb_in_statline_form_fills_the_kwb_indicators(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    """85984NED itself: its topics become the curated indicators (inwoners …) or kwb_<kolom>,
    the same ids a KWB Excel file of 2024 fills."""
    report = import_statline(empty_workspace, write_kwb2024_v3(tmp_path / "85984NED"))
    assert report.columns["AantalInwoners_5"] == "inwoners"
    assert report.columns["Bevolkingsdichtheid_34"] == "bevolkingsdichtheid"
    assert report.columns["Mannen_6"] == "kwb_a_man"
    assert report.columns["OppervlakteLand_123"] == "kwb_a_lan_ha"
    assert set(report.defined_indicators) == {
        i for i in report.columns.values() if i.startswith("kwb_")
    }
    obs = stored(empty_workspace, "")
    for code, values in kwb2024_values().items():
        value = values["AantalInwoners_5"]
        got = obs[("inwoners", code, "2024")]
        assert got == ((None, "hidden", "bron") if value is None else (float(value), "value", None))
    assert "inwoners" not in definitions(empty_workspace)  # the catalogue's, not redefined


HEALTH = "raw/rivm-gezondheid-buurtvergelijker/RIVM_Gezondheid2020/RIVM_gezondheid2020_65+.xlsx"


def test_health_monitor_dump_read_as_a_statline_table(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    """The RIVM/CBS health monitor file is a TypedDataSet dump (50090NED): the same cells,
    written as CBS's OData JSON with a description of its dimensions, come in per age group,
    point estimates only, with '.' hidden and the 2020 division's codes."""
    from buurtbeeld.opendata.files import read_text_table

    table = read_text_table(shared_file(HEALTH))
    folder = tmp_path / "50090NED"
    folder.mkdir()
    dims = {"ID", "Leeftijd", "Marges", "WijkenEnBuurten", "Perioden"}
    text = {"Gemeentenaam_1", "SoortRegio_2", "Codering_3"}
    props: list[dict[str, object]] = [
        {"ID": 0, "Type": "Dimension", "Key": "Leeftijd", "Title": "Leeftijd"},
        {"ID": 1, "Type": "Dimension", "Key": "Marges", "Title": "Marges"},
        {
            "ID": 2,
            "Type": "GeoDetail",
            "Key": "WijkenEnBuurten",
            "Title": "Wijken en buurten",
            "MapYear": 2020,
        },
        {"ID": 3, "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden"},
    ]
    for number, column in enumerate(c for c in table.column_names if c not in dims):
        props.append(
            {
                "ID": 10 + number,
                "Type": "Topic",
                "Key": column,
                "Title": column.rsplit("_", 1)[0],
                "Unit": "naam" if column in text else "%",
                "Decimals": 0,
                "Datatype": "String" if column in text else "Double",
            }
        )
    (folder / "DataProperties.json").write_text(json.dumps(props), encoding="utf-8")
    (folder / "TableInfos.json").write_text(
        json.dumps([{"Identifier": "50090NED", "Title": "Gezondheid per wijk en buurt; 2020"}]),
        encoding="utf-8",
    )
    rows = table.to_pylist()
    (folder / "TypedDataSet.json").write_text(json.dumps({"value": rows}), encoding="utf-8")
    report = import_statline(empty_workspace, folder)
    assert report.periods == ["2020"]
    obs = stored(empty_workspace, "cbs_50090ned_")
    checked = 0
    for row in rows:
        if str(row["Marges"]).strip() != "MW00000":
            continue
        code = str(row["WijkenEnBuurten"]).strip().replace("NL01", "NL00")
        age = str(row["Leeftijd"]).strip()
        cell = str(row["Eenzaam_28"] or "").strip()
        got = obs.get((f"cbs_50090ned_eenzaam_28_{age}", code, "2020"))
        if cell == "":
            assert got is None  # missing: not stored
        elif cell == ".":
            assert got == (None, "hidden", "bron")
        else:
            assert got == (float(cell), "value", None)
        checked += 1
    assert checked == 17341
    assert report.columns["Gemeentenaam_1"] == "tekst (naam of code), geen cijfer"
