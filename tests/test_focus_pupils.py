import math

import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.programme import build_programme_report
from ipm_analysis.focus.pupils import pupil_id_problem, read_pupil_file, read_pupils
from ipm_analysis.focus.report import build_focus_report

from focus_fixtures import write_csv, write_pag

HEAD = "pupil_id,ks1_reading,ks1_writing,ks1_maths,ks2_maths"


def _read(tmp_path, text, year=2019, **kw):
    return read_pupil_file(
        write_csv(tmp_path, "p.csv", text), year, "maths", window=kw.pop("window", "july"), **kw
    )


@pytest.mark.parametrize(
    "column", ["name", "first_name", "Surname", "pupil name", "FullName", "UPN", "forename"]
)
def test_name_like_columns_refused_with_the_reason(tmp_path, column):
    with pytest.raises(InputError) as err:
        _read(tmp_path, f"{HEAD},{column}\nP1,2b,2b,2b,104,x\n")
    assert err.value.column == column and err.value.row == 1
    assert "looks like a name" in err.value.message and "pseudonymous" in err.value.message


def test_unknown_columns_refused(tmp_path):
    with pytest.raises(InputError, match="unknown column 'notes'"):
        _read(tmp_path, f"{HEAD},notes\nP1,2b,2b,2b,104,x\n")


def test_name_like_ids_refused(tmp_path):
    with pytest.raises(InputError) as err:
        _read(tmp_path, f"{HEAD}\nP1,2b,2b,2b,104\nJane Smith,2b,2b,2b,104\n")
    assert (err.value.row, err.value.column) == (3, "pupil_id")


#: Pseudonymous codes: accepted.
CODES = [
    "P017",
    "2019-06-001",
    "Y6-12",
    "A1B2",
    "UPN-000123",
    "X12",
    "p17",
    "ab12cd",
    "SYN-P01",
    "P 017",
    "A B12",
    "Y6 AB",
    "P_017",
    "SCH1.P017",
    "UPN-AB12",
    "2019/06/1",
]
#: Could be names (or a UPN): refused, with what gives them away.
NAME_LIKE = [
    ("Oliver", "no digit"),
    ("OLIVER SMITH", "no digit"),
    ("Smith, J", "no digit"),
    ("oliver.smith", "no digit"),
    ("Zoë", "no digit"),
    ("Smith, J 3", "comma"),
    ("Smith,J3", "comma"),
    ("oliver.smith2", "'oliver' and 'smith' with '.'"),
    ("O.Smith1", "'O' and 'Smith' with '.'"),
    ("O. Smith1", "'O' and 'Smith' with '. '"),
    ("Oliver Smith2", "'Oliver' and 'Smith' with ' '"),
    ("OLIVER SMITH 2", "'OLIVER' and 'SMITH' with ' '"),
    ("Smith J3", "'Smith' and 'J' with ' '"),
    ("smith_j4", "'smith' and 'j' with '_'"),
    ("2 zoë_brontë", "'zoë' and 'brontë' with '_'"),
    ("O'Neil1", "'O' and 'Neil' with '''"),
    ("Smith-Jones1", "'Smith' and 'Jones' with '-'"),
    ("A123456789012", "UPN"),
    ("a12345678901B", "UPN"),
]


@pytest.mark.parametrize("value", CODES)
def test_pseudonymous_codes_are_accepted(value):
    assert pupil_id_problem(value) is None


@pytest.mark.parametrize(("value", "why"), NAME_LIKE)
def test_ids_that_could_be_names_are_refused_with_the_reason(value, why):
    problem = pupil_id_problem(value)
    assert problem is not None and why in problem
    assert problem.startswith(f"'{value}' looks like a")
    assert "pseudonymous codes that contain a digit, such as P017" in problem


def test_a_name_in_a_file_names_the_file_line_and_column(tmp_path):
    with pytest.raises(InputError) as err:
        _read(tmp_path, f"{HEAD}\nP1,2b,2b,2b,104\nP2,2b,2b,2b,104\nOliver,2b,2b,2b,104\n")
    path = tmp_path / "p.csv"
    assert (err.value.path, err.value.row, err.value.column) == (str(path), 4, "pupil_id")
    assert err.value.message == (
        "'Oliver' looks like a name (it has no digit): pupil ids must be pseudonymous codes "
        "that contain a digit, such as P017; replace names with codes before sharing the file."
    )
    assert str(err.value).startswith(f"file {path}, line 4, column 'pupil_id': ")


