"""Pseudonymised extracts for stapeling (issue 11 item 1): the link key, the pseudonyms, the
units per period (equal to what the package counts), BSN rules and the file's metadata."""

from __future__ import annotations

import base64
import hmac
import json
import os
import pickle
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.link_key import LinkKey, LinkKeyError, create_key_file
from buurtbeeld.source.pseudonym import (
    SCHEMA,
    ExtractFileError,
    pseudonymise,
    read_extract_meta,
)
from buurtbeeld.source.spec import load_spec
from tests.source.test_keys_and_snapshots import ELF_FAIL, P1, P2, P3, ROWS, SPEC


def _secret(path: Path) -> bytes:
    """The key bytes, read from the key file by the test itself."""
    line = next(x for x in path.read_text("ascii").splitlines() if x.startswith("sleutel:"))
    return base64.b64decode(line.split(":", 1)[1].strip())


def _reference(secret: bytes, value: str) -> int:
    digest = hmac.new(secret, value.encode("utf-8"), "sha256").digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "project.sleutel"
    create_key_file(path, "stapeling-test")
    return path


# -- the key -----------------------------------------------------------------------------------


def test_pseudonyms_are_the_hmac_reference(key_file: Path) -> None:
    key = LinkKey.load(key_file)
    secret = _secret(key_file)
    values = ["053314773", "123456782", "HH00000042", "client ü 7", "053314773"]
    got = key.pseudonyms(pa.array([*values, None])).to_pylist()
    assert got[:-1] == [_reference(secret, v) for v in values]
    assert got[-1] is None
    assert got[0] == got[4] and len(set(got[:4])) == 4
    # a chunked, dictionary-encoded input gives the same numbers
    chunked = pa.chunked_array([pa.array(values[:2]), pa.array(values[2:])]).dictionary_encode()
    assert key.pseudonyms(chunked).to_pylist() == got[:-1]
    with pytest.raises(TypeError):
        key.pseudonyms(pa.array([1, 2]))


def test_check_value_shows_the_same_key_without_revealing_it(
    tmp_path: Path, key_file: Path
) -> None:
    first, again = LinkKey.load(key_file), LinkKey.load(key_file)
    expected = hmac.new(_secret(key_file), b"buurtbeeld-koppelsleutel-controle", "sha256")
    assert first.check_value == again.check_value == expected.digest()[:16].hex()
    other = create_key_file(tmp_path / "ander.sleutel", "stapeling-test")
    assert other.check_value != first.check_value
    assert other.project == first.project == "stapeling-test"


def test_key_file_is_private_new_and_never_shown(tmp_path: Path, key_file: Path) -> None:
    assert key_file.stat().st_mode & 0o777 == 0o600
    lines = key_file.read_text("ascii").splitlines()
    assert lines[:2] == ["buurtbeeld-koppelsleutel 1", "project: stapeling-test"]
    secret = _secret(key_file)
    assert len(secret) == 32
    before = key_file.read_bytes()
    with pytest.raises(LinkKeyError) as exists:
        create_key_file(key_file, "ander")
    assert exists.value.code == "BB-PSE-004"
    assert key_file.read_bytes() == before
    key = LinkKey.load(key_file)
    shown = repr(key) + str(key) + repr([key]) + str(vars(key))
    assert secret.hex() not in shown and base64.b64encode(secret).decode() not in shown
    assert "stapeling-test" in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)


@pytest.mark.parametrize(
    ("content", "mode", "code"),
    [
        (None, 0o600, "BB-PSE-001"),
        ("buurtbeeld-koppelsleutel 1\nproject: x\nsleutel: bm90LWdvb2Q=\n", 0o600, "BB-PSE-002"),
        ("buurtbeeld-koppelsleutel 2\nproject: x\nsleutel: AAAA\n", 0o600, "BB-PSE-002"),
        ("geheim-dat-niet-getoond-mag-worden\n", 0o600, "BB-PSE-002"),
        ("OK", 0o644, "BB-PSE-003"),
    ],
)
def test_bad_key_files_give_clear_errors_without_content(
    tmp_path: Path, key_file: Path, content: str | None, mode: int, code: str
) -> None:
    path = tmp_path / "kapot.sleutel"
    if content == "OK":
        path.write_bytes(key_file.read_bytes())
    elif content is not None:
        path.write_text(content, encoding="ascii")
    if path.exists():
        path.chmod(mode)
    with pytest.raises(LinkKeyError) as err:
        LinkKey.load(path)
    assert err.value.code == code
    text = str(err.value)
    assert "geheim" not in text and "bm90LWdvb2Q" not in text
    assert base64.b64encode(_secret(key_file)).decode() not in text


