"""Item 11 of issue 10: BSNs normalised before counting, and snapshot extracts without a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.source.aggregate import AggregatedTable, aggregate
from buurtbeeld.source.errors import SpecError
from buurtbeeld.source.package import read_package
from buurtbeeld.source.spec import load_spec, parse_spec

B1, B2 = "BU05050101", "BU05050102"


def _valid_bsns(first: int, count: int) -> list[int]:
    """BSNs passing the elfproef, from ``first`` up (check digit chosen by the weighted sum)."""
    out = []
    n8 = first
    while len(out) < count:
        digits = [int(c) for c in f"{n8:08d}"]
        check = sum(w * d for w, d in zip(range(9, 1, -1), digits, strict=True)) % 11
        if check <= 9:
            out.append(n8 * 10 + check)
        n8 += 1
    return out


# P1 and P3 start with a zero, as a spreadsheet loses it; P2 has nine significant digits
P1, P3 = _valid_bsns(5_331_477, 2)
(P2,) = _valid_bsns(41_122_233, 1)
assert P1 < 10**8 and P3 < 10**8 and P2 >= 10**8
ELF_FAIL = P2 + 1 if P2 % 10 < 9 else P2 - 1

ROWS = [
    # bsn; buurt; vorm; start
    f"{P1:09d};{B1};ambulant;2024-03-01",
    f"{P1};{B1};ambulant;2024-03-01",  # the same record with the leading zero lost
    f" {P1:09d} ;{B1};verblijf;2024-05-01",  # the same person, another hulpvorm
    f"{P1};{B1};ambulant;2024-06-01",  # the same person again, zero lost, a later record
    f"{P2};{B1};ambulant;2024-02-01",
    f"00{P3};{B2};verblijf;2024-04-01",  # two leading zeros too many: still P3
    "12345678x;BU05050101;ambulant;2024-04-01",
    "1234567890;BU05050101;ambulant;2024-04-01",
    f"{ELF_FAIL};{B1};ambulant;2024-04-01",
    f";{B1};ambulant;2024-04-01",
]
IDENTIFIERS = {str(P1), f"{P1:09d}", str(P2), str(P3), f"{P3:09d}", "12345678x", "1234567890"}
IDENTIFIERS.add(str(ELF_FAIL))

SPEC = """dataset: jeugd
bron: test
gemeente: GM0505
bestanden: [{pad: export.csv}]
sleutels:
  persoon: {kolom: bsn, soort: bsn}
regio: {buurtcode: buurt}
periode: {begin: start, formaat: "%Y-%m-%d", jaar: 2024}
dimensies: [{naam: hulpvorm, kolom: vorm, meerdere_per_eenheid: true}]
tabellen: [{naam: jongeren, titel: Jongeren met jeugdhulp, dimensies: [hulpvorm]}]
"""


def _count(table: AggregatedTable, **where: str) -> int:
    rows = [r for r in table.data.to_pylist() if all(r[k] == v for k, v in where.items())]
    return int(rows[0]["aantal"]) if rows else 0


@pytest.fixture
def bsn_delivery(tmp_path: Path) -> Path:
    (tmp_path / "export.csv").write_text(
        "bsn;buurt;vorm;start\n" + "\n".join(ROWS) + "\n", encoding="utf-8"
    )
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / ".buurtbeeld-zaad").write_text("1" * 64 + "\n", encoding="ascii")
    return tmp_path / "spec.yaml"


def test_bsns_with_lost_leading_zeros_are_one_person(bsn_delivery: Path) -> None:
    agg = aggregate(load_spec(bsn_delivery))
    assert agg.rows_read == len(ROWS)
    assert dict(agg.bad_rows) == {
        "dubbele regel (eenmaal geteld)": 1,
        "persoonsnummer (BSN) bevat andere tekens dan cijfers": 1,
        "persoonsnummer (BSN) heeft meer dan 9 cijfers": 1,
        "persoonsnummer (BSN) voldoet niet aan de elfproef": 1,
        "persoonsnummer ontbreekt": 1,
    }
    totals, by_kind = agg.table("jongeren_totaal"), agg.table("jongeren")
    assert _count(totals, regiocode=B1) == 2  # P1 (four records, three spellings) and P2
    assert _count(totals, regiocode=B2) == 1
    assert _count(totals, regiocode="GM0505") == 3
    assert _count(by_kind, regiocode=B1, hulpvorm="ambulant") == 2
    assert _count(by_kind, regiocode=B1, hulpvorm="verblijf") == 1


def test_an_opaque_key_is_only_trimmed(bsn_delivery: Path) -> None:
    """The default ``soort: sleutel`` keeps zeros: a client number's zeros may matter."""
    text = bsn_delivery.read_text(encoding="utf-8")
    bsn_delivery.write_text(text.replace("{kolom: bsn, soort: bsn}", "bsn"), encoding="utf-8")
    agg = aggregate(load_spec(bsn_delivery))
    assert "dubbele regel (eenmaal geteld)" not in agg.bad_rows
    assert _count(agg.table("jongeren_totaal"), regiocode=B1) == 6  # every spelling, 3 invalid


