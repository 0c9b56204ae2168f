"""Linking pseudonymised extracts (issue 11 item 2): every count equals the truth computed
independently in plain Python from the rows written (tests/source/link_data.py)."""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from buurtbeeld.analysis.overlap import at_least as overlap_at_least
from buurtbeeld.source.link import LinkedCounts, link
from buurtbeeld.source.link_extracts import AreaError
from buurtbeeld.source.link_results import exclusive_combos
from buurtbeeld.source.link_spec import (
    ExtractError,
    KeyMismatchError,
    LinkError,
    MismatchError,
    load_link_spec,
    parse_link_spec,
)
from buurtbeeld.source.regions import load_division
from buurtbeeld.store.overlap import cell_sets
from tests.source.link_data import (
    OTHER_KEY,
    chain,
    link_spec_text,
    make_rows,
    meta,
    place,
    truth,
    write_all,
)

Rows = dict[str, list[dict[str, Any]]]
NAMES = ["wmo", "jeugdhulp", "bijstand", "schuldsignalen"]
PERSON_NAMES = NAMES[:3]


@pytest.fixture(scope="session")
def registers() -> tuple[Rows, dict[str, str]]:
    """The four registers' rows (one population, scale 1: realistic overlaps)."""
    return make_rows(scale=1.0)


@pytest.fixture(scope="session")
def inside() -> set[str]:
    return set(load_division(["GM0505"], 2023).buurten)


@pytest.fixture(scope="session")
def linked(
    tmp_path_factory: pytest.TempPathFactory, registers: tuple[Rows, dict[str, str]]
) -> tuple[LinkedCounts, Rows]:
    folder = tmp_path_factory.mktemp("koppel")
    rows, units = registers
    write_all(folder, rows, units)
    (folder / "koppel.yaml").write_text(link_spec_text(NAMES), encoding="utf-8")
    return link(load_link_spec(folder / "koppel.yaml")), rows


def _cells(counts: LinkedCounts, table: str) -> dict[tuple[str, ...], int]:
    t = counts.table(table)
    return {
        (r["periode"], r["regiocode"], *[r[d] for d in t.dimensions]): r["aantal"]
        for r in t.data.to_pylist()
    }


@pytest.mark.parametrize(("table", "names"), [("personen", PERSON_NAMES), ("huishoudens", NAMES)])
def test_every_combination_equals_the_truth(
    linked: tuple[LinkedCounts, Rows], inside: set[str], table: str, names: list[str]
) -> None:
    counts, rows = linked
    expected, _ = truth(rows, names, table, inside)
    got = _cells(counts, table)
    assert counts.table(table).dimensions == names
    # every buurt, wijk and gemeente; every exclusive combination, marginal and total
    assert got == expected
    levels = {code[:2] for _, code, *_ in got}
    assert levels == {"BU", "WK", "GM"}
    # the exclusive combinations at gemeente level: all 2^k - 1 for households (persons of
    # jeugdhulp and bijstand never overlap: age); the all-nee cell never
    exclusive = {cell[2:] for cell in got if cell[1] == "GM0505" and "totaal" not in cell}
    assert len(exclusive) == (15 if table == "huishoudens" else 5)
    assert ("nee",) * len(names) not in exclusive


@pytest.mark.parametrize(("table", "names"), [("personen", PERSON_NAMES), ("huishoudens", NAMES)])
def test_k_or_more_equals_the_truth(
    linked: tuple[LinkedCounts, Rows], inside: set[str], table: str, names: list[str]
) -> None:
    counts, rows = linked
    expected, _ = truth(rows, names, table, inside)
    want: Counter[tuple[str, str, str]] = Counter()
    for (period, code, *values), n in expected.items():
        if "totaal" not in values:
            for k in range(2, len(names)):  # k = n is the combination of all n itself
                if values.count("ja") >= k:
                    want[(period, code, str(k))] += n
    t = counts.table(f"{table}_minstens")
    got = {(r["periode"], r["regiocode"], r["minstens"]): r["aantal"] for r in t.data.to_pylist()}
    assert got == dict(want)
    assert {k for _p, _c, k in got} == {str(k) for k in range(2, len(names))}
    assert t.dimensions == ["minstens"] and t.at_least_of == table
    assert t.combos == tuple((str(k),) for k in range(2, len(names)))
    assert t.data.schema.names == ["periode", "regiocode", "minstens", "aantal"]


