"""Did a delivery change what a sent package of the same dataset counted? Keyed fingerprints.

A sent package pins its cells: a later delivery of the same dataset is protected together with
it (:mod:`buurtbeeld.source.ledger`). If the later delivery counts a cell differently - one
client less in a buurt, even when every published value stays inside its rounding interval, or
a change in a hidden cell - publishing both versions shows the difference, and protection pinned
to the old pattern cannot work. That is a *revision*: refused with ``BB-BRON-002`` until the old
package is withdrawn.

Whether a hidden cell changed cannot be read from what was published, so the ledger keeps per
cell a 4-byte **keyed fingerprint** of the true value (BLAKE2b keyed with a key derived from the
partner's secret rounding seed). Without the seed the fingerprints say nothing about the values;
the seed never leaves the partner's machine. Cells are compared where the new delivery could
have a cell with that key (same dataset, measure, period, region of its area and set of
dimensions); an absent count there is a zero (a category that disappeared is a change too).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from buurtbeeld.protect import CellKey
from buurtbeeld.source.aggregate import Aggregation
from buurtbeeld.source.protection import REGION, _cell_key

FINGERPRINT_BYTES = 4
Signature = tuple[str, str, str, frozenset[str]]
"""(dataset, measure, period, dimension names) of a cell key."""


def _signature(key: CellKey) -> Signature:
    return key[0], key[1], key[2], frozenset(p.split("=", 1)[0] for p in key[REGION + 1 :])


@dataclass
class Truth:
    """The true value of every non-empty cell of a delivery, and which cells it covers."""

    values: dict[CellKey, tuple[int, ...]] = field(default_factory=dict)
    covered: set[Signature] = field(default_factory=set)
    regions: frozenset[str] = frozenset()

    def covers(self, key: CellKey) -> bool:
        """Whether this delivery has a cell with this key (zero when it has no value for it)."""
        return key[REGION] in self.regions and _signature(key) in self.covered

    def value(self, key: CellKey) -> tuple[int, ...]:
        """The true value of a covered cell (count; or contributors, sum and top 2 in cents)."""
        return self.values.get(key, (0,) if key[1].startswith("aantal:") else (0, 0, 0, 0))


def delivery_truth(agg: Aggregation) -> Truth:
    """The true cell values of an aggregation, keyed as protection keys them."""
    dataset = agg.spec.dataset
    truth = Truth(regions=frozenset(agg.division.all_codes()))
    for table in agg.tables:
        fixed = [d for d in table.dimensions if not table.additive[d]]
        free = [d for d in table.dimensions if table.additive[d]]
        measure = f"aantal:{table.unit}" if table.measure == "aantal" else f"som:{table.spec.kolom}"
        for period in agg.periods:
            for r in range(len(free) + 1):
                for shown in combinations(free, r):
                    names = frozenset((*fixed, *shown))
                    truth.covered.add((dataset, measure, period.label, names))
        dims = table.dimensions
        for row in table.data.to_pylist():
            combo = tuple(str(row[d]) for d in dims)
            key = _cell_key(dataset, row["periode"], row["regiocode"], table, combo)
            if table.measure == "aantal":
                truth.values[key] = (int(row["aantal"]),)
            else:
                truth.values[key] = tuple(
                    int(row[c] or 0) for c in ("bijdragers", "som_cent", "top1_cent", "top2_cent")
                )
    return truth


def _hasher_key(seed: str) -> bytes:
    return hashlib.sha256(f"buurtbeeld-logboek|{seed}".encode()).digest()


def key_id(seed: str) -> str:
    """Which key made a set of fingerprints (a hash of the key; says nothing about values).

    Fingerprints made with another key (another area of the same dataset, whose rounding seed
    differs) cannot be compared: such a sent package keeps only the rounding-interval check.
    """
    return hashlib.blake2b(_hasher_key(seed), digest_size=8, person=b"bb-logboek").hexdigest()


def _fingerprint(secret: bytes, key: CellKey, value: tuple[int, ...]) -> bytes:
    text = "\x1f".join((*key, *(str(v) for v in value))).encode("utf-8")
    return hashlib.blake2b(text, key=secret, digest_size=FINGERPRINT_BYTES).digest()


def fingerprints(truth: Truth, keys: Iterable[CellKey], seed: str) -> str:
    """The fingerprints of these cells' true values, in order, as one base64 text."""
    secret = _hasher_key(seed)
    raw = b"".join(_fingerprint(secret, k, truth.value(k)) for k in keys)
    return base64.b64encode(raw).decode("ascii")


def changed_cells(truth: Truth, keys: Sequence[CellKey], recorded: str, seed: str) -> list[CellKey]:
    """Cells of a sent package (``keys`` with their ``recorded`` fingerprints) that the new
    delivery covers and counts differently."""
    raw = base64.b64decode(recorded)
    if len(raw) != FINGERPRINT_BYTES * len(keys):
        raise ValueError("fingerprints do not match the cells")
    secret = _hasher_key(seed)
    out = []
    for i, key in enumerate(keys):
        if not truth.covers(key):
            continue
        old = raw[i * FINGERPRINT_BYTES : (i + 1) * FINGERPRINT_BYTES]
        if _fingerprint(secret, key, truth.value(key)) != old:
            out.append(key)
    return out
