import math

import pytest

from ipm_analysis.rounding import fmt, round_half_away


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
