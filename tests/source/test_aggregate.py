"""Aggregation: distinct units, bad rows per reason, export quirks, periods, all levels."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.errors import ColumnError, InputFileError, SpecError
from buurtbeeld.source.spec import load_spec

B1, B2, B3 = "BU05050101", "BU05050102", "BU05050200"
LOOKUP = (
    "postcode;huisnummer;buurtcode\n3311AB;1;BU05050101\n3311 AB;2;05050102\n3312CD;;BU05050200\n"
)


def _cell(table: pa.Table, **where: str) -> int:
    rows = [r for r in table.to_pylist() if all(r[k] == v for k, v in where.items())]
    assert len(rows) <= 1, where
    return int(rows[0]["aantal"]) if rows else 0


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (folder / name).write_bytes(text.encode(encoding))


SPEC = """dataset: wmo
bron: test
gemeente: GM0505
bestanden:
  - pad: export.csv
    tekenset: cp1252
sleutels: {persoon: client, huishouden: hh}
regio: {postcode: pc, koppeltabel: {pad: pc.csv}}
periode: {begin: start, einde: eind, jaar: 2024}
dimensies:
  - naam: voorziening
    kolom: soort
    meerdere_per_eenheid: true
    waarden: {HbH: huishouden, Begeleiding: begeleiding, "Woonvoorziening – lift": wonen}
tabellen:
  - {naam: voorzieningen, titel: Wmo, dimensies: [voorziening]}
  - {naam: bijdrage, titel: Eigen bijdrage, maat: som, kolom: bedrag, dimensies: [voorziening]}
"""

ROWS = [
    # client; hh; pc; start; eind; soort; bedrag
    "C1;H1;3311 AB;01-03-2024;;HbH;1.234,50",  # valid (postcode with space)
    "C1;H1;3311ab;15-06-2024;30-09-2024;Begeleiding;10,00",  # same client, other category
    "C2;H2;3312cd;31-01-2023;;Woonvoorziening – lift;0,50",  # cp1252 en dash, open-ended
    "C2;H2;3312cd;31-01-2023;;Woonvoorziening – lift;0,50",  # exact duplicate
    "C3;H3;;01-01-2024;;HbH;1",  # missing postcode
    ";H4;3311AB;01-01-2024;;HbH;1",  # missing client number
    "C5;H5;9999ZZ;01-01-2024;;HbH;1",  # postcode not in the table
    "C6;H6;33X1AB;01-01-2024;;HbH;1",  # malformed postcode
    "C7;H7;3311AB;31-02-2024;;HbH;1",  # impossible date
    "C8;H8;3311AB;;;HbH;1",  # missing date
    "C9;H9;3311AB;01-05-2024;01-04-2024;HbH;1",  # end before start
    "C10;H10;3311AB;01-05-2024;;Onbekend;1",  # value not in 'waarden'
    "C11;H11;3311AB;01-05-2024;;HbH;-5,00",  # negative amount
    "C12;H12;3311AB;01-05-2024;;HbH;veel",  # not an amount
    "C13;H13;3311AB;01-05-2022;31-12-2022;HbH;1",  # valid but before the period
    "C14;H14;3311AB;1-2-2024;;HbH;2,5",  # one-digit day and month
    "C15;H15;3311AB;2024-02-29;;HbH;3",  # ISO date as fallback, leap day
]


@pytest.fixture
def quirky(tmp_path: Path) -> Path:
    header = "client;hh;pc;start;eind;soort;bedrag\n"
    _write(tmp_path, "export.csv", header + "\n".join(ROWS) + "\n", "cp1252")
    _write(tmp_path, "pc.csv", "postcode;buurtcode\n3311AB;BU05050101\n3312 CD;05050200\n")
    _write(tmp_path, "spec.yaml", SPEC)
    return tmp_path / "spec.yaml"


def test_bad_rows_are_counted_per_reason(quirky: Path) -> None:
    agg = aggregate(load_spec(quirky))
    assert agg.rows_read == len(ROWS)
    assert dict(agg.bad_rows) == {
        "dubbele regel (eenmaal geteld)": 1,
        "postcode ontbreekt": 1,
        "persoonsnummer ontbreekt": 1,
        "postcode niet in de koppeltabel": 1,
        "ongeldige postcode": 1,
        "onmogelijke datum": 1,
        "datum ontbreekt": 1,
        "einddatum voor begindatum": 1,
        "onbekende waarde (voorziening)": 1,
        "negatief bedrag (bedrag)": 1,
        "ongeldig bedrag (bedrag)": 1,
    }
    assert agg.outside_period == 1
    assert agg.valid_rows == len(ROWS) - 11


def test_distinct_units_at_every_level(quirky: Path) -> None:
    agg = aggregate(load_spec(quirky))
    by_kind = agg.table("voorzieningen").data
    total = agg.table("voorzieningen_totaal").data
    # C1 (two categories), C14, C15 in B1; C2 in B3 (open-ended since 2023)
    assert _cell(by_kind, regiocode=B1, voorziening="huishouden") == 3
    assert _cell(by_kind, regiocode=B1, voorziening="begeleiding") == 1
    assert _cell(by_kind, regiocode=B3, voorziening="wonen") == 1
    assert _cell(total, regiocode=B1) == 3  # a client with two voorzieningen counts once
    assert _cell(total, regiocode="WK050501") == 3
    assert _cell(total, regiocode="WK050502") == 1
    assert _cell(total, regiocode="GM0505") == 4
    assert _cell(by_kind, regiocode="GM0505", voorziening="huishouden") == 3
    assert "totaal" not in by_kind["voorziening"].to_pylist()  # not a sum: separate table
    assert agg.categories["voorziening"] == ["begeleiding", "huishouden", "wonen"]


def test_amounts_in_cents_with_decimal_comma_and_top_two(quirky: Path) -> None:
    agg = aggregate(load_spec(quirky))
    rows = {(r["regiocode"], r["voorziening"]): r for r in agg.table("bijdrage").data.to_pylist()}
    b1 = rows[(B1, "huishouden")]
    assert (b1["bijdragers"], b1["som_cent"]) == (3, 123450 + 250 + 300)
    assert (b1["top1_cent"], b1["top2_cent"]) == (123450, 300)
    gm = rows[("GM0505", "totaal")]
    assert gm["som_cent"] == 123450 + 1000 + 50 + 250 + 300  # the duplicate counts once
    assert gm["bijdragers"] == 4


def test_latest_record_decides_the_buurt(tmp_path: Path) -> None:
    _write(tmp_path, "pc.csv", LOOKUP)
    _write(
        tmp_path,
        "e.csv",
        "id;pc;nr;d\nP1;3311AB;1;01-01-2024\nP1;3311AB;2;01-06-2024\nP2;3311AB;2;01-01-2024\n"
        "P2;3311AB;1;01-06-2024\nP3;3311AB;7;01-06-2024\n",
    )
    _write(
        tmp_path,
        "s.yaml",
        """dataset: t
