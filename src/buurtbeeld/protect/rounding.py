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


def smallest_published(base: int, hidden_max: int | None) -> int:
    """The smallest non-zero count :func:`random_round` publishes above the hidden range.

    With ``floor = hidden_max + 1`` (as :func:`buurtbeeld.protect.protect_table` rounds) that is
    the smallest multiple of ``base`` above ``hidden_max``: 10 under ``cbs-zorg`` (0..7 hidden,
    base 5). Without a hidden range: ``base``.

    Examples
    --------
    >>> smallest_published(5, 7), smallest_published(5, 9), smallest_published(5, None)
    (10, 10, 5)
    """
    if hidden_max is None:
        return base
    return math.ceil((hidden_max + 1) / base) * base


def is_producible_count(
    value: float, *, base: int, hidden_min: int | None = None, hidden_max: int | None = None
) -> bool:
    """Whether protection with this rounding base and hidden range can publish ``value``.

    The set of producible counts: 0 when zero is not hidden (``hidden_min > 0``), and every
    multiple of ``base`` from :func:`smallest_published` up. The toolkit rounds with this rule
    and the platform refuses any other published count (a hidden primary re-published as 5).

    Examples
    --------
    >>> [v for v in range(0, 21) if is_producible_count(v, base=5, hidden_min=0, hidden_max=7)]
    [10, 15, 20]
    >>> [v for v in range(0, 16) if is_producible_count(v, base=5, hidden_min=1, hidden_max=9)]
    [0, 10, 15]
    """
    if value < 0 or value != int(value) or int(value) % base:
        return False
    if value == 0:
        return hidden_min is None or hidden_min > 0
    return value >= smallest_published(base, hidden_max)


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
