"""The roster: case-insensitive headers, flags, statuses, and errors naming the cell."""

from __future__ import annotations

import pandas as pd
import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.roster import cohort_labels, read_roster


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_headers_are_case_insensitive_and_values_normalised(tmp_path):
    roster = read_roster(
        write(
            tmp_path, "URN,Cohort,TLA,Visits,STATUS\n100001,1,Yes,5,\n100002,2,false,3,Withdrawn\n"
        )
    )
    assert roster["urn"].tolist() == ["100001", "100002"]
    assert roster["tla"].tolist() == [True, False]
    assert roster["visits"].tolist() == [5, 3]
    assert roster["status"].tolist() == ["completed", "withdrawn"]
    assert roster.attrs["has_tla"] is True


def test_optional_columns_may_be_absent(tmp_path):
    roster = read_roster(write(tmp_path, "urn,cohort\n100001,A\n"))
    assert roster.attrs["has_tla"] is False
    assert roster["status"].tolist() == ["completed"]


def test_cohort_labels_sort_numbers_numerically():
    assert cohort_labels(pd.DataFrame({"cohort": ["10", "2", "Pilot", "1"]})) == [
        "1",
        "2",
        "10",
        "Pilot",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cohort,name\n1,x\n", r"no 'urn' column"),
        ("urn,name\n100001,x\n", r"no 'cohort' column"),
        (
            "urn,cohort\n100001,1\n100002,1\n100001,2\n",
            r"line 4, column 'urn': URN 100001 is listed twice \(also on line 2\)",
        ),
        ("urn,cohort\n10000A,1\n", r"line 2, column 'urn': '10000A' is not a URN"),
        ("urn,cohort\n100001,\n", r"line 2, column 'cohort'"),
        ("urn,cohort,tla\n100001,1,maybe\n", r"column 'tla': 'maybe' is not a yes/no"),
        ("urn,cohort,visits\n100001,1,three\n", r"column 'visits'"),
        ("urn,cohort,status\n100001,1,paused\n", r"column 'status': 'paused'"),
    ],
)
def test_bad_rosters_name_line_and_column(tmp_path, text, expected):
    with pytest.raises(InputError, match=expected) as err:
        read_roster(write(tmp_path, text))
    assert "roster.csv" in str(err.value)


def test_non_utf8_roster_says_so_with_the_line(tmp_path):
    path = write(
        tmp_path,
        "urn,cohort,school_name\n100001,1,Ashwell\n100002,1,Sainte-Thérèse\n",
        encoding="latin-1",
    )
    with pytest.raises(InputError, match=r"line 3: the roster is not UTF-8"):
        read_roster(path)


def test_a_urn_padded_with_a_leading_zero_is_the_same_school(tmp_path):
    roster = read_roster(write(tmp_path, "urn,cohort\n0100001,1\n"))
    assert roster["urn"].tolist() == ["100001"]


def test_tla_uses_the_one_yes_no_reader_blank_is_not_known(tmp_path):
    roster = read_roster(
        write(
            tmp_path,
            "urn,cohort,tla\n100001,1,T\n100002,1,f\n100003,1,\n100004,1, Y \n100005,1,0\n",
        )
    )
    assert roster["tla"].dtype == "boolean"
    assert roster["tla"].tolist() == [True, False, pd.NA, True, False]


def test_bad_tla_names_its_own_line_after_skipped_empty_rows(tmp_path):
    with pytest.raises(InputError) as err:
        read_roster(write(tmp_path, "urn,cohort,tla\n100001,1,yes\n,,\n100002,1,nope\n"))
    assert (err.value.row, err.value.column) == (4, "tla")
    assert "'nope' is not a yes/no value" in err.value.message