def test_project_names_are_plain(tmp_path: Path) -> None:
    with pytest.raises(LinkKeyError) as err:
        create_key_file(tmp_path / "x.sleutel", "project\nsleutel: AAAA")
    assert err.value.code == "BB-PSE-005"
    assert not (tmp_path / "x.sleutel").exists()


# -- BSNs ----------------------------------------------------------------------------------------


def test_bsns_normalise_to_one_pseudonym_and_failures_are_counted_not_hashed(
    tmp_path: Path, key_file: Path
) -> None:
    (tmp_path / "export.csv").write_text(
        "bsn;buurt;vorm;start\n" + "\n".join(ROWS) + "\n", encoding="utf-8"
    )
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    key, secret = LinkKey.load(key_file), _secret(key_file)
    extract = pseudonymise(load_spec(tmp_path / "spec.yaml"), key, tmp_path / "uit.parquet")
    table = pq.read_table(extract.path)
    assert table.schema.remove_metadata() == SCHEMA
    persons = table["persoon"].to_pylist()
    # P1 (with and without its leading zero, with spaces), P2 and P3 (two extra zeros): one each
    assert sorted(persons) == sorted(_reference(secret, f"{p:09d}") for p in (P1, P2, P3))
    bad = extract.meta.regels.ongeldig_per_reden
    assert bad == {
        "dubbele regel (eenmaal geteld)": 1,
        "persoonsnummer (BSN) bevat andere tekens dan cijfers": 1,
        "persoonsnummer (BSN) heeft meer dan 9 cijfers": 1,
        "persoonsnummer (BSN) voldoet niet aan de elfproef": 1,
        "persoonsnummer ontbreekt": 1,
    }
    failed = [str(ELF_FAIL), f"{ELF_FAIL:09d}", "12345678x", "1234567890", str(P1)]
    assert not {_reference(secret, v) for v in failed[:-1]} & set(persons)
    assert _reference(secret, str(P1)) not in persons  # only the nine-digit form is hashed
    assert table["huishouden"].null_count == table.num_rows  # the spec has no household key


# -- the demo registers ------------------------------------------------------------------------


def _pseudonyms(path: Path, column: str) -> set[int]:
    return {v for v in pq.read_table(path, columns=[column])[column].to_pylist() if v is not None}


