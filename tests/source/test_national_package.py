"""A national delivery (``gemeente: NL00``) writes ``gebied: ["NL00"]`` and the platform takes it.

Before: the manifest schema accepted only GM codes in ``gebied``, so ``bron maak-pakket`` with a
national spec wrote a package the writer itself refused (``BB-PKG-025``). The protection of a
national table is heavy (every buurt of the country), so the delivery here is GM0505's with the
spec's area set to the whole country: the manifest path is exactly the national one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format import read_package, validate_manifest
from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.keys import signing_key
from buurtbeeld.source.package import manifest_for, write_delivery
from buurtbeeld.source.protection import ProtectedDelivery, protect_delivery
from buurtbeeld.source.spec import load_spec
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.package_reader import read_package as read_contents
from buurtbeeld.store.workspace import Workspace
from tests.signing import register, trusted


@pytest.fixture(scope="module")
def delivery(generated_template: Path) -> ProtectedDelivery:
    """GM0505's protected wmo delivery (its spec's area is set per test)."""
    return protect_delivery(aggregate(load_spec(generated_template / "wmo.yaml")), seed="nl")


def test_a_national_delivery_is_a_valid_package_the_platform_imports(
    delivery: ProtectedDelivery, filled_workspace: Workspace, tmp_path: Path
) -> None:
    spec = delivery.aggregation.spec
    national = spec.model_copy(update={"gemeente": "NL00"})
    assert national.gemeenten == ["NL00"]
    delivery = replace(delivery, aggregation=replace(delivery.aggregation, spec=national))
    assert manifest_for(delivery)["gebied"] == ["NL00"]
    key, _ = signing_key(spec)
    path = write_delivery(delivery, tmp_path / "wmo-nl.zip", key)
    assert read_package(path).manifest["gebied"] == ["NL00"]
    register(filled_workspace, key)
    report = intake_package(filled_workspace, read_contents(path, trusted(key)))
    assert report.published > 0


@pytest.mark.parametrize("gebied", [["NL00", "GM0505"], ["GM0505", "NL00"], ["NL01"]])
def test_nl00_stands_alone(delivery: ProtectedDelivery, gebied: list[str]) -> None:
    manifest = manifest_for(delivery)
    manifest["bestanden"] = {}
    validate_manifest(manifest)  # as written: valid
    manifest["gebied"] = gebied
    with pytest.raises(ImportFileError) as info:
        validate_manifest(manifest)
    assert info.value.code == "BB-PKG-025"
