import math

import pytest

from ipm_analysis.core.rounding import fmt, round_half_away


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (2.5, 0, 3.0),
        (-2.5, 0, -3.0),
        (2.85, 1, 2.9),
        (-2.85, 1, -2.9),
        (2.675, 2, 2.68),
        (0.125, 2, 0.13),
        (-0.125, 2, -0.13),
        (1.005, 2, 1.01),
        (0.6, 2, 0.6),
        (-0.3694, 2, -0.37),
    ],
)
def test_round_half_away_from_zero(value, places, expected):
    assert round_half_away(value, places) == expected


def test_python_round_would_differ():
    # the reason this module exists: round() gives 2 and 2.67 here
    assert round(2.5) == 2 and round(2.675, 2) == 2.67
    assert round_half_away(2.5, 0) == 3 and round_half_away(2.675, 2) == 2.68


def test_fmt_signs_and_missing():
    assert fmt(0.6, signed=True) == "+0.60"
    assert fmt(-0.004, signed=True) == "0.00"
    assert fmt(-0.97) == "-0.97"
    assert fmt(math.nan) == "-"
    assert fmt(None, missing="") == ""
    assert fmt(75.65, 1) == "75.7"


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([2.3, -2.1, 1.3, 3.4], 1.23),  # mean 1.225, stored as 1.2249999999999999
        ([-4.5, -0.4, 4.0, 3.8], 0.73),  # 0.725 as 0.7249999999999999
        ([-3.3, 1.7, 1.1, -1.3, -4.7, 0.5, -4.1, 3.1], -0.88),  # -0.875 as -0.874999...
    ],
)
def test_true_halves_of_means_round_away_from_zero_despite_float_noise(scores, expected):
    import numpy as np

    mean = float(np.mean(scores))
    assert abs(mean * 1000 - round(mean * 1000)) < 1e-6 and round(mean * 1000) % 10 == 5
    assert round_half_away(mean, 2) == expected
