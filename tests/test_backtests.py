"""Backtests on the real DfE files: pupil weighting reproduces the LA's published figure, and
the comparison pool never contains a roster school under any of its URNs."""

from __future__ import annotations

import pytest

from ipm_analysis.core.rounding import round_half_away
from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.impact.weighting import weighted_mean
from ipm_analysis.inputs.dfe_tables import (
    SUBJECTS,
    area_figures,
    read_performance_table,
    school_figures,
)
from ipm_analysis.inputs.params import ReportParams


@pytest.mark.parametrize("la", ["850", "936"])
@pytest.mark.parametrize("year", [2017, 2018, 2019])
def test_pupil_weighting_reproduces_the_published_la_figure(dfe_data, la, year):
    table = read_performance_table(
        dfe_data / f"{year - 1}-{year}" / f"{la}_ks2final.csv", year, SUBJECTS["maths"].columns
    )
    schools = school_figures(table, "maths")  # mainstream and special schools
    weighted = weighted_mean(schools["progress"], schools["pupils"])
    published = area_figures(table, "maths", ["3"], la)["progress"]
    assert round_half_away(weighted, 1) == published


def test_hampshire_2017_simple_and_weighted_means_differ_as_documented(dfe_data):
    table = read_performance_table(
        dfe_data / "2016-2017" / "850_ks2final.csv", 2017, SUBJECTS["maths"].columns
    )
    schools = school_figures(table, "maths")
    mainstream = schools[schools["rectype"] == "1"]
    assert mainstream["progress"].mean() == pytest.approx(-0.46, abs=0.005)
    assert weighted_mean(schools["progress"], schools["pupils"]) == pytest.approx(
        -0.716, abs=0.0005
    )


def test_surrey_pool_excludes_roster_schools_and_their_linked_urns(dfe_data, tmp_path):
    # 132758 became 143373 and 124943 became 144230 (in the 2018 file); 125185 withdrew
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "urn,cohort,status\n132758,1,\n124943,1,\n125185,1,withdrawn\n142999,2,\n", encoding="utf-8"
    )
    params = ReportParams.from_mapping(
        {
            "report_id": "pool",
            "title": "t",
            "roster": str(roster),
            "performance": {
                2017: str(dfe_data / "2016-2017" / "936_ks2final.csv"),
                2018: str(dfe_data / "2017-2018" / "936_ks2final.csv"),
            },
            "baseline_year": 2017,
            "outcome_year": 2018,
            "n_placebo": 200,
        }
    )
    ev = evaluate(params)
    touched = {"132758", "143373", "124943", "144230", "125185", "142999"}
    assert touched.isdisjoint(ev.pool.index)
    # the pool is every other mainstream school with a score in both years
    panel = ev.panel
    expected = panel[
        (panel["baseline_rectype"] == "1")
        & panel["baseline_progress"].notna()
        & panel["outcome_progress"].notna()
        & ~panel["urn"].isin(touched)
    ]
    assert sorted(ev.pool.index) == sorted(expected["urn"])
    assert len(ev.pool) > 150
    la = ev.summary.set_index(["measure", "estimate", "group"])
    la = la.loc[("progress", "change", "la_schools")]
    assert la["n_schools"] == int(
        (
            (panel["baseline_rectype"] == "1")
            & panel["baseline_progress"].notna()
            & panel["outcome_progress"].notna()
        ).sum()
    )