bron: t
gemeente: GM0505
bestanden: [{pad: e.csv}]
sleutels: {persoon: id}
regio: {postcode: pc, huisnummer: nr, koppeltabel: {pad: pc.csv, huisnummer: huisnummer}}
periode: {begin: d, jaar: 2024}
tabellen: [{naam: t, titel: t}]
""",
    )
    agg = aggregate(load_spec(tmp_path / "s.yaml"))
    data = agg.table("t").data
    assert _cell(data, regiocode=B2) == 1 and _cell(data, regiocode=B1) == 1  # P1 → B2, P2 → B1
    assert agg.bad_rows == {"postcode niet in de koppeltabel": 1}  # house number 7


def test_xlsx_with_buurtcodes_and_age_bands(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Blad1"
    sheet.append(["bsn", "buurt", "geboren", "begin", "einde"])
    sheet.append([123456780, "05050101", dt.date(2010, 5, 1), dt.date(2024, 3, 1), None])
    sheet.append([123456781, "bu05050101", dt.date(1950, 1, 1), "2024-03-01", "2024-12-31"])
    sheet.append([123456782, "BU05050101", dt.date(2006, 12, 31), dt.datetime(2024, 1, 1), None])
    sheet.append([123456783, "BU99999999", dt.date(2000, 1, 1), dt.date(2024, 1, 1), None])
    sheet.append([123456784, "", dt.date(2000, 1, 1), dt.date(2024, 1, 1), None])
    book.save(tmp_path / "j.xlsx")
    _write(
        tmp_path,
        "s.yaml",
        """dataset: jeugd
