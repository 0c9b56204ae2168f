"""Group-level risk estimates travel in the signed manifest, are re-checked and stored.

Packages are made by the real toolkit (``run_risk``) from the synthetic research table with
known effects; forged variants are re-signed with the partner's own key (what a partner or a
bug could do: the signature alone does not make a field valid).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.package_format import SigningKey, read_package, write_package
from buurtbeeld.source.keys import signing_key
from buurtbeeld.source.riskfactors_package import run_risk
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.package_reader import read_package as read_contents
from buurtbeeld.store.workspace import Workspace
from tests.signing import register, trusted
from tests.source.risk_data import load, write_research
from tests.store.test_intake import protected_contents
from tests.store.test_package_reader import _rewrite, package_from, resigned


@dataclass(frozen=True)
class RiskPackage:
    path: Path
    key: SigningKey
    field: dict[str, Any]


def make_risk_package(folder: Path, *, more_cases: int = 0) -> RiskPackage:
    """A package of the real toolkit on the synthetic research table; ``more_cases``: that many
    more children with the outcome (a revision that leaves the table per wijk as it was)."""
    _, table = write_research(folder, seed=2, scale=0.1)
    if more_cases:
        outcome = table["jeugdhulp"].to_pylist()
        flipped = [i for i, v in enumerate(outcome) if not v][:more_cases]
        for i in flipped:
            outcome[i] = 1
        column = table.schema.get_field_index("jeugdhulp")
        table = table.set_column(column, "jeugdhulp", pa.array(outcome, table["jeugdhulp"].type))
        write_research(folder, table=table)
    spec = load(folder)
    run = run_risk(spec, folder / "risico.zip")
    key, _ = signing_key(spec.delivery())
    with zipfile.ZipFile(run.path) as archive:
        field = json.loads(archive.read("manifest.json"))["risicofactoren"]
    return RiskPackage(run.path, key, field)


@pytest.fixture(scope="module")
def risk_package(tmp_path_factory: pytest.TempPathFactory) -> RiskPackage:
    return make_risk_package(tmp_path_factory.mktemp("risico"))


def _import(workspace: Workspace, path: Path, key: SigningKey) -> Any:
    return intake_package(workspace, read_contents(path, trusted(key)))


def _forged(package: RiskPackage, tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    return resigned(package.path, tmp_path / "vervalst.zip", package.key, change)


def _refusal(package: RiskPackage, tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Any:
    with pytest.raises(BuurtbeeldError) as info:
        read_package(_forged(package, tmp_path, change), trusted(package.key))
    return info.value


def test_estimates_are_stored_as_released_with_lineage(
    filled_workspace: Workspace, risk_package: RiskPackage
) -> None:
    register(filled_workspace, risk_package.key, "onderzoek")
    report = _import(filled_workspace, risk_package.path, risk_package.key)
    field = risk_package.field
    cube = Cube(filled_workspace)
    try:
        sets = cube.risk.sets_for("GM0505")
        assert cube.risk.sets_for("GM0363") == []  # not in the package's area
    finally:
        cube.close()
    assert len(sets) == 1
    stored = sets[0]
    assert (stored.outcome, stored.period, stored.area) == ("jeugdhulp", "2024", ("GM0505",))
    assert (
        stored.import_id == report.import_id
        and stored.source == read_package(risk_package.path).manifest["bron"]
    )
    assert report.risk_estimates == len(stored.estimates)
    share = stored.of("aandeel_uitkomst")
    assert share is not None and share.value == field["aandeel_uitkomst"]["aandeel"]
    assert [name for name, _ in stored.factors] == [f["naam"] for f in field["factoren"]]
    for factor in field["factoren"]:
        for kind in ("rr_ruw", "rr_gecorrigeerd"):
            est = stored.of(kind, factor["naam"])
            sent = factor[kind]
            assert est is not None
            assert (est.value, est.low, est.high) == (
                sent.get("rr"),
                sent.get("laag"),
                sent.get("hoog"),
            )
            assert est.withheld == tuple(sent.get("achtergehouden", ()))
        assert (stored.of("prevalentie", factor["naam"]) or share).value == factor[
            "prevalentie"
        ].get("aandeel")
    model = stored.of("basisrisico")
    assert model is not None and model.value == field["model"].get("basisrisico")


def test_a_revised_delivery_replaces_the_estimates(
    filled_workspace: Workspace, risk_package: RiskPackage, tmp_path: Path
) -> None:
    register(filled_workspace, risk_package.key, "onderzoek")
    first = _import(filled_workspace, risk_package.path, risk_package.key)
    revised = make_risk_package(tmp_path / "herzien", more_cases=60)
    if revised.key.public.fingerprint != risk_package.key.public.fingerprint:
        register(filled_workspace, revised.key, "onderzoek2")
    second = _import(filled_workspace, revised.path, revised.key)
    assert second.import_id != first.import_id
    cube = Cube(filled_workspace)
    try:
        sets = cube.risk.sets_for("GM0505")
    finally:
        cube.close()
    assert [s.import_id for s in sets] == [second.import_id]
    share = sets[0].of("aandeel_uitkomst")
    assert share is not None and share.value == revised.field["aandeel_uitkomst"]["aandeel"]
    assert share.value != risk_package.field["aandeel_uitkomst"]["aandeel"]


def test_an_older_package_without_estimates_still_imports(
    filled_workspace: Workspace, tmp_path: Path
) -> None:
    contents = protected_contents(filled_workspace)
    from tests.signing import make_key

    key = make_key(tmp_path / "partner", contents.source)
    register(filled_workspace, key)
    path = package_from(contents, tmp_path / "wmo.zip", key)
    read = read_contents(path, trusted(key))
    assert read.risk is None
    report = intake_package(filled_workspace, read)
    assert report.published > 0 and report.risk_estimates == 0


def test_a_tampered_estimate_breaks_the_signature(
    risk_package: RiskPackage, tmp_path: Path
) -> None:
    with zipfile.ZipFile(risk_package.path) as archive:
        body = archive.read("manifest.json")
    rr = json.dumps(risk_package.field["factoren"][0]["rr_ruw"]["rr"])
    changed = body.replace(f'"rr": {rr}'.encode(), b'"rr": 9.99', 1)
    assert changed != body
    path = _rewrite(risk_package.path, tmp_path / "gewijzigd.zip", {"manifest.json": changed})
    with pytest.raises(BuurtbeeldError) as info:
        read_package(path, trusted(risk_package.key))
    assert info.value.code.startswith("BB-SIG-")
    # a changed report (listed in the signed manifest) is refused by its checksum
    path = _rewrite(risk_package.path, tmp_path / "rapport.zip", {"rapport.md": b"# anders\n"})
    with pytest.raises(BuurtbeeldError) as info:
        read_package(path, trusted(risk_package.key))
    assert info.value.code == "BB-PKG-003"


def test_unsigned_packages_with_estimates_are_refused(
    risk_package: RiskPackage, tmp_path: Path
) -> None:
    package = read_package(risk_package.path)  # the toolkit reading its own package
    manifest = {k: v for k, v in package.manifest.items() if k != "bestanden"}
    manifest["versie"] = 2
    tables = {name: t.data for name, t in package.tables.items()}
    with pytest.raises(BuurtbeeldError) as info:  # the writer refuses to make it
        write_package(tmp_path / "oud.zip", manifest, tables, report=package.report)
    assert info.value.code == "BB-PKG-064"
    with pytest.raises(BuurtbeeldError) as info:  # the platform refuses an unsigned one
        read_package(
            _rewrite(risk_package.path, tmp_path / "los.zip", {"handtekening.json": None}),
            trusted(risk_package.key),
        )
    assert info.value.code.startswith("BB-SIG-")


def _factor(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda manifest: change(manifest["risicofactoren"]["factoren"][0])


def _swap_interval(factor: dict[str, Any]) -> None:
    factor["rr_ruw"]["laag"], factor["rr_ruw"]["hoog"] = (
        factor["rr_ruw"]["hoog"],
        factor["rr_ruw"]["laag"],
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        # an individual-level field is no field of the contract
        (_factor(lambda f: f.update(score_per_kind=[0.1, 0.7])), "BB-PKG-060"),
        (lambda m: m["risicofactoren"].update(huishoudens=["HH1"]), "BB-PKG-060"),
        (_factor(lambda f: f.update(titel="<script>x</script>")), "BB-PKG-060"),
        (
            lambda m: m["risicofactoren"].update(factoren=m["risicofactoren"]["factoren"] * 3),
            "BB-PKG-060",
        ),
        (_factor(_swap_interval), "BB-PKG-061"),
        (_factor(lambda f: f["prevalentie"].update(aandeel=1.2)), "BB-PKG-061"),
        (_factor(lambda f: f["rr_ruw"].update(rr=float("nan"))), "BB-PKG-061"),
        (_factor(lambda f: f["rr_ruw"].update(kleinste_groep=5)), "BB-PKG-062"),
        (
            _factor(lambda f: f.update(rr_ruw={"rr": 2.0, "achtergehouden": ["drempel"]})),
            "BB-PKG-063",
        ),
        (_factor(lambda f: f.update(prevalentie={"aandeel": 0.2})), "BB-PKG-063"),
        (lambda m: m["risicofactoren"]["model"]["factoren"].pop(), "BB-PKG-063"),
        (lambda m: m["risicofactoren"].update(tabel="andere_tabel"), "BB-PKG-064"),
    ],
)
def test_forged_estimates_are_refused_with_a_code(
    risk_package: RiskPackage,
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
    code: str,
) -> None:
    err = _refusal(risk_package, tmp_path, change)
    assert err.code == code, err
    assert "script" not in err.message and "HH1" not in err.message


def test_estimates_on_groups_below_the_profile_threshold_are_refused(
    filled_workspace: Workspace, risk_package: RiskPackage, tmp_path: Path
) -> None:
    # the toolkit allows a threshold of 5; profile cbs-zorg publishes counts from 8
    def lax(manifest: dict[str, Any]) -> None:
        field = manifest["risicofactoren"]
        field["controle"]["minimum_aantal"] = 5
        field["factoren"][0]["rr_ruw"]["kleinste_groep"] = 5

    path = _forged(risk_package, tmp_path, lax)
    contents = read_contents(path, trusted(risk_package.key))  # valid by its own rules
    register(filled_workspace, risk_package.key, "onderzoek")
    with pytest.raises(BuurtbeeldError) as info:
        intake_package(filled_workspace, contents)
    assert info.value.code == "BB-PKG-062"
    cube = Cube(filled_workspace)
    try:
        assert cube.risk.sets_for("GM0505") == []  # nothing stored
    finally:
        cube.close()


def test_national_estimates_show_for_every_gemeente(
    filled_workspace: Workspace, risk_package: RiskPackage, tmp_path: Path
) -> None:
    path = _forged(risk_package, tmp_path, lambda m: m.update(gebied=["NL00"]))
    register(filled_workspace, risk_package.key, "onderzoek")
    _import(filled_workspace, path, risk_package.key)
    cube = Cube(filled_workspace)
    try:
        for gemeente in ("GM0505", "GM0363"):
            assert [s.area for s in cube.risk.sets_for(gemeente)] == [("NL00",)]
    finally:
        cube.close()


def test_the_web_import_says_the_estimates_were_stored(
    filled_workspace: Workspace, risk_package: RiskPackage
) -> None:
    from buurtbeeld.web.import_kinds import run_package

    register(filled_workspace, risk_package.key, "onderzoek")
    report = run_package(filled_workspace, risk_package.path, lambda _m: None)
    assert any("risicoschattingen op groepsniveau opgeslagen" in line for line in report["regels"])


def test_a_workspace_of_schema_5_gains_the_estimates_table(
    filled_workspace: Workspace, risk_package: RiskPackage
) -> None:
    from buurtbeeld.store.schema import SCHEMA_VERSION
    from buurtbeeld.store.workspace import open_workspace

    con = filled_workspace.connect()
    con.execute("DROP TABLE risk_estimate")
    con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    con.close()
    reopened = open_workspace(filled_workspace.root)
    con = reopened.connect(read_only=True)
    try:
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert version == (str(SCHEMA_VERSION),)
        assert con.execute("SELECT count(*) FROM risk_estimate").fetchone() == (0,)
    finally:
        con.close()
    register(reopened, risk_package.key, "onderzoek")
    assert _import(reopened, risk_package.path, risk_package.key).risk_estimates > 0
