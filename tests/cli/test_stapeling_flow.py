"""The whole stapeling flow, scanned for anything that must never come out of it.

Three partners with test BSNs (99999xxxx that pass the 11-proef, ``soort: bsn``), household
numbers and a note column carrying unique markers run ``bron koppelsleutel`` →
``bron maak-pakket`` + ``bron pseudonimiseer`` → the linking party's ``koppel`` →
``importeer-pakket`` → the web app (stapeling page, API, CSV, profiles). Every output file
(packages unzipped, Parquet decoded, the workspace's DuckDB tables dumped), every CLI output,
log record and HTTP response is searched for the key (raw, base64, hex), every pseudonym
(computed here with :mod:`hmac`, decimal and as 8 bytes in either order), every BSN and every
record marker. The pseudonymised extracts are the one place pseudonyms may be; they are
checked for the rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import random
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.source.regions import load_division
from buurtbeeld.source.synthetic import passes_eleven_test
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace

runner = CliRunner()
GEMEENTE = "GM0531"
PARTNERS = {"wmo": 0.5, "jeugdhulp": 0.3, "bijstand": 0.35}
NOTE = "NOTITIEMARKER"
MAX_DUMP = 200_000

SPEC = """dataset: {name}
bron: {title} (scantest)
gemeente: GM0531
indelingsjaar: 2023
profiel: cbs-zorg
bestanden:
  - pad: {name}.csv
    scheidingsteken: ";"
eenheid: personen
sleutels:
  persoon: {{kolom: bsn, soort: bsn}}
  huishouden: huishoudnr
regio:
  buurtcode: buurtcode
periode:
  soort: gedurende
  begin: begindatum
  einde: einddatum
  formaat: "%Y-%m-%d"
  jaar: 2024
tabellen:
  - naam: personen
    titel: Personen met {title}
    richting: hoger_is_slechter