def test_the_table_has_the_shape_protection_takes(linked: tuple[LinkedCounts, Rows]) -> None:
    counts, _ = linked
    assert [t.name for t in counts.tables] == [
        "personen",
        "personen_minstens",
        "huishoudens",
        "huishoudens_minstens",
    ]
    for t in counts.tables:
        if t.at_least_of is not None:
            continue
        assert t.measure == "aantal"
        assert t.unit == t.name
        assert all(t.additive.values())
        assert t.data.schema.names == ["periode", "regiocode", *t.dimensions, "aantal"]
        assert min(t.data["aantal"].to_pylist()) > 0  # zero cells absent
        k = len(t.dimensions)  # exclusive combinations (and the all-nee zero), marginals, total
        assert t.combos is not None and len(t.combos) == 2**k + k + 1
    assert counts.categories == {**{n: ["ja", "nee"] for n in NAMES}, "minstens": ["2", "3"]}
    agg = counts.to_aggregation()
    assert agg.tables is counts.tables
    assert agg.spec.dataset == "stapeling"


def _units(rows: Rows, names: list[str], column: str) -> dict[tuple[str, int], dict[str, Any]]:
    """Per (period, unit): every row of every extract, and the rows per extract."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for name in names:
        for r in rows[name]:
            if r[column] is None:
                continue
            entry = out.setdefault((r["periode"], r[column]), {"all": [], "by": {}})
            entry["all"].append((r["maand"], r["buurt"]))
            entry["by"].setdefault(name, []).append((r["maand"], r["buurt"]))
    return out


@pytest.mark.parametrize(
    ("unit", "column", "names"),
    [("personen", "persoon", PERSON_NAMES), ("huishoudens", "huishouden", NAMES)],
)
def test_movers_follow_the_latest_address_rule(
    linked: tuple[LinkedCounts, Rows], inside: set[str], unit: str, column: str, names: list[str]
) -> None:
    counts, rows = linked
    expected: Counter[tuple[str, str, str, str]] = Counter()
    moved = 0
    for (period, _), entry in _units(rows, names, column).items():
        link_buurt = place(entry["all"])
        for name, own_rows in entry["by"].items():
            own = place(own_rows)
            moved += own != link_buurt
            own_chain = chain(own) if own in inside else []
            link_chain = chain(link_buurt) if link_buurt in inside else []
            for level in range(3):
                a = own_chain[level] if own_chain else None
                b = link_chain[level] if link_chain else None
                if a is not None and a == b:
                    expected[(period, a, name, "blijft")] += 1
                    continue
                if b is not None:
                    expected[(period, b, name, "binnen")] += 1
                if a is not None:
                    expected[(period, a, name, "buiten")] += 1
    assert moved > 50  # the data has movers
    got: Counter[tuple[str, str, str, str]] = Counter()
    for r in counts.movers.to_pylist():
        if r["eenheid"] == unit:
            for kind in ("blijft", "binnen", "buiten"):
                if r[kind]:
                    got[(r["periode"], r["regiocode"], r["voorziening"], kind)] = r[kind]
    assert got == expected
    # link marginal = blijft + binnen = the table's cell "P ja, every other provision totaal"
    cells = _cells(counts, unit)
    for r in counts.movers.to_pylist():
        if r["eenheid"] == unit:
            key = tuple("ja" if n == r["voorziening"] else "totaal" for n in names)
            assert r["blijft"] + r["binnen"] == cells.get((r["periode"], r["regiocode"], *key), 0)


@pytest.mark.parametrize(("unit", "names"), [("personen", PERSON_NAMES), ("huishoudens", NAMES)])
def test_k_or_more_provisions(
    linked: tuple[LinkedCounts, Rows], inside: set[str], unit: str, names: list[str]
) -> None:
    """The "k or more" figures are not computed before protection: the platform derives it from the
    exclusive combinations (``analysis.overlap.at_least``). On the link's cells, all shown
    as published, that derivation gives the true count of every region."""
    counts, rows = linked
    _, placed = truth(rows, names, unit, inside)
    expected: Counter[tuple[str, str, int]] = Counter()
    for key, (buurt, has) in placed.items():
        if buurt in inside:
            for region in chain(buurt):
                for k in range(1, len(has) + 1):
                    expected[(key.split("|")[0], region, k)] += 1
    cells = _cells(counts, unit)  # zero cells are absent: the package has every cell
    stored: dict[tuple[str, str], dict[tuple[str, str], tuple[float | None, str]]] = {}
    for period, region in {(p, r) for p, r, *_ in cells}:
        stored[(period, region)] = {
            cell_sets(names, combo): (float(cells.get((period, region, *combo), 0)), "value")
            for combo in exclusive_combos(names)
        }
    got = {
        (period, region, k): figure.value
        for (period, region), published in stored.items()
        for k in range(1, len(names) + 1)
        if (figure := overlap_at_least(published, names, k)).value
    }
    assert got == dict(expected)
    # households: someone has all four; persons at most two (jeugdhulp and bijstand: age)
    assert max(k for _, _, k in got) == (4 if unit == "huishoudens" else 2)


def test_units_outside_the_area_are_counted_not_linked(
    linked: tuple[LinkedCounts, Rows], inside: set[str]
) -> None:
    counts, rows = linked
    for unit, names in (("personen", PERSON_NAMES), ("huishoudens", NAMES)):
        _, placed = truth(rows, names, unit, inside)
        outside = sum(1 for buurt, _ in placed.values() if buurt not in inside)
        assert outside > 0
        assert counts.report.outside[unit] == outside
    assert any("buiten het gebied" in w for w in counts.report.warnings)


def test_no_low_overlap_warning_for_extracts_of_one_key(linked: tuple[LinkedCounts, Rows]) -> None:
    counts, _ = linked
    assert not [w for w in counts.report.warnings if "overlappen" in w]
    # the persons of jeugdhulp and bijstand hardly overlap (age), their households do
    persons = {
        (o.first, o.second): o
        for o in counts.report.overlaps
        if o.unit == "personen" and o.period == "2024"
    }
    assert persons[("jeugdhulp", "bijstand")].low


def test_an_extract_made_with_another_key_triggers_the_low_overlap_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # same check value in the metadata (as when client numbers instead of BSNs were hashed)
    rows, units = make_rows(scale=1.0, keys={"bijstand": OTHER_KEY})
    write_all(tmp_path, rows, units)
    (tmp_path / "koppel.yaml").write_text(link_spec_text(NAMES), encoding="utf-8")
    counts = link(load_link_spec(tmp_path / "koppel.yaml"))
    low = [w for w in counts.report.warnings if "overlappen" in w]
    assert low
    assert all("Bijstand" in w for w in low)
    assert any("'Wmo' en 'Bijstand'" in w for w in low)


# -- refusals --------------------------------------------------------------------------------


P1, H1 = 7_301_234_567_890_123, -4_411_987_654_321_009  # pseudonyms of the small pair


def _small(tmp_path: Path, **metas: dict[str, Any]) -> Path:
    rows = {
        "wmo": [
            {
                "periode": "2023",
                "persoon": P1,
                "huishouden": H1,
                "buurt": "BU05050100",
                "maand": 202305,
            }
        ],
        "bijstand": [
            {
                "periode": "2023",
                "persoon": P1,
                "huishouden": H1,
                "buurt": "BU05050100",
                "maand": 202306,
            }
        ],
    }
    for r in rows.values():
        r.append({**r[0], "periode": "2024", "maand": 202401})
    units = {"wmo": "personen", "bijstand": "personen"}
    write_all(tmp_path, rows, units, {n: meta(n, "personen", **m) for n, m in metas.items()})
    spec = tmp_path / "koppel.yaml"
    spec.write_text(link_spec_text(["wmo", "bijstand"]), encoding="utf-8")
    return spec


def test_a_small_pair_links(tmp_path: Path) -> None:
    counts = link(load_link_spec(_small(tmp_path)))
    cells = _cells(counts, "personen")
    assert cells[("2023", "BU05050100", "ja", "ja")] == 1
    assert cells[("2024", "GM0505", "totaal", "totaal")] == 1


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        (
            {"sleutelcontrole": "0123456789abcdef" * 2},
            KeyMismatchError,
            "verschillende koppelsleutels",
        ),
        ({"perioden": ["2023"]}, MismatchError, "perioden"),
        ({"perioden": ["2023-K1", "2023-K2"]}, MismatchError, "perioden 2023-K1, 2023-K2"),
        ({"periodesoort": "jaar"}, ExtractError, "periodesoort"),
        ({"indelingsjaar": 2024}, MismatchError, "buurtindeling 2024"),
        ({"gemeenten": ["GM0642"]}, AreaError, "dekt gemeente GM0505"),
        ({"formaat": "iets-anders"}, ExtractError, "geen gepseudonimiseerd extract"),
        ({"versie": 2}, ExtractError, "versie"),
    ],
)
def test_extracts_that_do_not_fit_are_refused(
    tmp_path: Path, changes: dict[str, Any], error: type[Exception], words: str
) -> None:
    spec = _small(tmp_path, bijstand=changes)
    with pytest.raises(error, match=words) as caught:
        link(load_link_spec(spec))
    assert str(P1) not in str(caught.value) and str(H1) not in str(caught.value)


def test_a_file_that_is_not_an_extract_is_refused(tmp_path: Path) -> None:
    spec = _small(tmp_path)
    path = tmp_path / "bijstand-pseudoniemen.parquet"
    pq.write_table(pa.table({"bsn": [123456782]}), path)
    with pytest.raises(ExtractError, match="beschrijving 'buurtbeeld' ontbreekt"):
        link(load_link_spec(spec))
    data = path.read_bytes()
    _small(tmp_path)
    path.write_bytes(path.read_bytes()[: len(data) // 2])  # truncated
    with pytest.raises(ExtractError, match="afgebroken of beschadigd"):
        link(load_link_spec(spec))


def test_an_extract_with_another_attribute_is_refused(tmp_path: Path) -> None:
    spec = _small(tmp_path)
    path = tmp_path / "wmo-pseudoniemen.parquet"
    table = pq.read_table(path).append_column("leeftijd", pa.array([80, 81]))
    pq.write_table(
        table.replace_schema_metadata({"buurtbeeld": json.dumps(meta("wmo", "personen"))}), path
    )
    with pytest.raises(ExtractError, match=r"kolommen mee die er niet in horen \(leeftijd\)"):
        link(load_link_spec(spec))


def test_a_missing_extract_is_refused(tmp_path: Path) -> None:
    spec = _small(tmp_path)
    (tmp_path / "wmo-pseudoniemen.parquet").unlink()
    with pytest.raises(ExtractError, match="bestaat niet"):
        link(load_link_spec(spec))


# -- the koppelspec --------------------------------------------------------------------------


def test_the_spec_resolves_paths_beside_the_spec(tmp_path: Path) -> None:
    spec_file = tmp_path / "koppel.yaml"
    spec_file.write_text(
        link_spec_text(["wmo", "bijstand"], uitvoer="uit/pakket.zip"), encoding="utf-8"
    )
    spec = load_link_spec(spec_file)
    assert spec.extracten[0].pad == tmp_path / "wmo-pseudoniemen.parquet"
    assert spec.uitvoer == tmp_path / "uit" / "pakket.zip"
    assert spec.zaadbestand == tmp_path / ".buurtbeeld-zaad"
    assert spec.gemeenten == ["GM0505"]
    assert spec.names == ["wmo", "bijstand"]


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (["wmo"], "te kort"),
        (["wmo", "wmo"], "twee extracten heten 'wmo'"),
        (["wmo", "buurt"], "gereserveerde kolomnaam"),
        (["wmo", "minstens"], "gereserveerde kolomnaam"),  # the "k or more" dimension
        (["wmo", "Bijstand"], "alleen kleine letters"),
    ],
)
def test_invalid_specs_are_refused_with_line_numbers(names: list[str], words: str) -> None:
    with pytest.raises(LinkError, match=words) as caught:
        parse_link_spec(link_spec_text(names))
    assert caught.value.code == "BB-KOP-001"
    assert "regel" in caught.value.message


def test_a_spec_with_an_unknown_field_is_refused() -> None:
    with pytest.raises(LinkError, match="onbekend veld"):
        parse_link_spec(link_spec_text(["wmo", "bijstand"], drempel="3"))


def test_pairs_cover_every_combination_of_two(linked: tuple[LinkedCounts, Rows]) -> None:
    counts, _ = linked
    pairs = {(o.first, o.second) for o in counts.report.overlaps if o.unit == "huishoudens"}
    assert pairs == set(combinations(NAMES, 2))


def test_one_person_extract_gives_only_the_household_table(
    tmp_path: Path, registers: tuple[Rows, dict[str, str]], inside: set[str]
) -> None:
    rows, units = registers
    chosen = {n: rows[n] for n in ("wmo", "schuldsignalen")}
    write_all(tmp_path, chosen, units)
    (tmp_path / "koppel.yaml").write_text(link_spec_text(list(chosen)), encoding="utf-8")
    counts = link(load_link_spec(tmp_path / "koppel.yaml"))
    assert [t.name for t in counts.tables] == ["huishoudens"]
    expected, _ = truth(chosen, list(chosen), "huishoudens", inside)
    assert _cells(counts, "huishoudens") == expected
    assert set(counts.movers["eenheid"].to_pylist()) == {"huishoudens"}


def test_a_stock_register_links_with_flow_registers(tmp_path: Path) -> None:
    # bijstand counted on a reference day (peildatum), Wmo during the year: same period labels
    counts = link(load_link_spec(_small(tmp_path, bijstand={"periodesoort": "peildatum"})))
    assert _cells(counts, "personen")[("2024", "GM0505", "ja", "ja")] == 1


@pytest.mark.parametrize(("option", "levels"), [("[gemeente, wijk]", {"GM", "WK"}), ("[]", set())])
def test_the_levels_with_k_or_more_cells_are_chosen_in_the_spec(
    tmp_path: Path, option: str, levels: set[str]
) -> None:
    """``minstens: [gemeente, wijk]``: the "k or more" tables hold the gemeente and its wijken
    only (protection and the platform: tests/source/test_link_protection.py); ``[]``: none."""
    rows, units = make_rows(scale=0.1)
    write_all(tmp_path, rows, units)
    (tmp_path / "koppel.yaml").write_text(link_spec_text(NAMES, minstens=option), encoding="utf-8")
    counts = link(load_link_spec(tmp_path / "koppel.yaml"))
    extra = [t for t in counts.tables if t.at_least_of is not None]
    assert [t.name for t in extra] == (
        ["personen_minstens", "huishoudens_minstens"] if levels else []
    )
    for t in extra:
        assert {c[:2] for c in t.data["regiocode"].to_pylist()} == levels
        assert t.levels == ("GM", "WK")  # in the spec's order
