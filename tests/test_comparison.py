"""Hand-computed checks on a made-up LA.

Pool (after the rules): baselines -3, -2, -1, 0, 1 with changes +2, +0.5, 0, -0.5, -1.
OLS: mean baseline -1, mean change 0.2, Sxy = -7, Sxx = 10 -> b = -0.7, a = 0.2 - 0.7 = -0.5.

Project schools with k = 2 (distances to the pool baselines -3, -2, -1, 0, 1):
  A  baseline -2.6 change +2.0: P1 0.4, P2 0.6          -> comparison baseline -2.5, change 1.25
  B  baseline -1.5 change +0.5: P2 0.5, P3 0.5          -> -1.5, 0.25
  C  baseline  0.0 change +0.5: P4 0, P3 1, P5 1 (tie)  -> 0.0, -0.5 (3 matches)
  D  baseline -3.0 change -0.5: P1 0, P2 1              -> -2.5, 1.25
Net change: A 0.75, B 0.25, C 1.0, D -1.75.
Expected change a + b x: A 1.32, B 0.55, C -0.5, D 1.6; excess: A 0.68, B -0.05, C 1.0, D -2.1.
"""

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.comparison import (
    COMPARISON_ESTIMATES,
    SUMMARY_COLUMNS,
    RtmFit,
    comparison_pool,
    comparison_rows,
    expected_change,
    fit_regression_to_mean,
    matched_comparison,
)
from ipm_analysis.impact.matching import match_sets


@pytest.fixture
def panel():
    rows = [
        ("P1", "1", -3.0, -1.0),
        ("P2", "1", -2.0, -1.5),
        ("P3", "1", -1.0, -1.0),
        ("P4", "1", 0.0, -0.5),
        ("P5", "1", 1.0, 0.0),
        ("S1", "2", -2.5, 0.0),  # special school: not mainstream
        ("T1", "1", -2.0, 0.0),  # a URN a roster school was linked to
        ("A", "1", -2.6, -0.6),  # a roster school itself
        ("M1", "1", np.nan, 1.0),  # no baseline score
        ("M2", "1", 0.5, np.nan),  # no outcome score
    ]
    return pd.DataFrame(rows, columns=["urn", "rectype", "baseline", "outcome"])


@pytest.fixture
def pool(panel):
    return comparison_pool(panel, ["A", "T1", "B"])


@pytest.fixture
def project():
    return pd.DataFrame(
        {"baseline": [-2.6, -1.5, 0.0, -3.0], "outcome": [-0.6, -1.0, 0.5, -3.5]},
        index=pd.Index(["A", "B", "C", "D"], name="urn"),
    )


@pytest.fixture
def membership(project):
    return pd.DataFrame(
        {
            "all": [True, True, True, True],
            "cohort:1": [True, True, False, False],
            "cohort:2": [False, False, True, True],
            "tla:yes": [False, False, False, False],
        },
        index=project.index,
    )


def test_pool_keeps_untouched_mainstream_schools_with_both_scores(pool):
    expected = pd.DataFrame(
        {
            "baseline": [-3.0, -2.0, -1.0, 0.0, 1.0],
            "outcome": [-1.0, -1.5, -1.0, -0.5, 0.0],
            "change": [2.0, 0.5, 0.0, -0.5, -1.0],
        },
        index=pd.Index(["P1", "P2", "P3", "P4", "P5"], name="urn"),
    )
    pd.testing.assert_frame_equal(pool, expected)


def test_pool_matches_urns_as_text_and_refuses_duplicates(panel):
    panel = panel.assign(urn=panel["urn"].str.replace("P1", "117000"))
    pool = comparison_pool(panel, [117000, "A", "T1"])  # an int URN still excludes the school
    assert list(pool.index) == ["P2", "P3", "P4", "P5"]
    with pytest.raises(ValueError, match="P2"):
        comparison_pool(pd.concat([panel, panel.iloc[[1]]]), ["A", "T1"])


def _sets(project, pool, k=2):
    covariates = project[["baseline"]]
    return match_sets(covariates, pool[["baseline"]], ["baseline"], k=k)


