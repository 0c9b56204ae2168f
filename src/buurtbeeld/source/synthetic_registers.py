"""Register extracts as record arrays: who of a synthetic population is in which register.

Register membership follows the published counts per buurt: Wmo clients ≈ ``a_wmo_t``, youths
with jeugdhulp ≈ ``a_jz_tn``, bijstand ≈ ``a_soz_wb``; households with payment-arrears signals
≈ 6 % of households, scaled by ``p_hh_li``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from buurtbeeld.source.synthetic_calibration import Area, calibrated, kwb_rows
from buurtbeeld.source.synthetic_households import Population

REGISTERS = ("wmo", "jeugdhulp", "bijstand", "schuldsignalen")
WMO_KINDS = (
    "Hulp bij het huishouden",
    "Begeleiding individueel",
    "Dagbesteding",
    "Hulpmiddelen",
    "Woonvoorziening – traplift",
    "Vervoer (regiotaxi)",
)
WMO_SHARES = (0.32, 0.18, 0.10, 0.22, 0.08, 0.10)
YOUTH_KINDS = (
    "jeugdhulp zonder verblijf",
    "jeugdhulp met verblijf",
    "jeugdbescherming",
    "jeugdreclassering",
)
YOUTH_SHARES = (0.80, 0.09, 0.08, 0.03)
BENEFIT_KINDS = (
    "Participatiewet alleenstaande",
    "Participatiewet alleenstaande ouder",
    "Participatiewet gehuwden",
)
CREDITORS = ("energie", "water", "zorgverzekeraar", "woningcorporatie")
CREDITOR_SHARES = (0.30, 0.15, 0.35, 0.20)
CREDITOR_MEAN_EUR = (320.0, 110.0, 480.0, 950.0)


def _choose(
    pop: Population, expected: dict[str, float], weight: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Indices of persons drawn per buurt: Poisson(expected) persons, weighted, no repeats."""
    buurten, inverse = np.unique(pop.buurt, return_inverse=True)
    target = rng.poisson([max(expected.get(b, 0.0), 0.0) for b in buurten])
    key = np.log(np.maximum(weight, 1e-12)) + rng.gumbel(size=len(weight))
    key[weight <= 0] = -np.inf
    order = np.lexsort((-key, inverse))
    sorted_buurt = inverse[order]
    first = np.searchsorted(sorted_buurt, np.arange(len(buurten)))
    rank = np.arange(len(order)) - first[sorted_buurt]
    chosen = order[(rank < target[sorted_buurt]) & np.isfinite(key[order])]
    return np.sort(chosen)


def _dates(rng: np.random.Generator, n: int, first: date, days: int) -> np.ndarray:
    return np.datetime64(first) + rng.integers(0, days, n).astype("timedelta64[D]")


