"""Relative risks from aggregated covariate patterns: a log-linear (Poisson) model with
household-clustered robust standard errors, and population-attributable fractions.

Pure numpy, no I/O. The model is the "modified Poisson" regression of a binary outcome (Zou,
2004): ``log P(y=1 | x) = β₀ + Σ βₖ xₖ``, so ``exp(βₖ)`` is the relative risk of factor k
adjusted for the others. It is fitted on **groups**, never on persons: one row per combination
of (factor pattern, children in the household, children with the outcome) with the number of
households in that combination as frequency weight. Because the factors are household
properties, every child of a household shares the same ``x``; the cluster-robust ("sandwich")
covariance by household is then exact from these groups:

    A = Σ_g w_g m_g μ_g x_g x_gᵀ            (Fisher information, μ_g = exp(x_gᵀβ))
    B = Σ_g w_g (y_g − m_g μ_g)² x_g x_gᵀ   (household score outer products)
    Cov(β̂) = A⁻¹ B A⁻¹

(statsmodels' GLM with ``cov_type="cluster"`` on one row per child gives the same numbers,
which the tests check; statsmodels cannot compute them from frequency-weighted groups.)
No prediction per person or household is ever formed or returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Groups:
    """Household groups: factor pattern ``x`` (0/1), children ``m``, cases ``y``, households ``w``."""

    x: np.ndarray
    m: np.ndarray
    y: np.ndarray
    w: np.ndarray

    @property
    def children(self) -> int:
        """Number of children."""
        return int((self.w * self.m).sum())

    @property
    def cases(self) -> int:
        """Number of children with the outcome."""
        return int((self.w * self.y).sum())


@dataclass(frozen=True)
class Estimate:
    """A relative risk with its 95 % confidence interval."""

    rr: float
    low: float
    high: float


@dataclass(frozen=True)
class PoissonFit:
    """A fitted log-linear model: coefficients and their cluster-robust covariance."""

    beta: np.ndarray
    cov: np.ndarray
    iterations: int
    observations: int
    """Children (the model's observations)."""

    @property
    def residual_dof(self) -> int:
        """Residual degrees of freedom: observations minus parameters."""
        return self.observations - len(self.beta)

    @property
    def baseline_risk(self) -> float:
        """Risk of the outcome without any factor, ``exp(β₀)``."""
        return float(np.exp(self.beta[0]))

    def estimate(self, k: int) -> Estimate:
        """Relative risk of factor ``k`` (0-based, excluding the intercept)."""
        b = float(self.beta[k + 1])
        se = float(np.sqrt(self.cov[k + 1, k + 1]))
        return Estimate(np.exp(b), np.exp(b - Z95 * se), np.exp(b + Z95 * se))


class FitError(ValueError):
    """The model cannot be fitted (no variation, no convergence)."""


def fit_poisson(groups: Groups, *, max_iter: int = 50, tol: float = 1e-10) -> PoissonFit:
    """Fit ``log μ = Xβ`` by Newton's method on the groups; cluster-robust covariance.

    Raises
    ------
    FitError
        A factor without variation or a singular information matrix (collinear factors), or
        no convergence in ``max_iter`` steps.
    """
    x = np.column_stack([np.ones(len(groups.w)), np.asarray(groups.x, dtype=float)])
    m = np.asarray(groups.m, dtype=float)
    y = np.asarray(groups.y, dtype=float)
    w = np.asarray(groups.w, dtype=float)
    cases, children = float((w * y).sum()), float((w * m).sum())
    if cases <= 0 or cases >= children:
        raise FitError("de uitkomst varieert niet")
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(cases / children)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        mu = np.exp(x @ beta)
        score = x.T @ (w * (y - m * mu))
        info = (x * (w * m * mu)[:, None]).T @ x
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError as err:
            raise FitError("de factoren zijn niet van elkaar te scheiden") from err
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    else:
        raise FitError("het model convergeert niet")
    mu = np.exp(x @ beta)
    info = (x * (w * m * mu)[:, None]).T @ x
    meat = (x * (w * (y - m * mu) ** 2)[:, None]).T @ x
    if np.linalg.cond(info) > 1e12:
        raise FitError("de factoren zijn niet van elkaar te scheiden")
    bread = np.linalg.inv(info)
    return PoissonFit(beta, bread @ meat @ bread, iterations, int(children))


def crude(groups: Groups, k: int) -> Estimate:
    """Crude (unadjusted) relative risk of factor ``k``, same clustered standard error."""
    one = Groups(np.asarray(groups.x)[:, [k]], groups.m, groups.y, groups.w)
    return fit_poisson(one).estimate(0)


def attributable_fraction(groups: Groups, k: int, rr: float) -> float:
    """Population-attributable fraction of factor ``k`` (Miettinen: ``p_c (RR − 1) / RR``,
    ``p_c`` the share of cases exposed); the share of cases that would not occur if the
    factor's effect were absent, other factors unchanged."""
    exposed = np.asarray(groups.x)[:, k] == 1
    cases = float((groups.w * groups.y).sum())
    share = float((groups.w * groups.y)[exposed].sum()) / cases
    return share * (rr - 1.0) / rr


def attributable_fraction_all(fit: PoissonFit, groups: Groups) -> float:
    """Share of cases attributable to all factors together: ``1 − N·exp(β₀) / cases``."""
    return 1.0 - groups.children * fit.baseline_risk / groups.cases
