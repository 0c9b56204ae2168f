"""A gemeente's own table per buurt (issue 17 item 3): codes, names and postcodes as region
keys, small counts hidden with the reason, bad input refused with coded Dutch errors."""

from __future__ import annotations

import csv
import random
import unicodedata
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.catalog.sources import public_by_default, source_key
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.own_table import import_own_table
from buurtbeeld.store.workspace import Workspace
from tests.conftest import shared_file
from tests.store.test_statline_import import fingerprint

DEFINITION = """\
tabel: schulden
bron: GGD Zuid-Holland Zuid
licentie: intern gebruik
regio: {{kolom: {region}, soort: {kind}{extra}}}
periode: {{kolom: jaar}}
aantallen: onbeveiligd
indicatoren:
  - kolom: schulden
    titel: Huishoudens met schulden
    eenheid: aantal
    telt: huishoudens
    richting: hoger_is_slechter
    thema: inkomen
  - kolom: huishoudens
    titel: Huishoudens (GGD)
    eenheid: aantal
  - id: eigen_schulden_pct
    titel: Aandeel huishoudens met schulden
    eenheid: procent
    decimalen: 1
    teller: schulden
    noemer: huishoudens
    factor: 100
    zichtbaarheid: openbaar
"""


def _buurten(workspace: Workspace, gemeente: str = "0505") -> list[str]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT code FROM region WHERE division_year = 2023 AND level = 'buurt' "
            "AND code LIKE ? ORDER BY code",
            [f"BU{gemeente}%"],
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def _figures(count: int, seed: int = 17) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        households = rng.randint(0, 900)
        out.append((rng.randint(0, min(households, 60)), households))
    return out


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _definition(tmp_path: Path, *, region: str, kind: str, extra: str = "") -> Path:
    path = tmp_path / "definitie.yaml"
    path.write_text(DEFINITION.format(region=region, kind=kind, extra=extra), encoding="utf-8")
    return path


def _stored(workspace: Workspace) -> dict[tuple[str, str], tuple[object, ...]]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT indicator_id, region_code, value, status, status_note FROM observation "
            "WHERE indicator_id LIKE 'eigen_%' AND period = '2024'"
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


