"""``bron koppelsleutel`` and ``bron pseudonimiseer`` through the CLI: the scan test (no key,
BSN or record value in any output) and the clean-up after a hard crash."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app

REPO = Path(__file__).resolve().parents[2]
BUURTEN = ["BU05050101", "BU05050102", "BU05050200"]


def _test_bsns(count: int) -> list[int]:
    """BSNs from RvIG's test range 99999xxxx that pass the elfproef (computed here)."""
    out = []
    for n in range(999_990_000, 1_000_000_000):
        digits = [int(c) for c in f"{n:09d}"]
        total = sum(w * d for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2, -1), digits, strict=True))
        if total % 11 == 0:
            out.append(n)
        if len(out) == count:
            return out
    raise AssertionError("not enough test BSNs")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "200"}


@pytest.fixture
def marked(tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    """An export whose every identifier and record value is a unique marker."""
    bsns = _test_bsns(31)
    valid, failing = bsns[:30], bsns[30] + 1  # +1 breaks the elfproef
    lines, lookup, values = [], [], {"bsn": [], "huishouden": [], "postcode": [], "waarde": []}
    for i, bsn in enumerate(valid):
        household = f"HUISHMRK{i:04d}Q"
        postcode = f"{9100 + i}QZ"
        category = f"vormmrk{i:03d}x"
        day = f"2024-{1 + i % 12:02d}-{10 + i % 18:02d}"
        shown = f" {bsn} " if i % 3 == 0 else f"{bsn:09d}"
        lines.append(f"{shown};{household};{postcode};{category};{day}")
        if i % 5 == 0:
            lines.append(f"{bsn};{household};{postcode};{category};{day}")  # a duplicate
        lookup.append(f"{postcode};{BUURTEN[i % 3]}")
        values["bsn"].append(f"{bsn:09d}")
        values["huishouden"].append(household)
        values["postcode"] += [postcode, postcode[:4] + " " + postcode[4:]]
        values["waarde"] += [category, day, day.replace("-", "")]
    lines.append(f"{failing};HUISHMRKFOUTQ;9199QZ;vormmrkfout;2024-05-05")
    lines.append("99999ABCD;HUISHMRKLETQ;9198QZ;vormmrklet;2024-05-06")
    values["bsn"] += [f"{failing:09d}", "99999ABCD"]
    values["huishouden"] += ["HUISHMRKFOUTQ", "HUISHMRKLETQ"]
    values["postcode"] += ["9199QZ", "9198QZ"]
    lookup += ["9199QZ;BU05050101", "9198QZ;BU05050101"]
    (tmp_path / "export.csv").write_text(
        "bsn;huishouden;postcode;vorm;start\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    (tmp_path / "postcodes.csv").write_text(
        "postcode;buurtcode\n" + "\n".join(lookup) + "\n", encoding="utf-8"
    )
    (tmp_path / "spec.yaml").write_text(
        """dataset: merktest
bron: Scantest
gemeente: GM0505
bestanden: [{pad: export.csv}]
sleutels:
  persoon: {kolom: bsn, soort: bsn}
  huishouden: huishouden
regio: {postcode: postcode, koppeltabel: postcodes.csv}
periode: {begin: start, formaat: "%Y-%m-%d", jaar: 2024}
dimensies: [{naam: vorm, kolom: vorm}]
tabellen: [{naam: personen, titel: Personen, dimensies: [vorm]}]
""",
        encoding="utf-8",
    )
    return tmp_path, values


def _needles(key_file: Path, values: dict[str, list[str]]) -> dict[str, bytes]:
    line = next(x for x in key_file.read_text("ascii").splitlines() if x.startswith("sleutel:"))
    b64 = line.split(":", 1)[1].strip()
    secret = base64.b64decode(b64)
    out = {
        "sleutel (base64)": b64.encode(),
        "sleutel": secret,
        "sleutel (hex)": secret.hex().encode(),
    }
    for kind, items in values.items():
        for item in items:
            out[f"{kind} {item}"] = item.encode()
            if kind == "bsn" and item.isdigit():
                number = int(item)
                out[f"bsn {item} (int64 le)"] = number.to_bytes(8, "little")
                out[f"bsn {item} (int64 be)"] = number.to_bytes(8, "big")
                out[f"bsn {item} (kort)"] = str(number).encode()
    return out


def _found(blob: bytes, needles: dict[str, bytes]) -> list[str]:
    return [name for name, needle in needles.items() if needle in blob]


def test_no_key_bsn_or_record_value_leaves_through_any_output(
    marked: tuple[Path, dict[str, list[str]]],
) -> None:
    folder, values = marked
    inputs = {"export.csv", "postcodes.csv", "spec.yaml", "project.sleutel"}
    runner = CliRunner()
    key_file = folder / "project.sleutel"
    made = runner.invoke(app, ["bron", "koppelsleutel", str(key_file), "--project", "scan"])
    assert made.exit_code == 0, made.output
    run = runner.invoke(
        app, ["bron", "pseudonimiseer", str(folder / "spec.yaml"), "--sleutel", str(key_file)]
    )
    assert run.exit_code == 0, run.output
    assert "Gepseudonimiseerd bestand gemaakt" in run.output
    assert (folder / "merktest-pseudoniemen.parquet").exists()
    assert "voldoet niet aan de elfproef" in run.output  # counted by reason
    # the same through a subprocess with --debug, and a run that fails with a traceback
    cli = [sys.executable, "-m", "buurtbeeld.cli.main", "--debug", "bron", "pseudonimiseer"]
    debug = subprocess.run(
        [*cli, str(folder / "spec.yaml"), "--sleutel", str(key_file), "--uit", str(folder / "b.parquet")],
        capture_output=True, env=_env(), timeout=300, check=False,
    )  # fmt: skip
    assert debug.returncode == 0, debug.stderr
    crash = subprocess.run(
        [*cli, str(folder / "spec.yaml"), "--sleutel", str(key_file), "--uit", "/proc/x.parquet"],
        capture_output=True, env=_env(), timeout=300, check=False,
    )  # fmt: skip
    assert crash.returncode != 0 and b"Traceback" in crash.stderr
    needles = _needles(key_file, values)
    outputs = {
        "koppelsleutel": made.output.encode(),
        "pseudonimiseer": run.output.encode(),
        "--debug stdout": debug.stdout,
        "--debug stderr": debug.stderr,
        "traceback stdout": crash.stdout,
        "traceback stderr": crash.stderr,
    }
    written = sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in inputs)
    assert [p.name for p in written] == ["b.parquet", "merktest-pseudoniemen.parquet"]
    for path in written:
        outputs[path.name] = path.read_bytes()
        table = pq.read_table(path)
        # the decoded content too (the file is compressed): values and metadata as text
        outputs[f"{path.name} (inhoud)"] = (str(table.to_pylist()) + str(table.schema)).encode()
        numbers = set(table["persoon"].to_pylist()) | set(table["huishouden"].to_pylist())
        assert not numbers & {int(v) for v in values["bsn"] if v.isdigit()}
        assert table.num_rows == 30
    leaks = {name: _found(blob, needles) for name, blob in outputs.items()}
    assert {name: found for name, found in leaks.items() if found} == {}
    # the scan can fail: the inputs do contain what it looks for
    assert _found((folder / "export.csv").read_bytes(), needles)
    assert _found(key_file.read_bytes(), needles) == ["sleutel (base64)"]


