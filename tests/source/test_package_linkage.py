"""The optional ``koppeling`` manifest field (issue 11, contract §4).

A package of the linking party carries it; a v3 package without it (every partner package)
keeps reading; the field round-trips through the writer and both readers, and a malformed one
is refused by name.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format import Linkage, Provision, read_package
from buurtbeeld.source.package import write_delivery
from buurtbeeld.store.package_reader import read_package as platform_read
from tests.signing import make_key, trusted

from .test_package_attack import make_delivery

RECORDS = [
    (p, b, s, g, "15-02-2024", 100 + p)
    for p, (b, s, g) in enumerate(
        [("BU06780000", "a", "jong"), ("BU06780009", "b", "oud"), ("BU06780100", "c", "jong")] * 12
    )
]
LINKAGE = Linkage(
    kind="stapeling",
    rule="laatste-adres",
    provisions=(
        Provision("wmo", "Wmo", "Wmo-team gemeente (demo)", "wmo", "voorzieningen_totaal"),
        Provision(
            "jeugd",
            "Jeugdhulp",
            "Jeugdteam (demo)",
            "jeugd",
            "voorzieningen_totaal",
            package_sha256="a" * 64,
            no_movers=(("huishoudens", "2024-K1"), ("personen", "2024-K1")),
        ),
    ),
)


def test_a_package_without_linkage_still_reads(tmp_path: Path) -> None:
    _, path = make_delivery(tmp_path, RECORDS, "cbs-zorg", multi=False)
    package = read_package(path)
    assert package.version == 3 and "koppeling" not in package.manifest
    assert package.linkage is None
    key = make_key(tmp_path / "k", "eigenschap")
    write_delivery(make_delivery(tmp_path, RECORDS, "cbs-zorg", False)[0], tmp_path / "s.zip", key)
    assert platform_read(tmp_path / "s.zip", trusted(key)).linkage is None


def test_linkage_round_trips_through_writer_and_both_readers(tmp_path: Path) -> None:
    delivery, _ = make_delivery(tmp_path, RECORDS, "cbs-zorg", multi=False)
    key = make_key(tmp_path / "k", "eigenschap")
    path = write_delivery(delivery, tmp_path / "gekoppeld.zip", key, linkage=LINKAGE)
    with zipfile.ZipFile(path) as archive:
        field = json.loads(archive.read("manifest.json"))["koppeling"]
    assert field["soort"] == "stapeling" and field["regel"] == "laatste-adres"
    assert [p["naam"] for p in field["voorzieningen"]] == ["wmo", "jeugd"]
    assert field["voorzieningen"][1]["zonder_verhuizers"] == {
        "huishoudens": ["2024-K1"],
        "personen": ["2024-K1"],
    }
    assert read_package(path).linkage == LINKAGE
    contents = platform_read(path, trusted(key))
    assert contents.linkage == LINKAGE and contents.signed_by == key.public.fingerprint


@pytest.mark.parametrize(
    ("provisions", "where"),
    [
        ((LINKAGE.provisions[0],), "koppeling.voorzieningen"),  # one provision links nothing
        ((LINKAGE.provisions[0], LINKAGE.provisions[0]), "koppeling"),  # twice
        ((LINKAGE.provisions[0], Provision("x", "<b>", "b", "d", "t")), "titel"),
    ],
)
def test_a_malformed_linkage_is_refused_by_name(
    tmp_path: Path, provisions: tuple[Provision, ...], where: str
) -> None:
    delivery, _ = make_delivery(tmp_path, RECORDS, "cbs-zorg", multi=False)
    key = make_key(tmp_path / "k", "eigenschap")
    bad = Linkage("stapeling", "laatste-adres", provisions)
    with pytest.raises(ImportFileError) as info:
        write_delivery(delivery, tmp_path / "fout.zip", key, linkage=bad)
    assert info.value.code == "BB-PKG-025" and where in info.value.message
    assert not (tmp_path / "fout.zip").exists()
