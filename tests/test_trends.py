"""Event study and pre-trend rows (``impact.trends``) on a case small enough to do by hand.

Three project schools, six pool schools, years 2016-2018, baseline 2017. Match sets are given
and share no pool school, so the Abadie-Imbens term is 0 and each interval is the plain t
interval of the school figures (t_0.975 at df 2 = 4.3026527).

    progress        2016  2017  2018          set        set mean 2016 2017 2018
    P1                 1     0     3          Q1, Q2               1    1    1
    P2                -2    -4    -1          Q3, Q4              -2   -2   -2
    P3                 1    -1     5          Q5, Q6               1    1    3

    gap = progress - set mean
    P1                 0    -1     2
    P2                 0    -2     1
    P3                 0    -2     2
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.trends import EVENT_STUDY_COLUMNS, Histories, event_study, trend_rows

YEARS = [2016, 2017, 2018]
T975_DF2 = 4.3026527
#: values (a, a, a + 1) in some order: s^2 = (1/9 + 1/9 + 4/9) / 2 = 1/3, SE = sqrt(1/9) = 1/3
HALF = T975_DF2 / 3


@pytest.fixture
def case():
    project = pd.DataFrame(
        [[1.0, 0.0, 3.0], [-2.0, -4.0, -1.0], [1.0, -1.0, 5.0]],
        index=pd.Index(["P1", "P2", "P3"], name="urn"),
        columns=YEARS,
    )
    pool = pd.DataFrame(
        [[0, 1, 2], [2, 1, 0], [-1, -2, -1], [-3, -2, -3], [1, 0, 3], [1, 2, 3]],
        index=pd.Index([f"Q{i}" for i in range(1, 7)], name="urn"),
        columns=YEARS,
        dtype=float,
    )
    covariates = pd.DataFrame({"baseline": pool[2017]})
    sets = pd.DataFrame(
        {
            "urn": ["P1", "P1", "P2", "P2", "P3", "P3"],
            "pool_urn": ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"],
        }
    )
    memberships = {
        "itt": pd.DataFrame(
            {"all": [True, True, True], "pair": [True, True, False]}, index=project.index
        )
    }
    return project, pool, covariates, sets, memberships


def histories(project, pool, covariates, sets) -> Histories:
    """The trends' inputs, the project matched on its 2017 score (one variable: no bias
    correction)."""
    matched_on = pd.DataFrame({"baseline": project[2017]})
    return Histories(project, pool, matched_on, covariates, sets, ["baseline"])


def test_event_study_gaps_by_hand(case):
    project, pool, covariates, sets, memberships = case
    out = event_study(histories(project, pool, covariates, sets), memberships, 2017)
    assert list(out.columns) == EVENT_STUDY_COLUMNS
    assert set(out["measure"]) == {"progress"}  # the measure, by default
    rows = out[out["group"].eq("all")].set_index("year")
    assert rows["relative_year"].to_dict() == {2016: -1, 2017: 0, 2018: 1}
    assert rows["n_schools"].tolist() == [3, 3, 3]
    # 2018: project (3 - 1 + 5)/3 = 7/3; comparison (1 - 2 + 3)/3 = 2/3; gap (2 + 1 + 2)/3
    assert rows.loc[2018, "project"] == pytest.approx(7 / 3)
    assert rows.loc[2018, "comparison"] == pytest.approx(2 / 3)
    assert rows.loc[2018, "gap"] == pytest.approx(5 / 3)
    # gap change from 2017: 2 - (-1) = 3, 1 - (-2) = 3, 2 - (-2) = 4 -> 10/3 +/- t x 1/3
    assert rows.loc[2018, "gap_change"] == pytest.approx(10 / 3)
    assert rows.loc[2018, "ci_low"] == pytest.approx(10 / 3 - HALF, abs=1e-6)
    assert rows.loc[2018, "ci_high"] == pytest.approx(10 / 3 + HALF, abs=1e-6)
    # 2016: gaps 0, 0, 0; change 0 - (-1) = 1, 0 - (-2) = 2, 2 -> 5/3 +/- t x 1/3
    assert rows.loc[2016, "gap"] == pytest.approx(0.0)
    assert rows.loc[2016, "gap_change"] == pytest.approx(5 / 3)
    assert rows.loc[2016, "ci_high"] == pytest.approx(5 / 3 + HALF, abs=1e-6)
    # the baseline year: gap (-1 - 2 - 2)/3 = -5/3, its change 0 exactly (the reference: no
    # interval)
    assert rows.loc[2017, "gap"] == pytest.approx(-5 / 3)
    assert rows.loc[2017, "gap_change"] == 0.0
    assert rows.loc[2017, ["ci_low", "ci_high"]].isna().all()


def test_event_study_group_of_two_has_a_mean_but_no_interval(case):
    project, pool, covariates, sets, memberships = case
    out = event_study(histories(project, pool, covariates, sets), memberships, 2017)
    row = out[out["group"].eq("pair") & out["year"].eq(2018)].iloc[0]
    assert row["n_schools"] == 2
    assert row["gap_change"] == pytest.approx(3.0)  # (3 + 3) / 2
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])


def test_trend_rows_pre_gap_and_did_by_hand(case):
    project, pool, covariates, sets, memberships = case
    out = trend_rows(histories(project, pool, covariates, sets), memberships, (2017, 2018))
    rows = out[out["group"].eq("all")].set_index("estimate")
    assert list(rows.index) == ["pre_gap", "did"]
    assert set(out["measure"]) == {"progress"}  # the measure, by default
    assert set(out["population"]) == {"itt"}
    # pre_gap: gap 2017 - gap 2016 = -1, -2, -2 -> -5/3 +/- t x 1/3
    pre = rows.loc["pre_gap"]
    assert pre["baseline"] == pytest.approx(0.0)  # mean gap in 2016
    assert pre["outcome"] == pytest.approx(-5 / 3)  # mean gap in 2017
    assert pre["change"] == pytest.approx(-5 / 3)
    assert pre["ci_low"] == pytest.approx(-5 / 3 - HALF, abs=1e-6)
    assert pre["ci_high"] == pytest.approx(-5 / 3 + HALF, abs=1e-6)
    # did: gap 2018 - gap 2016 = 2, 1, 2 -> 5/3 +/- t x 1/3; the outcome gap minus the
    # pre-year gap, stepping over the 2017 dip
    did = rows.loc["did"]
    assert did["baseline"] == pytest.approx(0.0)
    assert did["outcome"] == pytest.approx(5 / 3)
    assert did["change"] == pytest.approx(did["outcome"] - did["baseline"])
    assert did["change"] == pytest.approx(5 / 3)
    assert did["ci_high"] == pytest.approx(5 / 3 + HALF, abs=1e-6)
    assert rows["n_schools"].tolist() == [3, 3]
    # the did is the net change (10/3) plus the pre_gap (-5/3)
    assert did["change"] == pytest.approx(10 / 3 - 5 / 3)


def test_trend_rows_use_schools_with_a_pre_year_only(case):
    project, pool, covariates, sets, memberships = case
    project.loc["P3", 2016] = np.nan
    out = trend_rows(histories(project, pool, covariates, sets), memberships, (2017, 2018))
    did = out[out["estimate"].eq("did") & out["group"].eq("all")].iloc[0]
    # P1 and P2 only: (2 + 1) / 2 = 1.5; two schools, so no interval
    assert did["n_schools"] == 2
    assert did["change"] == pytest.approx(1.5)
    assert np.isnan(did["ci_low"])


def test_no_trend_rows_without_a_pre_year(case):
    project, pool, covariates, sets, memberships = case
    out = trend_rows(
        histories(project[[2017, 2018]], pool, covariates, sets), memberships, (2017, 2018)
    )
    assert out.empty


def test_rows_name_their_measure(case):
    project, pool, covariates, sets, memberships = case
    found = histories(project, pool, covariates, sets)
    rows = trend_rows(found, memberships, (2017, 2018), measure="attainment")
    assert set(rows["measure"]) == {"attainment"}
    assert rows.drop(columns="measure").equals(
        trend_rows(found, memberships, (2017, 2018)).drop(columns="measure")
    )
    events = event_study(found, memberships, 2017, measure="attainment")
    assert set(events["measure"]) == {"attainment"}


def test_pre_gap_of_progress_matched_on_the_pre_year_has_no_interval(case):
    """Matched (and bias-corrected) on the year before the baseline, the pre-gap of progress
    is 0 by construction, so it has no interval; another measure's pre-gap is estimated."""
    project, pool, covariates, sets, memberships = case
    match_on = ["baseline", "prior_progress"]
    found = Histories(
        project,
        pool,
        pd.DataFrame({"baseline": project[2017], "prior_progress": project[2016]}),
        pd.DataFrame({"baseline": pool[2017], "prior_progress": pool[2016]}),
        sets,
        match_on,
    )
    progress = trend_rows(found, memberships, (2017, 2018))
    attainment = trend_rows(found, memberships, (2017, 2018), measure="attainment")
    pre = progress["estimate"].eq("pre_gap") & progress["group"].eq("all")
    assert progress.loc[pre, ["ci_low", "ci_high"]].isna().all().all()
    assert attainment.loc[pre, ["ci_low", "ci_high"]].notna().all().all()
    assert attainment.loc[pre, "change"].tolist() == progress.loc[pre, "change"].tolist()