CRASH = """
import os, sys
from pathlib import Path
from buurtbeeld.source.link_key import LinkKey
from buurtbeeld.source.pseudonym import pseudonymise
from buurtbeeld.source.spec import load_spec

def die(step):
    if step == sys.argv[3]:
        os._exit(9)  # a hard crash: no finally, no clean-up

pseudonymise(load_spec(Path(sys.argv[1])), LinkKey.load(Path(sys.argv[2])), Path(sys.argv[4]),
             progress=die)
"""


@pytest.mark.parametrize("step", ["Schrijven"])
def test_a_hard_crash_leaves_only_what_the_next_run_removes(
    marked: tuple[Path, dict[str, list[str]]], step: str
) -> None:
    folder, _ = marked
    key_file = folder / "project.sleutel"
    assert CliRunner().invoke(app, ["bron", "koppelsleutel", str(key_file)]).exit_code == 0
    target = folder / "uit.parquet"
    done = subprocess.run(
        [sys.executable, "-c", CRASH, str(folder / "spec.yaml"), str(key_file), step, str(target)],
        capture_output=True, env=_env(), timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 9, done.stderr
    left = sorted(p.name for p in folder.glob(".uit.parquet.tmp-*"))
    assert len(left) == 1 and not target.exists()
    run = CliRunner().invoke(
        app,
        [
            "bron",
            "pseudonimiseer",
            str(folder / "spec.yaml"),
            "--sleutel",
            str(key_file),
            "--uit",
            str(target),
        ],
        terminal_width=200,
    )
    assert run.exit_code == 0, run.output
    assert f"Opgeruimd: {left[0]}" in run.output
    assert sorted(p.name for p in folder.glob(".uit.parquet*")) == []
    assert pq.read_table(target).num_rows == 30
