import math

import pandas as pd
import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.ks1_points import aps_scale, ks1_aps, ks1_points


@pytest.mark.parametrize(
    ("outcome", "points"),
    [
        ("1", 9),
        ("2c", 13),
        ("2b", 15),
        ("2a", 17),
        ("3", 21),
        ("4", 27),
        ("4+", 27),
        ("2B", 15),
        (" 2a ", 17),
        ("W", 3),
        ("w", 3),
        ("L3", 21),
    ],
)
def test_level_points(outcome, points):
    assert ks1_points(pd.Series([outcome])).iloc[0] == points


@pytest.mark.parametrize("outcome", ["", "A", "D", "M"])
def test_no_result_is_nan(outcome):
    assert math.isnan(ks1_points(pd.Series([outcome])).iloc[0])


@pytest.mark.parametrize("code", ["P4", "p8", "P1i", "P3ii", "BLW"])
def test_p_scales_refused_until_their_points_are_confirmed(code):
    with pytest.raises(InputError) as err:
        ks1_points(
            pd.Series(["2b", code]), path="p.csv", column="ks1_maths", lines=pd.Series([2, 3])
        )
    assert err.value.row == 3 and err.value.column == "ks1_maths"
    assert "P-scale" in err.value.message and "ks1_aps" in err.value.message


def test_level_2_needs_sub_level_and_junk_is_named():
    with pytest.raises(InputError, match="sub-level"):
        ks1_points(pd.Series(["2"]))
    with pytest.raises(InputError, match="'5x' is not a KS1 outcome"):
        ks1_points(pd.Series(["5x"]))


def test_aps_weights_maths_as_much_as_english():
    r, w, m = (
        ks1_points(pd.Series(v))
        for v in (["2b", "3", "W", "2b"], ["2b", "2c", "1", ""], ["2b", "2a", "3", "3"])
    )
    aps = ks1_aps(r, w, m)
    assert aps.iloc[0] == 15.0  # 2b everywhere
    assert aps.iloc[1] == 17.0  # ((21 + 13) / 2 + 17) / 2
    assert aps.iloc[2] == 13.5  # ((3 + 9) / 2 + 21) / 2
    assert math.isnan(aps.iloc[3])  # writing missing -> no APS


def test_scale_runs_from_w_to_level_4():
    assert aps_scale() == (3.0, 27.0)
