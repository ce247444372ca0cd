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
    SUMMARY_COLUMNS,
    RtmFit,
    comparison_pool,
    comparison_summary,
    expected_change,
    fit_regression_to_mean,
    match_sets,
    matched_comparison,
)
from ipm_analysis.impact.uncertainty import bootstrap_se


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


def test_match_sets_include_every_school_tied_with_the_kth(project, pool):
    got = match_sets(project["baseline"], pool["baseline"], k=2)
    expected = pd.DataFrame(
        {
            "urn": ["A", "A", "B", "B", "C", "C", "C", "D", "D"],
            "pool_urn": ["P1", "P2", "P2", "P3", "P4", "P3", "P5", "P1", "P2"],
            "distance": [0.4, 0.6, 0.5, 0.5, 0.0, 1.0, 1.0, 0.0, 1.0],
        }
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=False, atol=1e-12)


def test_match_sets_ties_survive_float_noise():
    # |0.3 - 0.1| is 0.19999999999999998 and |0.3 - 0.5| is 0.2 in binary: a tie at 6 dp
    pool = pd.Series([0.1, 0.5, 0.9], index=["X", "Y", "Z"])
    got = match_sets(pd.Series([0.3], index=["A"]), pool, k=1)
    assert list(got["pool_urn"]) == ["X", "Y"]


def test_match_sets_with_a_small_pool_or_missing_baseline():
    pool = pd.Series([0.0, 1.0], index=["X", "Y"])
    got = match_sets(pd.Series([0.2, np.nan], index=["A", "B"]), pool, k=5)
    assert list(got["urn"]) == ["A", "A"] and list(got["pool_urn"]) == ["X", "Y"]
    with pytest.raises(ValueError, match="k must be"):
        match_sets(pool, pool, k=0)


def test_matched_comparison_per_school(project, pool):
    got = matched_comparison(project, pool, k=2)
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


def _row(summary, measure, group):
    found = summary[(summary["measure"] == measure) & (summary["group"] == group)]
    assert len(found) == 1
    return found.iloc[0]


def test_summary_rows_per_group(project, pool, membership):
    summary = comparison_summary(project, pool, membership, k=2, n_resamples=4_000, seed=5)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert list(summary["measure"].unique()) == [
        "comparison",
        "net_change",
        "excess_change",
        "mde",
        "rtm_fit",
    ]
    hand = {
        # group: n, comparison baseline, comparison change, net change, excess change
        "all": (4, -1.625, 0.5625, 0.0625, -0.1175),
        "cohort:1": (2, -2.0, 0.75, 0.5, 0.315),
        "cohort:2": (2, -1.25, 0.375, -0.375, -0.55),
    }
    for group, (n, base, comp, net, excess) in hand.items():
        row = _row(summary, "comparison", group)
        assert row["n_schools"] == n
        assert row["baseline"] == pytest.approx(base)
        assert row["change"] == pytest.approx(comp)
        assert row["outcome"] == pytest.approx(base + comp)
        assert np.isnan(row["ci_low"])
        assert _row(summary, "net_change", group)["change"] == pytest.approx(net)
        assert _row(summary, "excess_change", group)["change"] == pytest.approx(excess)
    rtm = _row(summary, "rtm_fit", "pool")
    assert rtm["n_schools"] == 5
    assert (rtm["baseline"], rtm["change"]) == pytest.approx((-0.5, -0.7))


def test_net_change_interval_resamples_project_schools(project, pool, membership):
    summary = comparison_summary(project, pool, membership, k=2, n_resamples=4_000, seed=5)
    # two schools with net 0.75 and 0.25: resample means 0.25, 0.5, 0.75 (1/4, 1/2, 1/4)
    net = _row(summary, "net_change", "cohort:1")
    assert (net["ci_low"], net["ci_high"]) == (0.25, 0.75)
    everyone = _row(summary, "net_change", "all")
    assert everyone["ci_low"] < 0.0625 < everyone["ci_high"]
    # the MDE is 2.8 standard errors of the same resamples
    se = bootstrap_se([0.75, 0.25, 1.0, -1.75], n_resamples=4_000, seed=5)
    assert _row(summary, "mde", "all")["change"] == pytest.approx(2.8 * se, rel=1e-9)
    assert _row(summary, "mde", "all")["change"] == pytest.approx(2.8 * 0.54036, rel=0.03)


def test_excess_interval_counts_the_uncertainty_of_the_fit(project, pool, membership):
    summary = comparison_summary(project, pool, membership, k=2, n_resamples=4_000, seed=5)
    excess = _row(summary, "excess_change", "cohort:1")
    net = _row(summary, "net_change", "cohort:1")
    assert excess["ci_low"] < 0.315 < excess["ci_high"]
    # wider than the project schools' spread alone (0.68 vs -0.05 -> 0.73 apart)
    assert excess["ci_high"] - excess["ci_low"] > 0.73 and net["ci_high"] - net["ci_low"] == 0.5


def test_summary_is_reproducible_with_a_seed(project, pool, membership):
    first = comparison_summary(project, pool, membership, k=2, n_resamples=2_000, seed=1)
    again = comparison_summary(project, pool, membership, k=2, n_resamples=2_000, seed=1)
    other = comparison_summary(project, pool, membership, k=2, n_resamples=2_000, seed=2)
    pd.testing.assert_frame_equal(first, again)
    assert not first["ci_low"].equals(other["ci_low"])


def test_empty_group_gives_zero_schools_and_no_figures(project, pool, membership):
    summary = comparison_summary(project, pool, membership, k=2, n_resamples=500)
    empty = summary[summary["group"] == "tla:yes"]
    assert list(empty["measure"]) == ["comparison", "net_change", "excess_change", "mde"]
    assert (empty["n_schools"] == 0).all()
    assert empty[["baseline", "outcome", "change", "ci_low", "ci_high"]].isna().all().all()


def test_pupil_weighted_group_means(project, pool, membership):
    weights = pd.Series([10.0, 30.0, 20.0, 40.0], index=project.index)
    summary = comparison_summary(project, pool, membership, k=2, n_resamples=500, weights=weights)
    # (10 x 0.75 + 30 x 0.25 + 20 x 1.0 + 40 x -1.75) / 100
    assert _row(summary, "net_change", "all")["change"] == pytest.approx(-0.35)
    assert _row(summary, "net_change", "cohort:1")["change"] == pytest.approx(0.375)
    # (10 x -2.5 + 30 x -1.5 + 20 x 0 + 40 x -2.5) / 100
    assert _row(summary, "comparison", "all")["baseline"] == pytest.approx(-1.7)
    # (10 x 0.68 + 30 x -0.05 + 20 x 1.0 + 40 x -2.1) / 100
    assert _row(summary, "excess_change", "all")["change"] == pytest.approx(-0.587)


def test_rtm_fit_is_a_plain_dataclass():
    assert RtmFit(a=1.0, b=-0.5, n=3) == RtmFit(1.0, -0.5, 3)
