"""The programme picture: hand-computed aggregates, small-number suppression, no pupil rows."""

import math
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.params import load_programme_params
from ipm_analysis.focus.privacy import scan_outputs
from ipm_analysis.focus.programme import (
    build_programme_report,
    published_schools,
    published_summary,
)
from ipm_analysis.focus.termly import reveals_hidden
from ipm_analysis.pipeline.runner import kind_of
from ipm_analysis.reporting.focus_programme import schools_table, write_outputs

from focus_fixtures import write_csv, write_pag

ROOT = Path(__file__).resolve().parents[1]
SIGMA_2019_MATHS = 5.38985717
# One file for the whole programme (urn and window columns). Maths estimates: APS 9 -> 98.0,
# APS 15 -> 105.25, APS 21 -> 112.0 (see focus_fixtures). Secret flag values are for the scan.
PUPILS = """pupil_id,urn,window,ks1_aps,ks2_maths,disadvantaged
A1,100001,july,15,104,yes
A2,100001,july,15,106,no
A3,100001,july,15,108,no
A4,100001,july,15,100,yes
A5,100001,july,,110,no
A1,100001,march-april,15,100,yes
A2,100001,march-april,15,100,no
A3,100001,march-april,15,100,no
A4,100001,march-april,15,100,yes
B1,100002,july,9,99,no
B2,100002,july,9,100,no
B3,100002,july,9,101,no
B4,100002,july,9,97,yes
B5,100002,july,9,96,no
B1,100002,march-april,9,98,no
B2,100002,march-april,9,98,no
B3,100002,march-april,9,98,no
B4,100002,march-april,9,98,yes
B5,100002,march-april,9,98,no
C1,100003,july,21,110,yes
C2,100003,july,21,113,no
"""


@pytest.fixture
def report(tmp_path):
    pag = write_pag(tmp_path)
    pupils = str(write_csv(tmp_path, "pupils.csv", PUPILS))
    schools = {"100001": pupils, "100002": pupils, "100003": pupils}
    return build_programme_report(schools, str(pag), 2019, "july")


def test_school_figures_by_hand(report):
    july = report.schools[report.schools["window"] == "july"].set_index("urn")
    # 100001: progress -1.25, +0.75, +2.75, -5.25 (A5 has no KS1: listed, not counted).
    a = july.loc["100001"]
    half = 1.96 * SIGMA_2019_MATHS / math.sqrt(4)
    assert a["n_pupils"] == 4 and a["progress"] == pytest.approx(-0.75)
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((-0.75 - half, -0.75 + half))
    # Targets 106: A1 gains 2.0 (total -3 -> -1), A4 gains 6.0 (-> +5): two needed.
    assert (a["n_focus"], a["n_to_reach_zero"]) == (2, 2)
    # 100002: +1 +2 +3 -1 -2 -> +0.6, already >= 0.
    b = july.loc["100002"]
    assert (b["n_pupils"], b["progress"], b["n_focus"], b["n_to_reach_zero"]) == pytest.approx(
        (5, 0.6, 2, 0)
    )
    # 100003: -2, +1 -> -0.5; C1 reaching 113 gains 3 -> one needed.
    c = july.loc["100003"]
    assert (c["n_pupils"], c["progress"], c["n_focus"], c["n_to_reach_zero"]) == pytest.approx(
        (2, -0.5, 1, 1)
    )


def test_school_suppression(report):
    shown = published_schools(report)
    july = shown[shown["window"] == "july"].set_index("urn")
    assert july.loc["100001", ["n_pupils", "n_focus", "n_to_reach_zero"]].tolist() == [4, "c", "c"]
    assert july.loc["100002", ["n_focus", "n_to_reach_zero"]].tolist() == ["c", 0]
    # Two pupils counted: the count, the mean and its interval are all hidden.
    assert july.loc["100003"].drop("window").tolist() == ["c"] * 6
    table = schools_table(report).set_index("School (URN)")
    assert table.loc["100001"].tolist() == ["4", "-0.75", "-6.0 to +4.5", "c", "c"]
    assert table.loc["100003"].tolist() == ["c"] * 5


def test_programme_totals_by_hand_with_secondary_suppression(report):
    out = published_summary(report).set_index("window")
    assert out.index.tolist() == ["march-april", "july"]
    # March/April: two schools (< 3) -> schools, share and mean hidden; 4 + 5 pupils,
    # 4 + 0 focus pupils.
    assert out.loc["march-april"].tolist() == ["c", "9", "4", "c", "c"]
    # July: 4 + 5 + 2 pupils; the total would give away the hidden 2, so it is hidden.
    # Focus 2 + 2 + 1 = 5: three hidden counts summing to 5 cannot be worked out.
    # Mean of the schools shown: (-0.75 + 0.6) / 2 = -0.075 -> -0.08 (100003 hidden).
    assert out.loc["july"].tolist() == ["3", "c", "5", "c", "-0.08"]


