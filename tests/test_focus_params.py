from pathlib import Path

import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.params import load_focus_params

from focus_fixtures import write_csv, write_pag

ROOT = Path(__file__).resolve().parents[1]


def test_example_params_resolve():
    params = load_focus_params(ROOT / "params" / "focus_example.yaml")
    assert params["pupils"]["july"] == str(ROOT / "examples/focus/synthetic_school_july.csv")
    assert list(params["pupils"]) == ["october", "december-january", "march-april", "july"]
    assert params["pag_table"] == str(ROOT / "examples/focus/synthetic_pag_2019.csv")
    assert (params["ks2_year"], params["window"], params["subject"]) == (2019, "july", "maths")
    assert (params["urn"], params["min_n"], params["performance_table"]) == ("999901", 3, None)
    assert "SYNTHETIC" in params["title"]


def _params(tmp_path, extra=""):
    write_pag(tmp_path)
    write_csv(tmp_path, "p.csv", "pupil_id,ks1_aps,ks2_maths\nP1,15,104\n")
    text = (
        "report_id: r1\ntitle: T\npupils: p.csv\npag_table: pag.csv\nks2_year: 2019\n"
        "window: Dec\n" + extra
    )
    return write_csv(tmp_path, "params.yaml", text)


def test_relative_paths_and_defaults(tmp_path):
    params = load_focus_params(_params(tmp_path))
    assert params["pupils"] == str(tmp_path / "p.csv")
    assert (params["window"], params["subject"], params["urn"], params["min_n"]) == (
        "december-january",
        "maths",
        None,
        3,
    )


@pytest.mark.parametrize(
    ("extra", "column", "text"),
    [
        ("colour: red\n", "colour", "'colour' (line 7) is not a known parameter"),
        ("subject: science\n", "subject", "not a subject"),
        ("min_n: 0\n", "min_n", "at least 1"),
    ],
)
def test_bad_keys(tmp_path, extra, column, text):
    with pytest.raises(InputError) as err:
        load_focus_params(_params(tmp_path, extra))
    assert err.value.column == column and text in err.value.message


def test_year_rules(tmp_path):
    path = _params(tmp_path)
    path.write_text(path.read_text().replace("2019", "2022"))
    with pytest.raises(InputError, match="levels-era"):
        load_focus_params(path)
    path.write_text(path.read_text().replace("2022", "2018"))
    with pytest.raises(InputError, match="performance_table"):
        load_focus_params(path)
    write_csv(tmp_path, "ks2.csv", "RECTYPE,LEA,URN,URN_AC,SCHNAME,MATPROG\n5,,,,England,0\n")
    path.write_text(path.read_text() + "performance_table: ks2.csv\n")
    assert load_focus_params(path)["performance_table"] == str(tmp_path / "ks2.csv")


def test_missing_file_named(tmp_path):
    path = _params(tmp_path)
    path.write_text(path.read_text().replace("pag.csv", "nope.csv"))
    with pytest.raises(InputError) as err:
        load_focus_params(path)
    assert err.value.path.endswith("nope.csv") and "does not exist" in err.value.message
    assert "named by 'pag_table'" in err.value.message


def test_every_problem_with_a_value_is_listed_at_once(tmp_path):
    """As for impact params: one message lists each bad value, so one edit fixes them all."""
    path = _params(tmp_path, "subject: science\nmin_n: 0\n")
    path.write_text(path.read_text().replace("window: Dec", "window: summer"))
    with pytest.raises(InputError) as err:
        load_focus_params(path)
    message = err.value.message
    assert err.value.column == "subject"  # the first, in the file's order of checks
    assert "'subject': 'science' is not a subject" in message
    assert "'window': 'summer' is not a window" in message
    assert "'min_n': '0' should be a whole number of at least 1" in message
