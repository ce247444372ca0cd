import numpy as np
import pandas as pd

from ipm_analysis.impact.comparison import SUMMARY_COLUMNS, RtmFit
from ipm_analysis.reporting.charts.comparison import forest_plot, rtm_scatter


def _summary():
    rows = [
        ("progress", "all", 35, -0.97, -0.37, 0.6, 0.105, 1.095),
        ("progress", "cohort:1", 18, -1.2, -0.2, 1.0, 0.2, 1.8),
        ("progress", "tla:yes", 0, np.nan, np.nan, np.nan, np.nan, np.nan),
        ("net_change", "all", 35, np.nan, np.nan, 0.205, -0.3, 0.7),
        ("net_change", "cohort:1", 18, np.nan, np.nan, 0.9, 0.1, 1.7),
        ("net_change", "tla:yes", 0, np.nan, np.nan, np.nan, np.nan, np.nan),
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
    assert "change 0.70 points larger the next year (fitted slope -0.70 over 3 schools)" in (
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