def test_names_are_refused_in_school_reports_and_programme_files(tmp_path):
    """The school report and the programme both read pupils through ``read_pupils``."""
    pag = str(write_pag(tmp_path))
    school = write_csv(tmp_path, "school.csv", f"{HEAD}\nP1,2b,2b,2b,104\noliver.smith2,3,3,3,99\n")
    with pytest.raises(InputError) as err:
        build_focus_report({"july": str(school)}, pag, 2019, "july", urn="100001")
    assert (err.value.row, err.value.column) == (3, "pupil_id")
    programme = write_csv(
        tmp_path,
        "programme.csv",
        "pupil_id,urn,window,ks1_aps,ks2_maths\n"
        'A1,1,july,15,104\nB1,2,july,15,99\n"Smith, J 3",2,july,15,99\n',
    )
    with pytest.raises(InputError) as err:
        build_programme_report({"1": str(programme), "2": str(programme)}, pag, 2019, "july")
    assert (err.value.path, err.value.row, err.value.column) == (str(programme), 4, "pupil_id")
    assert "comma" in err.value.message


def test_aps_scores_and_nominal_codes(tmp_path):
    frame = _read(
        tmp_path,
        f"{HEAD},ks1_aps\nP1,2b,2b,2b,104,\nP2,3,2c,2a,BLW,\nP3,P4,P4,P4,PK4,6.5\nP4,,,,,\n",
    )
    assert frame["ks1_aps"].tolist()[:3] == [15.0, 17.0, 6.5]
    assert math.isnan(frame["ks1_aps"].iloc[3])
    assert frame["score"].tolist()[:3] == [104.0, 62.0, 73.0]  # 2019: BLW 62, PK4 73
    assert frame["score_note"].tolist() == [
        "",
        "BLW = 62 points",
        "PK4 = 73 points",
        "no score yet",
    ]
    assert frame["window"].unique().tolist() == ["july"]


def test_2016_n_is_excluded(tmp_path):
    frame = _read(tmp_path, f"{HEAD}\nP1,2b,2b,2b,N\n", year=2016)
    assert math.isnan(frame["score"].iloc[0])
    assert "excluded" in frame["score_note"].iloc[0]


@pytest.mark.parametrize("score", ["104.5", "79", "121", "PK9"])
def test_bad_scores_named(tmp_path, score):
    with pytest.raises(InputError) as err:
        _read(tmp_path, f"{HEAD}\nP1,2b,2b,2b,104\nP2,2b,2b,2b,{score}\n")
    assert (err.value.row, err.value.column) == (3, "ks2_maths")


def test_duplicates_and_p_scales_without_aps(tmp_path):
    with pytest.raises(InputError, match="twice"):
        _read(tmp_path, f"{HEAD}\nP1,2b,2b,2b,104\nP1,2b,2b,2b,104\n")
    with pytest.raises(InputError) as err:
        _read(tmp_path, f"{HEAD}\nP1,P5,2b,2b,104\n")
    assert err.value.column == "ks1_reading" and "ks1_aps" in err.value.message


def test_window_mapping_must_match_window_column(tmp_path):
    path = write_csv(tmp_path, "p.csv", f"{HEAD},window\nP1,2b,2b,2b,104,october\n")
    assert read_pupils({"oct": str(path)}, 2019, "maths", window="july")["window"].tolist() == [
        "october"
    ]
    with pytest.raises(InputError, match="given for 'july'"):
        read_pupils({"july": str(path)}, 2019, "maths", window="july")


def test_one_file_many_schools_filters_by_urn(tmp_path):
    frame = _read(
        tmp_path, f"urn,window,{HEAD}\n1,dec,P1,2b,2b,2b,104\n2,dec,P1,3,3,3,110\n", urn="2"
    )
    assert frame["ks1_aps"].tolist() == [21.0]
    assert frame["window"].tolist() == ["december-january"]
    with pytest.raises(InputError, match="several schools"):
        _read(tmp_path, f"urn,{HEAD}\n1,P1,2b,2b,2b,104\n2,P2,3,3,3,110\n")


def test_flags(tmp_path):
    frame = _read(tmp_path, f"{HEAD},eal\nP1,2b,2b,2b,104,yes\nP2,2b,2b,2b,104,0\n")
    assert frame["eal"].tolist() == [True, False]
    with pytest.raises(InputError, match="yes/no"):
        _read(tmp_path, f"{HEAD},send\nP1,2b,2b,2b,104,maybe\n")


def test_flags_use_the_one_yes_no_reader_blank_counts_as_not_in_the_group(tmp_path):
    rows = "".join(f"P{i},2b,2b,2b,104,{v}\n" for i, v in enumerate(["T", "f", "", "Y", "1"]))
    frame = _read(tmp_path, f"{HEAD},eal\n{rows}")
    assert frame["eal"].tolist() == [True, False, False, True, True]
    with pytest.raises(InputError) as err:
        _read(tmp_path, f"{HEAD},send\nP1,2b,2b,2b,104,no\nP2,2b,2b,2b,104,maybe\n")
    assert (err.value.row, err.value.column) == (3, "send")
    assert "'maybe' is not a yes/no flag" in err.value.message
