import pandas as pd
import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.termly import focus_changes, programme_summary, suppress, window_id


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("October", "october"),
        ("December/January", "december-january"),
        ("jan", "december-january"),
        ("March/April", "march-april"),
        ("apr", "march-april"),
        ("JULY", "july"),
    ],
)
def test_window_ids(text, window):
    assert window_id(text) == window


def test_unknown_window():
    with pytest.raises(InputError, match="not a window"):
        window_id("summer")


def test_joined_and_left():
    before = pd.DataFrame({"pupil_id": ["A", "B", "C"], "focus": [True, True, False]})
    now = pd.DataFrame({"pupil_id": ["A", "C", "D"], "focus": [False, True, True]})
    changes = focus_changes(before, now)
    assert changes.values.tolist() == [
        ["C", "joined", "projected progress now below 0"],
        ["D", "joined", "projected progress now below 0"],
        ["A", "left", "projected progress now 0 or above"],
        ["B", "left", "no longer on roll"],
    ]
    assert focus_changes(None, now).empty


def test_suppression():
    assert suppress(pd.Series([0, 1, 2, 3, 10])).tolist() == ["0", "c", "c", "3", "10"]


def test_programme_summary_suppresses_small_numbers():
    schools = pd.DataFrame(
        {
            "urn": ["1", "2", "3", "1", "2"],
            "window": ["july", "july", "july", "october", "october"],
            "n_pupils": [20, 30, 10, 20, 1],
            "n_focus": [5, 0, 1, 2, 0],
            "progress": [-1.0, 0.5, 2.0, -2.0, 1.0],
        }
    )
    out = programme_summary(schools).set_index("window")
    assert out.index.tolist() == ["october", "july"]
    # July: 3 schools, 60 pupils, 6 focus (10.0%), mean of school scores (-1 + 0.5 + 2) / 3.
    assert out.loc["july"].tolist() == ["3", "60", "6", "10.0", "+0.50"]
    # October: 2 schools < 3 -> count 'c', share and mean 'c'; 2 focus -> 'c'.
    assert out.loc["october"].tolist() == ["c", "21", "c", "c", "c"]
    assert "pupil_id" not in out.columns
