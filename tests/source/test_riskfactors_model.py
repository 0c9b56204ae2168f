"""The risk-factor model: equal to statsmodels on child rows, and intervals that cover the truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from buurtbeeld.source.riskfactors import aggregate_risk
from buurtbeeld.source.riskfactors_estimate import estimate
from buurtbeeld.source.riskfactors_model import Groups, attributable_fraction, fit_poisson
from buurtbeeld.source.synthetic_risk import BASE_RISK, FACTORS, OUTCOME, TRUE_RR
from tests.source.risk_data import load, write_research


def test_grouped_fit_equals_statsmodels_clustered_poisson_on_child_rows(tmp_path: Path) -> None:
    sm = pytest.importorskip("statsmodels.api")
    write_research(tmp_path, seed=3, scale=0.15)
    agg = aggregate_risk(load(tmp_path))
    fit = fit_poisson(agg.groups)
    rows = pq.read_table(tmp_path / "kinderen.parquet").to_pandas()
    x = sm.add_constant(rows[list(FACTORS)].astype(float))
    groups = rows["huishouden"].astype("category").cat.codes
    ref = sm.GLM(rows[OUTCOME].astype(float), x, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False}
    )
    assert agg.children == len(rows)
    np.testing.assert_allclose(fit.beta, ref.params.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.cov, ref.cov_params().to_numpy(), rtol=1e-6, atol=1e-12)


def test_attributable_fraction_of_a_known_table() -> None:
    # 1,000 exposed children (200 cases), 1,000 unexposed (100 cases), one child per household
    groups = Groups(
        x=np.array([[1], [1], [0], [0]]),
        m=np.array([1, 1, 1, 1]),
        y=np.array([1, 0, 1, 0]),
        w=np.array([200, 800, 100, 900]),
    )
    fit = fit_poisson(groups)
    rr = fit.estimate(0).rr
    assert rr == pytest.approx(2.0)
    # cases 300, of which 200 exposed: PAF = 200/300 × (2−1)/2 = 1/3; by definition also
    # (observed − expected without exposure) / observed = (300 − 200) / 300
    assert attributable_fraction(groups, 0, rr) == pytest.approx(1 / 3)
    assert fit.baseline_risk == pytest.approx(0.1)


@pytest.mark.slow
def test_95_percent_intervals_cover_the_true_relative_risks(tmp_path: Path) -> None:
    """≥ 50 seeds of a small synthetic population: the adjusted RRs' intervals cover the truth."""
    seeds = range(60)
    covered = dict.fromkeys(FACTORS, 0)
    baseline_inside = 0
    for seed in seeds:
        folder = tmp_path / str(seed)
        write_research(folder, seed=seed, scale=0.2)
        results = estimate(aggregate_risk(load(folder)))
        assert results.model.released, results.model.reasons
        for factor in results.factors:
            assert factor.adjusted is not None
            covered[factor.name] += (
                factor.adjusted.low <= TRUE_RR[factor.name] <= factor.adjusted.high
            )
        assert results.baseline is not None
        baseline_inside += abs(results.baseline - BASE_RISK) < 0.02
    n = len(seeds)
    pooled = sum(covered.values()) / (n * len(FACTORS))
    assert pooled >= 0.9, covered
    assert all(c / n >= 0.85 for c in covered.values()), covered
    assert baseline_inside >= 0.9 * n
