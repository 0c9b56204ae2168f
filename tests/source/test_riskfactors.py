"""``buurtbeeld bron risicofactoren``: from a research table to an imported package, group level only."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.package_format import read_package
from buurtbeeld.source.riskfactors import (
    RiskColumnError,
    RiskDataError,
    RiskValueError,
    aggregate_risk,
)
from buurtbeeld.source.riskfactors_check import CellSummary, cell_reason, check_model
from buurtbeeld.source.riskfactors_estimate import estimate
from buurtbeeld.source.riskfactors_package import run_risk
from buurtbeeld.source.riskfactors_spec import FACTOR_COUNT_TABLE, RiskSpecError, Rules
from buurtbeeld.source.synthetic_risk import risk_spec
from buurtbeeld.store.workspace import open_workspace
from tests.conftest import copy_workspace
from tests.source.risk_data import load, write_research

RULES = Rules()
TABLE_COLUMNS = {
    "periode",
    "regiocode",
    "niveau",
    "categorie",
    "aantal_factoren",
    "waarde",
    "status",
}


# -- the rules, one by one ------------------------------------------------------------------


def test_cell_rules() -> None:
    assert (
        cell_reason(CellSummary(9, 9, (1, 1)), RULES, "c")
        == "c: minder dan 10 kinderen (drempelregel)"
    )
    assert "één huishouden" in (cell_reason(CellSummary(12, 1, (12,)), RULES, "c") or "")
    assert "dominantieregel" in (cell_reason(CellSummary(12, 3, (10, 1, 1)), RULES, "c") or "")
    assert cell_reason(CellSummary(12, 3, (6, 4, 2)), RULES, "c") is None
    assert cell_reason(CellSummary(10, 2, (5, 5)), Rules(dominantie_k=0.95), "c") == (
        "c: de 2 grootste huishoudens hebben meer dan 95 % van de kinderen (dominantieregel)"
    )


def test_model_rule_residual_degrees_of_freedom() -> None:
    assert check_model("m", 16, 6, [], RULES).released
    verdict = check_model("m", 15, 6, [], RULES)
    assert not verdict.released
    assert verdict.reasons == ["minder dan 10 resterende vrijheidsgraden (modelregel)"]


# -- withheld outputs -----------------------------------------------------------------------

EXTRA = """  - naam: zeldzaam
    kolom: zeldzaam
    titel: Zeldzaam
  - naam: een_gezin
    kolom: een_gezin
    titel: Een gezin
  - naam: dominant
    kolom: dominant
    titel: Dominant