def test_the_same_person_gets_the_same_pseudonym_in_two_registers(
    delivery: Path, key_file: Path, tmp_path: Path
) -> None:
    key, secret = LinkKey.load(key_file), _secret(key_file)
    other = create_key_file(tmp_path / "ander.sleutel", "ander-project")
    wmo_spec, bij_spec = load_spec(delivery / "wmo.yaml"), load_spec(delivery / "bijstand.yaml")
    debt_spec = load_spec(delivery / "schuldsignalen.yaml")
    wmo = pseudonymise(wmo_spec, key, delivery / "wmo.parquet").path
    bij = pseudonymise(bij_spec, key, delivery / "bij.parquet").path
    debt = pseudonymise(debt_spec, key, delivery / "debt.parquet").path
    bij_other = pseudonymise(bij_spec, other, delivery / "bij-ander.parquet").path
    # the raw identifiers, read by the test: wmo has text client numbers, bijstand typed integers
    raw_wmo = pcsv.read_csv(
        delivery / "wmo_export.csv",
        read_options=pcsv.ReadOptions(encoding="cp1252"),
        parse_options=pcsv.ParseOptions(delimiter=";"),
        convert_options=pcsv.ConvertOptions(column_types={"clientnr": pa.string()}),
    )
    raw_bij = pq.read_table(delivery / "bijstand.parquet")
    wmo_ids = set(raw_wmo["clientnr"].to_pylist())
    bij_ids = {str(v) for v in raw_bij["bsn"].to_pylist()}
    ref = {v: _reference(secret, v) for v in wmo_ids | bij_ids}
    persons_wmo, persons_bij = _pseudonyms(wmo, "persoon"), _pseudonyms(bij, "persoon")
    assert persons_wmo <= {ref[v] for v in wmo_ids}
    assert persons_bij <= {ref[v] for v in bij_ids}
    both = persons_wmo & persons_bij
    assert both and both <= {ref[v] for v in wmo_ids & bij_ids}
    # households: wmo carries the household of each person's latest record; debts count them
    hh_wmo, hh_debt = _pseudonyms(wmo, "huishouden"), _pseudonyms(debt, "huishouden")
    raw_hh = {str(v) for v in raw_wmo["huishoudnr"].to_pylist()}
    assert hh_wmo <= {_reference(secret, v) for v in raw_hh}
    assert hh_wmo & hh_debt
    # another key: nothing links, and the check values differ
    assert not persons_wmo & _pseudonyms(bij_other, "persoon")
    meta, meta_other = read_extract_meta(bij), read_extract_meta(bij_other)
    assert meta.sleutelcontrole == read_extract_meta(wmo).sleutelcontrole
    assert meta.sleutelcontrole != meta_other.sleutelcontrole
    assert (meta.project, meta_other.project) == ("stapeling-test", "ander-project")


def _cells(table: pa.Table, dims: list[str]) -> dict[tuple[str, str], int]:
    out = {}
    for row in table.to_pylist():
        if all(row[d] == "totaal" for d in dims):
            out[(row["periode"], row["regiocode"])] = int(row["aantal"])
    return out


@pytest.mark.parametrize(
    ("register", "table", "column"),
    [
        ("wmo", "voorzieningen_totaal", "persoon"),
        ("bijstand", "personen", "persoon"),
        ("schuldsignalen", "huishoudens_totaal", "huishouden"),
    ],
)
def test_units_per_period_equal_what_the_package_counts(
    delivery: Path, key_file: Path, register: str, table: str, column: str
) -> None:
    spec = load_spec(delivery / f"{register}.yaml")
    extract = pseudonymise(spec, LinkKey.load(key_file), delivery / "uit.parquet")
    agg = aggregate(spec)
    counts = extract.counts
    assert (counts.rows_read, counts.bad_rows, counts.outside_period) == (
        agg.rows_read,
        agg.bad_rows,
        agg.outside_period,
    )
    counted = agg.table(table)
    expected = _cells(counted.data, counted.dimensions)
    rows = pq.read_table(extract.path).to_pylist()
    assert len({(r["periode"], r[column]) for r in rows}) == len(rows)  # one row per unit
    got: dict[tuple[str, str], int] = {}
    for r in rows:
        got[(r["periode"], r["buurt"])] = got.get((r["periode"], r["buurt"]), 0) + 1
        gm = (r["periode"], "GM" + r["buurt"][2:6])
        got[gm] = got.get(gm, 0) + 1
    buurt_level = {k: v for k, v in expected.items() if k[1].startswith(("BU", "GM"))}
    assert got == buurt_level
    assert sum(v for k, v in got.items() if k[1].startswith("GM")) == len(rows)
    assert extract.units_per_period == {
        p: v for (p, region), v in expected.items() if region == "GM0505"
    }
    assert {r["maand"] % 100 for r in rows} <= set(range(1, 13))
    assert max(r["maand"] for r in rows) <= 202412


# -- the file ------------------------------------------------------------------------------------


