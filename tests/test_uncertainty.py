import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.uncertainty import (
    bootstrap_change_ci,
    bootstrap_indices,
    bootstrap_se,
    change_half_width,
    percentile_interval,
    resampled_means,
    significance_labels,
)
from ipm_analysis.impact.weighting import pupil_weights, weighted_mean


def test_bootstrap_indices_are_the_seeded_generator_draws():
    idx = bootstrap_indices(35, 4, seed=7)
    assert idx.shape == (4, 35)
    expected = np.random.default_rng(7).integers(0, 35, size=(4, 35))
    np.testing.assert_array_equal(idx, expected)
    assert idx.min() >= 0 and idx.max() <= 34


def _mean_ci(values, weights=None, n_resamples=10_000, seed=0):
    """A percentile interval for a mean, as the reports compute one (evaluation, comparison)."""
    x = np.asarray(values, dtype=float)
    w = None if weights is None else np.asarray(weights, dtype=float)
    idx = bootstrap_indices(x.size, n_resamples, seed)
    return percentile_interval(resampled_means(x, w, idx), 0.95)


def test_mean_ci_of_two_schools_spans_them():
    # resample means of (0, 1) are 0, 0.5 or 1 with probabilities 1/4, 1/2, 1/4
    assert _mean_ci([0.0, 1.0]) == (0.0, 1.0)


def test_weighted_resampled_means_equal_a_loop_over_the_same_resamples():
    values = np.array([0.3, -1.2, 2.5, 0.0, 1.1])
    weights = np.array([20.0, 35.0, 12.0, 60.0, 28.0])
    idx = bootstrap_indices(5, 500, seed=3)
    loop = [np.average(values[row], weights=weights[row]) for row in idx]
    np.testing.assert_allclose(resampled_means(values, weights, idx), loop, rtol=0, atol=1e-12)
    expected = tuple(np.quantile(loop, [0.025, 0.975]))
    assert _mean_ci(values, weights, n_resamples=500, seed=3) == pytest.approx(expected, abs=1e-12)


def test_change_ci_keeps_each_schools_two_years_together():
    # both schools rose by exactly 1: every paired resample gives 1, an unpaired one would not
    assert bootstrap_change_ci([0.0, 2.0], [1.0, 3.0]) == (1.0, 1.0)


def test_change_ci_weights_each_year_by_its_own_pupils():
    # whole-sample change (3*1 + 1*3)/4 - (0 + 2)/2 = 0.5; resamples of one school give 1,
    # mixed resamples 0.5, each half of the time
    ci = bootstrap_change_ci(
        [0.0, 2.0], [1.0, 3.0], baseline_weights=[1.0, 1.0], outcome_weights=[3.0, 1.0]
    )
    assert ci == (0.5, 1.0)
    with pytest.raises(ValueError, match="both years"):
        bootstrap_change_ci([0.0, 2.0], [1.0, 3.0], baseline_weights=[1.0, 1.0])


def test_change_ci_drops_schools_missing_a_year():
    assert bootstrap_change_ci([0.0, 2.0, np.nan], [1.0, 3.0, 9.0]) == (1.0, 1.0)
    assert np.isnan(bootstrap_change_ci([0.0, np.nan], [1.0, 3.0])).all()


def test_bootstrap_is_reproducible_with_a_seed():
    rng = np.random.default_rng(11)
    baseline, outcome = rng.normal(-1, 3, 35), rng.normal(-0.4, 3, 35)
    first = bootstrap_change_ci(baseline, outcome, seed=42)
    assert bootstrap_change_ci(baseline, outcome, seed=42) == first
    assert bootstrap_change_ci(baseline, outcome, seed=43) != first
    assert _mean_ci(outcome, seed=1) == _mean_ci(outcome, seed=1)
    assert _mean_ci(outcome, seed=1) != _mean_ci(outcome, seed=2)


def test_bootstrap_se_matches_the_standard_error_of_a_mean():
    # bootstrap SE of a mean -> population sd / sqrt(n); for 0.75, 0.25, 1.0, -1.75 that is
    # sqrt(4.671875 / 16) = 0.54036
    se = bootstrap_se([0.75, 0.25, 1.0, -1.75], n_resamples=20_000, seed=0)
    assert se == pytest.approx(0.54036, rel=0.02)
    assert np.isnan(bootstrap_se([1.0]))


def test_percentile_interval_covers_the_true_mean_at_about_95_percent():
    rng = np.random.default_rng(2024)
    true_mean = 0.6
    covered = 0
    for _ in range(300):
        sample = rng.normal(true_mean, 3.0, size=35)
        low, high = _mean_ci(sample, n_resamples=2_000, seed=int(rng.integers(1 << 31)))
        covered += low <= true_mean <= high
    coverage = covered / 300
    assert 0.90 <= coverage <= 0.98


def test_significance_labels_from_the_dfe_limits():
    lower = np.array([-3.0, 0.2, -1.0, -1.0, 0.0, np.nan, -2.0])
    upper = np.array([-0.5, 2.0, 1.0, 0.0, 1.0, 1.0, np.nan])
    got = significance_labels(lower, upper)
    assert got.tolist() == ["below", "above", "average", "average", "average", None, None]


def test_change_half_width_adds_the_two_years_errors_in_quadrature():
    # se_b = 4/3.92, se_o = 3/3.92: half-width 1.96 * 5/3.92 = 2.5
    half = change_half_width(
        np.array([-3.0, np.nan]), np.array([1.0, 1.0]), np.array([-1.0, -1.0]), np.array([2.0, 2.0])
    )
    assert half[0] == pytest.approx(2.5)
    assert np.isnan(half[1])


def test_weighted_mean_and_pupil_weights():
    assert weighted_mean([1.0, 3.0]) == 2.0
    assert weighted_mean([1.0, 2.0, np.nan], [1.0, 3.0, 5.0]) == 1.75
    assert np.isnan(weighted_mean([np.nan]))
    assert np.isnan(weighted_mean([1.0], [0.0]))
    with pytest.raises(ValueError, match="negative"):
        weighted_mean([1.0, 2.0], [1.0, -1.0])
    got = pupil_weights(pd.Series([30.0, 40.0, np.nan]), pd.Series([90.0, 100.0, 95.0]))
    pd.testing.assert_series_equal(got, pd.Series([27.0, 40.0, np.nan], name="pupils"))