"""


def _with_small_groups(table: pa.Table) -> pa.Table:
    """Three factors that fail one rule each: 6 children (threshold), 12 children of one
    household (single unit), 12 children of whom 10 in one household (dominance)."""
    n = table.num_rows
    households = table["huishouden"].to_pylist()
    rare = [0] * n
    one = [0] * n
    dominant = [0] * n
    for i in range(6):  # alone in their household: a factor holds for the whole household
        rare[1000 + 97 * i] = 1
        households[1000 + 97 * i] = f"HHTEST02{i:02d}"
    for i in range(12):
        one[i] = 1
        households[i] = "HHTEST0001"
    for i in range(12):
        dominant[200 + i] = 1
        households[200 + i] = "HHTEST0002" if i < 10 else f"HHTEST01{i:02d}"
    table = table.set_column(
        table.schema.get_field_index("huishouden"), "huishouden", pa.array(households)
    )
    for name, values in (("zeldzaam", rare), ("een_gezin", one), ("dominant", dominant)):
        table = table.append_column(name, pa.array(values, pa.int8()))
    return table


def test_outputs_failing_a_check_are_withheld_with_the_reason(tmp_path: Path) -> None:
    spec_path, table = write_research(tmp_path, seed=5, scale=0.2)
    write_research(tmp_path, table=_with_small_groups(table), spec_text=risk_spec("GM0505") + EXTRA)
    runner = CliRunner()
    result = runner.invoke(
        app, ["bron", "risicofactoren", str(spec_path), "--uit", str(tmp_path / "r.zip")]
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    for text in (
        "prevalentie zeldzaam: kinderen met zeldzaam: minder dan 10 kinderen (drempelregel)",
        "prevalentie een_gezin: kinderen met een_gezin: alle kinderen uit één huishouden",
        "prevalentie dominant: kinderen met dominant: de 2 grootste huishoudens hebben meer dan 90 %",
        "relatief risico zeldzaam:",
    ):
        assert text in output
    report = read_package(tmp_path / "r.zip").report
    assert "Achtergehouden (niet in dit pakket):" in report
    assert "- prevalentie dominant: kinderen met dominant: de 2 grootste huishoudens" in report
    rows = {
        line.split("|")[1].strip(): line for line in report.splitlines() if line.startswith("| ")
    }
    assert rows["Zeldzaam"].count("achtergehouden") == 4
    assert rows["Een gezin"].count("achtergehouden") == 4
    assert "achtergehouden" not in rows["Laag inkomen"]
    # the model runs without the failing factors and says which it used
    assert "Model: factoren laag_inkomen, bijstand, schulden, eenoudergezin, wmo_ouder;" in report
    # the manifest's estimates: a withheld output travels as the codes of its rules, no value
    field = read_package(tmp_path / "r.zip").manifest["risicofactoren"]
    factors = {f["naam"]: f for f in field["factoren"]}
    assert factors["zeldzaam"]["prevalentie"] == {"achtergehouden": ["drempel"]}
    assert factors["een_gezin"]["prevalentie"] == {"achtergehouden": ["een_huishouden"]}
    assert factors["dominant"]["prevalentie"] == {"achtergehouden": ["dominantie"]}
    for name in ("zeldzaam", "een_gezin", "dominant"):
        assert set(factors[name]["rr_ruw"]) == {"achtergehouden"}
        assert set(factors[name]["rr_gecorrigeerd"]) == {"achtergehouden"}
        assert "toe_te_schrijven" not in factors[name]
    assert field["model"]["factoren"] == [
        "laag_inkomen",
        "bijstand",
        "schulden",
        "eenoudergezin",
        "wmo_ouder",
    ]
    released = factors["laag_inkomen"]["rr_gecorrigeerd"]
    assert released["laag"] <= released["rr"] <= released["hoog"]
    assert released["kleinste_groep"] >= field["controle"]["minimum_aantal"]


def test_an_area_too_small_for_the_model_withholds_it(tmp_path: Path) -> None:
    _spec_path, table = write_research(tmp_path, seed=5, scale=0.2)
    small = table.slice(0, 14)  # 14 children, 6 parameters: 8 residual degrees of freedom
    write_research(tmp_path, table=small)
    results = estimate(aggregate_risk(load(tmp_path)))
    assert not results.model.released
    assert results.baseline is None
    assert all(f.adjusted is None and f.paf is None for f in results.factors)


# -- bad specs and data: coded errors, no content -------------------------------------------


def test_unknown_column_names_field_and_column(tmp_path: Path) -> None:
    spec_path, _ = write_research(tmp_path, scale=0.05)
    text = spec_path.read_text(encoding="utf-8").replace("kolom: schulden", "kolom: schuld")
    spec_path.write_text(text, encoding="utf-8")
    with pytest.raises(RiskColumnError) as err:
        aggregate_risk(load(tmp_path))
    assert err.value.code == "BB-RSK-002"
    assert "veld 'factoren.schulden.kolom': kolom 'schuld'" in err.value.message
    result = CliRunner().invoke(app, ["bron", "risicofactoren", str(spec_path)])
    assert result.exit_code == 2
    assert "Fout BB-RSK-002" in result.output
    assert not list(tmp_path.glob("*.zip"))


def test_values_that_are_not_yes_or_no_are_counted_never_shown(tmp_path: Path) -> None:
    _spec_path, table = write_research(tmp_path, scale=0.05)
    values = [str(v) for v in table["bijstand"].to_pylist()]
    values[3] = "Participatiewet 7719"
    values[4] = "2"
    table = table.set_column(table.schema.get_field_index("bijstand"), "bijstand", pa.array(values))
    write_research(tmp_path, table=table)
    with pytest.raises(RiskValueError) as err:
        aggregate_risk(load(tmp_path))
    assert err.value.code == "BB-RSK-003"
    assert err.value.message == "Waarden die geen 0/1 of ja/nee zijn: kolom 'bijstand': 2 regels."


def test_invalid_spec_names_line_and_field(tmp_path: Path) -> None:
    spec_path, _ = write_research(tmp_path, scale=0.05)
    text = spec_path.read_text(encoding="utf-8")
    spec_path.write_text(
        text.replace("    kolom: bijstand", "    kolom: schulden"), encoding="utf-8"
    )
    with pytest.raises(RiskSpecError) as err:
        load(tmp_path)
    assert err.value.code == "BB-RSK-001"
    assert "een kolom is twee keer gebruikt" in err.value.message
    spec_path.write_text(text.replace("uitkomst:", "uitkomsten:"), encoding="utf-8")
    with pytest.raises(RiskSpecError) as err:
        load(tmp_path)
    assert re.search(r"regel \d+, veld 'uitkomsten': onbekend veld", err.value.message)


def test_no_child_in_the_area(tmp_path: Path) -> None:
    spec_path, _ = write_research(tmp_path, scale=0.05)
    spec_path.write_text(
        spec_path.read_text(encoding="utf-8").replace("gemeente: GM0505", "gemeente: GM0363"),
        encoding="utf-8",
    )
    with pytest.raises(RiskDataError) as err:
        aggregate_risk(load(tmp_path))
    assert err.value.code == "BB-RSK-004"


def test_bad_rows_are_counted_per_reason(tmp_path: Path) -> None:
    _, table = write_research(tmp_path, scale=0.1)
    codes = table["buurtcode"].to_pylist()
    codes[0] = "BU99999999"
    codes[1] = codes[1][2:]  # digits only: still found
    outcome = table["jeugdhulp"].to_pylist()
    outcome[2] = None
    table = table.set_column(
        table.schema.get_field_index("buurtcode"), "buurtcode", pa.array(codes)
    )
    table = table.set_column(
        table.schema.get_field_index("jeugdhulp"), "jeugdhulp", pa.array(outcome, pa.int8())
    )
    write_research(tmp_path, table=table)
    agg = aggregate_risk(load(tmp_path))
    assert dict(agg.bad_rows) == {
        "buurtcode ontbreekt, is onbekend of ligt buiten het gebied": 1,
        "factor of uitkomst ontbreekt": 1,
    }
    assert agg.children == table.num_rows - 2


# -- the whole chain: package, intake, and nothing per person ------------------------------


def _ids(table: pa.Table) -> set[str]:
    kids = {str(v) for v in table["kind"].to_pylist()}
    return kids | {str(v) for v in pc.unique(table["huishouden"]).to_pylist()}


def test_package_imports_and_holds_no_row_per_child_or_household(
    tmp_path: Path, filled_workspace_template: Path
) -> None:
    folder = tmp_path / "onderzoek"
    runner = CliRunner()
    result = runner.invoke(
        app, ["bron", "genereer", str(folder), "--register", "wmo", "--risicofactoren"]
    )
    assert result.exit_code == 0, result.output
    spec = folder / "risicofactoren.yaml"
    before = {p for p in folder.rglob("*") if p.is_file()}
    result = runner.invoke(app, ["bron", "risicofactoren", str(spec)])
    assert result.exit_code == 0, result.output
    assert "Pakket gemaakt" in result.output
    written = {p for p in folder.rglob("*") if p.is_file()} - before
    package_path = folder / "risicofactoren_jeugdhulp-GM0505-2024.zip"
    assert package_path in written
    # everything the run wrote: the package, the key pair and the seed — no work files
    assert {p.name for p in written} == {
        package_path.name,
        ".buurtbeeld-zaad",
        ".buurtbeeld-sleutel-onderzoeksomgeving-demo",
        "onderzoeksomgeving-demo-sleutel.pub",
    }
    import pyarrow.parquet as pq

    research = pq.read_table(folder / "kinderen.parquet")
    ids = _ids(research)
    package = read_package(package_path)
    regions = {"GM0505"} | set(package.tables[FACTOR_COUNT_TABLE].data["regiocode"].to_pylist())
    for table in package.tables.values():
        assert set(table.data.column_names) <= TABLE_COLUMNS
        assert table.data.num_rows <= len(regions) * 5  # a cell per region and category
        assert set(table.data["niveau"].to_pylist()) <= {"gemeente", "wijk"}
    texts = [result.output]
    with zipfile.ZipFile(package_path) as zf:
        for name in zf.namelist():
            if not name.endswith(".parquet"):
                texts.append(zf.read(name).decode("utf-8"))
    texts.append(json.dumps(package.manifest))
    for text in texts:
        numbers = set(re.findall(r"\d{6,}|HH\d+", text))
        assert not numbers & ids, "an identifier of a child or household left the machine"
    # the report and the manifest hold shares and ratios, never an exact count of children
    children = str(research.num_rows)
    assert all(children not in text for text in texts[1:])
    assert "regels" not in package.manifest
    assert "score" not in package.report.lower().replace("risicoscore", "")
    # the platform takes it like any package
    root = tmp_path / "werkmap"
    copy_workspace(filled_workspace_template, root)
    public = folder / "onderzoeksomgeving-demo-sleutel.pub"
    result = runner.invoke(
        app, ["partner", "registreer", "onderzoek", str(public), "--werkmap", str(root)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["importeer-pakket", str(package_path), "--werkmap", str(root)])
    assert result.exit_code == 0, result.output
    assert "Pakket geaccepteerd" in result.output
    con = open_workspace(root).connect(read_only=True)
    try:
        stored = con.execute(
            "SELECT count(*), count(DISTINCT region_code) FROM observation WHERE indicator_id LIKE ?",
            [f"%{FACTOR_COUNT_TABLE}%"],
        ).fetchone()
    finally:
        con.close()
    assert stored is not None and stored[0] > 0 and stored[1] > 1


def test_run_is_reproducible(tmp_path: Path) -> None:
    write_research(tmp_path, seed=2, scale=0.1)
    first = run_risk(load(tmp_path), tmp_path / "a.zip")
    second = run_risk(load(tmp_path), tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert first.results.factors[0].adjusted == second.results.factors[0].adjusted


def test_a_csv_export_with_yes_no_values_gives_the_same_estimates(tmp_path: Path) -> None:
    import pyarrow.csv as pacsv

    _, table = write_research(tmp_path / "parquet", seed=4, scale=0.1)
    from_parquet = estimate(aggregate_risk(load(tmp_path / "parquet")))
    folder = tmp_path / "csv"
    write_research(folder, table=table)
    text = table
    for name in ("laag_inkomen", "bijstand", "schulden", "eenoudergezin", "wmo_ouder", "jeugdhulp"):
        yes_no = pc.if_else(pc.equal(table[name], 1), "Ja", "nee")
        text = text.set_column(text.schema.get_field_index(name), name, yes_no)
    pacsv.write_csv(
        text, folder / "kinderen.csv", pacsv.WriteOptions(delimiter=";", quoting_style="none")
    )
    spec = folder / "risicofactoren.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(
            "bestand: kinderen.parquet", "bestand: kinderen.csv"
        ),
        encoding="utf-8",
    )
    from_csv = estimate(aggregate_risk(load(folder)))
    assert from_csv.children == from_parquet.children
    for a, b in zip(from_csv.factors, from_parquet.factors, strict=True):
        assert a.adjusted == b.adjusted
        assert a.prevalence == b.prevalence


def test_without_a_household_key_every_child_is_its_own_household(tmp_path: Path) -> None:
    spec_path, _ = write_research(tmp_path, seed=6, scale=0.05)
    spec_path.write_text(
        spec_path.read_text(encoding="utf-8").replace("  huishouden: huishouden\n", ""),
        encoding="utf-8",
    )
    agg = aggregate_risk(load(tmp_path))
    assert agg.households == agg.children
    assert int(agg.groups.m.max()) == 1


def test_children_per_wijk_by_number_of_factors_match_a_direct_count(tmp_path: Path) -> None:
    _, table = write_research(tmp_path, seed=8, scale=0.1)
    agg = aggregate_risk(load(tmp_path))
    frame = table.to_pandas()
    factors = ["laag_inkomen", "bijstand", "schulden", "eenoudergezin", "wmo_ouder"]
    per_household = frame.groupby("huishouden")[factors].max().sum(axis=1).clip(upper=3)
    frame["nf"] = frame["huishouden"].map(per_household).astype(int)
    frame["wijk"] = "WK" + frame["buurtcode"].str[2:8]
    labels = {0: "0", 1: "1", 2: "2", 3: "3 of meer"}
    expected = {}
    for (wijk, nf), part in frame.groupby(["wijk", "nf"]):
        sizes = part.groupby("huishouden").size().sort_values(ascending=False)
        expected[(wijk, labels[nf])] = (len(part), len(sizes), tuple(sizes.iloc[:2]))
    for wijk, part in frame.groupby("wijk"):
        expected[(wijk, "totaal")] = (len(part), part["huishouden"].nunique(), None)
    expected[("GM0505", "totaal")] = (len(frame), frame["huishouden"].nunique(), None)
    for key, (children, households, largest) in expected.items():
        cell = agg.area_cells[key]
        assert (cell.children, cell.households) == (children, households), key
        if largest is not None:
            assert cell.largest == largest, key
    assert {k for k in agg.area_cells if k[0].startswith("WK")} == {
        k for k in expected if k[0].startswith("WK")
    }
