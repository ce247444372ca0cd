import math

import numpy as np
import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.prior_attainment import load_pag_table, score_range
from ipm_analysis.focus.pupil_progress import assign_pag

from focus_fixtures import HEADER, ROWS_2017, ROWS_2019, write_pag


def test_loads_sorted_arrays(tmp_path):
    table = load_pag_table(write_pag(tmp_path, tuple(reversed(ROWS_2019))), 2019)
    assert table.pag.tolist() == [1, 2, 3, 4]
    assert table.aps_min.tolist() == [3, 9, 15, 21]
    assert table.estimate["maths"].tolist() == [85.5, 98.0, 105.25, 112.0]
    assert table.minimum["maths"].tolist() == [-20, -15, -12, -10]
    assert table.capped


def test_before_2018_not_capped(tmp_path):
    table = load_pag_table(write_pag(tmp_path, ROWS_2017), 2017)
    assert not table.capped and table.minimum is None


@pytest.mark.parametrize(
    ("aps", "pag"),
    [
        (3.0, 1),
        (8.75, 1),
        (8.999, 1),
        (9.0, 2),
        (14.75, 2),
        (15.0, 3),
        (20.75, 3),
        (21.0, 4),
        (26.75, 4),
        (27.0, 4),
        (2.75, None),
        (27.25, None),
        (math.nan, None),
    ],
)
def test_pag_at_every_boundary(tmp_path, aps, pag):
    table = load_pag_table(write_pag(tmp_path), 2019)
    index = assign_pag(np.array([aps]), table)[0]
    assert (table.pag[index] if index >= 0 else None) == pag


def test_score_range_reaches_down_to_the_nominal_scores():
    assert score_range(2019, "maths") == (59.0, 120.0)
    assert score_range(2016, "maths") == (70.0, 120.0)
    assert score_range(2019, "writing") == (59.0, 113.0)


def _error(tmp_path, rows, year=2019, header=HEADER):
    with pytest.raises(InputError) as err:
        load_pag_table(write_pag(tmp_path, rows, header), year)
    return err.value


def test_gap_named_with_line_and_column(tmp_path):
    rows = list(ROWS_2019)
    rows[2] = "2019,3,15.5,21,104,103,105.25,-13,-12,-12"
    err = _error(tmp_path, tuple(rows))
    assert (err.row, err.column) == (4, "ks1_aps_min") and "gap" in err.message


def test_overlap(tmp_path):
    rows = list(ROWS_2019)
    rows[1] = "2019,2,8,15,97,96,98.0,-16,-15,-15"
    err = _error(tmp_path, tuple(rows))
    assert (err.row, err.column) == (3, "ks1_aps_min") and "overlapping" in err.message


def test_must_cover_the_scale(tmp_path):
    low = _error(tmp_path, ("2019,1,4,9,84,83,85.5,-21,-20,-20", *ROWS_2019[1:]))
    assert "from 3" in low.message and low.row == 2
    high = _error(tmp_path, (*ROWS_2019[:3], "2019,4,21,26,111,110,112.0,-11,-10,-10"))
    assert "up to 27" in high.message and (high.row, high.column) == (5, "ks1_aps_max")


def test_estimates_within_score_range(tmp_path):
    err = _error(tmp_path, (*ROWS_2019[:3], "2019,4,21,27,111,110,121,-11,-10,-10"))
    assert (err.row, err.column) == (5, "est_maths") and "59-120" in err.message
    err = _error(tmp_path, ("2019,1,3,9,84,83,58,-21,-20,-20", *ROWS_2019[1:]))
    assert err.column == "est_maths"
    err = _error(tmp_path, (*ROWS_2019[:3], "2019,4,21,27,111,114,112,-11,-10,-10"))
    assert err.column == "est_writing"


def test_minima_required_from_2018_and_negative(tmp_path):
    err = _error(
        tmp_path, tuple(r.rsplit(",", 3)[0] for r in ROWS_2019), header=HEADER.rsplit(",", 3)[0]
    )
    assert err.column == "min_reading" and "2018" in err.message
    err = _error(tmp_path, (*ROWS_2019[:3], "2019,4,21,27,111,110,112.0,-11,-10,0.5"))
    assert (err.row, err.column) == (5, "min_maths")
    err = _error(tmp_path, ("2017,1,3,9,84,83,85.5,,,-5", *ROWS_2017[1:]), year=2017)
    assert err.column == "min_maths" and "not capped" in err.message


def test_bad_values_rows_and_columns(tmp_path):
    err = _error(tmp_path, (*ROWS_2019[:2], "2019,3,15,21,104,103,abc,-13,-12,-12", ROWS_2019[3]))
    assert (err.row, err.column) == (4, "est_maths") and "'abc'" in err.message
    err = _error(tmp_path, ROWS_2019, year=2018)
    assert "no rows for KS2 year 2018" in err.message and "2019" in err.message
    err = _error(tmp_path, ROWS_2019, header=HEADER.replace("est_maths", "maths"))
    assert err.column == "est_maths" and err.row == 1
    err = _error(
        tmp_path, (*ROWS_2019[:2], "2019,2,15,21,104,103,105.25,-13,-12,-12", ROWS_2019[3])
    )
    assert (err.row, err.column) == (4, "pag")
