"""The t intervals of ``impact.intervals``, against published t tables and hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.intervals import (
    MIN_SCHOOLS,
    difference_estimate,
    mean_estimate,
    shared_control_variance,
    t_cdf,
    t_quantile,
)
from ipm_analysis.impact.matching import match_weights


@pytest.mark.parametrize(
    ("p", "df", "published"),
    [
        (0.975, 1, 12.7062),
        (0.975, 2, 4.3027),
        (0.975, 4, 2.7764),
        (0.975, 10, 2.2281),
        (0.975, 34, 2.0322),
        (0.80, 7, 0.8960),
    ],
)
def test_t_quantile_matches_the_published_table(p, df, published):
    assert t_quantile(p, df) == pytest.approx(published, abs=5e-5)
    assert t_quantile(1 - p, df) == pytest.approx(-published, abs=5e-5)


def test_t_cdf_matches_closed_forms():
    # df = 1 is the Cauchy: 1/2 + atan(t)/pi; at t = 1 that is 3/4
    assert t_cdf(1.0, 1) == pytest.approx(0.75, abs=1e-12)
    # df = 2: 1/2 + t / (2 sqrt(2 + t^2)); at t = 1, 1/2 + 1/(2 sqrt 3) = 0.7886751
    assert t_cdf(1.0, 2) == pytest.approx(0.5 + 1 / (2 * math.sqrt(3)), abs=1e-12)
    assert t_cdf(0.0, 5) == pytest.approx(0.5)
    assert t_cdf(-2.0, 3) == pytest.approx(1 - t_cdf(2.0, 3), abs=1e-12)
    assert t_cdf(2.2281, 10) == pytest.approx(0.975, abs=1e-5)  # the table's t_0.975, df 10
    # a large df tends to the normal: P(Z <= 1.96) = 0.9750021
    assert t_cdf(1.96, 1e6) == pytest.approx(0.9750021, abs=1e-6)


def test_t_cdf_and_quantile_refuse_impossible_arguments():
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_cdf(1.0, 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        t_quantile(1.0, 5)


def test_mean_estimate_of_three_schools_by_hand():
    est = mean_estimate([1.0, 2.0, 6.0])
    # mean 3; s^2 = (4 + 1 + 9) / 2 = 7; SE = sqrt(7/3) = 1.5275252; df 2
    # half width = 4.3026527 x 1.5275252 = 6.5724106
    assert est.value == pytest.approx(3.0)
    assert est.se == pytest.approx(math.sqrt(7 / 3))
    assert est.df == 2
    assert est.n == 3
    assert est.ci_low == pytest.approx(3 - 6.5724106, abs=1e-6)
    assert est.ci_high == pytest.approx(3 + 6.5724106, abs=1e-6)
    # MDE = (t_0.975 + t_0.80) x SE at df 2 = (4.3026527 + 1.0606602) x 1.5275252 = 8.1925958
    assert est.mde == pytest.approx(8.1925958, abs=1e-6)


def test_weighted_mean_estimate_by_hand():
    est = mean_estimate([1.0, 2.0, 6.0], weights=[1.0, 1.0, 2.0])
    # w = 1/4, 1/4, 1/2; mean = 0.25 + 0.5 + 3 = 3.75
    # variance = 3/2 x (1/16 x 2.75^2 + 1/16 x 1.75^2 + 1/4 x 2.25^2)
    #          = 1.5 x (0.47265625 + 0.19140625 + 1.265625) = 2.89453125
    assert est.value == pytest.approx(3.75)
    assert est.se == pytest.approx(math.sqrt(2.89453125))
    half = 4.3026527 * math.sqrt(2.89453125)  # 7.3202416
    assert est.ci_high - est.value == pytest.approx(half, abs=1e-6)
    # equal weights give the unweighted interval exactly
    assert mean_estimate([1.0, 2.0, 6.0], [5.0, 5.0, 5.0]) == mean_estimate([1.0, 2.0, 6.0])


def test_extra_variance_adds_to_the_school_spread():
    est = mean_estimate([1.0, 2.0, 6.0], extra_variance=2.0)
    # 7/3 + 2 = 13/3
    assert est.se == pytest.approx(math.sqrt(13 / 3))
    assert est.df == 2  # degrees of freedom still come from the schools


def test_below_min_schools_only_the_mean_is_given():
    assert MIN_SCHOOLS == 3
    two = mean_estimate([1.0, 3.0])
    assert two.value == 2.0 and two.n == 2
    assert all(np.isnan(v) for v in (two.se, two.df, two.ci_low, two.ci_high, two.mde))
    three = mean_estimate([1.0, 3.0, 5.0])
    assert np.isfinite(three.ci_low) and three.df == 2
    four = mean_estimate([1.0, 3.0, 5.0, 7.0], min_schools=5)
    assert four.value == 4.0 and np.isnan(four.ci_low)
    none = mean_estimate([])
    assert none.n == 0 and np.isnan(none.value)


def test_bad_weights_are_refused():
    with pytest.raises(ValueError, match="expected 3 weights"):
        mean_estimate([1.0, 2.0, 3.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="not negative"):
        mean_estimate([1.0, 2.0, 3.0], [1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="sum to zero"):
        mean_estimate([1.0, 2.0, 3.0], [0.0, 0.0, 0.0])


def test_shared_control_variance_of_a_pool_school_in_two_sets():
    # project schools P1 and P2, sets of 2: P1 -> {A, B}, P2 -> {A, C}; weights 1/2 each
    sets = pd.DataFrame({"urn": ["P1", "P1", "P2", "P2"], "pool_urn": ["A", "B", "A", "C"]})
    weights = match_weights(sets)
    # K_A = 1/2 x 1/2 + 1/2 x 1/2 = 1/2, K2_A = 2 x (1/4)^2 = 1/8; K_B = K_C = 1/4, K2 = 1/16
    assert weights["K"].to_dict() == pytest.approx({"A": 0.5, "B": 0.25, "C": 0.25})
    assert weights["K2"].to_dict() == pytest.approx({"A": 0.125, "B": 0.0625, "C": 0.0625})
    sigma2 = [4.0, 9.0, 1.0]
    # (K^2 - K2) sigma2: A (1/4 - 1/8) x 4 = 0.5; B and C (1/16 - 1/16) = 0 -> 0.5
    # (the paper's k(k-1)/(nM)^2 = 2 x 1 / 16 = 1/8 for A)
    assert shared_control_variance(weights["K"], weights["K2"], sigma2) == pytest.approx(0.5)
    # no school shared: nothing added
    assert shared_control_variance([0.5, 0.5], [0.25, 0.25], [3.0, 7.0]) == 0.0
    # a pool school without a variance (NaN) adds nothing
    assert shared_control_variance([0.5, 0.25], [0.125, 0.0625], [4.0, np.nan]) == 0.5


def test_difference_estimate_uses_welch_degrees_of_freedom():
    first = mean_estimate([1.0, 2.0, 6.0])  # 3, variance of the mean 7/3, df 2
    second = mean_estimate([0.0, 1.0, 2.0, 3.0, 4.0])  # 2, s^2 = 2.5, variance 0.5, df 4
    diff = difference_estimate(first, second)
    # value 1; SE = sqrt(7/3 + 1/2) = sqrt(17/6) = 1.6832508
    # df = (17/6)^2 / ((7/3)^2 / 2 + (1/2)^2 / 4) = 8.0277778 / 2.7847222 = 2.8827930
    assert diff.value == pytest.approx(1.0)
    assert diff.se == pytest.approx(math.sqrt(17 / 6))
    assert diff.df == pytest.approx(2.8827930, abs=1e-6)
    assert diff.n == 8
    # between the table's t_0.975 at df 2 (4.3027) and df 3 (3.1824)
    ratio = (diff.ci_high - diff.value) / diff.se
    assert 3.1824 < ratio < 4.3027
    assert ratio == pytest.approx(t_quantile(0.975, 2.8827930), abs=1e-6)
    # one group too small for an interval: only the difference
    small = difference_estimate(first, mean_estimate([1.0, 2.0]))
    assert small.value == pytest.approx(1.5) and np.isnan(small.ci_low)
