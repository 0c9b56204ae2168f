"""The release ledger at the source: sent packages constrain later deliveries of the dataset."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.errors import DisclosureError
from buurtbeeld.geo.codes import parent_of
from buurtbeeld.source.ledger import LedgerError, entries, mark_sent, mark_withdrawn
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
