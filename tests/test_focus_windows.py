"""Before July, focus figures are indicative: a practice paper against an end-of-KS2 estimate.

The reports built from the shipped example params (a school's and the programme's) label every
pre-July figure "indicative" in their sentences, tables, charts and report_info.json, and
never word one against the national average; only the July window may say "below national
average" (``termly.is_final``, the one rule).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from ipm_analysis.core.rounding import fmt
from ipm_analysis.focus.params import load_focus_params, load_programme_params
from ipm_analysis.focus.programme import build_programme_report
from ipm_analysis.focus.report import build_focus_report
from ipm_analysis.focus.termly import FINAL_WINDOW, is_final, window_label
from ipm_analysis.reporting import focus_programme, focus_school

from focus_fixtures import write_csv, write_pag

ROOT = Path(__file__).resolve().parents[1]
IN_YEAR = ("october", "december-january", "march-april")
#: The one phrase an in-year text may hold with "national average" in it.
NOT_COMPARED = "not compared with the national average"
TERMLY_WINDOWS = [
    "October (indicative)",
    "December/January (indicative)",
    "March/April (indicative)",
    "July",
]


def assert_no_national_wording(text: str) -> None:
    """No in-year figure is set against the national average: the phrase appears only to say
    that it is not."""
    assert "national average" not in text.replace(NOT_COMPARED, ""), text


# --- the rule --------------------------------------------------------------------------------


def test_only_july_is_final():
    assert FINAL_WINDOW == "july"
    assert [is_final(w) for w in (*IN_YEAR, "july")] == [False, False, False, True]
    assert is_final("Jul") and is_final("JULY") and not is_final("Mar/Apr")


def test_window_labels():
    assert [window_label(w) for w in (*IN_YEAR, "july")] == TERMLY_WINDOWS
    assert window_label("dec") == "December/January (indicative)"


# --- one school's report from params/focus_example.yaml --------------------------------------


@pytest.fixture(scope="module")
def example():
    return load_focus_params(ROOT / "params" / "focus_example.yaml")


def school_report(params, window):
    return build_focus_report(
        pupils=params["pupils"],
        pag_table=params["pag_table"],
        ks2_year=params["ks2_year"],
        window=window,
        subject=params["subject"],
        urn=params["urn"],
        performance_table=params["performance_table"],
    )


@pytest.mark.parametrize("window", IN_YEAR)
def test_school_headline_before_july_is_indicative(example, window):
    report = school_report(example, window)
    text = focus_school.headline(report, example["title"])
    s = report.school
    label = {"october": "October", "december-january": "December/January"}.get(window)
    assert f"**{label or 'March/April'} 2018-19, maths (indicative).**" in text
    assert (
        f"Projected progress is **{fmt(s.progress, 2, signed=True)}** (indicative; 95% "
        f"interval {fmt(s.ci_low, 1, signed=True)} to {fmt(s.ci_high, 1, signed=True)}). "
        "Figures before July come from practice papers, before the KS2 tests: they are "
        "indicative only and are not compared with the national average."
    ) in text
    assert_no_national_wording(text)


def test_school_headline_in_july_compares_with_the_national_average(example):
    report = school_report(example, "july")
    text = focus_school.headline(report, example["title"])
    # The example's July interval straddles 0 (it is shown as -3.7 to +0.3).
    assert (fmt(report.school.ci_low, 1), fmt(report.school.ci_high, 1)) == ("-3.7", "0.3")
    assert "**July 2018-19, maths.**" in text
    assert "(95% interval -3.7 to +0.3): in line with national average." in text
    assert "indicative" not in text


def test_school_tables_label_in_year_windows(example):
    march = school_report(example, "march-april")
    assert focus_school.termly_table(march)["Window"].tolist() == TERMLY_WINDOWS[:3]
    columns = focus_school.pupil_table(march).columns.tolist()
    assert "Progress (indicative)" in columns and "Counted (capped, indicative)" in columns
    assert "Progress" not in columns
    assert focus_school.group_table(march).columns[-1] == "Mean progress (indicative)"

    july = school_report(example, "july")
    assert focus_school.termly_table(july)["Window"].tolist() == TERMLY_WINDOWS
    columns = focus_school.pupil_table(july).columns.tolist()
    assert "Progress" in columns and "Counted (capped)" in columns
    assert focus_school.group_table(july).columns[-1] == "Mean progress"


def test_school_chart_labels_in_year_points(example):
    march = focus_school.termly_chart(school_report(example, "march-april"))
    assert re.findall(r"(\w+(?:/\w+)?)( \(indicative\))? [-+]\d+\.\d\d", march.alt) == [
        ("October", " (indicative)"),
        ("December/January", " (indicative)"),
        ("March/April", " (indicative)"),
    ]
    assert "Figures before July are indicative: practice papers before the KS2 tests." in (
        march.alt
    )
    assert_no_national_wording(march.alt)
    ticks = [t.get_text() for t in march.figure.axes[0].get_xticklabels()]
    assert ticks == [
        "October\n(indicative)",
        "December/January\n(indicative)",
        "March/April\n(indicative)",
        "July",
    ]

    july = focus_school.termly_chart(school_report(example, "july"))
    assert "; July -1.69 (-3.7 to +0.3)." in july.alt
    assert "For July's end-of-KS2 figure, 0 is the national average." in july.alt


def test_school_report_info_says_indicative(example, tmp_path):
    focus_school.write_outputs(school_report(example, "march-april"), tmp_path, title="T")
    info = json.loads((tmp_path / "report_info.json").read_text(encoding="utf-8"))
    assert info["years"] == "2018-19 March/April (indicative)"
    assert info["headline"].startswith("indicative projected progress ")


# --- the programme's report from params/focus_programme_example.yaml -------------------------


@pytest.fixture(scope="module")
def programme_example():
    return load_programme_params(ROOT / "params" / "focus_programme_example.yaml")


def programme_report(params, window):
    return build_programme_report(
        schools=params["schools"],
        pag_table=params["pag_table"],
        ks2_year=params["ks2_year"],
        window=window,
        subject=params["subject"],
        performance_table=params["performance_table"],
        min_n=params["min_n"],
    )


@pytest.mark.parametrize("window", IN_YEAR)
def test_programme_headline_before_july_is_indicative(programme_example, window):
    report = programme_report(programme_example, window)
    text = focus_programme.headline(report, programme_example["title"])
    assert "2018-19, maths (indicative).**" in text
    assert "mean of school projected progress " in text and " (indicative). " in text
    assert re.search(r"\d of the \d schools shown have projected progress below 0\. ", text)
    assert NOT_COMPARED in text
    assert_no_national_wording(text)


def test_programme_headline_in_july_compares_with_the_national_average(programme_example):
    report = programme_report(programme_example, "july")
    text = focus_programme.headline(report, programme_example["title"])
    # July school progress: 999901 -1.69, 999902 -2.03, 999903 -1.45, 999904 +1.21
    progress = focus_programme.schools_table(report)["Projected progress"].tolist()
    assert progress == ["-1.69", "-2.03", "-1.45", "+1.21"]
    # mean of schools (-1.69 - 2.03 - 1.45 + 1.21) / 4 = -0.99 (to 2 dp)
    assert "mean of school projected progress -0.99. " in text
    assert "3 of the 4 schools shown are below 0 (the national average)." in text
    assert "indicative" not in text


def test_programme_tables_label_in_year_windows(programme_example):
    march = programme_report(programme_example, "march-april")
    assert "Projected progress (indicative)" in focus_programme.schools_table(march).columns
    assert focus_programme.trend_table(march)["Window"].tolist() == TERMLY_WINDOWS[:3]
    wide = focus_programme.progress_by_window_table(march)
    assert wide.columns.tolist() == ["School (URN)", *TERMLY_WINDOWS[:3]]

    july = programme_report(programme_example, "july")
    assert "Projected progress" in focus_programme.schools_table(july).columns
    assert focus_programme.trend_table(july)["Window"].tolist() == TERMLY_WINDOWS
    wide = focus_programme.progress_by_window_table(july)
    assert wide.columns.tolist() == ["School (URN)", *TERMLY_WINDOWS]


def test_programme_chart_words_only_july_against_the_national_average(programme_example):
    march = focus_programme.programme_chart(programme_report(programme_example, "march-april"))
    assert "In March/April (indicative), " in march.alt
    assert "schools shown have projected progress below 0." in march.alt
    assert "Figures before July are indicative" in march.alt
    assert_no_national_wording(march.alt)

    july = focus_programme.programme_chart(programme_report(programme_example, "july"))
    assert "In July, 3 of the 4 schools shown are below 0, the national average." in july.alt
    # the earlier windows' means are still labelled
    assert "Mean of schools: October (indicative) " in july.alt


def test_programme_report_info_says_indicative(programme_example, tmp_path):
    report = programme_report(programme_example, "december-january")
    focus_programme.write_outputs(report, tmp_path, title="T")
    info = json.loads((tmp_path / "report_info.json").read_text(encoding="utf-8"))
    assert info["years"] == "2018-19 December/January (indicative)"
    assert info["headline"].endswith(" (indicative)")


# --- a school clearly below 0 in both windows: only July may say so --------------------------

SIGMA_2019_MATHS = 5.38985717
# Nine pupils at APS 15 (maths estimate 105.25, focus_fixtures) all scoring 100 in March/April
# and in July: progress -5.25 each. Interval -5.25 +/- 1.96 x 5.38985717 / sqrt(9)
# = -5.25 +/- 3.5214 -> -8.77 to -1.73, wholly below 0.
BELOW = "pupil_id,window,ks1_aps,ks2_maths\n" + "".join(
    f"P{i},{w},15,100\n" for w in ("march-april", "july") for i in range(1, 10)
)


@pytest.mark.parametrize(("window", "verdict"), [("march-april", False), ("july", True)])
def test_below_national_average_only_in_july(tmp_path, window, verdict):
    pag = write_pag(tmp_path)
    pupils = write_csv(tmp_path, "pupils.csv", BELOW)
    report = build_focus_report(str(pupils), str(pag), 2019, window, urn="100001")
    s = report.school
    assert s.progress == pytest.approx(-5.25)
    assert s.ci_high == pytest.approx(-5.25 + 1.96 * SIGMA_2019_MATHS / math.sqrt(9))
    assert s.significance == "below national average"  # the figures alone would say so
    text = focus_school.headline(report, "T")
    assert ("(95% interval -8.8 to -1.7): below national average." in text) is verdict
    if not verdict:
        assert "**-5.25** (indicative; 95% interval -8.8 to -1.7)." in text
        assert_no_national_wording(text)


def test_the_notebooks_explain_the_indicative_label():
    from ipm_analysis.pipeline.resources import report_notebook

    for name in ("focus_pupils.ipynb", "focus_programme.ipynb"):
        cells = json.loads(Path(report_notebook(name)).read_text(encoding="utf-8"))["cells"]
        prose = " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert "labelled **indicative** and are not compared with the national average" in prose
