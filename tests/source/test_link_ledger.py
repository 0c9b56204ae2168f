"""A revised linked delivery is protected together with what the linking party already sent.

``buurtbeeld koppel`` keeps the same release ledger as a partner's toolkit
(:mod:`buurtbeeld.source.ledger`): every package it writes is recorded as *gemaakt*; once marked
*verzonden*, the next package of the same dataset is protected together with it (what it hid
stays hidden, so the two cannot be differenced), and a delivery that counts a sent cell
differently is refused as a revision.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from buurtbeeld.errors import DisclosureError
from buurtbeeld.protect import CellKey, CellStatus
from buurtbeeld.source.ledger import SENT, entries, mark_sent
from buurtbeeld.source.link_package import make_linked_package
from buurtbeeld.source.link_protection import LinkedDelivery

from .joint_data import Counts, households, link_counts
from .test_link_protection import Flow, _flow


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    return _flow(tmp_path_factory.mktemp("stapeling-logboek"), movers=0.12, n=300)


def _here(counts: Counts, folder: Path) -> Counts:
    """The counts with the linking party's seed and ledger in ``folder``."""
    spec = dataclasses.replace(
        counts.spec, zaadbestand=folder / ".buurtbeeld-zaad", logboek=folder / ".logboek"
    )
    return dataclasses.replace(counts, spec=spec)


def _buurt_cells(linked: LinkedDelivery, buurten: set[str]) -> list[CellKey]:
    """The household combinations of these buurten (not the structural zeros, which are
    known), hidden or published."""
    run = linked.delivery.runs["aantallen"]
    return [
        k
        for k in run.keys
        if k[0] == "stapeling"
        and k[1] == "aantal:huishoudens"
        and k[3] in buurten
        and run.status(k) != CellStatus.FORCED_PUBLISHABLE
    ]


def _pretend_hidden(counts: Counts, package: Path, keys: list[CellKey]) -> None:
    """Edit the ledger as if the sent package had hidden these cells (secondaries)."""
    sha = hashlib.sha256(package.read_bytes()).hexdigest()
    entry = next(e for e in entries(counts.spec) if e.sha256 == sha)  # type: ignore[arg-type]
    data = json.loads(gzip.decompress(entry.path.read_bytes()))
    wanted = {tuple(k) for k in keys}
    hits = 0
    for cell in data["runs"]["aantallen"]["cellen"]:
        if tuple(cell[0]) in wanted:
            cell[1:4] = ["x", None, None]
            hits += 1
    assert hits == len(keys)
    entry.path.write_bytes(gzip.compress(json.dumps(data).encode()))


def _statuses(linked: LinkedDelivery, keys: list[CellKey]) -> list[CellStatus]:
    run = linked.delivery.runs["aantallen"]
    return [run.status(k) for k in keys]


def test_a_sent_linked_package_constrains_the_next_koppel_run(flow: Flow, tmp_path: Path) -> None:
    counts = _here(flow.counts, tmp_path)
    pubs = sorted(flow.folder.glob("*/sleutels/*.pub"))
    first, linked, _created = make_linked_package(counts, tmp_path / "a.zip", pubs)
    assert [e.status for e in entries(counts.spec)] == ["gemaakt"]  # type: ignore[arg-type]
    # as if the sent package had hidden every combination of the two buurten of one wijk (a
    # safe pattern: only their sum per combination follows from the wijk)
    pair = _buurt_cells(linked, {"BU06780000", "BU06780009"})
    assert any(not s.suppressed for s in _statuses(linked, pair))
    _pretend_hidden(counts, first, pair)

    # made but not sent: the next run is free to publish them
    _path, free, _ = make_linked_package(counts, tmp_path / "b-vrij.zip", pubs)
    assert not all(s.suppressed for s in _statuses(free, pair))

    assert mark_sent(counts.spec, first).status == SENT  # type: ignore[arg-type]
    _path, second, _ = make_linked_package(counts, tmp_path / "b.zip", pubs)
    # what the sent package hid stays hidden: the two packages cannot be differenced
    assert all(s.suppressed for s in _statuses(second, pair))
    assert second.delivery.runs["aantallen"].report.audit_passed


def test_a_revised_linked_delivery_is_refused(flow: Flow, tmp_path: Path) -> None:
    counts = _here(flow.counts, tmp_path)
    pubs = sorted(flow.folder.glob("*/sleutels/*.pub"))
    first, _linked, _ = make_linked_package(counts, tmp_path / "a.zip", pubs)
    mark_sent(counts.spec, first)  # type: ignore[arg-type]
    # the same counts again: accepted
    assert make_linked_package(counts, tmp_path / "a2.zip", pubs)[0].exists()
    # one household fewer: a revision of the sent package
    data = households(300, 3, 0.12)
    data.pop(next(iter(data)))
    revised = dataclasses.replace(link_counts(data, counts.spec), spec=counts.spec)
    with pytest.raises(DisclosureError) as info:
        make_linked_package(revised, tmp_path / "a3.zip", pubs)
    assert info.value.code == "BB-BRON-002" and "herziening" in info.value.message
    assert not (tmp_path / "a3.zip").exists()
