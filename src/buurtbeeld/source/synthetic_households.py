"""A synthetic population: fictitious persons in households at fictitious addresses per buurt.

Person ids are nine digits like a BSN but deliberately **fail the 11-proef**, so they can never
be a real BSN. Postcodes (PC6) are fictitious but consistent with a generated PC6 → buurt table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from buurtbeeld.source.synthetic_calibration import Area, kwb_rows

_LETTERS = "ABCEGHJKLMNPRTVWXZ"  # no SA/SD/SS and no ambiguous letters


def fake_bsn(index: np.ndarray, seed: int) -> np.ndarray:
    """Unique nine-digit ids that fail the 11-proef (so never a real BSN)."""
    n8 = (
        np.asarray(index, dtype=np.int64) * 48_271 + 10_007 * (seed % 997) + 1
    ) % 90_000_000 + 10_000_000
    digits = np.stack([(n8 // 10 ** (7 - i)) % 10 for i in range(8)])
    weights = np.arange(9, 1, -1)[:, None]
    remainder = (digits * weights).sum(axis=0) % 11
    check = (remainder + 1) % 10  # the passing digit would be `remainder`
    out: np.ndarray = n8 * 10 + check
    return out


def passes_eleven_test(number: int) -> bool:
    """The BSN 11-proef."""
    digits = [int(c) for c in f"{number:09d}"]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0


@dataclass
class Population:
    """A synthetic population: one entry per person, households and addresses consistent."""

    buurt: np.ndarray
    person: np.ndarray
    household: np.ndarray
    age: np.ndarray
    pc6: np.ndarray
    number: np.ndarray
    lookup: dict[str, str] = field(default_factory=dict)
    """PC6 → buurt."""
    scale: float = 1.0
    """Share of the real population generated (register sizes follow it)."""

    def expected(self, per_buurt: dict[str, float]) -> dict[str, float]:
        """Expected register counts per buurt at this population's scale."""
        return {b: v * self.scale for b, v in per_buurt.items()}

    def __len__(self) -> int:
        return len(self.person)


def _pc6_codes(n: int, offset: int) -> list[str]:
    out = []
    for i in range(offset, offset + n):
        pc4 = 1000 + i // (len(_LETTERS) ** 2)
        rest = i % (len(_LETTERS) ** 2)
        out.append(f"{pc4}{_LETTERS[rest // len(_LETTERS)]}{_LETTERS[rest % len(_LETTERS)]}")
    return out


def synthetic_population(
    gemeente: Area = "GM0505", *, seed: int = 2024, scale: float = 1.0
) -> Population:
    """Persons in households per buurt following KWB 2023 (``scale`` shrinks it for tests)."""
    rng = np.random.default_rng(seed)
    rows = kwb_rows(gemeente)
    buurten = sorted(c for c in rows if c.startswith("BU") and (rows[c]["a_inw"] or 0) > 0)
    inw = np.array([float(rows[b]["a_inw"] or 0) for b in buurten]) * scale
    hh = (
        np.array(
            [
                float(rows[b]["a_hh"] or 0) or inw_b / 2.1
                for b, inw_b in zip(buurten, inw / scale, strict=True)
            ]
        )
        * scale
    )
    single = np.array([float(rows[b]["a_1p_hh"] or 0) for b in buurten]) * scale
    kids = np.array([float(rows[b]["a_hh_m_k"] or 0) for b in buurten]) * scale
    hh = np.maximum(np.rint(hh), 1).astype(np.int64)
    single = np.minimum(np.rint(single).astype(np.int64), hh)
    kids = np.minimum(np.rint(kids).astype(np.int64), hh - single)
    couples = hh - single - kids
    # children per family so that persons ≈ inhabitants (at least one child)
    n_children = np.maximum(np.rint(inw).astype(np.int64) - single - 2 * couples - 2 * kids, kids)
    # households in order: singles, couples, families; ids global
    hh_buurt = np.repeat(np.arange(len(buurten)), hh.astype(np.int64))
    kind = (
        np.concatenate(
            [np.repeat([0, 1, 2], [s, c, k]) for s, c, k in zip(single, couples, kids, strict=True)]
        )
        if len(buurten)
        else np.array([], dtype=np.int64)
    )
    n_hh = len(hh_buurt)
    extra = np.zeros(n_hh, dtype=np.int64)
    family_idx = np.flatnonzero(kind == 2)
    family_buurt = hh_buurt[family_idx]
    # spread each buurt's children over its families: 1 each + multinomial remainder
    per_family = np.ones(len(family_idx), dtype=np.int64)
    rest = n_children - kids
    starts = np.searchsorted(family_buurt, np.arange(len(buurten)))
    for b in np.flatnonzero(rest > 0):
        lo, hi = starts[b], starts[b] + kids[b]
        if hi > lo:
            per_family[lo:hi] += rng.multinomial(int(rest[b]), np.full(hi - lo, 1 / (hi - lo)))
    extra[family_idx] = per_family
    adults = np.where(kind == 0, 1, 2)
    single_parent = (kind == 2) & (rng.random(n_hh) < 0.25)
    adults = np.where(single_parent, 1, adults)
    size = adults + extra
    person_hh = np.repeat(np.arange(n_hh), size)
    first = np.concatenate([[0], np.cumsum(size)[:-1]]) if n_hh else np.array([], dtype=np.int64)
    position = np.arange(len(person_hh)) - first[person_hh]
    is_child = position >= adults[person_hh]
    older = kind[person_hh] == 0
    adult_age = np.where(
        older,
        np.clip(rng.normal(62, 18, len(person_hh)), 18, 99),
        np.clip(rng.normal(45, 14, len(person_hh)), 19, 95),
    )
    child_age = rng.integers(0, 18, len(person_hh))
    age = np.where(is_child, child_age, adult_age).astype(np.int64)
    # addresses: ~16 households per PC6
    n_pc = np.maximum(hh // 16, 1)
    first_gm = gemeente if isinstance(gemeente, str) else gemeente[0]
    offset = (int(first_gm[2:6]) * 37) % 2000 if first_gm != "NL00" else 0
    codes = _pc6_codes(int(n_pc.sum()), offset * 10)
    pc_first = np.concatenate([[0], np.cumsum(n_pc)[:-1]])
    hh_pc = pc_first[hh_buurt] + (rng.integers(0, 1 << 30, n_hh) % n_pc[hh_buurt])
    hh_number = rng.integers(1, 250, n_hh)
    lookup = {
        codes[i]: buurten[b]
        for b in range(len(buurten))
        for i in range(pc_first[b], pc_first[b] + n_pc[b])
    }
    codes_arr = np.array(codes)
    return Population(
        buurt=np.array(buurten)[hh_buurt][person_hh],
        person=fake_bsn(np.arange(len(person_hh)), seed),
        household=person_hh,
        age=age,
        pc6=codes_arr[hh_pc][person_hh],
        number=hh_number[person_hh],
        lookup=lookup,
        scale=scale,
    )


def birth_dates(age: np.ndarray, year: int, rng: np.random.Generator) -> np.ndarray:
    """A birth date per person, ``age`` years before the end of ``year``."""
    reference = np.datetime64(date(year, 12, 31))
    return reference - (age * 365.25 + rng.integers(0, 365, len(age))).astype("timedelta64[D]")
