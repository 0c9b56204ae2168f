"""Reproducible random rounding of published counts, and ratios with a minimum denominator.

Random (unbiased) rounding to base ``b`` (SDC.md §1.4, CBS KWB practice): a count ``x`` with
remainder ``x mod b = m`` is rounded up with probability ``m / b`` and down otherwise, so the
expected rounded value equals ``x``. The random number is not drawn from a global generator: it
is a hash of the delivery seed and the cell's stable key, so the same cell in the same delivery
always rounds the same way (re-running a delivery gives the same table; no averaging attack by
asking again).

Floor: counts just above the hidden range could round down *into* it (8 -> 5 under ``cbs-zorg``),
which would look like a hidden value and tell that the count is 8 or 9. As CBS does ("the
smallest published value is 10"), such results are raised to the smallest multiple of ``b``
above the hidden range. This is the only deviation from unbiasedness and only affects those
few counts.
"""

from __future__ import annotations

import hashlib
import math
import struct

from buurtbeeld.protect.table import CellKey


def cell_uniform(key: CellKey, seed: str | int) -> float:
    """A uniform number in [0, 1) that depends only on the cell key and the delivery seed."""
    text = "\x1f".join((str(seed), *key)).encode("utf-8")
    digest = hashlib.blake2b(text, digest_size=8, person=b"bb-round").digest()
    value: int = struct.unpack(">Q", digest)[0]
    return value / 2.0**64


def random_round(
    count: int, key: CellKey, *, base: int = 5, seed: str | int = 0, floor: int = 0
) -> int:
    """Round ``count`` to a multiple of ``base``, up with probability ``(count mod base)/base``.

    Parameters
    ----------
    count
        A published (non-hidden) count.
    key
        The cell's stable key: it seeds the random choice together with ``seed``.
    base
        Rounding base.
    seed
        Delivery seed.
    floor
        Non-zero results below this are raised to the smallest multiple of ``base`` at or above
        it (see the module docstring); 0 disables the floor.

    Examples
    --------
    >>> random_round(10, ("BU1", "wmo"), seed=1)
    10
    >>> random_round(12, ("BU1", "wmo"), seed=1) in (10, 15)
    True
    """
    if base < 1 or count < 0:
        raise ValueError("rounding needs base >= 1 and a non-negative count")
    down = count - count % base
    rounded = down
    if count % base and cell_uniform(key, seed) < (count % base) / base:
        rounded = down + base
    if floor and count > 0 and rounded < floor:
        rounded = math.ceil(floor / base) * base
    return rounded


def rounding_interval(published: float, base: int) -> tuple[float, float]:
    """What a random-rounded value tells an attacker: ``[r - (b-1), r + (b-1)]``, at least 0."""
    return max(0.0, published - (base - 1)), published + (base - 1)


def ratio(
    numerator: float | None,
    denominator: float | None,
    *,
    per: float = 1000.0,
    min_denominator: float = 100.0,
) -> float | None:
    """``numerator / denominator * per``, or ``None`` when hidden or the denominator is small.

    Compute ratios from *rounded* numerators (CBS KWB practice); the denominator threshold
    (default 100) keeps ratios of small populations from revealing small counts.

    Examples
    --------
    >>> ratio(15, 300, per=1000)
    50.0
    >>> ratio(15, 80) is None
    True
    """
    if numerator is None or denominator is None or denominator < min_denominator:
        return None
    return numerator / denominator * per
