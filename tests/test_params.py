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
        ("baseline_year: 2018\n", "'baseline_year' (2018) must be before outcome_year (2018)"),
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
    with pytest.raises(InputError) as err:
        load_params(write(tmp_path, "".join(lines) + extra))
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
