"""The synthetic partner extracts (source/synthetic*.py): reproducible, fictitious, calibrated.

Real files written by ``generate`` at a small scale; expectations come from the KWB 2023 counts
(``calibrated``) and the BSN rule, never from the generator's own output.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from buurtbeeld.source.synthetic import calibrated, generate, passes_eleven_test

GM = "GM0505"  # Dordrecht
SCALE = 0.2


def _rows(path: Path, encoding: str) -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetisch") / "a"
    generate(folder, gemeente=GM, seed=11, scale=SCALE, registers=("wmo", "schuldsignalen"))
    return folder


def test_the_same_seed_writes_the_same_files_and_another_seed_does_not(
    written: Path, tmp_path: Path
) -> None:
    again, other = tmp_path / "b", tmp_path / "c"
    generate(again, gemeente=GM, seed=11, scale=SCALE, registers=("wmo", "schuldsignalen"))
    generate(other, gemeente=GM, seed=12, scale=SCALE, registers=("wmo", "schuldsignalen"))
    for name in ("postcode_buurt.csv", "wmo_export.csv", "schuldsignalen.csv", "wmo.yaml"):
        assert (written / name).read_bytes() == (again / name).read_bytes(), name
    assert (written / "wmo_export.csv").read_bytes() != (other / "wmo_export.csv").read_bytes()


def test_no_client_number_is_a_possible_bsn(written: Path) -> None:
    numbers = {r["clientnr"] for r in _rows(written / "wmo_export.csv", "cp1252")}
    assert numbers and all(len(n) == 9 and n.isdigit() for n in numbers)
    assert not any(passes_eleven_test(int(n)) for n in numbers)


def test_postcodes_lead_to_buurten_of_the_gemeente(written: Path) -> None:
    lookup = {r["postcode"]: r["buurtcode"] for r in _rows(written / "postcode_buurt.csv", "utf-8")}
    expected = calibrated(GM, "a_wmo_t")
    assert set(lookup.values()) <= set(expected)
    written_codes = [r["postcode"] for r in _rows(written / "wmo_export.csv", "cp1252")]
    present = [p.replace(" ", "").upper() for p in written_codes if p]
    assert len(present) > 0.95 * len(written_codes)  # about 1 % left empty on purpose
    assert all(p in lookup for p in present)


def test_wmo_clients_follow_the_kwb_count_at_the_chosen_scale(written: Path) -> None:
    clients = {r["clientnr"] for r in _rows(written / "wmo_export.csv", "cp1252")}
    mean = SCALE * sum(calibrated(GM, "a_wmo_t").values())
    assert abs(len(clients) - mean) < 5 * math.sqrt(mean)  # a sum of Poisson draws
