"""Packages end to end: generate → spec → aggregate → protect → package → read_package."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format import HIDDEN_STATUS, HIDDEN_STATUS_VERSION
from buurtbeeld.protect import get_profile
from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.package import read_package, rounding_seed, write_delivery
from buurtbeeld.source.pipeline import make_package
from buurtbeeld.source.protection import ProtectedDelivery, protect_delivery
from buurtbeeld.source.spec import load_spec, parse_spec
from buurtbeeld.source.synthetic import REGISTERS
from tests.signing import make_key, toolkit_keys

from .test_package_attack import RECORDS, make_delivery


@pytest.fixture(scope="module")
def packages(generated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One package per register (built once for this module)."""
    out = tmp_path_factory.mktemp("pakketten")
    return {
        r: make_package(load_spec(generated_template / f"{r}.yaml"), out / f"{r}.zip").path
        for r in REGISTERS
    }


def test_every_register_packages_and_verifies(packages: dict[str, Path]) -> None:
    for register, path in packages.items():
        package = read_package(path)
        manifest = package.manifest
        assert manifest["formaat"] == "buurtbeeld-pakket" and manifest["dataset"] == register
        assert manifest["indelingsjaar"] == 2023 and manifest["gebied"] == ["GM0505"]
        assert re.fullmatch(r"[0-9a-f]{64}", manifest["spec_sha256"])
        assert manifest["software"].startswith("buurtbeeld ")
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for name, digest in manifest["bestanden"].items():
                assert hashlib.sha256(archive.read(name)).hexdigest() == digest
        assert names == {"manifest.json", "handtekening.json", *manifest["bestanden"]}
        assert "rapport.md" in names and "Beveiligingsrapport" in package.report
        for table in package.tables.values():
            data = table.data
            statuses = data["status"].to_pylist()
            values = data["waarde"].to_pylist()
            # one hidden status: nothing tells a small count (primary) from a secondary
            assert set(statuses) <= {"s", "z", HIDDEN_STATUS}
            assert all(
                (s == HIDDEN_STATUS) == (v is None) for s, v in zip(statuses, values, strict=True)
            )
            if table.meta["maat"] == "aantal":
                assert all(v % 5 == 0 and v >= 10 for v in values if v is not None)
            assert set(data["niveau"].to_pylist()) == {"gemeente", "wijk", "buurt"}
        assert sum(manifest["verborgen_per_reden"].values()) > 0
        assert set(manifest["verborgen_per_reden"]) == {"verborgen"}
        assert "verborgen primair" not in package.report  # one count per table


def test_versions_and_multi_period(packages: dict[str, Path]) -> None:
    wmo = read_package(packages["wmo"])
    assert wmo.version == HIDDEN_STATUS_VERSION and wmo.periods == ["2024"]
    assert set(wmo.tables) == {"voorzieningen", "voorzieningen_totaal", "leeftijd"}
    assert wmo.tables["voorzieningen"].dimensions == ["voorziening"]
    assert wmo.tables["voorzieningen"].meta["dimensies"][0]["optelbaar"] is False
    assert "totaal" in wmo.tables["leeftijd"].data["categorie"].to_pylist()
    bijstand = read_package(packages["bijstand"])
    assert bijstand.version == 3 and len(bijstand.periods) == 4
    assert bijstand.manifest["periode"] == "2024-K1/2024-K4"
    debts = read_package(packages["schuldsignalen"])
    assert debts.version == 3
    assert debts.tables["achterstand"].meta["profiel"] == "bedragen"
    assert debts.tables["huishoudens"].meta["eenheid"] == "huishoudens"


def test_same_input_same_bytes(generated_template: Path, tmp_path: Path) -> None:
    spec = load_spec(generated_template / "jeugdhulp.yaml")
    a = make_package(spec, tmp_path / "a.zip").path.read_bytes()
    b = make_package(spec, tmp_path / "b.zip").path.read_bytes()
    assert a == b


