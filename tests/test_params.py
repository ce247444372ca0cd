"""Params YAML: resolved paths, plain papermill types, and one message listing each problem."""

from __future__ import annotations

import json

import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.params import load_params

from conftest import la, school, write_table

BASE = (
    "report_id: r1\ntitle: T\nroster: r.csv\nbaseline_year: 2017\noutcome_year: 2018\n"
    "performance:\n  2017: a/2017.csv\n  2018: /abs/2018.csv\n"
)


def write(tmp_path, text):
    """The params file, and the files it names (``/abs`` stands for an absolute path)."""
    absolute = tmp_path / "abs"
    path = tmp_path / "p.yaml"
    path.write_text(text.replace("/abs", str(absolute)), encoding="utf-8")
    (tmp_path / "r.csv").write_text("urn,cohort\n100001,1\n", encoding="utf-8")
    for score, table in (("1.0", tmp_path / "a" / "2017.csv"), ("2.0", absolute / "2018.csv")):
        write_table(table, [school("100001", score, "50%"), la("0.0", "70%")])
    return path


def test_relative_paths_resolve_against_the_params_folder(tmp_path):
    params = load_params(write(tmp_path, BASE))
    assert params.roster == (tmp_path / "r.csv").resolve()
    assert params.performance[2017] == (tmp_path / "a" / "2017.csv").resolve()
    assert params.performance[2018] == tmp_path / "abs" / "2018.csv"
    assert (params.subject, params.threshold, params.weighting) == ("maths", -2.0, "schools")


def test_papermill_parameters_are_plain_json_types(tmp_path):
    params = load_params(
        write(tmp_path, BASE + "comparators:\n  - label: SN\n    values: {2017: -0.7}\n")
    )
    values = params.to_papermill()
    json.dumps(values)  # raises on NumPy or Path values
    assert values["performance"] == {
        2017: str((tmp_path / "a" / "2017.csv").resolve()),
        2018: str(tmp_path / "abs" / "2018.csv"),
    }
    assert values["comparators"] == [{"label": "SN", "measure": "progress", "values": {2017: -0.7}}]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "baseline_year: 2018\n",
            "'baseline_year' is 2018, which must be before outcome_year (2018)",
        ),
        ("subject: science\n", "'subject' must be one of maths, reading, writing"),
        ("outcome_year: 2019\n", "'performance' has no file for 2019"),
        ("threshold: low\n", "'threshold' must be a number"),
        ("weighting: pupil\n", "'weighting' must be one of schools, pupils"),
        ("colour: red\n", "'colour' (line 9) is not a known parameter"),
        (
            "treshold: -1\n",
            "'treshold' (line 9) is not a known parameter: did you mean 'threshold'?",
        ),
        ("window: july\n", "'window' (line 9) belongs to a focus report for one school"),
        ("synthetic: true\n", "'synthetic' (line 9) is not a parameter: whether a report is"),
        ("threshold: .nan\n", "'threshold' must be a number such as -2.0 (got nan)"),
        ("suppress: 'false'\n", "'suppress' must be true or false, without quotes (got 'false')"),
        ("match_k: 0\n", "'match_k' must be at least 1"),
        ("report_id: 'a/b'\n", "'report_id' may hold only letters"),
    ],
)
def test_each_problem_is_named(tmp_path, extra, message):
    key = extra.split(":")[0]
    lines = [line for line in BASE.splitlines(keepends=True) if not line.startswith(f"{key}:")]
    text = "".join(lines) + extra
    with pytest.raises(InputError) as err:
        load_params(write(tmp_path, text))
    # the message names the key it is about with that key's line in the file
    named = message.split("'")[1]
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith(f"{named}:"))
    if "(line" not in message:
        message = message.replace(f"'{named}'", f"'{named}' (line {line})", 1)
    assert message in str(err.value)
    assert "p.yaml" in str(err.value)


def test_missing_required_keys_are_all_listed(tmp_path):
    with pytest.raises(InputError) as err:
        load_params(write(tmp_path, "title: T\n"))
    for key in ("report_id", "roster", "performance", "baseline_year", "outcome_year"):
        assert f"'{key}' is required" in str(err.value)


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(InputError, match=r"line 3: the params file is not valid YAML"):
        load_params(write(tmp_path, "report_id: x\ntitle: [unclosed\n"))


