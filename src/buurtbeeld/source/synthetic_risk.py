"""Seeded synthetic household risk factors and a child outcome with *known* true effects.

For tests, demos and benchmarks only: a **fictitious** research table, as a research
environment holding linked registers would prepare it (one row per child: the child's id, the
household, the buurt, household factors and whether the child used jeugdhulp). It builds on
:func:`buurtbeeld.source.synthetic.synthetic_population`.

The outcome is drawn per child as Bernoulli with probability ``BASE_RISK × Π RR_k^{x_k}``: a
log-linear model with the relative risks :data:`TRUE_RR`, so the multivariable Poisson model of
:mod:`buurtbeeld.source.riskfactors_model` estimates exactly these numbers. Factors are
correlated (low income raises bijstand and debt; single parents more often have a low income)
and clustered by buurt, so crude and adjusted relative risks differ, as in real data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from buurtbeeld.source.synthetic import Area, Population, synthetic_population

FACTORS = ("laag_inkomen", "bijstand", "schulden", "eenoudergezin", "wmo_ouder")
FACTOR_TITLES = {
    "laag_inkomen": "Laag inkomen",
    "bijstand": "Bijstand",
    "schulden": "Schuldsignalen",
    "eenoudergezin": "Eenoudergezin",
    "wmo_ouder": "Ouder met Wmo",
}
TRUE_RR = {
    "laag_inkomen": 1.6,
    "bijstand": 1.4,
    "schulden": 1.5,
    "eenoudergezin": 1.8,
    "wmo_ouder": 1.3,
}
"""The true relative risk of each factor (jeugdhulp of a child), adjusted for the others."""
BASE_RISK = 0.05
"""Risk of jeugdhulp for a child in a household without any factor."""
OUTCOME = "jeugdhulp"


def household_factors(pop: Population, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per household (index = household id) 0/1 factors, correlated and clustered by buurt."""
    n_hh = int(pop.household.max()) + 1 if len(pop) else 0
    adults = np.bincount(pop.household, weights=pop.age >= 18, minlength=n_hh)
    children = np.bincount(pop.household, weights=pop.age < 18, minlength=n_hh)
    first = np.r_[True, pop.household[1:] != pop.household[:-1]] if len(pop) else np.array([])
    hh_buurt = pop.buurt[first] if len(pop) else np.array([], dtype=str)
    _, buurt_idx = np.unique(hh_buurt, return_inverse=True)
    deprivation = rng.lognormal(0.0, 0.5, int(buurt_idx.max()) + 1 if n_hh else 0)[buurt_idx]
    single_parent = (children > 0) & (adults == 1)
    draw = rng.random((4, n_hh))
    low_income = draw[0] < np.clip(0.08 * deprivation * np.where(single_parent, 2.5, 1.0), 0, 0.9)
    benefit = draw[1] < 0.02 + 0.35 * low_income
    debt = draw[2] < 0.04 + 0.15 * low_income + 0.05 * benefit
    wmo = draw[3] < 0.05 + 0.03 * single_parent
    return {
        "laag_inkomen": low_income.astype(np.int8),
        "bijstand": benefit.astype(np.int8),
        "schulden": debt.astype(np.int8),
        "eenoudergezin": single_parent.astype(np.int8),
        "wmo_ouder": wmo.astype(np.int8),
    }


def child_outcome(
    factors: dict[str, np.ndarray], household: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Jeugdhulp (0/1) per child of ``household``, drawn with :data:`TRUE_RR` and :data:`BASE_RISK`."""
    log_risk = np.full(len(household), np.log(BASE_RISK))
    for name, rr in TRUE_RR.items():
        log_risk += np.log(rr) * factors[name][household]
    drawn: np.ndarray = (rng.random(len(household)) < np.exp(log_risk)).astype(np.int8)
    return drawn


def research_table(pop: Population, *, seed: int = 2024) -> pa.Table:
    """One row per child (age < 18): ``kind``, ``huishouden``, ``buurtcode``, factors, outcome."""
    rng = np.random.default_rng([seed, 15])
    factors = household_factors(pop, rng)
    child = np.flatnonzero(pop.age < 18)
    household = pop.household[child]
    outcome = child_outcome(factors, household, rng)
    columns: dict[str, pa.Array] = {
        "kind": pa.array(pop.person[child], pa.int64()),
        "huishouden": pa.array(np.char.add("HH", np.char.zfill(household.astype(str), 8))),
        "buurtcode": pa.array(pop.buurt[child].astype(str)),
    }
    for name in FACTORS:
        columns[name] = pa.array(factors[name][household], pa.int8())
    columns[OUTCOME] = pa.array(outcome, pa.int8())
    return pa.table(columns)


def risk_spec(gemeente: str, *, file: str = "kinderen.parquet", year: int = 2024) -> str:
    """The spec (YAML) of ``buurtbeeld bron risicofactoren`` for a generated research table."""
    factors = "\n".join(
        f"  - naam: {name}\n    kolom: {name}\n    titel: {FACTOR_TITLES[name]}" for name in FACTORS
    )
    return f"""# Risicofactoren voor jeugdhulp op groepsniveau (synthetische onderzoekstabel).
dataset: risicofactoren_jeugdhulp
bron: Onderzoeksomgeving (demo)
gemeente: {gemeente}
indelingsjaar: 2023
profiel: cbs-zorg
jaar: {year}
bestand: {file}
sleutels:
  persoon: kind
  huishouden: huishouden
buurtcode: buurtcode
uitkomst:
  kolom: {OUTCOME}
  titel: Jeugdhulp
factoren:
{factors}
"""


def generate_risk(
    folder: Path, *, gemeente: Area = "GM0505", seed: int = 2024, scale: float = 1.0
) -> tuple[Path, Path, int]:
    """Write ``kinderen.parquet`` and ``risicofactoren.yaml``; returns both paths and the rows."""
    folder.mkdir(parents=True, exist_ok=True)
    table = research_table(synthetic_population(gemeente, seed=seed, scale=scale), seed=seed)
    data = folder / "kinderen.parquet"
    pq.write_table(table, data)
    spec = folder / "risicofactoren.yaml"
    area = gemeente if isinstance(gemeente, str) else "[" + ", ".join(gemeente) + "]"
    spec.write_text(risk_spec(area), encoding="utf-8")
    return data, spec, table.num_rows