def test_tampering_is_refused(packages: dict[str, Path], tmp_path: Path) -> None:
    source = packages["wmo"]

    def rewrite(target: Path, change: dict[str, bytes | None]) -> Path:
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
            for name in src.namelist():
                data = change.get(name, src.read(name))
                if data is not None:
                    dst.writestr(name, data)
            for name, data in change.items():
                if name not in src.namelist() and data is not None:
                    dst.writestr(name, data)
        return target

    with zipfile.ZipFile(source) as src:
        report = src.read("rapport.md")
    cases = {
        "BB-PKG-003": {"rapport.md": report + b"\nextra"},
        "BB-PKG-004": {"extra.parquet": b"a;b"},
        "BB-PKG-023": {"../extra.csv": b"a;b"},
        "BB-PKG-002": {"manifest.json": b"{not json"},
    }
    for code, change in cases.items():
        with pytest.raises(ImportFileError) as info:
            read_package(rewrite(tmp_path / f"{code}.zip", change))
        assert info.value.code == code
    (tmp_path / "leeg.zip").write_bytes(b"PK no zip")
    with pytest.raises(ImportFileError) as info:
        read_package(tmp_path / "leeg.zip")
    assert info.value.code == "BB-PKG-001"


def test_platform_intake_accepts_the_signed_package(
    packages: dict[str, Path], filled_workspace: object, generated_template: Path
) -> None:
    # the platform's reader and intake (store/) take the signed Wmo package with its key
    from buurtbeeld.store.intake import intake_package
    from buurtbeeld.store.package_reader import read_package as platform_read

    contents = platform_read(packages["wmo"], toolkit_keys(generated_template / "wmo.yaml"))
    report = intake_package(filled_workspace, contents)  # type: ignore[arg-type]
    assert "p_wmo_team_gemeente_demo_wmo_voorzieningen_totaal" in report.indicators
    assert report.hidden > 0 and report.published > 0


def test_rounding_seed_is_secret_and_stable(tmp_path: Path, generated_template: Path) -> None:
    spec = load_spec(generated_template / "wmo.yaml")
    spec.zaadbestand = tmp_path / "zaad"
    first = rounding_seed(spec)
    assert (tmp_path / "zaad").stat().st_mode & 0o077 == 0
    assert rounding_seed(spec) == first
    secret = (tmp_path / "zaad").read_text().strip()
    assert secret not in first


# -- property: nothing in a package reveals a hidden value ----------------------------------