def test_codes_with_and_without_prefix_small_counts_hidden_ratio_derived(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    buurten = _buurten(filled_workspace)
    figures = _figures(len(buurten))
    rows = [
        [code if i % 2 else code[2:], 2024, debts, households]
        for i, (code, (debts, households)) in enumerate(zip(buurten, figures, strict=True))
    ]
    data = _write_csv(
        tmp_path / "schulden.csv", ["buurtcode", "jaar", "schulden", "huishoudens"], rows
    )
    report = import_own_table(
        filled_workspace, data, _definition(tmp_path, region="buurtcode", kind="code")
    )
    assert report.rows == len(buurten) and report.periods == ["2024"]
    assert report.visibility == {
        "eigen_schulden_schulden": "intern",
        "eigen_schulden_huishoudens": "intern",
        "eigen_schulden_pct": "openbaar",
    }
    stored = _stored(filled_workspace)
    small = 0
    for code, (debts, households) in zip(buurten, figures, strict=True):
        if debts <= 7:  # cbs-zorg: counts 0..7 are not published
            assert stored[("eigen_schulden_schulden", code)] == (None, "hidden", "klein_aantal")
            assert stored[("eigen_schulden_pct", code)][1:] == ("hidden", "invoer_verborgen")
            small += 1
        else:
            assert stored[("eigen_schulden_schulden", code)] == (debts, "value", None)
            if households >= 100:
                value = stored[("eigen_schulden_pct", code)][0]
                assert value == pytest.approx(debts / households * 100)
        # households are not a count the definition marks as people: published as given
        assert stored[("eigen_schulden_huishoudens", code)] == (households, "value", None)
    assert small > 0 and report.markers == {"klein_aantal": small}
    # "no polygon on the map" names the table's regions only, not those of the whole country
    listed = {c for codes in report.regions_without_boundary.values() for c in codes}
    assert listed <= set(buurten) and _without_polygon(filled_workspace) - set(buurten)
    again = import_own_table(filled_workspace, data, tmp_path / "definitie.yaml")
    assert again.already_imported
    cube = Cube(filled_workspace)
    try:
        catalog = cube.catalog(builtin_catalog())
    finally:
        cube.close()
    assert catalog.get("eigen_schulden_schulden").theme == "inkomen"
    assert catalog.get("eigen_schulden_pct").licence == "intern gebruik"
    # an own table is its own source, internal until a beheerder publishes it (issue 12)
    key = source_key(catalog.get("eigen_schulden_schulden"))
    assert key == "tabel:schulden" and not public_by_default(key)


def _without_polygon(workspace: Workspace) -> set[str]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT code FROM region WHERE division_year = 2023 AND level <> 'land' "
            "AND code NOT IN (SELECT code FROM boundary)"
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def _names(workspace: Workspace) -> dict[str, str]:
    """Give the workspace CBS's real buurt names of Dordrecht (what issue 13 brings)."""
    table = pq.read_table(shared_file("gwb_namen_2024.parquet"), columns=["code", "name"])
    names = {
        c: n
        for c, n in zip(table["code"].to_pylist(), table["name"].to_pylist(), strict=True)
        if c.startswith("BU0505")
    }
    con = workspace.connect()
    try:
        for code, name in names.items():
            con.execute(
                "UPDATE region SET name = ? WHERE code = ? AND division_year = 2023", [name, code]
            )
    finally:
        con.close()
    return {c: names[c] for c in _buurten(workspace) if c in names}


def _shout(name: str) -> str:
    """Upper case, accents added on every 'e' and stripped elsewhere: still the same name."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return plain.upper().replace("E", "É")


@pytest.mark.shared_data
def test_names_match_accent_and_case_insensitively_and_report_what_did_not(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    names = _names(filled_workspace)
    figures = _figures(len(names), seed=3)
    rows = [[_shout(n), 2024, d, h] for n, (d, h) in zip(names.values(), figures, strict=True)]
    definition = _definition(
        tmp_path, region="buurt", kind="naam", extra=", niveau: buurt, gemeente: GM0505"
    )
    bad = _write_csv(
        tmp_path / "namen.csv",
        ["buurt", "jaar", "schulden", "huishoudens"],
        [*rows, ["Bestaat Nergens", 2024, 20, 200]],
    )
    before = fingerprint(filled_workspace)
    with pytest.raises(BuurtbeeldError) as err:
        import_own_table(filled_workspace, bad, definition)
    assert err.value.code == "BB-TAB-004" and "'Bestaat Nergens' (onbekend)" in err.value.message
    assert fingerprint(filled_workspace) == before
    report = import_own_table(filled_workspace, bad, definition, skip_unknown=True)
    assert "Bestaat Nergens" in report.warnings[0]
    stored = _stored(filled_workspace)
    for code, (debts, households) in zip(names, figures, strict=True):
        assert stored[("eigen_schulden_huishoudens", code)][0] == households
        if debts > 7:
            assert stored[("eigen_schulden_schulden", code)][0] == debts


def test_postcodes_with_a_lookup_table_are_summed_per_buurt(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    buurten = _buurten(filled_workspace)[:20]
    rng = random.Random(5)
    lookup, rows, expected = [], [], {c: [0, 0] for c in buurten}
    for number in range(120):
        postcode = f"33{number // 26:02d} {chr(65 + number % 26)}B"
        code = buurten[number % len(buurten)]
        lookup.append([postcode.replace(" ", ""), code])
        debts, households = rng.randint(0, 9), rng.randint(10, 60)
        rows.append([postcode, 2024, debts, households])
        expected[code][0] += debts
        expected[code][1] += households
    _write_csv(tmp_path / "pc6.csv", ["postcode", "buurtcode"], lookup)
    data = _write_csv(tmp_path / "pc.csv", ["pc6", "jaar", "schulden", "huishoudens"], rows)
    definition = _definition(
        tmp_path, region="pc6", kind="postcode", extra=", postcodetabel: pc6.csv"
    )
    report = import_own_table(filled_workspace, data, definition)
    assert report.rows == 20
    stored = _stored(filled_workspace)
    for code, (debts, households) in expected.items():
        assert stored[("eigen_schulden_huishoudens", code)][0] == households
        got = stored[("eigen_schulden_schulden", code)]
        assert got == ((None, "hidden", "klein_aantal") if debts <= 7 else (debts, "value", None))


def _text(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("onbekende-regio", "BB-TAB-003"),
        ("dubbele-regio", "BB-TAB-007"),
        ("tekst-in-waarde", "BB-TAB-008"),
        ("ontbrekende-kolom", "BB-TAB-002"),
        ("strikt", "BB-TAB-009"),
        ("kapotte-definitie", "BB-TAB-001"),
        ("postcode-percentage", "BB-TAB-011"),
    ],
)
def test_bad_input_is_refused_with_a_coded_dutch_error_and_nothing_changes(
    filled_workspace: Workspace, tmp_path: Path, case: str, code: str
) -> None:
    buurten = _buurten(filled_workspace)[:10]
    rows: list[list[object]] = [[c, 2024, 20, 300] for c in buurten]
    if case == "onbekende-regio":
        rows.append(["BU05059999", 2024, 20, 300])
    if case == "dubbele-regio":
        rows.append([buurten[0][2:], 2024, 30, 300])
    if case == "tekst-in-waarde":
        rows[4][2] = "geheim-getal-17"
    data = _write_csv(tmp_path / "t.csv", ["buurtcode", "jaar", "schulden", "huishoudens"], rows)
    definition = _definition(tmp_path, region="buurtcode", kind="code")
    if case == "ontbrekende-kolom":
        _text(definition, "kolom: huishoudens", "kolom: huishoudens_2024")
    if case == "kapotte-definitie":
        _text(definition, "eenheid: aantal\n    telt", "eenheid: aantal\n    kleur: rood\n    telt")
    if case == "postcode-percentage":
        _write_csv(tmp_path / "pc6.csv", ["postcode", "buurtcode"], [[c, c] for c in buurten])
        _text(definition, "soort: code", "soort: postcode, postcodetabel: pc6.csv")
        _text(
            definition,
            "titel: Huishoudens (GGD)\n    eenheid: aantal",
            "titel: H\n    eenheid: procent",
        )
    before = fingerprint(filled_workspace)
    with pytest.raises(BuurtbeeldError) as err:
        import_own_table(filled_workspace, data, definition, strict=case == "strikt")
    assert err.value.code == code and err.value.hint
    assert "geheim-getal" not in err.value.message  # no cell of the file is echoed
    assert fingerprint(filled_workspace) == before


def test_parquet_file_with_a_fixed_period(filled_workspace: Workspace, tmp_path: Path) -> None:
    buurten = _buurten(filled_workspace)[:5]
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"code": buurten, "schulden": [10, 11, 12, 13, 3], "huishoudens": [100] * 5}),
        path,
    )
    definition = _definition(tmp_path, region="code", kind="code")
    _text(definition, "periode: {kolom: jaar}", "periode: {waarde: '2024'}")
    report = import_own_table(filled_workspace, path, definition)
    assert report.periods == ["2024"] and report.markers == {"klein_aantal": 1}


def test_xlsx_codes_whose_leading_zero_the_spreadsheet_dropped(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    """Excel turns the code 05050101 into the number 5050101 (and wijk 050501 into 50501):
    each is still the only region it can be, so it is found; with 'niveau: wijk' a buurt
    number is not taken for a wijk."""
    buurten = _buurten(filled_workspace)[:6]
    wijken = sorted({"WK" + c[2:8] for c in buurten})
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "jaar", "schulden", "huishoudens"])
    for number, code in enumerate([*buurten, *wijken]):
        sheet.append([int(code[2:]), 2024, 10 + number, 200])
    book.save(tmp_path / "t.xlsx")
    definition = _definition(tmp_path, region="code", kind="code")
    report = import_own_table(filled_workspace, tmp_path / "t.xlsx", definition)
    assert report.rows == len(buurten) + len(wijken)
    stored = _stored(filled_workspace)
    for number, code in enumerate([*buurten, *wijken]):
        assert stored[("eigen_schulden_schulden", code)] == (10 + number, "value", None)
    before = fingerprint(filled_workspace)
    _text(definition, "soort: code", "soort: code, niveau: wijk")
    with pytest.raises(BuurtbeeldError) as err:
        import_own_table(filled_workspace, tmp_path / "t.xlsx", definition)
    assert err.value.code == "BB-TAB-003" and f"'{int(buurten[0][2:])}'" in err.value.message
    assert fingerprint(filled_workspace) == before
