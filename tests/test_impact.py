"""The definitions of the impact report, pinned with hand-computed values on a made-up LA
(see the ``made_up`` fixture in conftest.py for the figures)."""

from __future__ import annotations

import pandas as pd
import pytest

from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.params import load_params


def row(
    summary: pd.DataFrame,
    measure: str,
    group: str,
    population: str | None = "completed",
    estimate: str = "change",
) -> pd.Series:
    """One summary row (a group's change unless ``estimate`` says otherwise); the project's
    rows of the completed schools unless ``population`` says otherwise (None for published
    references)."""
    found = summary[
        (summary["measure"] == measure)
        & (summary["estimate"] == estimate)
        & (summary["group"] == group)
    ]
    if found["population"].notna().any():
        found = found[found["population"] == population]
    assert len(found) == 1, f"expected one {measure}/{estimate}/{group} row"
    return found.iloc[0]


@pytest.fixture
def ev(made_up):
    return evaluate(load_params(made_up["params"]))


def test_summary_columns_are_exactly_as_specified(ev):
    assert list(ev.summary.columns[:8]) == [
        "measure",
        "estimate",
        "group",
        "population",
        "n_schools",
        "baseline",
        "outcome",
        "change",
    ]


def test_all_schools_progress_is_the_paired_simple_mean(ev):
    # paired: 100001 (-2 -> -1), 100002 (-3 -> 0), 100003 (1 -> 0.5), 100006 (-2.5 -> -0.5);
    # 100004 has SUPP in 2018 and 100005 withdrew.
    r = row(ev.summary, "progress", "all")
    assert r["n_schools"] == 4
    assert r["baseline"] == pytest.approx(-6.5 / 4)
    assert r["outcome"] == pytest.approx(-1.0 / 4)
    assert r["change"] == pytest.approx(1.375)


def test_cohort_groups(ev):
    c1 = row(ev.summary, "progress", "cohort:1")
    assert (c1["n_schools"], c1["baseline"], c1["outcome"]) == (
        3,
        pytest.approx(-2.5),
        pytest.approx(-0.5),
    )
    c2 = row(ev.summary, "progress", "cohort:2")
    assert (c2["n_schools"], c2["change"]) == (1, pytest.approx(-0.5))


def test_tla_groups_accept_yes_true_and_1(ev):
    yes = row(ev.summary, "progress", "tla:yes")  # Alpha (yes), Gamma (true), Zeta (1)
    assert yes["n_schools"] == 3
    assert yes["baseline"] == pytest.approx(-3.5 / 3)
    assert yes["change"] == pytest.approx(2.5 / 3)
    no = row(ev.summary, "progress", "tla:no")  # Beta (no); Delta (0) is unpaired
    assert (no["n_schools"], no["change"]) == (1, pytest.approx(3.0))


def test_baseline_negative_group_uses_baseline_progress_below_zero(ev):
    r = row(ev.summary, "progress", "baseline:negative")
    assert (r["n_schools"], r["baseline"], r["outcome"]) == (
        3,
        pytest.approx(-2.5),
        pytest.approx(-0.5),
    )
    # Delta (-1.0 at baseline) has attainment in both years, so counts there
    a = row(ev.summary, "attainment", "baseline:negative")
    assert (a["n_schools"], a["baseline"], a["outcome"]) == (
        4,
        pytest.approx(67.5),
        pytest.approx(72.5),
    )


def test_attainment_is_paired_separately_from_progress(ev):
    r = row(ev.summary, "attainment", "all")
    assert (r["n_schools"], r["baseline"], r["outcome"], r["change"]) == (
        5,
        pytest.approx(70.0),
        pytest.approx(75.0),
        pytest.approx(5.0),
    )


def test_below_threshold_counts_strictly_below(ev):
    r = row(ev.summary, "progress", "all", estimate="below_threshold")
    # baseline -2.0 is not below -2.0; -3.0 and -2.5 are
    assert (r["n_schools"], r["baseline"], r["outcome"], r["change"]) == (4, 2, 0, -2)


def test_la_rows_are_the_published_rectype_3_figures(ev):
    p = row(ev.summary, "progress", "la")
    assert pd.isna(p["n_schools"])
    assert (p["baseline"], p["outcome"]) == (pytest.approx(-0.3), pytest.approx(-0.4))
    assert p["change"] == pytest.approx(-0.1)
    a = row(ev.summary, "attainment", "la")
    assert (a["baseline"], a["outcome"]) == (pytest.approx(77.0), pytest.approx(76.8))
    assert ev.la_name == "Made-up LA"


def test_national_progress_is_zero_and_attainment_from_state_funded_row(ev):
    assert row(ev.summary, "progress", "national")["baseline"] == 0.0
    a = row(ev.summary, "attainment", "national")
    assert (a["baseline"], a["outcome"]) == (76.0, 75.0)


def test_withdrawn_school_is_listed_with_reason_but_counts_nowhere(ev):
    schools = ev.schools.set_index("urn")
    assert schools.loc["100005", "excluded_reason"] == "withdrawn from the project"
    assert ev.membership.loc[schools.index.get_loc("100005")].sum() == 0


