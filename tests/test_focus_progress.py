import math

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.core.rounding import fmt
from ipm_analysis.focus.prior_attainment import load_pag_table
from ipm_analysis.focus.pupil_progress import (
    interval_half_width,
    progress_arrays,
    pupil_progress,
    school_means,
    school_progress,
)
from ipm_analysis.focus.targets import add_targets, n_to_reach_zero, target_score

from focus_fixtures import ROWS_2017, write_pag

SIGMA_2019_MATHS = 5.38985717


@pytest.fixture
def table(tmp_path):
    return load_pag_table(write_pag(tmp_path), 2019)


def test_progress_and_capping_at_the_pag_minimum(table):
    aps = np.array([15.0, 15.0, 3.0, 21.0, np.nan])
    score = np.array([100.0, 80.0, 70.0, 114.0, 104.0])
    index, estimate, progress, capped = progress_arrays(aps, score, table, "maths")
    assert index.tolist() == [2, 2, 0, 3, -1]
    assert estimate[:4].tolist() == [105.25, 105.25, 85.5, 112.0]
    assert progress[:4].tolist() == [-5.25, -25.25, -15.5, 2.0]
    # -25.25 is below PAG 3's minimum -12 -> counts as -12; -15.5 is above PAG 1's -20.
    assert capped[:4].tolist() == [-5.25, -12.0, -15.5, 2.0]
    assert math.isnan(progress[4]) and math.isnan(capped[4])


def test_no_capping_before_2018(tmp_path):
    table = load_pag_table(write_pag(tmp_path, ROWS_2017), 2017)
    _, _, progress, capped = progress_arrays(np.array([15.0]), np.array([80.0]), table, "maths")
    assert progress[0] == capped[0] == -25.25


def test_interval_reproduces_a_published_school_ci():
    # Guyhirn CofE VC Primary 2019, maths, n = 14: -6.51, published -9.3 to -3.7.
    half = interval_half_width(SIGMA_2019_MATHS, 14)
    assert half == pytest.approx(2.82338, abs=1e-5)
    result = school_progress(pd.Series([-6.51] * 14), SIGMA_2019_MATHS)
    assert (fmt(result.ci_low, 1), fmt(result.ci_high, 1)) == ("-9.3", "-3.7")
    assert result.significance == "below national average"


def test_school_progress_mean_interval_and_unscored():
    result = school_progress(pd.Series([-5.25, -12.0, 2.0, np.nan]), 6.0)
    assert result.progress == pytest.approx(-5.083333333)  # -15.25 / 3
    # 1.96 x 6 / sqrt(3) = 6.789639
    assert result.ci_high - result.progress == pytest.approx(6.789639, abs=1e-6)
    assert (result.n_pupils, result.n_scored) == (4, 3)
    assert result.significance == "in line with national average"


def test_school_means_by_bincount():
    mean, n = school_means(
        np.array([0, 0, 1, 2, 2, 2]), np.array([1.0, 3.0, np.nan, -1.0, -2.0, 0.0]), 3
    )
    assert n.tolist() == [2, 0, 3]
    assert mean[0] == 2.0 and math.isnan(mean[1]) and mean[2] == -1.0


@pytest.mark.parametrize(
    ("estimate", "target"),
    [(105.25, 106), (105.0, 106), (99.99, 100), (112.0, 113), (119.5, 120)],
)
def test_target_is_the_smallest_whole_score_above_the_estimate(estimate, target):
    assert target_score(estimate) == target


def test_no_target_above_the_top_score():
    assert math.isnan(target_score(120.0))


def _pupils(table, rows):
    frame = pd.DataFrame(rows, columns=["pupil_id", "ks1_aps", "score"])
    return add_targets(pupil_progress(frame, table, "maths"))


def test_focus_targets_and_points_needed(table):
    p = _pupils(
        table,
        [
            ("A", 15.0, 100),
            ("B", 9.0, 97),
            ("C", 21.0, 114),
            ("D", 15.0, 80),
            ("E", 3.0, 90),
            ("F", np.nan, 95),
        ],
    )
    assert p["focus"].tolist() == [True, True, False, True, False, False]
    assert p["target"].tolist() == [106, 99, pd.NA, 106, pd.NA, pd.NA]
    assert p["points_needed"].tolist() == [6, 2, pd.NA, 26, pd.NA, pd.NA]
    assert p["pag"].tolist() == [3, 2, 4, 3, 1, pd.NA]


def test_how_many_targets_lift_the_school_to_zero_cheapest_first(table):
    p = _pupils(
        table, [("A", 15.0, 100), ("B", 9.0, 97), ("C", 21.0, 114), ("D", 15.0, 80), ("E", 3.0, 90)]
    )
    # capped sum = -5.25 - 1 + 2 - 12 + 4.5 = -11.75. Cheapest first: B (+2) -> -9.75,
    # A (+6) -> -3.75, D (106 - 105.25 + 12 = +12.75) -> +9.0: three targets.
    assert n_to_reach_zero(p) == 3


def test_already_at_zero_or_nobody_scored(table):
    assert n_to_reach_zero(_pupils(table, [("A", 15.0, 105), ("B", 9.0, 99)])) == 0
    assert math.isnan(n_to_reach_zero(_pupils(table, [("A", np.nan, 105)])))


def test_exactly_zero_counts_as_reached(table):
    # B: 98 - 98 = 0 is not a focus pupil; A: 105 - 105.25 = -0.25 -> target 106 (+1 gain).
    p = _pupils(table, [("A", 15.0, 105), ("B", 9.0, 98), ("C", 9.0, 97.25)])
    assert p["focus"].tolist() == [True, False, True]
    assert n_to_reach_zero(p) == 1
