"""Trends across the years without data: a gap stays a gap, never joined by a line."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipm_analysis.reporting.charts.trends import event_study_chart


def test_years_without_figures_break_the_lines_and_are_named():
    # a 2023 baseline: 2019 from the 2022-23 file's _19 columns, 2025 the outcome; no data in
    # 2020, 2021 and 2022 (none published) nor in 2024 (no progress scores)
    rows = pd.DataFrame(
        {
            "measure": "progress",
            "population": "itt",
            "group": "all",
            "year": [2019, 2023, 2025],
            "relative_year": [-4, 0, 2],
            "n_schools": [30, 30, 30],
            "project": [-1.0, -2.0, -0.5],
            "comparison": [-0.8, -1.6, -1.0],
            "gap": [-0.2, -0.4, 0.5],
            "gap_change": [0.2, 0.0, 0.9],
            "ci_low": [-0.3, np.nan, 0.1],
            "ci_high": [0.7, np.nan, 1.7],
        }
    )
    chart = event_study_chart(rows, subject="maths")
    ax = chart.figure.axes[0]
    project, comparison = ax.get_lines()[1:3]  # after the baseline's dotted line
    assert list(project.get_xdata()) == [-4, -3, -2, -1, 0, 1, 2]
    drawn = np.asarray(project.get_ydata(), dtype=float)
    # -4 and 0 are not joined: every year between them is NaN, so is +1
    assert np.isnan(drawn[[1, 2, 3, 5]]).all()
    assert list(drawn[[0, 4, 6]]) == [-1.0, -2.0, -0.5]
    assert np.isnan(np.asarray(comparison.get_ydata(), dtype=float)[[1, 2, 3, 5]]).all()
    # the missing runs are shaded: -3 to -1 and +1
    spans = [p.get_x() for p in ax.patches]
    assert sorted(round(x, 1) for x in spans) == [-3.5, 0.5]
    assert "No figures for 2019-20, 2020-21, 2021-22, 2023-24" in chart.alt
    assert "2018-19: project -1.00, comparison -0.80, gap -0.20" in chart.alt
    assert "(no school-level data or no progress those years)" in chart.alt
    assert ax.get_ylabel() == "Mean maths progress"
    chart.close()


def test_the_chart_names_the_measure_of_its_years():
    """The 2022-23 -> 2024-25 example has no progress: its trends are of the scaled score
    (the 2022-23 file's MAT_AVERAGE_19), and the chart says so."""
    rows = pd.DataFrame(
        {
            "measure": "scaled_score",
            "population": "itt",
            "group": "all",
            "year": [2019, 2023, 2025],
            "relative_year": [-4, 0, 2],
            "n_schools": [30, 30, 30],
            "project": [103.0, 101.5, 103.5],
            "comparison": [103.2, 101.9, 102.9],
            "gap": [-0.2, -0.4, 0.6],
            "gap_change": [0.2, 0.0, 1.0],
            "ci_low": [-0.3, np.nan, 0.1],
            "ci_high": [0.7, np.nan, 1.9],
        }
    )
    chart = event_study_chart(rows, subject="maths")
    assert "mean maths average scaled score of the project schools" in chart.alt
    assert "(no school-level data or no average scaled score those years)" in chart.alt
    assert "2022-23 (baseline): project 101.50, comparison 101.90, gap -0.40" in chart.alt
    assert chart.figure.axes[0].get_ylabel() == "Mean maths average scaled score"
    chart.close()