def test_metadata_follows_the_contract(delivery: Path, key_file: Path) -> None:
    spec = load_spec(delivery / "bijstand.yaml")
    extract = pseudonymise(spec, LinkKey.load(key_file), delivery / "uit.parquet")
    assert extract.path.stat().st_mode & 0o777 == 0o600
    raw = json.loads(pq.read_schema(extract.path).metadata[b"buurtbeeld"])
    assert set(raw) == {
        "formaat", "versie", "dataset", "bron", "eenheid", "gemeenten", "indelingsjaar",
        "perioden", "periodesoort", "sleutelcontrole", "project", "regels", "spec_sha256",
        "software",
    }  # fmt: skip
    assert (raw["formaat"], raw["versie"], raw["eenheid"]) == (
        "buurtbeeld-pseudoniemen",
        1,
        "personen",
    )
    assert raw["perioden"] == ["2024-K1", "2024-K2", "2024-K3", "2024-K4"]
    assert (raw["periodesoort"], raw["gemeenten"], raw["dataset"]) == (
        "peildatum",
        ["GM0505"],
        "bijstand",
    )
    assert raw["spec_sha256"] == spec.sha256()
    assert raw["regels"]["gelezen"] == raw["regels"]["geldig"] + sum(
        raw["regels"]["ongeldig_per_reden"].values()
    )
    assert read_extract_meta(extract.path).model_dump() == raw


def test_files_that_are_not_extracts_are_refused(
    tmp_path: Path, delivery: Path, key_file: Path
) -> None:
    good = pseudonymise(
        load_spec(delivery / "schuldsignalen.yaml"),
        LinkKey.load(key_file),
        tmp_path / "goed.parquet",
    ).path
    table = pq.read_table(good)
    meta = json.loads(table.schema.metadata[b"buurtbeeld"])
    cases = {
        "geen-meta": table.replace_schema_metadata({}),
        "versie": table.replace_schema_metadata({b"buurtbeeld": json.dumps({**meta, "versie": 2})}),
        "veld": table.replace_schema_metadata({b"buurtbeeld": json.dumps({**meta, "extra": 1})}),
        "kolom": table.append_column("leeftijd", pa.array([1] * table.num_rows)),
    }
    for name, bad in cases.items():
        pq.write_table(bad, tmp_path / f"{name}.parquet")
        with pytest.raises(ExtractFileError) as err:
            read_extract_meta(tmp_path / f"{name}.parquet")
        assert err.value.code == "BB-PSE-007", name
    (tmp_path / "tekst.parquet").write_text("geen parquet", encoding="utf-8")
    with pytest.raises(ExtractFileError):
        read_extract_meta(tmp_path / "tekst.parquet")


def test_an_interrupted_run_leaves_nothing_and_keeps_the_old_file(
    delivery: Path, key_file: Path
) -> None:
    spec, key = load_spec(delivery / "schuldsignalen.yaml"), LinkKey.load(key_file)
    target = delivery / "uit.parquet"
    pseudonymise(spec, key, target)
    before = target.read_bytes()

    def stop(step: str) -> None:
        if step == "Schrijven":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pseudonymise(spec, key, target, progress=stop)
    assert target.read_bytes() == before
    assert sorted(p.name for p in delivery.glob(".uit.parquet*")) == []


def test_an_extract_never_overwrites_an_input(delivery: Path, key_file: Path) -> None:
    spec = load_spec(delivery / "bijstand.yaml")
    with pytest.raises(Exception) as err:
        pseudonymise(spec, LinkKey.load(key_file), delivery / "bijstand.parquet")
    assert getattr(err.value, "code", None) == "BB-PSE-006"
    assert os.path.getsize(delivery / "bijstand.parquet") > 0
    with pytest.raises(Exception) as missing:
        pseudonymise(spec, LinkKey.load(key_file), delivery / "geen-map" / "x.parquet")
    assert getattr(missing.value, "code", None) == "BB-PSE-006"