"""


def _bsns(n: int) -> list[str]:
    found = [str(b) for b in range(999_990_000, 1_000_000_000) if passes_eleven_test(b)]
    assert len(found) >= n
    return found[:n]


def _write_exports(folder: Path) -> tuple[list[str], list[str]]:
    """The partners' raw exports; returns the BSNs and household numbers used."""
    rng = random.Random(11)
    buurten = sorted(load_division([GEMEENTE], 2023).buurten)
    bsns = _bsns(900)
    people: list[tuple[str, str, str]] = []
    households: list[str] = []
    i = 0
    while i < len(bsns):
        household = f"HHQ{len(households):04d}X"
        households.append(household)
        home = rng.choice(buurten)
        for _ in range(rng.choice((1, 1, 2, 3))):
            if i < len(bsns):
                people.append((bsns[i], household, home))
                i += 1
    for name, share in PARTNERS.items():
        lines = ["bsn;huishoudnr;buurtcode;begindatum;einddatum;notitie"]
        for n, (bsn, household, home) in enumerate(people):
            if rng.random() >= share:
                continue
            for _ in range(rng.choice((1, 1, 2))):
                buurt = home if rng.random() < 0.85 else rng.choice(buurten)  # a mover
                month = rng.randint(1, 11)
                lines.append(
                    f"{bsn};{household};{buurt};2024-{month:02d}-{rng.randint(1, 28):02d};"
                    f"2024-{month + 1:02d}-28;{NOTE}{name}{n:04d}"
                )
        partner = folder / f"partner-{name}"
        partner.mkdir()
        (partner / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (partner / f"{name}.yaml").write_text(
            SPEC.format(name=name, title=name.capitalize()), encoding="utf-8"
        )
    return bsns, households


def _invoke(outputs: list[str], *args: str) -> None:
    result = runner.invoke(app, list(args))
    outputs.append(result.output)
    assert result.exit_code == 0, result.output


class Flow:
    def __init__(self, folder: Path, workspace: Path) -> None:
        self.folder = folder
        self.workspace = workspace
        self.outputs: list[str] = []
        self.key_file = folder / "project.sleutel"
        self.bsns, self.households = _write_exports(folder)


@pytest.fixture(scope="module")
def flow(
    tmp_path_factory: pytest.TempPathFactory, filled_workspace_template: Path
) -> Iterator[Flow]:
    folder = tmp_path_factory.mktemp("stapeling-flow")
    workspace = folder / "werkmap"
    copy_workspace(filled_workspace_template, workspace)
    flow = Flow(folder, workspace)
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        run = flow.outputs
        _invoke(run, "bron", "koppelsleutel", str(flow.key_file), "--project", "scantest")
        linking = folder / "koppelpartij"
        linking.mkdir()
        spec_lines = [
            "dataset: stapeling",
            "bron: Onderzoeksbureau (scantest, koppelpartij)",
            "profiel: cbs-zorg",
            f"gemeente: {GEMEENTE}",
            "indelingsjaar: 2023",
            "extracten:",
        ]
        pubs: list[str] = []
        for name in PARTNERS:
            partner = folder / f"partner-{name}"
            spec = str(partner / f"{name}.yaml")
            _invoke(run, "bron", "maak-pakket", spec, "--uit", str(partner / f"{name}.zip"))
            _invoke(run, "bron", "pseudonimiseer", spec, "--sleutel", str(flow.key_file))
            # what travels to the linking party: the extract and the signed package
            shutil.copy(partner / f"{name}-pseudoniemen.parquet", linking)
            shutil.copy(partner / f"{name}.zip", linking)
            pubs += ["--partnersleutel", str(next(partner.glob("*-sleutel.pub")))]
            _invoke(run, "partner", "registreer", name, pubs[-1], "--werkmap", str(workspace))
            _invoke(
                run, "importeer-pakket", str(partner / f"{name}.zip"), "--werkmap", str(workspace)
            )
            spec_lines += [
                f"  - naam: {name}",
                f"    titel: {name.capitalize()}",
                f"    pad: {name}-pseudoniemen.parquet",
                f"    pakket: {name}.zip",
                "    pakkettabel: personen",
            ]
        (linking / "koppel.yaml").write_text("\n".join(spec_lines) + "\n", encoding="utf-8")
        _invoke(run, "koppel", str(linking / "koppel.yaml"), *pubs)
        linked = linking / f"stapeling-{GEMEENTE}.zip"
        _invoke(
            run,
            "partner",
            "registreer",
            "koppelpartij",
            str(next(linking.glob("*-sleutel.pub"))),
            "--werkmap",
            str(workspace),
        )
        _invoke(run, "importeer-pakket", str(linked), "--werkmap", str(workspace))
        with TestClient(create_app(workspace), base_url="http://127.0.0.1") as client:
            for url in (
                f"/gemeente/{GEMEENTE}/voorzieningen",
                f"/gemeente/{GEMEENTE}/voorzieningen.csv",
                f"/api/v1/voorzieningen/{GEMEENTE}",
                f"/api/v1/voorzieningen/{GEMEENTE}?niveau=buurt",
                f"/regio/{GEMEENTE}",
                "/regio/WK053101",
                f"/regio/{sorted(load_division([GEMEENTE], 2023).buurten)[0]}",
            ):
                response = client.get(url)
                assert response.status_code == 200, url
                run.append(response.text)
            flow.pages = run[-7:]  # type: ignore[attr-defined]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    run.append("\n".join(handler.lines))
    yield flow


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _key(flow: Flow) -> bytes:
    for line in flow.key_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("sleutel:"):
            return base64.b64decode(line.split(":", 1)[1].strip())
    raise AssertionError("no key line")


def _pseudonym(key: bytes, text: str) -> int:
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _texts(path: Path) -> Iterator[tuple[str, bytes]]:
    """A file's raw bytes, and decoded forms of what it holds (zip entries, Parquet, DuckDB)."""
    data = path.read_bytes()
    yield str(path), data
    yield from _decoded(str(path), data)
    if path.suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        try:
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall():
                name = f'"{schema}"."{table}"'
                count = con.execute(f"select count(*) from {name}").fetchone()
                if count is not None and count[0] > MAX_DUMP:
                    continue  # the bundled CBS tables; their bytes are scanned above
                rows = con.execute(f"select * from {name}").fetchall()
                yield f"{path}:{schema}.{table}", repr(rows).encode()
        finally:
            con.close()


def _decoded(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.namelist():
                inner = archive.read(entry)
                yield f"{name}!{entry}", inner
                yield from _decoded(f"{name}!{entry}", inner)
    elif data[:4] == b"PAR1":
        table = pq.read_table(io.BytesIO(data))
        yield f"{name} (rijen)", repr(table.to_pylist()).encode()
        yield f"{name} (metadata)", repr(table.schema.metadata).encode()


class Forbidden:
    """What must not appear, searched in one pass per kind (a file can be tens of MB)."""

    def __init__(self, flow: Flow, *, pseudonyms: bool) -> None:
        key = _key(flow)
        self.literals = {
            key: "key (raw)",
            base64.b64encode(key): "key (base64)",
            key.hex().encode(): "key (hex)",
            NOTE.encode(): "record value",
        }
        self.numbers = {b.encode(): "BSN" for b in flow.bsns}
        self.households = {h.encode(): "household number" for h in flow.households}
        values: list[int] = []
        if pseudonyms:
            values = [_pseudonym(key, t) for t in (*flow.bsns, *flow.households)]
            self.numbers |= {str(v).encode(): "pseudonym" for v in values}
        self.binary = np.array(sorted(set(values)), dtype=np.int64)

    def scan(self, name: str, data: bytes) -> list[str]:
        found = [f"{what} in {name}" for token, what in self.literals.items() if token in data]
        for number in set(re.findall(rb"-?\d{9,20}", data)):
            for candidate in (number, number.lstrip(b"-")):
                if candidate in self.numbers:
                    found.append(f"{self.numbers[candidate]} in {name}")
        for household in set(re.findall(rb"HHQ\d{4}X", data)):
            if household in self.households:
                found.append(f"household number in {name}")
        if self.binary.size and len(data) >= 8:
            raw = np.frombuffer(data, dtype=np.uint8)
            for offset in range(8):
                usable = (len(raw) - offset) // 8 * 8
                chunk = raw[offset : offset + usable]
                for order in ("<i8", ">i8"):
                    words = chunk.view(order).astype(np.int64)
                    if np.isin(words, self.binary).any():
                        found.append(f"pseudonym (8 bytes, {order}) in {name}")
        return found


def test_the_pseudonyms_computed_here_are_those_of_the_extracts(flow: Flow) -> None:
    """The scan below looks for the right pseudonyms (else it could not fail)."""
    key = _key(flow)
    extract = pq.read_table(flow.folder / "koppelpartij" / "wmo-pseudoniemen.parquet")
    persons = {v for v in extract["persoon"].to_pylist() if v is not None}
    households = {v for v in extract["huishouden"].to_pylist() if v is not None}
    assert persons and persons <= {_pseudonym(key, b) for b in flow.bsns}
    assert households and households <= {_pseudonym(key, h) for h in flow.households}
    # and the scanner finds them in the extract's bytes (else the scan below could not fail)
    path = flow.folder / "koppelpartij" / "wmo-pseudoniemen.parquet"
    found = [
        f for name, data in _texts(path) for f in Forbidden(flow, pseudonyms=True).scan(name, data)
    ]
    assert any("pseudonym (8 bytes" in f for f in found) and any("rijen" in f for f in found)


def test_no_key_pseudonym_bsn_or_record_value_leaves_the_flow(flow: Flow) -> None:
    forbidden = Forbidden(flow, pseudonyms=True)
    found: list[str] = []
    for i, text in enumerate(flow.outputs):
        found += forbidden.scan(f"uitvoer {i}", text.encode("utf-8"))
    inputs = {"project.sleutel"} | {f"{n}.csv" for n in PARTNERS}
    scanned = 0
    for path in sorted(flow.folder.rglob("*")):
        if not path.is_file() or path.name in inputs or path.name.endswith("-pseudoniemen.parquet"):
            continue
        scanned += 1
        for name, data in _texts(path):
            found += forbidden.scan(name, data)
    assert not found, found[:20]
    assert scanned > 10
    packages = list(flow.folder.rglob("*.zip"))
    assert len(packages) == 3 * 2 + 1  # three partners' packages (theirs, the copy) + linked
    assert any("voorzieningen" in page for page in flow.pages)  # type: ignore[attr-defined]


def test_the_extracts_hold_pseudonyms_only(flow: Flow) -> None:
    forbidden = Forbidden(flow, pseudonyms=False)
    found: list[str] = []
    for path in sorted(flow.folder.rglob("*-pseudoniemen.parquet")):
        for name, data in _texts(path):
            found += forbidden.scan(name, data)
    assert not found, found[:20]


def test_the_linked_package_reached_the_stapeling_page(flow: Flow) -> None:
    page, csv_text, api = flow.pages[:3]  # type: ignore[attr-defined]
    for name in PARTNERS:
        assert name.capitalize() in page
    assert csv_text.count("\n") > 10
    assert '"combinaties"' in api


def test_k_or_more_travels_as_its_own_protected_cell(flow: Flow) -> None:
    """The package's ``<unit>_minstens`` cells reach the API as published figures (not derived);
    a hidden one stays hidden there."""
    linked = flow.folder / "koppelpartij" / f"stapeling-{GEMEENTE}.zip"
    with zipfile.ZipFile(linked) as z:
        manifest = json.loads(z.read("manifest.json"))
        table = pq.read_table(io.BytesIO(z.read("huishoudens_minstens.parquet"))).to_pylist()
    entry = next(t for t in manifest["tabellen"] if t["naam"] == "huishoudens_minstens")
    assert entry["combinaties"] == "minstens" and entry["minstens_van"] == "huishoudens"
    assert [d["categorieen"] for d in entry["dimensies"]] == [["2"]]  # three provisions: k = 2
    cells = {r["regiocode"]: r for r in table if r["minstens"] == "2"}
    api = json.loads(flow.pages[3])  # type: ignore[attr-defined]  # ?niveau=buurt
    checked = 0
    for area in api["gebieden"]:
        cell, got = cells.get(area["code"]), area["huishoudens"]["minstens"]["2"]
        if cell is None:
            continue
        if cell["waarde"] is None:
            assert got["status"] == "hidden" and got["waarde"] is None
        else:
            assert got == {
                "waarde": cell["waarde"],
                "status": "value",
                "toelichting": "Gepubliceerd door de koppelpartij.",
            }
        checked += 1
    assert checked == len(api["gebieden"])
