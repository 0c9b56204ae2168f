"""Every trajectory class on constructed series, and the Mann-Kendall test written out."""

from __future__ import annotations

import itertools
import math

import pytest

from buurtbeeld.analysis.trajectories import classify, mann_kendall

T, F = True, False


@pytest.mark.parametrize(
    ("problem", "intensity", "expected"),
    [
        ([T] * 6, [3.1, 2.9, 3.3, 3.0, 3.2, 3.0], "aanhoudend"),
        ([T] * 6, [2.0, 2.4, 2.9, 3.3, 3.8, 4.4], "toenemend"),
        ([T] * 6, [4.4, 3.8, 3.3, 2.9, 2.4, 2.0], "afnemend"),
        ([T, T, T, T, T, T, T, T, T, F, T], [3.0] * 11, "aanhoudend"),  # 10 of 11 ≥ 90 %
        ([F, F, F, F, F, T], [0.1, 0.2, 0.0, 0.1, 0.3, 3.0], "nieuw"),
        ([F, F, F, T, T, T], [0.1, 0.2, 0.0, 2.5, 2.6, 2.7], "opkomend"),
        ([T, F, T, F, F, T], [2.5, 0.4, 2.4, 0.3, 0.1, 2.6], "sporadisch"),
        ([T, T, F, F, T, T], [2.5, 2.4, 0.3, 0.3, 2.6, 2.5], "sporadisch"),
        ([T, T, T, T, T, F], [3.0, 3.0, 3.0, 3.0, 3.0, 0.5], "verdwenen"),
        ([F, T, F, T, F, F], [0.1, 2.5, 0.2, 2.4, 0.1, 0.0], "geen"),
        ([F] * 6, [0.1, 0.2, 0.0, 0.1, 0.3, 0.2], "geen"),
        # two periods (health monitor 2016 and 2020): no trend can be tested
        ([T, T], [2.0, 5.0], "aanhoudend"),
        ([F, T], [0.0, 3.0], "nieuw"),
        ([T, F], [3.0, 0.0], "verdwenen"),
        ([T], [3.0], "geen"),
    ],
)
def test_every_class_on_a_constructed_series(
    problem: list[bool], intensity: list[float], expected: str
) -> None:
    assert classify(problem, intensity)[0] == expected


def test_a_trend_needs_four_periods_and_significance() -> None:
    assert mann_kendall([1.0, 2.0, 3.0]).p == 1.0  # three periods: never significant
    # a rising series with noise that is not significant stays "aanhoudend"
    assert classify([T] * 5, [3.0, 3.2, 2.9, 3.1, 3.3])[0] == "aanhoudend"


def _exact_p(series: list[float]) -> float:
    """Two-sided exact p of S by enumerating every order of a tie-free series."""

    def s_of(y: tuple[float, ...]) -> int:
        return sum(
            (y[j] > y[i]) - (y[j] < y[i]) for i in range(len(y)) for j in range(i + 1, len(y))
        )

    observed = abs(s_of(tuple(series)))
    orders = list(itertools.permutations(series))
    return sum(abs(s_of(o)) >= observed for o in orders) / len(orders)


@pytest.mark.parametrize(
    "series",
    [[1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 1.0, 4.0, 3.0, 6.0, 5.0], [5.0, 3.0, 4.0, 1.0, 2.0, 0.5]],
)
def test_mann_kendall_equals_the_exact_distribution(series: list[float]) -> None:
    trend = mann_kendall(series)
    assert math.isclose(trend.p, _exact_p(series), rel_tol=1e-9)
    n = len(series)
    assert math.isclose(trend.tau, trend.s / (n * (n - 1) / 2))