def test_a_person_carries_the_household_of_the_latest_record(
    tmp_path: Path, key_file: Path
) -> None:
    """The household key is carried although no table counts households: rows that differ
    only in it are still one duplicate (as the package counts them)."""
    b1, b2 = "BU05050101", "BU05050102"
    rows = [
        f"{P1};HH-A;{b1};2024-03-01",
        f"{P1};HH-B;{b1};2024-03-01",  # a duplicate for the counting: the larger household
        f"{P2};HH-C;{b1};2024-02-01",
        f"{P2};HH-D;{b2};2024-06-01",  # the latest record: buurt, month and household
        f"{P3};HH-E;{b1};2024-01-01",
        f"{P3};;{b2};2024-04-01",  # the latest record has no household: unknown
    ]
    (tmp_path / "export.csv").write_text(
        "bsn;hh;buurt;start\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    spec_text = (
        SPEC.replace(
            "persoon: {kolom: bsn, soort: bsn}",
            "persoon: {kolom: bsn, soort: bsn}\n  huishouden: hh",
        )
        .replace("dimensies: [{naam: hulpvorm, kolom: vorm, meerdere_per_eenheid: true}]\n", "")
        .replace(", dimensies: [hulpvorm]", "")
    )
    (tmp_path / "spec.yaml").write_text(spec_text, encoding="utf-8")
    spec = load_spec(tmp_path / "spec.yaml")
    secret = _secret(key_file)
    extract = pseudonymise(spec, LinkKey.load(key_file), tmp_path / "uit.parquet")
    agg = aggregate(spec)
    assert extract.counts.bad_rows == agg.bad_rows == {"dubbele regel (eenmaal geteld)": 1}
    got = {
        r["persoon"]: (r["huishouden"], r["buurt"], r["maand"])
        for r in pq.read_table(extract.path).to_pylist()
    }
    assert got == {
        _reference(secret, f"{P1:09d}"): (_reference(secret, "HH-B"), b1, 202403),
        _reference(secret, f"{P2:09d}"): (_reference(secret, "HH-D"), b2, 202406),
        _reference(secret, f"{P3:09d}"): (None, b2, 202404),
    }


TYPED_SPEC = """dataset: getypt
bron: test
gemeente: GM0505
bestanden: [{pad: getypt.parquet}]
sleutels:
  persoon: {kolom: bsn, soort: bsn}
  huishouden: hh
regio: {buurtcode: buurt}
periode: {soort: peildatum, begin: start, einde: einde, per: kwartaal, van: 2024-01-01, tot: 2024-06-30}
tabellen: [{naam: personen, titel: Personen}]
"""


def write_typed(folder: Path) -> Path:
    """Typed Parquet: integer BSNs and integer household numbers, two quarters."""
    import datetime as dt

    table = pa.table(
        {
            "bsn": pa.array([P1, P1, P2, P3, None], pa.int64()),
            "hh": pa.array([7, 9, 7, None, 5], pa.int64()),
            "buurt": pa.array(
                ["BU05050101", "BU05050102", "BU05050101", "BU05050102", "BU05050101"]
            ),
            "start": pa.array(
                [
                    dt.date(2024, 1, 5),
                    dt.date(2024, 5, 1),
                    dt.date(2024, 2, 1),
                    dt.date(2024, 3, 3),
                    dt.date(2024, 1, 1),
                ]
            ),
            "einde": pa.nulls(5, pa.date32()),  # open: active on every later reference day
        }
    )
    pq.write_table(table, folder / "getypt.parquet")
    (folder / "getypt.yaml").write_text(TYPED_SPEC, encoding="utf-8")
    return folder / "getypt.yaml"


def test_integer_keys_give_the_pseudonyms_of_their_digits(tmp_path: Path, key_file: Path) -> None:
    spec = load_spec(write_typed(tmp_path))
    secret = _secret(key_file)
    extract = pseudonymise(spec, LinkKey.load(key_file), tmp_path / "uit.parquet")
    rows = {
        (r["periode"], r["persoon"]): (r["huishouden"], r["buurt"], r["maand"])
        for r in pq.read_table(extract.path).to_pylist()
    }
    p1, p2, p3 = (_reference(secret, f"{p:09d}") for p in (P1, P2, P3))
    assert rows == {
        ("2024-K1", p1): (_reference(secret, "7"), "BU05050101", 202401),
        ("2024-K1", p2): (_reference(secret, "7"), "BU05050101", 202402),
        ("2024-K1", p3): (None, "BU05050102", 202403),
        ("2024-K2", p1): (_reference(secret, "9"), "BU05050102", 202405),
        ("2024-K2", p2): (_reference(secret, "7"), "BU05050101", 202402),
        ("2024-K2", p3): (None, "BU05050102", 202403),
    }
    assert extract.counts.bad_rows == {"persoonsnummer ontbreekt": 1}