def _allowed_numbers(delivery: ProtectedDelivery, manifest: dict[str, object]) -> set[int]:
    """Numbers the report and manifest may contain: summaries of published information."""
    agg = delivery.aggregation
    allowed = {agg.rows_read, agg.valid_rows, agg.outside_period, *agg.bad_rows.values()}
    allowed |= {2023, 2024, 256, 0, 1, 2, 3, 15, 5}
    rule = get_profile(agg.spec.profiel).frequency
    assert rule is not None
    base = get_profile(agg.spec.profiel).rounding_base or 1
    smallest = -(-(rule.hidden_max + 1) // base) * base  # the profile's smallest published count
    allowed |= {rule.hidden_min, rule.hidden_max, rule.hidden_max + 1, smallest}
    for out in delivery.outputs:
        n = out.data.num_rows
        hidden = sum(out.hidden_by_reason.values())
        primary = out.hidden_by_reason.get("te_klein_aantal", 0) + out.hidden_by_reason.get(
            "gevoelig_bedrag", 0
        )
        allowed |= {n, n - hidden, hidden, primary, *out.hidden_by_reason.values()}
        levels = out.data["niveau"].to_pylist()
        statuses = out.data["status"].to_pylist()
        for level in set(levels):
            allowed.add(levels.count(level))
            allowed.add(
                sum(
                    1
                    for lv, s in zip(levels, statuses, strict=True)
                    if lv == level and s == HIDDEN_STATUS
                )
            )
    allowed |= set(delivery.hidden_by_reason().values())
    allowed.add(sum(delivery.hidden_by_reason().values()))  # the manifest's one hidden count
    for run in delivery.runs.values():
        allowed |= {run.report.n_audited, run.report.n_lps}
    return allowed


def _hidden_amount_markers(delivery: ProtectedDelivery) -> set[str]:
    """Text forms of the true value of every hidden amount cell (e.g. '1234,56', '1234.56').

    Amounts carry cents, so their true sums are distinctive: unlike a hidden count of 1–7 they
    cannot be mistaken for a row count or a year, and no whitelist is needed to search for them.
    """
    markers: set[str] = set()
    protected = {o.name: o for o in delivery.outputs}
    for table in delivery.aggregation.tables:
        if table.measure == "aantal":
            continue
        hidden = {
            (r["periode"], r["regiocode"], *(r[d] for d in table.dimensions))
            for r in protected[table.name].data.to_pylist()
            if r["status"] == HIDDEN_STATUS
        }
        for row in table.data.to_pylist():
            key = (row["periode"], row["regiocode"], *(row[d] for d in table.dimensions))
            cents = int(row["som_cent"])
            if key in hidden and cents % 100:  # with cents: cannot occur as another number
                euros = f"{cents // 100}.{cents % 100:02d}"
                markers |= {euros, euros.replace(".", ","), f"{cents / 100:,.2f}"}
    return markers


def _leaked_markers(texts: list[str], markers: set[str]) -> set[str]:
    """The markers that occur in any of ``texts`` as a whole number (not inside a longer one)."""
    found = set()
    for marker in markers:
        pattern = rf"(?<![\d.,]){re.escape(marker)}(?![\d])"
        if any(re.search(pattern, text) for text in texts):
            found.add(marker)
    return found


def _member_texts(target: Path) -> list[str]:
    """Every member of the package as text: the report, the manifest, every Parquet cell."""
    texts = []
    with zipfile.ZipFile(target) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if name.endswith(".parquet"):
                table = pq.read_table(io.BytesIO(data))
                texts.append(json.dumps(table.to_pylist(), default=str))
                texts.append(str(pq.ParquetFile(io.BytesIO(data)).metadata.to_dict()))
            else:
                texts.append(data.decode("utf-8", errors="replace"))
    return texts


def _numbers(text: str) -> set[int]:
    text = re.sub(r"[0-9a-f]{64}", " ", text)  # checksums
    text = re.sub(r"\b(GM|WK|BU)[0-9]+", " ", text)  # region codes
    text = re.sub(r"buurtbeeld [0-9.]+", " ", text)  # software version
    return {int(x) for x in re.findall(r"\d+", text)}


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=RECORDS, profile=st.sampled_from(["cbs-zorg", "drempel-10"]), multi=st.booleans())
def test_no_member_reveals_a_hidden_value(
    tmp_path: Path, records: list[tuple[int, str, str, str, str, int]], profile: str, multi: bool
) -> None:
    # a gemeente with three wijken, two quarters, persons and households, counts and amounts
    delivery, target = make_delivery(tmp_path, records, profile, multi)
    agg = delivery.aggregation
    package = read_package(target)
    truth: dict[tuple[str, ...], float] = {}
    for table in agg.tables:
        for row in table.data.to_pylist():
            key = (
                table.name,
                row["periode"],
                row["regiocode"],
                *(row[d] for d in table.dimensions),
            )
            truth[key] = row["aantal"] if table.measure == "aantal" else row["som_cent"] / 100
    manifest = package.manifest
    allowed = _allowed_numbers(delivery, manifest)
    for name, table in package.tables.items():
        dims = table.dimensions
        for row in table.data.to_pylist():
            if row["status"] == HIDDEN_STATUS:
                assert row["waarde"] is None
            # no column other than 'waarde' carries a number about the cell
            assert set(row) == {
                "periode",
                "regiocode",
                "niveau",
                "categorie",
                *dims,
                "waarde",
                "status",
            }
        # published cells are unchanged before rounding: within the rounding interval
        for row in table.data.to_pylist():
            if row["waarde"] is None:
                continue
            key = (name, row["periode"], row["regiocode"], *(row[d] for d in dims))
            true = truth.get(key, 0)
            if table.meta["maat"] == "aantal":
                assert abs(row["waarde"] - true) < 5 or (true < 10 and row["waarde"] == 10)
            else:
                assert row["waarde"] == pytest.approx(true)
    texts = [package.report, json.dumps(manifest, ensure_ascii=False)]
    for text in texts:
        leaked = _numbers(text) - allowed
        assert not leaked, f"numbers not derived from published information: {sorted(leaked)}"
    # the whitelist above cannot see a hidden 1–7 (row counts and years are allowed numbers);
    # the true sums of hidden amount cells are distinctive and searched for in every member
    markers = _hidden_amount_markers(delivery)
    assert not _leaked_markers(_member_texts(target), markers)
    # the Parquet members carry no statistics with hidden values (min/max of waarde)
    with zipfile.ZipFile(target) as archive:
        for name in archive.namelist():
            if name.endswith(".parquet"):
                meta = pq.ParquetFile(io.BytesIO(archive.read(name))).metadata
                for g in range(meta.num_row_groups):
                    for c in range(meta.num_columns):
                        stats = meta.row_group(g).column(c).statistics
                        if (
                            stats is not None
                            and stats.has_min_max
                            and meta.schema.column(c).name == "waarde"
                        ):
                            published = [
                                v
                                for v in pq.read_table(io.BytesIO(archive.read(name)))[
                                    "waarde"
                                ].to_pylist()
                                if v is not None
                            ]
                            assert stats.min in published and stats.max in published


