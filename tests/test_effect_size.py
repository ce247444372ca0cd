"""Effect sizes, the EEF Toolkit's months' progress, and the pupil-level sigma behind them:
hand-computed band edges, a hand-made frame of school limits, and the real DfE files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.effect_size import (
    PUBLISHED_SIGMA,
    eef_months,
    effect_size,
    implied_sigma,
    pupil_sigma,
    school_implied_sigmas,
)
from ipm_analysis.inputs.dfe_tables import read_performance_table, school_figures
from ipm_analysis.inputs.subjects import SUBJECTS


# Every edge of the Toolkit's table (evaluation-methods.md): the last value of one band and
# the first of the next.
@pytest.mark.parametrize(
    ("es", "months"),
    [
        (0.0, 0),
        (0.01, 0),
        (0.02, 1),
        (0.09, 1),
        (0.10, 2),
        (0.18, 2),
        (0.19, 3),
        (0.26, 3),
        (0.27, 4),
        (0.35, 4),
        (0.36, 5),
        (0.44, 5),
        (0.45, 6),
        (0.52, 6),
        (0.53, 7),
        (0.61, 7),
        (0.62, 8),
        (0.69, 8),
        (0.70, 9),
        (0.78, 9),
        (0.79, 10),
        (0.87, 10),
        (0.88, 11),
        (0.95, 11),
        (0.96, 12),
        (1.5, 12),
    ],
)
def test_eef_months_at_every_band_edge(es, months):
    assert eef_months(es) == months
    assert eef_months(-es) == -months  # negative effects are symmetric


@pytest.mark.parametrize(
    ("es", "months"),
    [
        (-0.27, -4),
        # rounded to 2 dp half away from zero first: 0.015 -> 0.02 (1 month), not 0.01
        (0.015, 1),
        (-0.015, -1),
        (0.0149, 0),  # -> 0.01
        (0.095, 2),  # -> 0.10
        (0.0949, 1),  # -> 0.09
        (0.185, 3),  # -> 0.19
        (0.955, 12),  # -> 0.96
        (0.9549, 11),  # -> 0.95
        (-0.004, 0),  # -> -0.00: no month either way
    ],
)
def test_eef_months_rounds_to_2dp_half_away_from_zero_first(es, months):
    assert eef_months(es) == months


def test_eef_months_is_none_without_an_effect_size():
    assert eef_months(math.nan) is None
    assert eef_months(np.float64("nan")) is None


def test_effect_size_divides_by_sigma_and_is_nan_safe():
    assert effect_size(1.08, 5.4) == pytest.approx(0.2)  # 1.08 / 5.4
    assert effect_size(-0.6, 6.0) == pytest.approx(-0.1)  # -0.6 / 6.0
    assert math.isnan(effect_size(math.nan, 5.4))
    assert math.isnan(effect_size(1.0, math.nan))
    assert math.isnan(effect_size(1.0, 0.0))
    # 2019 maths: a rise of 1.0 in school mean progress is 1 / 5.38985717 = 0.1855 -> 0.19,
    # 3 months by the Toolkit
    assert eef_months(effect_size(1.0, PUBLISHED_SIGMA[(2019, "maths")])) == 3


def limits(urns: list[str], lower, upper, pupils) -> pd.DataFrame:
    """The columns of school_figures that implied_sigma reads."""
    return pd.DataFrame(
        {"progress_lower": lower, "progress_upper": upper, "pupils": pupils},
        index=pd.Index(urns, name="urn"),
    )


# sigma = (upper - lower) / 3.92 x sqrt(pupils):
#   A: (1.5 - -2.0) / 3.92 x sqrt(49) = 3.5 / 3.92 x 7 = 6.25
#   B: (1.96 - -1.96) / 3.92 x sqrt(36) = 1 x 6 = 6.0
#   C: (0.225 - -2.225) / 3.92 x sqrt(64) = 2.45 / 3.92 x 8 = 5.0
THREE = limits(["A", "B", "C"], [-2.0, -1.96, -2.225], [1.5, 1.96, 0.225], [49.0, 36.0, 64.0])


def test_implied_sigma_is_the_median_over_schools():
    assert school_implied_sigmas(THREE).to_dict() == pytest.approx({"A": 6.25, "B": 6.0, "C": 5.0})
    assert implied_sigma(THREE) == pytest.approx(6.0)  # median of 5.0, 6.0, 6.25


def test_implied_sigma_leaves_out_small_and_unpublished_schools():
    more = pd.concat(
        [
            THREE,
            # 25 pupils (< 30): (3.92 - 0) / 3.92 x 5 = 5.0 would pull the median down
            limits(["D"], [0.0], [3.92], [25.0]),
            # SUPP limits (NaN) and a school with no pupils in the measure
            limits(["E", "F"], [np.nan, -1.0], [np.nan, 1.0], [40.0, np.nan]),
        ]
    )
    assert list(school_implied_sigmas(more).index) == ["A", "B", "C"]
    assert implied_sigma(more) == pytest.approx(6.0)


def test_implied_sigma_is_nan_when_no_school_qualifies():
    assert math.isnan(implied_sigma(limits(["D"], [0.0], [3.92], [25.0])))
    assert math.isnan(implied_sigma(THREE.iloc[0:0]))


def test_pupil_sigma_prefers_the_published_value_and_says_where_it_came_from():
    value, source = pupil_sigma(2019, "maths", THREE)
    assert value == 5.38985717
    assert source == "published by the DfE (KS2 progress methodology, 2019)"
    value, source = pupil_sigma(2018, "maths", THREE)
    assert value == pytest.approx(6.0)
    assert source == (
        "implied by the DfE's school confidence intervals in the 2018 file "
        "(median over 3 schools; not published)"
    )
    value, source = pupil_sigma(2017, "reading", THREE.iloc[0:0])
    assert math.isnan(value)
    assert source.startswith("not available: not published for 2017")


def test_published_sigma_names_the_package_subjects():
    # every subject with a progress score (rwm has none, so no spread of it)
    with_progress = {name for name, found in SUBJECTS.items() if found.progress}
    assert with_progress == {"maths", "reading", "writing"}
    assert {subject for _, subject in PUBLISHED_SIGMA} == with_progress


def real_figures(dfe_data, year: int, la: str, subject: str) -> pd.DataFrame:
    path = dfe_data / f"{year - 1}-{year}" / f"{la}_ks2final.csv"
    return school_figures(read_performance_table(path, year, SUBJECTS[subject].columns), subject)


# Maths in 2017 and 2018 (evaluation-methods.md: about 5.62 and 5.41 in Hampshire). Sigma is
# national, so Surrey's schools must imply the same value.
@pytest.mark.parametrize("la", ["850", "936"])
@pytest.mark.parametrize(("year", "expected"), [(2017, 5.62), (2018, 5.41)])
def test_real_files_imply_the_documented_maths_sigma(dfe_data, la, year, expected):
    assert implied_sigma(real_figures(dfe_data, year, la, "maths")) == pytest.approx(
        expected, abs=0.05
    )


# 2019: the implied value must agree with the published one, subject by subject.
@pytest.mark.parametrize("la", ["850", "936"])
@pytest.mark.parametrize("subject", ["maths", "reading", "writing"])
def test_real_2019_files_imply_the_published_sigma(dfe_data, la, subject):
    implied = implied_sigma(real_figures(dfe_data, 2019, la, subject))
    assert implied == pytest.approx(PUBLISHED_SIGMA[(2019, subject)], abs=0.05)


def test_real_2018_source_text_counts_the_schools(dfe_data):
    figures = real_figures(dfe_data, 2018, "850", "maths")
    value, source = pupil_sigma(2018, "maths", figures)
    assert value == pytest.approx(5.41, abs=0.05)
    # 190 Hampshire schools had 30 or more pupils in the 2018 maths measure, all with limits
    assert source.endswith("in the 2018 file (median over 190 schools; not published)")