def test_unpaired_school_reason_names_the_code(ev):
    schools = ev.schools.set_index("urn")
    assert schools.loc["100004", "excluded_reason"] == (
        "no progress figure in 2018 (suppressed (small cohort))"
    )


def test_converted_academy_is_followed_to_its_new_urn(ev):
    zeta = ev.schools.set_index("urn").loc["100006"]
    assert zeta["baseline_urn"] == "100006"
    assert zeta["outcome_urn"] == "200006"
    assert zeta["outcome_link"] == "academy conversion: old URN -> new URN"
    assert zeta["progress_change"] == pytest.approx(2.0)


def test_pupil_weighting_weights_by_pupils_in_the_measure(made_up):
    params = load_params(made_up["params"])
    from dataclasses import replace

    ev = evaluate(replace(params, weighting="pupils"))
    r = row(ev.summary, "progress", "all")
    # one weight per school in both years: its 2018 pupils (TELIG x MATCOV) 25, 35, 30, 30
    # (-2, -3, 1, -2.5 -> -1, 0, 0.5, -0.5), so the change is the weighted mean of the changes
    assert r["baseline"] == pytest.approx((-50 - 105 + 30 - 75) / 120)
    assert r["outcome"] == pytest.approx(-25 / 120)
    assert r["change"] == pytest.approx((25 * 1 + 35 * 3 + 30 * -0.5 + 30 * 2) / 120)
    # net change = change - comparison change with these weights: tests/test_comparison.py


def test_cohort_subset_param_keeps_only_those_cohorts(made_up):
    from dataclasses import replace

    ev = evaluate(replace(load_params(made_up["params"]), cohorts=["2"]))
    assert set(ev.schools["cohort"]) == {"2"}
    assert row(ev.summary, "progress", "all")["n_schools"] == 1


def test_comparator_rows_carry_the_given_values(made_up):
    from dataclasses import replace

    from ipm_analysis.inputs.params import Comparator

    params = replace(
        load_params(made_up["params"]),
        comparators=[Comparator("Statistical neighbours", {2017: -0.7})],
    )
    r = row(evaluate(params).summary, "progress", "comparator:Statistical neighbours")
    assert r["baseline"] == pytest.approx(-0.7)
    assert pd.isna(r["outcome"])


def test_school_significance_and_change_interval_from_published_limits(tmp_path):
    from conftest import school, write_table

    # 100001: 2017 -3.0 [-5.0, -1.0] significantly below; 2018 -1.0 [-2.96, 0.96] average.
    # se_b = 4 / 3.92, se_o = 3.92 / 3.92 = 1; half-width = 1.96 * sqrt(se_b^2 + 1)
    write_table(
        tmp_path / "a.csv",
        [school("100001", "-3.0", "60%", MATPROG_LOWER="-5.0", MATPROG_UPPER="-1.0")],
    )
    write_table(
        tmp_path / "b.csv",
        [school("100001", "-1.0", "65%", MATPROG_LOWER="-2.96", MATPROG_UPPER="0.96")],
    )
    (tmp_path / "r.csv").write_text("urn,cohort\n100001,1\n", encoding="utf-8")
    from ipm_analysis.inputs.params import ReportParams

    ev = evaluate(
        ReportParams.from_mapping(
            {
                "report_id": "s",
                "title": "t",
                "roster": str(tmp_path / "r.csv"),
                "performance": {2017: str(tmp_path / "a.csv"), 2018: str(tmp_path / "b.csv")},
                "baseline_year": 2017,
                "outcome_year": 2018,
                "n_placebo": 0,
                "min_n": 1,
            }
        )
    )
    s = ev.schools.iloc[0]
    assert (s["baseline_significance"], s["outcome_significance"]) == ("below", "average")
    half = 1.96 * ((4 / 3.92) ** 2 + 1) ** 0.5
    assert s["progress_change_low"] == pytest.approx(2.0 - half)
    assert s["progress_change_high"] == pytest.approx(2.0 + half)
    r = row(ev.summary, "progress", "all", estimate="sig_below")
    assert (r["n_schools"], r["baseline"], r["outcome"]) == (1, 1, 0)


@pytest.mark.parametrize("weighting", ["schools", "pupils"])
def test_net_change_is_change_minus_comparison_change_in_every_row(weighting):
    """One estimand: the same schools and one weight per school (the measure's own) in the
    change, the comparison change and the net change, for every measure (the example's
    schools all have a match set and every measure in both years)."""
    from dataclasses import replace
    from pathlib import Path

    params = load_params(Path(__file__).parents[1] / "params" / "ipm_2018_19.yaml")
    ev = evaluate(replace(params, weighting=weighting, suppress=False))
    assert ev.measures == ["progress", "attainment", "higher_standard", "scaled_score"]
    rows = ev.summary.set_index(["measure", "estimate", "group", "population"]).sort_index()
    for measure in ev.measures:
        net = rows.loc[(measure, "net_change")].drop(index="tla:difference", level="group")
        assert len(net) == 10  # 5 groups x ITT and completed
        for (group, population), figures in net.iterrows():
            change = rows.loc[(measure, "change", group, population)]
            comparison = rows.loc[(measure, "comparison", group, population)]
            assert change["n_schools"] == comparison["n_schools"] == figures["n_schools"]
            assert figures["change"] == pytest.approx(change["change"] - comparison["change"])
