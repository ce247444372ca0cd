import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.comparison import SUMMARY_COLUMNS, RtmFit
from ipm_analysis.reporting.charts.comparison import forest_plot, rtm_scatter
from ipm_analysis.reporting.charts.trends import event_study_chart


def _summary():
    rows = [
        ("progress", "change", "all", "itt", 35, -0.97, -0.37, 0.6, 0.105, 1.095),
        ("progress", "change", "cohort:1", "itt", 18, -1.2, -0.2, 1.0, 0.2, 1.8),
        ("progress", "change", "tla:yes", "itt", 0, np.nan, np.nan, np.nan, np.nan, np.nan),
        ("progress", "net_change", "all", "itt", 35, np.nan, np.nan, 0.205, -0.3, 0.7),
        ("progress", "net_change", "cohort:1", "itt", 18, np.nan, np.nan, 0.9, 0.1, 1.7),
        ("progress", "net_change", "tla:yes", "itt", 0, np.nan, np.nan, np.nan, np.nan, np.nan),
        # a difference, not a group: never drawn as one
        ("progress", "net_change", "tla:difference", "itt", 35, np.nan, np.nan, 0.4, -0.9, 1.7),
    ]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _attainment():
    """Attainment's change and net change of all schools, as a report with every measure
    holds them beside progress's."""
    rows = [
        ("attainment", "change", "all", "itt", 35, 60.0, 66.0, 6.0, 2.0, 10.0),
        ("attainment", "net_change", "all", "itt", 35, np.nan, np.nan, 1.5, -2.5, 5.5),
    ]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def test_forest_plot_states_each_groups_change_and_net_change():
    chart = forest_plot(_summary(), labels={"cohort:1": "Cohort 1"})
    assert chart.name == "forest_net_change"
    assert (
        "All 35 schools: change +0.60 (95% CI +0.11 to +1.10), "
        "net of similar schools +0.21 (95% CI -0.30 to +0.70)" in chart.alt
    )
    assert "Cohort 1 (18 schools): change +1.00" in chart.alt
    assert "excludes zero for 1 of 2 groups with an interval (Cohort 1 (18 schools))" in chart.alt
    assert "tla" not in chart.alt  # an empty group is not drawn or described
    ax = chart.figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "All 35 schools",
        "Cohort 1 (18 schools)",
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Change",
        "Net of similar schools",
    ]
    assert chart.png_bytes()[:4] == b"\x89PNG"


def test_forest_plot_draws_the_measure_asked_for():
    summary = pd.concat([_summary(), _attainment()], ignore_index=True)
    progress = forest_plot(summary)  # progress by default: attainment's rows are not drawn
    assert progress.alt == forest_plot(_summary()).alt
    attainment = forest_plot(summary, measure="attainment")
    assert (
        "All 35 schools: change +6.00 (95% CI +2.00 to +10.00), "
        "net of similar schools +1.50 (95% CI -2.50 to +5.50)" in attainment.alt
    )
    assert "Cohort 1" not in attainment.alt  # progress's group: attainment has no rows of it
    ax = attainment.figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["All 35 schools"]


def test_forest_plot_draws_one_population_only():
    summary = _summary()
    both = pd.concat([summary, summary.assign(population="completed")], ignore_index=True)
    with pytest.raises(ValueError, match="one population"):
        forest_plot(both)
    # references (no population) beside one population are fine
    la = pd.DataFrame(
        [("progress", "change", "la", np.nan, np.nan, -0.3, -0.4, -0.1, np.nan, np.nan)],
        columns=SUMMARY_COLUMNS,
    )
    assert "All 35 schools" in forest_plot(pd.concat([summary, la], ignore_index=True)).alt


def test_forest_plot_says_when_no_interval_excludes_zero():
    summary = _summary()
    summary = summary[summary["group"] != "cohort:1"]
    alt = forest_plot(summary).alt
    assert (
        "includes zero for the one group with an interval: the project schools' change cannot"
        in alt
    )


def test_rtm_scatter_states_the_slope_and_what_it_means():
    pool = pd.DataFrame({"baseline": [-3.0, -1.0, 1.0], "change": [2.0, 0.0, -1.0]})
    project = pd.DataFrame({"baseline": [-2.0, -1.0], "outcome": [-0.5, 0.0]})
    chart = rtm_scatter(pool, project, RtmFit(a=-0.5, b=-0.7, n=3))
    assert "change 0.70 points larger by the outcome year (fitted slope -0.70 over 3 schools)" in (
        chart.alt
    )
    # mean baseline -1.5: expected change -0.5 + 1.05 = +0.55
    assert "mean baseline of -1.50 would be expected to change by +0.55" in chart.alt
    labels = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert labels == [
        "Other schools in the file (3)",
        "Fitted line: change = -0.50 - 0.70 x baseline",
        "Project schools (2)",
    ]
    flat = rtm_scatter(pool, project, RtmFit(a=0.1, b=0.05, n=3))
    assert "no regression to the mean" in flat.alt


def _event_study(first_year: int) -> pd.DataFrame:
    """Two groups over the years from ``first_year`` to 2019 (baseline 2018)."""
    rows = []
    for group, n, gaps in (("all", 30, (0.05, -0.1, 0.2)), ("tla:yes", 2, (0.1, 0.0, -0.3))):
        for year, gap in zip((2017, 2018, 2019), gaps, strict=True):
            if year < first_year:
                continue
            comparison = -1.0 + 0.1 * (year - 2017)
            rows.append(
                {
                    "measure": "progress",
                    "population": "itt",
                    "group": group,
                    "year": year,
                    "relative_year": year - 2018,
                    "n_schools": n,
                    "project": comparison + gap,
                    "comparison": comparison,
                    "gap": gap,
                    "suppressed": n < 3,
                }
            )
    return pd.DataFrame(rows)


def test_event_study_chart_states_each_years_gap():
    chart = event_study_chart(_event_study(2017), subject="maths", labels={"all": "All"})
    assert chart.name == "event_study"
    assert chart.alt.startswith("Event study, 1 year before the baseline to 1 after.")
    # 2017: comparison -1.00, project -1.00 + 0.05 = -0.95; 2018 (baseline): -0.90 - 0.10
    assert (
        "All (30 schools): 2016-17: project -0.95, comparison -1.00, gap +0.05; "
        "2017-18 (baseline): project -1.00, comparison -0.90, gap -0.10; "
        "2018-19: project -0.60, comparison -0.80, gap +0.20" in chart.alt
    )
    assert "tla:yes (2 schools): c, not shown because too few schools" in chart.alt
    panels = [ax for ax in chart.figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == [
        "All (30 schools)",
        "tla:yes (2 schools)",
    ]
    assert chart.png_bytes()[:4] == b"\x89PNG"


def test_event_study_chart_without_a_year_before_the_baseline():
    chart = event_study_chart(_event_study(2018), subject="maths")
    assert "the baseline year and the outcome year only: the files hold no earlier year" in (
        chart.alt
    )
    assert event_study_chart(_event_study(2018).iloc[0:0], subject="maths") is None
    both = pd.concat([_event_study(2018), _event_study(2018).assign(population="completed")])
    with pytest.raises(ValueError, match="one population"):
        event_study_chart(both, subject="maths")