# -- the leak checks themselves must be able to fail ----------------------------------------

MARKED = """dataset: merk
bron: eigenschap
gemeente: GM0060
profiel: cbs-zorg
bestanden: [{pad: r.csv}]
sleutels: {persoon: p, huishouden: h}
regio: {buurtcode: b}
periode: {begin: d, jaar: 2024}
dimensies: [{naam: soort, kolom: s}]
tabellen:
  - {naam: personen, titel: P, dimensies: [soort]}
  - {naam: bedrag, titel: B, maat: som, kolom: e, dimensies: [soort]}
"""
BUURTEN = ["BU00600000", "BU00600001", "BU00600002", "BU00600003", "BU00600009"]


def test_a_planted_leak_is_found_where_the_whitelist_is_blind(tmp_path: Path) -> None:
    """Plant a hidden value in the report: the small-number whitelist misses it, the markers not."""
    lines = ["p;h;b;s;d;e"]
    person = 0
    # many persons in two buurten, 1–3 in the others (hidden primaries); cents make every sum
    # distinctive (…,37 …,74 …)
    for b, n in zip(BUURTEN, (30, 25, 3, 2, 1), strict=True):
        for i in range(n):
            person += 1
            cents = 734_137 + 1_000_037 * person
            lines.append(
                f"P{person};H{person};{b};{'ab'[i % 2]};15-03-2024;{cents // 100},{cents % 100:02d}"
            )
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = parse_spec(MARKED, base=tmp_path)
    delivery = protect_delivery(aggregate(spec), seed="merk")
    key = make_key(tmp_path / "sleutels", "eigenschap")
    target = write_delivery(delivery, tmp_path / "p.zip", key=key)
    package = read_package(target)
    markers = _hidden_amount_markers(delivery)
    assert len(markers) >= 3, "the hidden buurten's amounts are hidden"
    texts = _member_texts(target)
    assert not _leaked_markers(texts, markers)  # the real package leaks nothing
    allowed = _allowed_numbers(delivery, package.manifest)
    # a hidden primary count (1–3 persons) planted in the report passes the whitelist …
    persons = next(o for o in delivery.outputs if o.name == "personen")
    hidden_buurt = next(
        r
        for r, letter in zip(persons.data.to_pylist(), persons.letters, strict=True)
        if letter == "u" and r["niveau"] == "buurt"
    )
    truth = next(
        r["aantal"]
        for t in delivery.aggregation.tables
        if t.name == "personen"
        for r in t.data.to_pylist()
        if (r["regiocode"], r["soort"]) == (hidden_buurt["regiocode"], hidden_buurt["soort"])
    )
    planted = package.report + f"\n{hidden_buurt['regiocode']}: {truth} personen\n"
    assert not (_numbers(planted) - allowed), "the whitelist's blind spot: a hidden 1–7"
    # … while a planted hidden amount is found, in whichever form it is written
    for marker in sorted(markers)[:3]:
        assert _leaked_markers([*texts, package.report + f" ({marker} euro)"], markers) == {marker}


def test_report_states_the_smallest_value_the_package_publishes(
    packages: dict[str, Path],
) -> None:
    """cbs-zorg hides 0..7 and rounds to fives, raising 8 and 9 to 10: the report must say 10,
    the smallest positive count any of the packages actually publishes."""
    for path in packages.values():
        package = read_package(path)
        found = re.search(r"kleinste gepubliceerde\s+waarde boven nul is (\d+)", package.report)
        assert found, package.report
        stated = int(found.group(1))
        published = [
            v
            for table in package.tables.values()
            if table.meta["maat"] == "aantal"
            for v in table.data["waarde"].to_pylist()
            if v
        ]
        assert stated == min(published)
