"""Reading DfE files: codes, percentages and errors that point at the cell."""

from __future__ import annotations

import pandas as pd
import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.dfe_tables import (
    SUBJECTS,
    parse_figures,
    read_performance_table,
    school_figures,
)

from conftest import school, write_table


def test_codes_are_missing_with_their_reason_and_percentages_are_numbers():
    raw = pd.Series(["-1.5", "77%", "SUPP", "NE", "NP", "LOWCOV", "NA", "x", "", " 2.0 "])
    values, reasons = parse_figures(raw)
    assert values.iloc[0] == -1.5 and values.iloc[1] == 77.0 and values.iloc[9] == 2.0
    assert values.iloc[2:9].isna().all()
    assert reasons.tolist()[2:9] == [
        "suppressed (small cohort)",
        "no eligible pupils",
        "not published",
        "low coverage",
        "not applicable",
        "not available",
        "blank",
    ]
    assert reasons.iloc[:2].isna().all()


def test_unknown_text_names_file_line_and_column(tmp_path):
    path = write_table(
        tmp_path / "t.csv", [school("100001", "1.0", "70%"), school("100002", "oops", "70%")]
    )
    table = read_performance_table(path, 2018, SUBJECTS["maths"].columns)
    with pytest.raises(InputError) as err:
        school_figures(table, "maths")
    message = str(err.value)
    assert "t.csv" in message and "line 3" in message and "'MATPROG'" in message
    assert "'oops'" in message


def test_a_csv_that_is_not_a_performance_table_is_refused(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("urn,cohort\n100001,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a KS2 performance table"):
        read_performance_table(path, 2018)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_performance_table(tmp_path / "nope.csv", 2018)


def test_real_surrey_table_reads_as_text_with_la_row(dfe_data):
    table = read_performance_table(
        dfe_data / "2016-2017" / "936_ks2final.csv", 2017, ["MATPROG", "PTMAT_EXP", "MATCOV"]
    )
    assert table.frame["RECTYPE"].value_counts().to_dict() == {
        "1": 219,
        "2": 13,
        "3": 1,
        "4": 1,
        "5": 1,
    }
    figures = school_figures(table, "maths")
    assert len(figures) == 232  # RECTYPE 1 and 2 with a URN
    la = table.frame[table.frame["RECTYPE"] == "3"].iloc[0]
    assert (la["LEA"], la["MATPROG"], la["PTMAT_EXP"]) == ("936", "-0.3", "79%")


def test_padded_codes_and_figures_are_read_as_their_values(tmp_path):
    # real DfE files write ' ' for some blanks; a padded URN must still match the roster
    path = write_table(
        tmp_path / "t.csv", [school(" 100001 ", " -1.5 ", " 77% "), school("100002", " ", "SUPP ")]
    )
    figures = school_figures(read_performance_table(path, 2018, SUBJECTS["maths"].columns), "maths")
    assert figures.index.tolist() == ["100001", "100002"]
    assert figures.loc["100001", "progress"] == -1.5
    assert figures.loc["100001", "attainment"] == 77.0
    assert figures.loc["100002", "progress_reason"] == "blank"
    assert figures.loc["100002", "attainment_reason"] == "suppressed (small cohort)"


def test_a_measure_the_file_or_the_subject_lacks_is_no_figure_saying_which(tmp_path):
    # the made-up tables have no PTMAT_HIGH, PTWRITTA_HIGH nor MAT_AVERAGE; writing has no
    # average scaled score at all (teacher-assessed: no test score)
    path = write_table(tmp_path / "t.csv", [school("100001", "-1.5", "77%", PTWRITTA_EXP="70%")])
    columns = (*SUBJECTS["maths"].columns, *SUBJECTS["writing"].columns)
    table = read_performance_table(path, 2018, columns)
    maths, writing = school_figures(table, "maths"), school_figures(table, "writing")
    assert (maths.loc["100001", "progress"], maths.loc["100001", "attainment"]) == (-1.5, 77.0)
    assert writing.loc["100001", "attainment"] == 70.0
    for figures in (maths, writing):
        assert figures[["higher_standard", "scaled_score"]].isna().all().all()
        assert figures.loc["100001", "higher_standard_reason"] == "not in this file"
    assert maths.loc["100001", "scaled_score_reason"] == "not in this file"
    assert writing.loc["100001", "scaled_score_reason"] == "not published for this subject"


def test_every_code_of_either_format_is_no_figure_with_its_reason():
    # wide codes seen in recent files, and the EES symbols (written in lower case)
    raw = pd.Series(["DNS", "LOW", "SP", "RE", "UNAVAIL", "z", "x", "c", "low", "k", "u", "12"])
    values, reasons = parse_figures(raw)
    assert values.iloc[:11].isna().all() and values.iloc[11] == 12.0
    assert reasons.tolist()[:11] == [
        "did not submit results",
        "rounds to 0 (too small to show)",
        "small percentage (not published)",
        "withheld (results under review)",
        "unavailable",
        "not applicable",
        "not available",
        "confidential (suppressed)",
        "rounds to 0 (too small to show)",  # low: not 0, so no figure
        "rounds to 0 (too small to show)",
        "low reliability (withheld)",  # u: an EES cell holds no figure beside it
    ]