bron: t
gemeente: GM0505
bestanden: [{pad: j.xlsx, blad: Blad1}]
sleutels: {persoon: bsn}
regio: {buurtcode: buurt}
periode: {begin: begin, einde: einde, formaat: "%Y-%m-%d", jaar: 2024}
dimensies: [{naam: leeftijd, kolom: geboren, soort: leeftijd, klassen: [0, 18, 65], formaat: "%Y-%m-%d"}]
tabellen: [{naam: jongeren, titel: J, dimensies: [leeftijd]}]
""",
    )
    agg = aggregate(load_spec(tmp_path / "s.yaml"))
    data = agg.table("jongeren").data
    assert _cell(data, regiocode=B1, leeftijd="0-17") == 1  # born 2010
    assert _cell(data, regiocode=B1, leeftijd="18-64") == 1  # 18 on 31-12-2024
    assert _cell(data, regiocode=B1, leeftijd="65+") == 1
    assert _cell(data, regiocode=B1, leeftijd="totaal") == 3  # one band per person: a sum
    assert _cell(data, regiocode="GM0505", leeftijd="totaal") == 3
    assert agg.bad_rows == {
        "onbekende buurt (niet in gebied of indeling)": 1,
        "buurtcode ontbreekt": 1,
    }


def test_typed_parquet_stock_per_quarter(tmp_path: Path) -> None:
    table = pa.table(
        {
            "bsn": pa.array([1, 2, 3, 3], pa.int64()),
            "buurt": [B1, B1, B1, B2],
            "van": pa.array(
                [dt.date(2023, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 1, 1), dt.date(2024, 7, 1)]
            ),
            "tot": pa.array([None, dt.date(2024, 6, 30), dt.date(2024, 6, 30), None], pa.date32()),
        }
    )
    pq.write_table(table, tmp_path / "b.parquet")
    _write(
        tmp_path,
        "s.yaml",
        """dataset: bijstand
bron: t
gemeente: GM0505
bestanden: [{pad: b.parquet}]
sleutels: {persoon: bsn}
regio: {buurtcode: buurt}
periode: {soort: peildatum, begin: van, einde: tot, per: kwartaal, van: 2024-01-01, tot: 2024-12-31}
tabellen: [{naam: personen, titel: P}]
""",
    )
    agg = aggregate(load_spec(tmp_path / "s.yaml"))
    data = agg.table("personen").data
    assert [p.label for p in agg.periods] == ["2024-K1", "2024-K2", "2024-K3", "2024-K4"]
    assert [_cell(data, periode=p, regiocode=B1) for p in ("2024-K1", "2024-K2", "2024-K3")] == [
        3,
        3,
        1,
    ]
    assert _cell(data, periode="2024-K3", regiocode=B2) == 1


def test_csv_and_typed_parquet_in_one_delivery(tmp_path: Path) -> None:
    """Integer keys in a Parquet file meet text keys from a CSV file: the same person once.
    A typed date outside 1900-2100 is impossible, like a text one."""
    _write(tmp_path, "a.csv", "bsn;buurt;begin\n7;05050101;2024-01-01\n8;BU05050102;2024-02-01\n")
    table = pa.table(
        {
            "bsn": pa.array([7, 9, 10], pa.int32()),
            "buurt": [B2, B2, B2],
            "begin": pa.array([dt.date(2024, 3, 1), dt.date(2024, 3, 1), dt.date(2300, 1, 1)]),
        }
    )
    pq.write_table(table, tmp_path / "b.parquet")
    _write(
        tmp_path,
        "s.yaml",
        """dataset: t