def test_match_sets_on_baseline_include_every_school_tied_with_the_kth(project, pool):
    got = _sets(project, pool)
    assert list(got["urn"]) == ["A", "A", "B", "B", "C", "C", "C", "D", "D"]
    assert list(got["pool_urn"]) == ["P1", "P2", "P2", "P3", "P4", "P3", "P5", "P1", "P2"]
    # distances are standardised: the pool's baseline SD is sqrt(2.5) = 1.5811
    raw = [0.4, 0.6, 0.5, 0.5, 0.0, 1.0, 1.0, 0.0, 1.0]
    assert list(got["distance"]) == pytest.approx([d / np.sqrt(2.5) for d in raw])


def test_matched_comparison_per_school(project, pool):
    got = matched_comparison(project, pool, _sets(project, pool))
    expected = pd.DataFrame(
        {
            "comparison_baseline": [-2.5, -1.5, 0.0, -2.5],
            "comparison_change": [1.25, 0.25, -0.5, 1.25],
            "n_matches": [2, 2, 3, 2],
            "net_change": [0.75, 0.25, 1.0, -1.75],
        },
        index=pd.Index(["A", "B", "C", "D"], name="urn"),
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=False, atol=1e-12)


def test_regression_to_the_mean_fit(pool):
    fit = fit_regression_to_mean(pool)
    assert fit.a == pytest.approx(-0.5)
    assert fit.b == pytest.approx(-0.7)
    assert fit.n == 5
    assert expected_change(fit, np.array([-2.6, 0.0])) == pytest.approx([1.32, -0.5])
    got = expected_change(fit, pd.Series([-3.0], index=["D"]))
    assert got.loc["D"] == pytest.approx(1.6)


def test_fit_is_undefined_without_spread():
    one = pd.DataFrame({"baseline": [1.0], "outcome": [2.0]})
    flat = pd.DataFrame({"baseline": [1.0, 1.0], "outcome": [2.0, 3.0]})
    for pool in (one, flat):
        fit = fit_regression_to_mean(pool)
        assert np.isnan(fit.b)


def _row(summary, estimate, group, population="itt"):
    found = summary[
        (summary["estimate"] == estimate)
        & (summary["group"] == group)
        & (summary["population"] == population)
    ]
    assert len(found) == 1
    return found.iloc[0]


def _summary(project, pool, membership, weights=None, sigma2=1.0, **measure):
    sets = _sets(project, pool)
    # every pool school's conditional variance of change set to 1 (the AI term by hand)
    variance = pd.Series(sigma2, index=pool.index)
    fit = fit_regression_to_mean(pool)
    memberships = {"itt": membership}
    return comparison_rows(project, pool, sets, variance, memberships, fit, weights, **measure)


def test_summary_rows_per_group(project, pool, membership):
    summary = _summary(project, pool, membership)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert (summary["measure"] == "progress").all()  # the measure compared, by default
    assert list(summary["estimate"].drop_duplicates()) == list(COMPARISON_ESTIMATES)
    comparison = _row(summary, "comparison", "all")
    # mean comparison baseline (-2.5 - 1.5 + 0 - 2.5) / 4, change (1.25 + 0.25 - 0.5 + 1.25) / 4
    assert comparison["baseline"] == pytest.approx(-1.625)
    assert comparison["change"] == pytest.approx(0.5625)
    assert comparison["outcome"] == pytest.approx(-1.625 + 0.5625)
    assert _row(summary, "net_change", "all")["change"] == pytest.approx(0.0625)
    assert _row(summary, "net_change", "cohort:1")["change"] == pytest.approx(0.5)
    assert _row(summary, "excess_change", "all")["change"] == pytest.approx(-0.1175)
    rtm = summary[summary["estimate"] == "rtm_fit"].iloc[0]
    assert (rtm["group"], rtm["n_schools"]) == ("pool", 5)
    assert (rtm["baseline"], rtm["change"]) == pytest.approx((-0.5, -0.7))