@dataclass
class Records:
    """Record-level rows of one register (column name → values)."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def to_arrow(self) -> pa.Table:
        """As an Arrow table."""
        return pa.table({k: pa.array(v) for k, v in self.columns.items()})


def wmo_records(pop: Population, gemeente: Area, year: int, rng: np.random.Generator) -> Records:
    """Wmo voorzieningen: clients ≈ a_wmo_t per buurt, 1-3 voorzieningen each, start/end dates."""
    weight = np.where(
        pop.age >= 75, 12.0, np.where(pop.age >= 65, 4.0, np.where(pop.age >= 18, 1.0, 0.2))
    )
    clients = _choose(pop, pop.expected(calibrated(gemeente, "a_wmo_t")), weight, rng)
    n_kinds = 1 + (rng.random(len(clients)) < 0.35) + (rng.random(len(clients)) < 0.08)
    idx = np.repeat(clients, n_kinds)
    kinds = rng.choice(len(WMO_KINDS), size=len(idx), p=WMO_SHARES)
    start = _dates(rng, len(idx), date(year - 3, 1, 1), 365 * 4 - 10)
    duration = rng.integers(30, 1500, len(idx)).astype("timedelta64[D]")
    end = start + duration
    open_ended = rng.random(len(idx)) < 0.55
    return Records(
        {
            "i": idx,
            "voorziening": np.array(WMO_KINDS)[kinds],
            "start": start,
            "einde": np.where(open_ended, np.datetime64("NaT"), end),
            "bijdrage": np.round(rng.choice([0.0, 21.6, 21.6, 19.0, 0.0], len(idx)), 2),
        }
    )


def youth_records(pop: Population, gemeente: Area, year: int, rng: np.random.Generator) -> Records:
    """Jeugdhulp trajectories: youths ≈ a_jz_tn per buurt, 1-2 trajectories each."""
    weight = np.where(pop.age < 18, 1.0 + (pop.age >= 12), 0.0)
    youths = _choose(pop, pop.expected(calibrated(gemeente, "a_jz_tn")), weight, rng)
    n = 1 + (rng.random(len(youths)) < 0.25)
    idx = np.repeat(youths, n)
    kinds = rng.choice(len(YOUTH_KINDS), size=len(idx), p=YOUTH_SHARES)
    start = _dates(rng, len(idx), date(year - 1, 7, 1), 540)
    end = start + rng.integers(20, 700, len(idx)).astype("timedelta64[D]")
    return Records(
        {
            "i": idx,
            "hulpvorm": np.array(YOUTH_KINDS)[kinds],
            "start": start,
            "einde": np.where(rng.random(len(idx)) < 0.3, np.datetime64("NaT"), end),
        }
    )


def benefit_records(
    pop: Population, gemeente: Area, year: int, rng: np.random.Generator
) -> Records:
    """Bijstand: recipients ≈ a_soz_wb per buurt (adults below AOW age), one benefit each."""
    weight = np.where((pop.age >= 18) & (pop.age < 67), 1.0, 0.0)
    people = _choose(pop, pop.expected(calibrated(gemeente, "a_soz_wb")), weight, rng)
    kinds = rng.choice(len(BENEFIT_KINDS), size=len(people), p=(0.55, 0.2, 0.25))
    start = _dates(rng, len(people), date(year - 6, 1, 1), 365 * 7)
    end = start + rng.integers(60, 3000, len(people)).astype("timedelta64[D]")
    return Records(
        {
            "i": people,
            "regeling": np.array(BENEFIT_KINDS)[kinds],
            "start": start,
            "einde": np.where(rng.random(len(people)) < 0.6, np.datetime64("NaT"), end),
        }
    )


def arrears_records(
    pop: Population, gemeente: Area, year: int, rng: np.random.Generator
) -> Records:
    """Payment-arrears signals per household: creditor type, daily date, amount in euros."""
    rows = kwb_rows(gemeente)
    expected = {
        b: float(r["a_hh"] or 0) * 0.06 * float(r["p_hh_li"] or 40.0) / 40.0
        for b, r in rows.items()
        if b.startswith("BU")
    }
    # one representative (the first adult) per household
    first = np.r_[True, pop.household[1:] != pop.household[:-1]]
    weight = np.where(first, 1.0, 0.0)
    heads = _choose(pop, pop.expected(expected), weight, rng)
    n = 1 + rng.poisson(0.8, len(heads))
    idx = np.repeat(heads, n)
    kinds = rng.choice(len(CREDITORS), size=len(idx), p=CREDITOR_SHARES)
    mean = np.array(CREDITOR_MEAN_EUR)[kinds]
    amount = np.round(rng.lognormal(np.log(mean) - 0.32, 0.8), 2)
    return Records(
        {
            "i": idx,
            "schuldeiser": np.array(CREDITORS)[kinds],
            "start": _dates(rng, len(idx), date(year, 1, 1), 366 if year % 4 == 0 else 365),
            "bedrag": amount,
        }
    )