def test_no_identifier_in_any_output(bsn_delivery: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    check = runner.invoke(app, ["bron", "controleer", str(bsn_delivery)])
    made = runner.invoke(
        app, ["bron", "maak-pakket", str(bsn_delivery), "--uit", str(tmp_path / "p.zip")]
    )
    assert check.exit_code == 0 and made.exit_code == 0, check.output + made.output
    assert "elfproef" in check.output  # the reasons are counted, the values never shown
    package = read_package(tmp_path / "p.zip")
    texts = [check.output, made.output, package.report, str(package.manifest)]
    texts += [str(t.data.to_pylist()) for t in package.tables.values()]
    for text in texts:
        for identifier in IDENTIFIERS:
            assert identifier not in text


def test_spec_kinds_and_snapshot_rules_are_checked() -> None:
    with pytest.raises(SpecError, match=r"sleutels\.persoon\.soort.*ongeldige keuze"):
        parse_spec(SPEC.replace("soort: bsn", "soort: burgernummer"))
    snapshot = SPEC.replace(
        'periode: {begin: start, formaat: "%Y-%m-%d", jaar: 2024}',
        "periode: {peildatum: 2024-06-30}",
    )
    with pytest.raises(SpecError, match="niet de laatste dag van een jaar"):
        parse_spec(snapshot)
    ok = parse_spec(
        snapshot.replace("{peildatum: 2024-06-30}", "{peildatum: 2024-06-30, per: kwartaal}")
    )
    assert ok.periode.soort == "peildatum" and [p.label for p in ok.periode.periods()] == [
        "2024-K2"
    ]
    with pytest.raises(SpecError, match="niet beide"):
        parse_spec(
            snapshot.replace("{peildatum: 2024-06-30}", "{peildatum: 2024-12-31, jaar: 2024}")
        )
    with pytest.raises(SpecError, match="hoort bij soort 'peildatum'"):
        parse_spec(
            snapshot.replace("{peildatum: 2024-06-30}", "{peildatum: 2024-12-31, soort: gedurende}")
        )
    with pytest.raises(SpecError, match="stand zonder datumkolom"):
        parse_spec(SPEC.replace("begin: start, ", ""))


def _snapshot(folder: Path, day: dt.date) -> Path:
    """The bijstand export as a partner's 'stand per peildatum': who had bijstand on ``day``,
    without any date column."""
    table = pq.read_table(folder / "bijstand.parquet")
    active = pc.and_kleene(
        pc.less_equal(table["ingangsdatum"], day),
        pc.or_kleene(pc.is_null(table["einddatum"]), pc.greater_equal(table["einddatum"], day)),
    )
    stand = table.filter(active).drop_columns(["ingangsdatum", "einddatum"])
    pq.write_table(stand, folder / "stand.parquet")
    spec = (folder / "bijstand.yaml").read_text(encoding="utf-8")
    head, tail = spec.split("periode:\n")
    tail = tail[tail.index("tabellen:") :]
    text = head.replace("bijstand.parquet", "stand.parquet")
    text += "periode:\n  peildatum: 2024-12-31\n  per: kwartaal\n" + tail
    (folder / "stand.yaml").write_text(text, encoding="utf-8")
    return folder / "stand.yaml"


def test_a_snapshot_without_date_column_counts_as_the_dated_export(
    delivery: Path, tmp_path: Path
) -> None:
    spec = _snapshot(delivery, dt.date(2024, 12, 31))
    assert "ingangsdatum" not in pq.read_schema(delivery / "stand.parquet").names
    dated = aggregate(load_spec(delivery / "bijstand.yaml")).table("personen").data
    fourth = [r for r in dated.to_pylist() if r["periode"] == "2024-K4"]
    stand = aggregate(load_spec(spec))
    assert stand.outside_period == 0 and [p.label for p in stand.periods] == ["2024-K4"]
    assert stand.table("personen").data.to_pylist() == fourth

    result = CliRunner().invoke(
        app, ["bron", "maak-pakket", str(spec), "--uit", str(tmp_path / "stand.zip")]
    )
    assert result.exit_code == 0, result.output
    package = read_package(tmp_path / "stand.zip")
    assert package.periods == ["2024-K4"]
    assert package.manifest["periodesoort"] == "peildatum"
    assert "stand op 31-12-2024" in package.report