def _ees_params(tmp_path, years=(2023, 2024), extra=""):
    """An impact params file naming one EES performance file for both years."""
    header = (
        "time_period,school_urn,school_laestab,school_name,breakdown_topic,breakdown,subject,"
        "expected_standard_pupil_percent,progress_measure_score"
    )
    rows = [f"{y - 1}{y % 100},100001,9990001,A,All pupils,Total,Maths,70,z" for y in years]
    (tmp_path / "ees.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    info = "time_period,school_urn,school_laestab,telig\n202324,100001,9990001,30\n"
    (tmp_path / "info.csv").write_text(info, encoding="utf-8")
    (tmp_path / "r.csv").write_text("urn,cohort\n100001,1\n", encoding="utf-8")
    path = tmp_path / "p.yaml"
    path.write_text(
        "report_id: r1\ntitle: T\nroster: r.csv\n"
        f"baseline_year: {years[0]}\noutcome_year: {years[1]}\n"
        f"performance:\n  {years[0]}: ees.csv\n  {years[1]}: ees.csv\n" + extra,
        encoding="utf-8",
    )
    return path


def test_one_ees_file_for_two_years_is_not_the_same_content_refusal(tmp_path):
    params = load_params(_ees_params(tmp_path, extra="school_information:\n  2024: info.csv\n"))
    assert params.performance[2023] == params.performance[2024] == tmp_path / "ees.csv"
    assert params.school_information == {2024: tmp_path / "info.csv"}
    assert params.table_files(2024) == {"information": tmp_path / "info.csv", "area": None}
    assert params.table_files(2023) == {"information": None, "area": None}
    assert params.input_files() == [tmp_path / "r.csv", tmp_path / "ees.csv", tmp_path / "info.csv"]
    values = params.to_papermill()
    assert values["school_information"] == {2024: str(tmp_path / "info.csv")}
    assert values["la_performance"] is None
    json.dumps(values)


def test_an_ees_file_without_the_year_names_its_time_periods(tmp_path):
    path = _ees_params(tmp_path)
    (tmp_path / "ees.csv").write_text(
        (tmp_path / "ees.csv").read_text().replace("202324", "202425"), encoding="utf-8"
    )
    with pytest.raises(InputError) as err:
        load_params(path)
    message = str(err.value)
    assert "no rows for 202324" in message and "it holds time_period 202223, 202425" in message
    assert "'performance' (line 6)" in message


def test_an_information_file_under_performance_says_where_it_goes(tmp_path):
    path = _ees_params(tmp_path)
    path.write_text(path.read_text().replace("2024: ees.csv", "2024: info.csv"))
    with pytest.raises(InputError, match="it goes under 'school_information:'"):
        load_params(path)


def test_school_information_with_a_wide_file_is_refused(tmp_path):
    path = write(tmp_path, BASE + "school_information:\n  2018: r.csv\n")
    with pytest.raises(InputError, match="the 2018 performance table is a wide DfE file"):
        load_params(path)


@pytest.mark.parametrize(
    ("key", "line", "label"),
    [("baseline_year", 4, "2020-21: no KS2 tests were taken (COVID-19)"),
     ("outcome_year", 5, "2021-22: the tests were taken but results went to schools only")],
)  # fmt: skip
def test_a_year_without_school_level_data_exits_2_naming_the_key_and_line(
    tmp_path, key, line, label
):
    text = BASE.replace("baseline_year: 2017", "baseline_year: 2021")
    if key == "outcome_year":
        text = BASE.replace("outcome_year: 2018", "outcome_year: 2022")
    with pytest.raises(InputError) as err:
        load_params(write(tmp_path, text))
    assert err.value.exit_code == 2
    year = 2021 if key == "baseline_year" else 2022
    assert (
        f"'{key}' (line {line}) asks for {year}, but there is no school-level KS2 data for " + label
        in str(err.value)
    )
