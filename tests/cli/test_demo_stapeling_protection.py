"""The demo's stapeling as ``buurtbeeld demo --stapeling`` protects it, without a workspace:
Dordrecht keeps published exclusive household combinations at gemeente level, so the UpSet
chart of ``/gemeente/GM0505/voorzieningen`` has bars (issue 14, the repairs inside the audit).

The same steps as the demo (``cli.demo._demo_partner_packages`` and ``_demo_stapeling``): the
synthetic registers of Dordrecht, the partners' packages, pseudonymised extracts with one project
key, link, ``protect_link`` with the partners' packages. Fixed rounding seeds keep the partners'
published figures the same in every run. ``tests/browser/test_demo_stapeling_in_chromium.py``
checks the chart itself, in 10-20 min; this test checks the protection in about a minute.

The repairs inside the audit, choosing the repair cell by the publication order (latest
first), hid every exclusive household combination of the gemeente (this test: 0 of 15); main's
round-based repairs published 3 (the threshold below; this test passes on main); choosing the
smallest binding cell first (``suppress.choose_repair``) published 11 on a demo folder
(docs/benchmarks.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from buurtbeeld.cli.demo import STAPELING, stapeling_spec, yearly_benefit_spec
from buurtbeeld.protect import CellStatus
from buurtbeeld.source.keys import key_files
from buurtbeeld.source.link import link
from buurtbeeld.source.link_key import create_key_file
from buurtbeeld.source.link_partners import partner_keys
from buurtbeeld.source.link_protection import LinkedDelivery, protect_link
from buurtbeeld.source.link_spec import load_link_spec
from buurtbeeld.source.pipeline import make_package
from buurtbeeld.source.pseudonym import pseudonymise
from buurtbeeld.source.spec import load_spec
from buurtbeeld.source.synthetic import REGISTERS, generate

pytestmark = pytest.mark.slow
GEMEENTE = "GM0505"
MAIN_PUBLISHED = 3
"""Exclusive household combinations of Dordrecht that main's round-based repairs published."""


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> LinkedDelivery:
    folder = tmp_path_factory.mktemp("bron-demo")
    generate(folder, gemeente=GEMEENTE, registers=REGISTERS)
    packages: dict[str, Path] = {}
    public: list[Path] = []
    for register in REGISTERS:
        spec = load_spec(folder / f"{register}.yaml")
        made = make_package(spec, folder / f"{register}-pakket.zip", seed=f"demo-{register}")
        packages[register] = made.path
        public.append(key_files(spec).public)
    (folder / "bijstand-jaar.yaml").write_text(yearly_benefit_spec(GEMEENTE), encoding="utf-8")
    key = create_key_file(folder / "stapeling.sleutel", "demo")
    for name, (spec_file, _table) in STAPELING.items():
        pseudonymise(load_spec(folder / spec_file), key, folder / f"{name}-pseudoniemen.parquet")
    (folder / "stapeling.yaml").write_text(stapeling_spec(GEMEENTE, packages), encoding="utf-8")
    link_spec = load_link_spec(folder / "stapeling.yaml")
    counts = link(link_spec, workdir=folder / "werk")
    return protect_link(
        counts,  # type: ignore[arg-type]  # as in cli.koppel
        seed="demo-koppelpartij",
        trusted=partner_keys(public),
    )


def _exclusive_households(linked: LinkedDelivery, region: str) -> dict[str, CellStatus]:
    """Status per exclusive household combination of ``region`` (every provision ja or nee,
    not all nee: the structural zero, never in the package)."""
    run = linked.delivery.runs["aantallen"]
    found: dict[str, CellStatus] = {}
    for key in run.keys:
        parts = [str(p) for p in key]
        if region not in parts or not any("huishoudens" in p for p in parts):
            continue
        provisions = [p for p in parts if "=" in p]
        if len(provisions) != len(STAPELING):  # a marginal or the total
            continue
        if all(p.endswith("=nee") for p in provisions):
            continue
        found["|".join(provisions)] = run.status(key)
    return found


def test_dordrecht_keeps_published_household_combinations(linked: LinkedDelivery) -> None:
    combos = _exclusive_households(linked, GEMEENTE)
    assert len(combos) == 2 ** len(STAPELING) - 1
    published = [c for c, status in combos.items() if not status.suppressed]
    assert len(published) >= MAIN_PUBLISHED, sorted(published)
