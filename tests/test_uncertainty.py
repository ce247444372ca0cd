import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.uncertainty import change_half_width, significance_labels
from ipm_analysis.impact.weighting import pupil_weights, weighted_mean


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
