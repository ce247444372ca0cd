"""Spreadsheet-safe CSVs: text a spreadsheet would run as a formula gets a leading quote."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.focus.report import build_focus_report
from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.params import load_params
from ipm_analysis.reporting.csv_output import safe_cell, spreadsheet_safe
from ipm_analysis.reporting.focus_school import write_outputs
from ipm_analysis.reporting.outputs import output_tables, write_tables

from focus_fixtures import write_csv, write_pag


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+44 school", "'+44 school"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-", "-"),
        ("- 1", "'- 1"),
        ("+", "'+"),
        ("-2+3", "'-2+3"),
        ("=1", "'=1"),
        ("\tx", "'\tx"),
        ("\r=1", "'\r=1"),
        ("\t1.5", "'\t1.5"),  # a tab in front is never a number as written
        ("-0.37", "-0.37"),
        ("+1.2", "+1.2"),
        ("-1e-3", "-1e-3"),
        ("-12", "-12"),
        ("Alpha", "Alpha"),
        ("A-B", "A-B"),
        ("a = b", "a = b"),
        ("", ""),
        ("c", "c"),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


@pytest.mark.parametrize("value", [None, np.nan, pd.NA, -0.37, 3, True])
def test_safe_cell_leaves_non_text_alone(value):
    assert safe_cell(value) is value


def test_spreadsheet_safe_touches_only_text_and_returns_a_copy():
    frame = pd.DataFrame(
        {
            "name": ["=cmd", "-0.37", None, np.nan, "ok"],
            "mixed": pd.Series(["=cmd", None, -0.37, "-", 2], dtype=object),
            "label": pd.array(["@SUM(A1)", "+1.2", pd.NA, "+44 x", "-"], dtype="string"),
            "group": pd.Categorical(["=a", "b", "b", "=a", "b"]),
            "figure": [-0.37, 1.0, np.nan, 2.5, -4.0],
            "count": pd.array([1, None, 3, 4, 5], dtype="Int64"),
        }
    )
    before = frame.copy()
    safe = spreadsheet_safe(frame)
    pd.testing.assert_frame_equal(frame, before)  # the input is unchanged
    assert list(safe.columns) == list(frame.columns)
    assert safe["name"].tolist()[:2] == ["'=cmd", "-0.37"] and safe["name"].iloc[4] == "ok"
    assert safe["name"].isna().tolist() == [False, False, True, True, False]
    assert safe["mixed"].tolist() == ["'=cmd", None, -0.37, "-", 2]
    assert safe["label"].dtype == frame["label"].dtype
    assert safe["label"].tolist() == ["'@SUM(A1)", "+1.2", pd.NA, "'+44 x", "-"]
    assert safe["group"].tolist() == ["'=a", "b", "b", "'=a", "b"]
    pd.testing.assert_series_equal(safe["figure"], frame["figure"])
    pd.testing.assert_series_equal(safe["count"], frame["count"])


def test_spreadsheet_safe_headers_and_empty_frames():
    assert list(spreadsheet_safe(pd.DataFrame(columns=["=x", "a"])).columns) == ["'=x", "a"]
    frame = pd.DataFrame({"a": pd.Series([], dtype=object)})
    assert spreadsheet_safe(frame).empty


def _rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_write_tables_neutralises_roster_names_and_keeps_figures(made_up, tmp_path):
    names = {
        "100001": '=HYPERLINK("http://x","y")',
        "100002": "+44 school",
        "100003": "@SUM(A1)",
        "100004": "-",
        "100005": "-0.37",
    }
    roster = made_up["roster"]
    lines = roster.read_text(encoding="utf-8").splitlines()
    out_lines = [lines[0]]
    for line in lines[1:]:
        urn, cohort, name, *rest = line.split(",")
        name = names.get(urn, name)
        out_lines.append(",".join([urn, cohort, '"' + name.replace('"', '""') + '"', *rest]))
    roster.write_text("\n".join(out_lines) + "\n", encoding="utf-8")
    ev = evaluate(load_params(made_up["params"]))
    write_tables(ev, str(tmp_path / "out"))
    schools = {row["urn"]: row for row in _rows(tmp_path / "out" / "schools.csv")}
    assert schools["100001"]["school_name"] == '\'=HYPERLINK("http://x","y")'
    assert schools["100002"]["school_name"] == "'+44 school"
    assert schools["100003"]["school_name"] == "'@SUM(A1)"
    assert schools["100004"]["school_name"] == "-"
    assert schools["100005"]["school_name"] == "-0.37"  # a number: written as it is
    assert schools["100006"]["school_name"] == "Zeta"
    # every figure is written as before: negative progress keeps its minus sign
    assert (schools["100001"]["baseline_progress"], schools["100003"]["progress_change"]) == (
        "-2.0",
        "-0.5",
    )
    plain = tmp_path / "plain.csv"
    summary = output_tables(ev)["summary.csv"]
    summary["suppressed"] = summary["suppressed"].map({True: "true", False: "false"})
    summary.to_csv(plain, index=False)
    assert _rows(tmp_path / "out" / "summary.csv") == _rows(plain)


def test_focus_report_csvs_are_safe(tmp_path):
    pag = str(write_pag(tmp_path))
    pupils = write_csv(
        tmp_path,
        "p.csv",
        "pupil_id,ks1_aps,ks2_maths\n=1+2,15,104\n-12,15,99\n@3,9,100\nP4,21,110\n",
    )
    report = build_focus_report({"july": str(pupils)}, pag, 2019, "july", urn="100001")
    write_outputs(report, tmp_path / "out")
    rows = {row["pupil_id"]: row for row in _rows(tmp_path / "out" / "pupils.csv")}
    assert set(rows) == {"'=1+2", "-12", "'@3", "P4"}
    assert rows["-12"]["score"] == "99.0" and rows["-12"]["progress"].startswith("-")