@pytest.mark.parametrize(
    ("counts", "revealing"),
    [
        ([5, 7, 9], False),  # nothing hidden
        ([5, 2, 9], True),  # one hidden: total - shown = it
        ([1, 1, 9], True),  # two hidden, both must be 1
        ([2, 2, 9], True),  # two hidden, both must be 2
        ([1, 2, 9], False),  # 1 + 2 or 2 + 1
        ([0, 2, 1, 2], False),  # zeros are shown; 2 + 1 + 2 = 5 is ambiguous
    ],
)
def test_reveals_hidden(counts, revealing):
    assert reveals_hidden(pd.Series(counts), 3) is revealing


def test_outputs_hold_no_pupil_rows(report, tmp_path):
    out = tmp_path / "out"
    written = write_outputs(report, out, title="T")
    assert {p.name for p in written} == {
        "schools.csv",
        "programme.csv",
        "programme_progress.png",
        "report_info.json",
    }
    assert scan_outputs(out, [tmp_path / "pupils.csv"], pupil_rows=False) == []
    text = "".join(p.read_text() for p in out.glob("*.csv"))
    # July pupils' own progress values (-5.25 is March/April's school mean: all four equal).
    for value in ("-1.25", "0.75", "2.75", "-2.0", "1.0"):
        assert f",{value}," not in text


def test_scan_finds_a_pupil_id_in_a_programme_output(tmp_path):
    pupils = write_csv(tmp_path, "in.csv", "pupil_id,ks2_maths\nP01,104\nP02,99\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "ok.html").write_text("<p>P010 is not a pupil id; 2 pupils</p>")
    assert scan_outputs(out, [pupils], pupil_rows=False) == []
    (out / "leak.html").write_text("<p>Nearest to target: P01.</p>")
    (out / "leak.csv").write_text("urn,score\n1,104\n")
    assert scan_outputs(out, [pupils], pupil_rows=False) == [
        "leak.csv: column 'score' is pupil-level",
        "leak.html: pupil id P01 appears",
    ]
    assert scan_outputs(out, [pupils]) == []  # a school report may show ids and scores


def test_example_params_and_kind():
    path = ROOT / "params" / "focus_programme_example.yaml"
    assert kind_of(path) == "focus_programme"
    assert kind_of(ROOT / "params" / "focus_example.yaml") == "focus"
    params = load_programme_params(path)
    assert list(params["schools"]) == ["999901", "999902", "999903", "999904"]
    assert params["schools"]["999901"]["july"].endswith("synthetic_school_july.csv")
    assert params["schools"]["999904"] == str(
        ROOT / "examples/focus/synthetic_programme_999904.csv"
    )
    assert (params["window"], params["min_n"], params["subject"]) == ("july", 3, "maths")
    assert "urn" not in params and "pupils" not in params


def _programme_params(tmp_path, schools):
    write_pag(tmp_path)
    write_csv(tmp_path, "p.csv", "pupil_id,ks1_aps,ks2_maths\nP1,15,104\n")
    text = "report_id: r1\ntitle: T\npag_table: pag.csv\nks2_year: 2019\nwindow: july\n" + schools
    return write_csv(tmp_path, "params.yaml", text)


@pytest.mark.parametrize(
    ("schools", "message"),
    [
        ("schools: p.csv\n", "should map each school's URN"),
        ("schools:\n  Oak School: p.csv\n", "is not a URN"),
        ("schools:\n  '100001': missing.csv\n", "does not exist"),
        ("schools:\n  '100001':\n    october: p.csv\n", "no pupil file is given for the report's"),
        (
            "schools:\n  '100001': p.csv\nurn: '100001'\n",
            "'urn' \\(line 8\\) belongs to a focus report for one school",
        ),
    ],
)
def test_programme_params_errors(tmp_path, schools, message):
    with pytest.raises(InputError, match=message) as err:
        load_programme_params(_programme_params(tmp_path, schools))
    assert "params.yaml" in str(err.value)


def test_a_school_without_the_window_is_named(tmp_path):
    pag = write_pag(tmp_path)
    pupils = write_csv(tmp_path, "p.csv", "pupil_id,urn,window,ks1_aps,ks2_maths\nP1,1,july,15,1\n")
    with pytest.raises(InputError, match="school 100009"):
        build_programme_report({"100009": str(pupils)}, str(pag), 2019, "july")