def test_net_change_interval_by_hand(project, pool, membership):
    """By hand, project weights 1/4 each. Net changes 0.75, 0.25, 1.0, -1.75: mean 0.0625,
    s^2 = 4.671875 / 3, s^2/n = 0.3893229. Sets A {P1, P2}, B {P2, P3}, C {P3, P4, P5},
    D {P1, P2}: K = P1 1/4, P2 3/8, P3 1/8 + 1/12; K2 = P1 2/64, P2 3/64, P3 1/64 + 1/144,
    P4 = P5 = 1/144 = K^2. Sum (K^2 - K2) x 1 = 1/32 + 3/32 + 3/144 = 0.1458333.
    SE = sqrt(0.5351563) = 0.7315437; t(0.975, 3) = 3.1824463; half-width 2.3280987."""
    net = _row(_summary(project, pool, membership), "net_change", "all")
    assert (net["ci_low"], net["ci_high"]) == pytest.approx(
        (0.0625 - 2.3280987, 0.0625 + 2.3280987)
    )
    # with no shared variance (sigma2 = 0) it is the plain t interval: SE sqrt(0.3893229)
    plain = _row(_summary(project, pool, membership, sigma2=0.0), "net_change", "all")
    half = 3.1824463 * np.sqrt(0.3893229)
    assert (plain["ci_low"], plain["ci_high"]) == pytest.approx((0.0625 - half, 0.0625 + half))


def test_excess_interval_counts_the_uncertainty_of_the_fit(project, pool, membership):
    """Excess -0.1175; s^2/n = 5.819675 / 3 / 4 = 0.4849729. The pool's residuals 0.4, -0.4,
    -0.2, 0, 0.2 give s^2 = 0.4 / 3; the line's variance at the project's mean baseline
    -1.775 is 0.133333 x (1/5 + 0.775^2 / 10) = 0.0346750. SE = sqrt(0.5196479) = 0.7208661,
    half-width 3.1824463 x SE = 2.2941176."""
    row = _row(_summary(project, pool, membership), "excess_change", "all")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (-0.1175 - 2.2941176, -0.1175 + 2.2941176)
    )


def test_mde_is_the_t_multiplier_times_the_net_change_se(project, pool, membership):
    row = _row(_summary(project, pool, membership), "mde", "all")
    # (t(0.975, 3) + t(0.80, 3)) x 0.7315438 = (3.1824463 + 0.9784723) x 0.7315438
    assert row["change"] == pytest.approx((3.1824463 + 0.9784723) * 0.7315438, rel=1e-6)


def test_empty_group_gives_zero_schools_and_no_figures(project, pool, membership):
    summary = _summary(project, pool, membership)
    empty = summary[summary["group"] == "tla:yes"]
    assert set(empty["estimate"]) == {"comparison", "net_change", "excess_change", "mde"}
    assert (empty["n_schools"] == 0).all()
    assert empty[["baseline", "outcome", "change", "ci_low", "ci_high"]].isna().all().all()


def test_pupil_weighted_group_means(project, pool, membership):
    weights = pd.Series([10.0, 30.0, 20.0, 40.0], index=project.index)
    summary = _summary(project, pool, membership, weights=weights)
    # (10 x 0.75 + 30 x 0.25 + 20 x 1.0 + 40 x -1.75) / 100
    assert _row(summary, "net_change", "all")["change"] == pytest.approx(-0.35)
    assert _row(summary, "net_change", "cohort:1")["change"] == pytest.approx(0.375)
    # (10 x -2.5 + 30 x -1.5 + 20 x 0 + 40 x -2.5) / 100
    assert _row(summary, "comparison", "all")["baseline"] == pytest.approx(-1.7)
    # (10 x 0.68 + 30 x -0.05 + 20 x 1.0 + 40 x -2.1) / 100
    assert _row(summary, "excess_change", "all")["change"] == pytest.approx(-0.587)
    # one estimand: net change = the school changes' weighted mean - the comparison change's
    changes = (project["outcome"] - project["baseline"]).to_numpy()
    change = float(np.average(changes, weights=weights))
    comparison = _row(summary, "comparison", "all")["change"]
    assert _row(summary, "net_change", "all")["change"] == pytest.approx(change - comparison)


def test_rows_name_the_measure_compared(project, pool, membership):
    """The same figures, whatever the measure: it only labels the rows."""
    progress = _summary(project, pool, membership)
    attainment = _summary(project, pool, membership, measure="attainment")
    assert (attainment["measure"] == "attainment").all()
    pd.testing.assert_frame_equal(
        attainment.drop(columns="measure"), progress.drop(columns="measure")
    )


def test_rtm_fit_is_a_plain_dataclass():
    assert RtmFit(a=1.0, b=-0.5, n=3) == RtmFit(1.0, -0.5, 3)