bron: t
gemeente: GM0505
bestanden: [{pad: a.csv}, {pad: b.parquet}]
sleutels: {persoon: bsn}
regio: {buurtcode: buurt}
periode: {begin: begin, jaar: 2024}
tabellen: [{naam: t, titel: t}]
""",
    )
    agg = aggregate(load_spec(tmp_path / "s.yaml"))
    data = agg.table("t").data
    # person 7: latest record (March, Parquet) decides the buurt
    assert _cell(data, regiocode=B1) == 0
    assert _cell(data, regiocode=B2) == 3  # 7, 8 and 9
    assert _cell(data, regiocode="GM0505") == 3
    assert agg.bad_rows == {"onmogelijke datum": 1}


def test_counts_agree_with_a_plain_python_count(delivery: Path) -> None:
    spec = load_spec(delivery / "wmo.yaml")
    agg = aggregate(spec)
    with (delivery / "postcode_buurt.csv").open(encoding="utf-8") as handle:
        lookup = {r["postcode"]: r["buurtcode"] for r in csv.DictReader(handle, delimiter=";")}
    names = spec.dimension("voorziening").waarden or {}
    latest: dict[str, tuple[str, str]] = {}
    kinds: dict[str, set[str]] = defaultdict(set)
    with (delivery / "wmo_export.csv").open(encoding="cp1252") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            pc6 = row["postcode"].replace(" ", "").upper()
            day, month, year = (int(x) for x in row["startdatum"].split("-"))
            try:
                start = dt.date(year, month, day)
            except ValueError:
                continue  # impossible date: a bad row
            end = row["einddatum"]
            active = start <= dt.date(2024, 12, 31) and (
                not end or dt.datetime.strptime(end, "%d-%m-%Y").date() >= dt.date(2024, 1, 1)
            )
            if not pc6 or not active:
                continue
            key = f"{start:%Y%m%d}{lookup[pc6]}"
            if row["clientnr"] not in latest or key > latest[row["clientnr"]][0]:
                latest[row["clientnr"]] = (key, lookup[pc6])
            kinds[row["clientnr"]].add(names[row["voorziening"]])
    per_buurt: dict[str, int] = defaultdict(int)
    per_kind: dict[tuple[str, str], int] = defaultdict(int)
    for client, (_, buurt) in latest.items():
        per_buurt[buurt] += 1
        for kind in kinds[client]:
            per_kind[(buurt, kind)] += 1
    totals = {
        r["regiocode"]: r["aantal"]
        for r in agg.table("voorzieningen_totaal").data.to_pylist()
        if r["regiocode"].startswith("BU")
    }
    assert totals == dict(per_buurt)
    by_kind = {
        (r["regiocode"], r["voorziening"]): r["aantal"]
        for r in agg.table("voorzieningen").data.to_pylist()
        if r["regiocode"].startswith("BU")
    }
    assert by_kind == dict(per_kind)
    assert agg.bad_rows["dubbele regel (eenmaal geteld)"] > 0


def test_input_errors_never_quote_records(tmp_path: Path, quirky: Path) -> None:
    spec = quirky.read_text(encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(
        spec.replace("koppeltabel: {pad: pc.csv}", "koppeltabel: {pad: weg.csv}")
    )
    with pytest.raises(InputFileError, match=r"'weg\.csv' bestaat niet"):
        aggregate(load_spec(tmp_path / "spec.yaml"))
    (tmp_path / "spec.yaml").write_text(spec.replace("kolom: bedrag", "kolom: bedrag_eur"))
    with pytest.raises(ColumnError, match=r"ontbreken in 'export\.csv': bedrag_eur") as info:
        aggregate(load_spec(tmp_path / "spec.yaml"))
    assert info.value.code == "BB-SPEC-003"
    assert "C1" not in str(info.value)
    # a column used as a dimension with too many values (an identifier) is refused
    (tmp_path / "spec.yaml").write_text(
        spec.replace("    kolom: soort\n", "    kolom: client\n").replace(
            '    waarden: {HbH: huishouden, Begeleiding: begeleiding, "Woonvoorziening – lift": wonen}\n',
            "",
        )
    )
    rows = "\n".join(f"X{i};H;3311AB;01-01-2024;;HbH;1" for i in range(70))
    _write(tmp_path, "export.csv", "client;hh;pc;start;eind;soort;bedrag\n" + rows + "\n", "cp1252")
    with pytest.raises(SpecError, match="meer dan 60 verschillende waarden") as info:
        aggregate(load_spec(tmp_path / "spec.yaml"))
    assert "X1" not in str(info.value)


def test_rows_with_wrong_field_count_are_counted(tmp_path: Path, quirky: Path) -> None:
    text = (quirky.parent / "export.csv").read_bytes() + "C99;H99;3311AB;01-01-2024\n".encode(
        "cp1252"
    )
    (quirky.parent / "export.csv").write_bytes(text)
    agg = aggregate(load_spec(quirky))
    assert agg.bad_rows["regel met verkeerd aantal velden"] == 1
    assert agg.rows_read == len(ROWS) + 1
