"""The release ledger at the source: sent packages constrain later deliveries of the dataset."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import json
import zipfile
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.errors import DisclosureError
from buurtbeeld.geo.codes import parent_of
from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.ledger import (
    LedgerError,
    RevisionError,
    check_no_revision,
    entries,
    mark_sent,
    mark_withdrawn,
    sent_packages,
)
from buurtbeeld.source.package import rounding_seed
from buurtbeeld.source.pipeline import make_package
from buurtbeeld.source.spec import load_spec
from buurtbeeld.store.intake import audit_package
from buurtbeeld.store.package_reader import read_package
from tests.signing import toolkit_keys

TOTALS = "  - naam: clienten\n    titel: Wmo-cliënten\n    dimensies: []\n"
BY_AGE = "  - naam: leeftijd\n    titel: Wmo-cliënten naar leeftijd\n    dimensies: [leeftijd]\n"


@pytest.fixture
def specs(delivery: Path) -> tuple[Path, Path]:
    """Two deliveries of dataset 'wmo' for 2024: totals first, then a table by age."""
    head = (delivery / "wmo.yaml").read_text(encoding="utf-8").split("tabellen:\n")[0]
    (delivery / "a.yaml").write_text(head + "tabellen:\n" + TOTALS, encoding="utf-8")
    (delivery / "b.yaml").write_text(head + "tabellen:\n" + BY_AGE, encoding="utf-8")
    return delivery / "a.yaml", delivery / "b.yaml"


def _totals(package: Path) -> dict[str, tuple[str, float | None]]:
    """Status and value of every buurt total in a package (any table)."""
    out = {}
    keys = toolkit_keys(package.parent / "levering" / "a.yaml")  # the delivery fixture's folder
    for table in read_package(package, keys).tables:
        for (region, combo), value, status in zip(
            table.keys, table.values, table.statuses, strict=True
        ):
            if region.startswith("BU") and all(c == "totaal" for c in combo):
                out[region] = (status, value)
    return out


def _pretend_hidden(spec: Path, package: Path, buurten: list[str]) -> None:
    """Edit the ledger as if the sent package had hidden these buurt totals (secondaries)."""
    sha = hashlib.sha256(package.read_bytes()).hexdigest()
    entry = next(e for e in entries(load_spec(spec)) if e.sha256 == sha)
    data = json.loads(gzip.decompress(entry.path.read_bytes()))
    hits = 0
    for cell in data["runs"]["aantallen"]["cellen"]:
        key = cell[0]
        if key[3] in buurten and len(key) == 4:
            cell[1:4] = ["x", None, None]
            hits += 1
    assert hits == len(buurten)
    entry.path.write_bytes(gzip.compress(json.dumps(data).encode()))


def test_a_sent_package_constrains_the_next_delivery(
    specs: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = specs
    runner = CliRunner()
    first = runner.invoke(app, ["bron", "maak-pakket", str(a), "--uit", str(tmp_path / "a.zip")])
    assert first.exit_code == 0, first.output
    assert "buurtbeeld bron verzonden" in first.output
    # two large published buurt totals of one wijk, as if the sent package had hidden them
    published = sorted((v or 0, r) for r, (s, v) in _totals(tmp_path / "a.zip").items() if s == "s")
    by_wijk: dict[str, list[str]] = {}
    for _, region in reversed(published):
        by_wijk.setdefault(region[:8], []).append(region)
    pair = next(kids[:2] for kids in by_wijk.values() if len(kids) >= 3)
    _pretend_hidden(a, tmp_path / "a.zip", pair)

    # made but not sent: the next delivery is free to publish the same totals
    free = make_package(load_spec(b), tmp_path / "b-vrij.zip")
    assert not free.earlier and {_totals(free.path)[r][0] for r in pair} == {"s"}

    sent = runner.invoke(app, ["bron", "verzonden", str(a), str(tmp_path / "a.zip")])
    assert sent.exit_code == 0 and "verzonden" in sent.output, sent.output
    second = runner.invoke(app, ["bron", "maak-pakket", str(b), "--uit", str(tmp_path / "b.zip")])
    assert second.exit_code == 0, second.output
    assert "Samen beveiligd met 1 eerder verzonden" in second.output
    # what the sent package hid stays hidden, and the two packages together pass the audit
    assert [_totals(tmp_path / "b.zip")[r] for r in pair] == [("x", None), ("x", None)]
    listing = runner.invoke(app, ["bron", "logboek", str(b)])
    assert "verzonden" in listing.output and "gemaakt" in listing.output

    # withdrawn (the platform deleted it): no longer a constraint
    mark_withdrawn(load_spec(a), tmp_path / "a.zip")
    again = make_package(load_spec(b), tmp_path / "b-weer.zip")
    assert not again.earlier and {_totals(again.path)[r][0] for r in pair} == {"s"}


def test_two_deliveries_together_pass_the_platform_audit(
    specs: tuple[Path, Path], tmp_path: Path, filled_workspace_template: Path
) -> None:
    a, b = specs
    make_package(load_spec(a), tmp_path / "a.zip")
    mark_sent(load_spec(a), tmp_path / "a.zip")
    result = make_package(load_spec(b), tmp_path / "b.zip")
    assert len(result.earlier) == 1
    keys = toolkit_keys(a)
    first, second = read_package(tmp_path / "a.zip", keys), read_package(tmp_path / "b.zip", keys)
    union = dataclasses.replace(first, tables=first.tables + second.tables)
    con = duckdb.connect(str(next(filled_workspace_template.glob("*.duckdb"))), read_only=True)
    regions = {
        c: p or parent_of(c)
        for c, p in con.execute(
            "SELECT code, parent_code FROM region WHERE division_year = 2023"
        ).fetchall()
    }
    con.close()
    assert audit_package(union, regions) > 0  # raises when any hidden cell is disclosed


def test_a_revision_of_a_sent_package_is_refused(specs: tuple[Path, Path], tmp_path: Path) -> None:
    a, _ = specs
    original = make_package(load_spec(a), tmp_path / "a.zip").path.read_bytes()
    mark_sent(load_spec(a), tmp_path / "a.zip")
    # the same delivery again: the same package
    assert make_package(load_spec(a), tmp_path / "a2.zip").path.read_bytes() == original
    export = a.parent / "wmo_export.csv"
    lines = export.read_bytes().splitlines(keepends=True)
    export.write_bytes(b"".join(lines[: len(lines) * 3 // 4]))
    with pytest.raises(DisclosureError) as info:
        make_package(load_spec(a), tmp_path / "a3.zip")
    assert info.value.code == "BB-BRON-002" and "herziening" in info.value.message
    assert not (tmp_path / "a3.zip").exists()


def test_only_packages_from_the_ledger_can_be_marked(
    specs: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = specs
    (tmp_path / "vreemd.zip").write_bytes(b"PK elders gemaakt")
    with pytest.raises(LedgerError) as info:
        mark_sent(load_spec(a), tmp_path / "vreemd.zip")
    assert info.value.code == "BB-BRON-001"
    result = CliRunner().invoke(app, ["bron", "verzonden", str(a), str(tmp_path / "weg.zip")])
    assert result.exit_code == 2 and "BB-BRON-001" in result.output


@pytest.mark.parametrize("register", ["wmo", "schuldsignalen"])
def test_an_unchanged_delivery_remade_after_sending_is_byte_identical(
    delivery: Path, tmp_path: Path, register: str
) -> None:
    """Several linked tables (wmo) and an amount table (schuldsignalen): the ledger of the sent
    package takes part in the re-make, and must change nothing in what is written."""
    spec = delivery / f"{register}.yaml"
    first = make_package(load_spec(spec), tmp_path / "eerst.zip").path
    mark_sent(load_spec(spec), first)
    again = make_package(load_spec(spec), tmp_path / "opnieuw.zip")
    assert len(again.earlier) == 1
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(again.path) as b:
        differing = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert differing == []
    assert again.path.read_bytes() == first.read_bytes()


def _clients_living_in(folder: Path, buurt: str) -> list[str]:
    """Client numbers of the Wmo export with a record in this buurt (via the postcode table)."""
    lookup = {}
    with (folder / "postcode_buurt.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            lookup[row["postcode"].replace(" ", "").upper()] = row["buurtcode"]
    with (folder / "wmo_export.csv").open(encoding="cp1252") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    found = [
        r["clientnr"] for r in rows if lookup.get(r["postcode"].replace(" ", "").upper()) == buurt
    ]
    return list(dict.fromkeys(found))


def _without_client(folder: Path, client: str) -> None:
    export = folder / "wmo_export.csv"
    lines = export.read_bytes().splitlines(keepends=True)
    export.write_bytes(
        b"".join(line for line in lines if not line.startswith(client.encode() + b";"))
    )


def test_a_small_revision_inside_the_rounding_is_refused_as_a_revision(
    delivery: Path, tmp_path: Path
) -> None:
    """One client less: a buurt published as 10 with a true count of 8 drops to 7 (the hidden
    range, as in the issue: BU05050600 10 -> hidden), the gemeente total by one. Every published
    value stays inside its rounding interval, so the interval check let it through and the
    protection, pinned to the sent pattern, failed with BB-SDC-001. It is a revision."""
    spec = delivery / "wmo.yaml"
    sent = make_package(load_spec(spec), tmp_path / "verzonden.zip")
    mark_sent(load_spec(spec), sent.path)
    true = {
        r["regiocode"]: r["aantal"]
        for r in sent.aggregation.table("voorzieningen_totaal").data.to_pylist()
    }
    published = next(o for o in sent.delivery.outputs if o.name == "voorzieningen_totaal").data
    buurt = next(
        r["regiocode"]
        for r in published.to_pylist()
        if r["niveau"] == "buurt" and r["waarde"] == 10 and true[r["regiocode"]] == 8
    )
    _without_client(delivery, _clients_living_in(delivery, buurt)[0])
    runner = CliRunner()
    result = runner.invoke(
        app, ["bron", "maak-pakket", str(spec), "--uit", str(tmp_path / "b.zip")]
    )
    assert result.exit_code == 2, result.output
    assert "BB-BRON-002" in result.output and "herziening" in result.output
    assert not (tmp_path / "b.zip").exists()
    # fingerprints of another key (another area's rounding seed) cannot be compared: no
    # false revision, the interval check of the protection step remains
    changed, sent_entries = aggregate(load_spec(spec)), sent_packages(load_spec(spec))
    with pytest.raises(RevisionError):
        check_no_revision(changed, rounding_seed(load_spec(spec)), sent_entries)
    check_no_revision(changed, "een ander zaad", sent_entries)
    # withdrawn on the platform: the revised delivery is a delivery like any other
    mark_withdrawn(load_spec(spec), sent.path)
    assert make_package(load_spec(spec), tmp_path / "c.zip").path.exists()
