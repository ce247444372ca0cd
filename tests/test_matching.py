"""Matching on several baseline figures (``impact.matching``), checked by hand on a tiny pool
and against the baseline-only matching on the example and the real DfE files.

The small pool (P5 has no cohort size, so it is never a candidate and is not in the SDs):

    school  baseline  cohort_size  type  change
    P1      -2        30           CY    1
    P2       0        10           AC    2
    P3       2        20           CY    4
    P5       0        NaN          CY    0

Standard deviations over P1-P3 (ddof=1): baseline mean 0, squares 4 + 0 + 4 = 8, var 8/2 = 4,
sd 2; cohort mean 20, squares 100 + 100 + 0 = 200, var 100, sd 10.

Project A (baseline 0, cohort 25), squared standardised distances:
    P1: (2/2)^2 + (5/10)^2 = 1.25 -> 1.118034;  P2: 0 + (15/10)^2 = 2.25 -> 1.5;
    P3: (2/2)^2 + (5/10)^2 = 1.25 -> 1.118034   (P1 and P3 tie)
Project B (baseline 1, cohort 10):
    P1: (3/2)^2 + (20/10)^2 = 6.25 -> 2.5;  P2: (1/2)^2 + 0 = 0.25 -> 0.5;
    P3: (1/2)^2 + (10/10)^2 = 1.25 -> 1.118034
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.matching import (
    CLOSE_MATCH,
    DEFAULT_MATCH_ON,
    DEFAULT_MATCH_ON_ATTAINMENT,
    MATCH_VARIABLES,
    balance_table,
    match_sets,
    match_weights,
    pool_variance,
    poorly_matched,
    standardising_scale,
)
from ipm_analysis.inputs import params
from ipm_analysis.inputs.dfe_tables import (
    RECTYPE_MAINSTREAM,
    SUBJECTS,
    parse_figures,
    read_performance_table,
    school_figures,
)

from conftest import REPO

R125 = np.sqrt(1.25)  # 1.118034


@pytest.fixture
def pool():
    return pd.DataFrame(
        {
            "baseline": [-2.0, 0.0, 2.0, 0.0],
            "cohort_size": [30.0, 10.0, 20.0, np.nan],
            "school_type": ["CY", "AC", "CY", "CY"],
            "change": [1.0, 2.0, 4.0, 0.0],
        },
        index=pd.Index(["P1", "P2", "P3", "P5"], name="urn"),
    )


@pytest.fixture
def project():
    return pd.DataFrame(
        {"baseline": [0.0, 1.0], "cohort_size": [25.0, 10.0], "school_type": ["AC", "CY"]},
        index=pd.Index(["A", "B"], name="urn"),
    )


def pairs(sets: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(sets["urn"], sets["pool_urn"], strict=True))


# --- match_sets by hand ------------------------------------------------------------------


def test_the_variables_and_defaults():
    assert list(MATCH_VARIABLES) == [
        "baseline",
        "prior_progress",
        "cohort_size",
        "disadvantaged",
        "ks1_average",
        "school_type",
        "scaled_score",
    ]
    assert DEFAULT_MATCH_ON == ("baseline", "prior_progress", "cohort_size")
    # a comparison of attainment (no progress scores) cannot match on prior progress
    assert DEFAULT_MATCH_ON_ATTAINMENT == ("baseline", "scaled_score", "cohort_size")
    assert all(MATCH_VARIABLES.values())
    # the params layer cannot import impact, so it keeps its own copy: they must agree
    assert params.DEFAULT_MATCH_ON == DEFAULT_MATCH_ON
    assert params.DEFAULT_MATCH_ON_ATTAINMENT == DEFAULT_MATCH_ON_ATTAINMENT
    assert tuple(MATCH_VARIABLES) == params.MATCH_ON_CHOICES


def test_standardised_distances_ties_and_ranks(project, pool):
    sets = match_sets(project, pool, ["baseline", "cohort_size"], k=1)
    # A: P1 and P3 tie at sqrt(1.25) and share rank 1; B: P2 at 0.5
    assert pairs(sets) == [("A", "P1"), ("A", "P3"), ("B", "P2")]
    np.testing.assert_allclose(sets["distance"], [R125, R125, 0.5])
    assert list(sets["rank"]) == [1, 1, 1]
    assert list(sets["matched_on"]) == ["baseline, cohort_size"] * 3
    assert list(sets.columns) == ["urn", "pool_urn", "distance", "rank", "matched_on"]

    sets = match_sets(project, pool, ["baseline", "cohort_size"], k=3)
    # A: P1, P3 (1.118, rank 1 each), P2 (1.5, rank 3); B: P2 0.5, P3 1.118, P1 2.5
    assert pairs(sets) == [("A", "P1"), ("A", "P3"), ("A", "P2")] + [
        ("B", "P2"),
        ("B", "P3"),
        ("B", "P1"),
    ]
    np.testing.assert_allclose(sets["distance"], [R125, R125, 1.5, 0.5, R125, 2.5])
    assert list(sets["rank"]) == [1, 1, 3, 1, 2, 3]


def test_project_order_is_kept_and_k_larger_than_the_pool(project, pool):
    reversed_project = project.iloc[::-1]
    sets = match_sets(reversed_project, pool, ["baseline", "cohort_size"], k=10)
    assert list(dict.fromkeys(sets["urn"])) == ["B", "A"]
    assert len(sets) == 6  # three candidates each; P5 (no cohort size) never


def test_float_noise_does_not_break_a_tie():
    # |0.3 - 0.1| is 0.19999999999999998 and |0.3 - 0.5| is 0.2 in binary: a tie at 6 dp
    pool = pd.DataFrame({"baseline": [0.1, 0.5, 0.9]}, index=["X", "Y", "Z"])
    sets = match_sets(pd.DataFrame({"baseline": [0.3]}, index=["A"]), pool, ["baseline"], k=1)
    assert list(sets["pool_urn"]) == ["X", "Y"] and list(sets["rank"]) == [1, 1]


def test_caliper_drops_far_members_and_can_leave_a_school_unmatched(project, pool):
    on = ["baseline", "cohort_size"]
    sets = match_sets(project, pool, on, k=3, caliper=1.2)
    # A keeps P1, P3 (1.118 <= 1.2), loses P2 (1.5); B keeps P2 (0.5), P3 (1.118)
    assert pairs(sets) == [("A", "P1"), ("A", "P3"), ("B", "P2"), ("B", "P3")]
    sets = match_sets(project, pool, on, k=3, caliper=1.0)
    assert pairs(sets) == [("B", "P2")]  # A has nothing within 1.0: no rows
    # a member exactly at the caliper stays (sqrt(1.25) judged at 6 decimals)
    assert len(match_sets(project, pool, on, k=1, caliper=1.118034)) == 3


def test_school_type_is_matched_exactly(project, pool):
    sets = match_sets(project, pool, ["baseline", "cohort_size", "school_type"], k=1)
    # A (AC): only P2 is AC, 1.5 away although P1 and P3 are closer; B (CY): P3 1.118 < P1 2.5
    assert pairs(sets) == [("A", "P2"), ("B", "P3")]
    np.testing.assert_allclose(sets["distance"], [1.5, R125])
    assert list(sets["matched_on"]) == ["baseline, cohort_size, school_type"] * 2
    # a school of a type the pool does not have is unmatched
    lone = project.assign(school_type=["VA", "CY"])
    sets = match_sets(lone, pool, ["baseline", "cohort_size", "school_type"], k=1)
    assert pairs(sets) == [("B", "P3")]
    # types compare as codes: case and padding do not matter
    padded = project.assign(school_type=[" ac", "CY "])
    sets = match_sets(padded, pool, ["baseline", "cohort_size", "school_type"], k=1)
    assert pairs(sets) == [("A", "P2"), ("B", "P3")]


def test_missing_values(pool):
    project = pd.DataFrame(
        {
            "baseline": [0.0, np.nan, 5.0],
            "cohort_size": [np.nan, np.nan, 30.0],
            "school_type": [None, "CY", "CY"],
        },
        index=["D", "M", "E"],
    )
    sets = match_sets(project, pool, ["baseline", "cohort_size", "school_type"], k=1)
    # D has only a baseline (0) and no type: matched on baseline, any type. P2 is 0 away;
    # P5 (baseline 0 too) is not a candidate: it has no cohort size. M has no numeric figure:
    # unmatched. E (5, 30, CY): P1 (7/2)^2 + 0 = 12.25 -> 3.5; P3 (3/2)^2 + 1 = 3.25 -> 1.803
    assert pairs(sets) == [("D", "P2"), ("E", "P3")]
    np.testing.assert_allclose(sets["distance"], [0.0, np.sqrt(3.25)])
    assert list(sets["matched_on"]) == ["baseline", "baseline, cohort_size, school_type"]
    # a pool school with no type is not a candidate when type is matched
    untyped = pool.assign(school_type=["CY", "AC", "", "CY"])
    sets = match_sets(project, untyped, ["baseline", "cohort_size", "school_type"], k=1)
    assert pairs(sets) == [("D", "P2"), ("E", "P1")]


def test_the_scale_is_over_candidates(pool):
    scale = standardising_scale(pool, ["baseline", "cohort_size"])
    # P1-P3 only (P5 has no cohort size): sd 2 and 10, as in the module docstring above
    np.testing.assert_allclose(scale.to_numpy(), [2.0, 10.0])
    # on baseline alone P5 is a candidate: -2, 0, 2, 0 -> mean 0, squares 8, var 8/3
    np.testing.assert_allclose(standardising_scale(pool, ["baseline"]), [np.sqrt(8 / 3)])


def test_bad_arguments(project, pool):
    with pytest.raises(ValueError, match="cannot match on 'size'"):
        match_sets(project, pool, ["baseline", "size"])
    with pytest.raises(ValueError, match="at least one numeric"):
        match_sets(project, pool, ["school_type"])
    with pytest.raises(ValueError, match="k must be"):
        match_sets(project, pool, ["baseline"], k=0)
    with pytest.raises(ValueError, match="caliper"):
        match_sets(project, pool, ["baseline"], caliper=-1)
    with pytest.raises(KeyError, match="prior_progress"):
        match_sets(project, pool, ["baseline", "prior_progress"])
    with pytest.raises(ValueError, match="URN A appears more than once"):
        match_sets(pd.concat([project, project]), pool, ["baseline"])


def test_an_empty_pool_or_project_gives_no_rows(project, pool):
    assert match_sets(project, pool.iloc[:0], ["baseline"]).empty
    sets = match_sets(project.iloc[:0], pool, ["baseline"])
    assert sets.empty and list(sets.columns) == [
        "urn",
        "pool_urn",
        "distance",
        "rank",
        "matched_on",
    ]


# --- poorly_matched ----------------------------------------------------------------------


def test_poorly_matched_scales_its_limit_with_the_variables_used(pool):
    project = pd.DataFrame(
        {"baseline": [0.0, 1.0, 0.0, 5.0], "cohort_size": [25.0, 10.0, np.nan, np.nan]},
        index=["A", "B", "D", "E"],
    )
    sets = match_sets(project, pool, ["baseline", "cohort_size"], k=1, caliper=1.2)
    # limits at CLOSE_MATCH = 0.5: two variables 0.5 x sqrt(2) = 0.7071, one variable 0.5.
    # A: closest 1.118 > 0.707 -> poor. B: 0.5 <= 0.707. D (baseline only): P2 at 0 -> fine.
    # E (baseline 5 only): P3 at 3/2 = 1.5 is beyond the caliper 1.2 -> no comparison school.
    got = poorly_matched(project, sets)
    assert list(got["urn"]) == ["A", "E"]
    np.testing.assert_allclose(got["nearest_distance"], [R125, np.nan])
    np.testing.assert_allclose(got["limit"], [0.5 * np.sqrt(2), np.nan])
    assert list(got["reason"]) == ["closest comparison school too far", "no comparison school"]
    # without the caliper E is matched on one variable: 1.5 > 0.5
    got = poorly_matched(project, match_sets(project, pool, ["baseline", "cohort_size"], k=1))
    assert list(got["urn"]) == ["A", "E"]
    np.testing.assert_allclose(got["nearest_distance"], [R125, 1.5])
    np.testing.assert_allclose(got["limit"], [0.5 * np.sqrt(2), 0.5])
    # a looser threshold: 0.8 x sqrt(2) = 1.131 >= 1.118 clears A
    assert list(poorly_matched(project, sets, threshold=0.8)["urn"]) == ["E"]
    assert CLOSE_MATCH == 0.5


# --- balance_table -----------------------------------------------------------------------


def test_balance_by_hand(project, pool):
    on = ["baseline", "cohort_size"]
    sets = match_sets(project, pool, on, k=1)  # A -> {P1, P3}, B -> {P2}
    got = balance_table(project, pool, sets, on).set_index("variable")
    assert list(got.index) == ["baseline", "cohort_size"]
    # baseline: project (0 + 1)/2 = 0.5; pool (P1-P3) 0; matched A (-2 + 2)/2 = 0, B 0 -> 0.
    # s = sqrt((var(0, 1) + var(-2, 0, 2)) / 2) = sqrt((0.5 + 4) / 2) = 1.5
    # before = after = 0.5 / 1.5 = 0.3333 -> above 0.25
    row = got.loc["baseline"]
    np.testing.assert_allclose(
        row[["project_mean", "pool_mean", "matched_mean", "smd_before", "smd_after"]].to_numpy(
            dtype=float
        ),
        [0.5, 0.0, 0.0, 1 / 3, 1 / 3],
    )
    assert row["flag"] == "above 0.25" and row["description"] == MATCH_VARIABLES["baseline"]
    # cohort: project (25 + 10)/2 = 17.5; pool 20; matched A (30 + 20)/2 = 25, B 10 -> 17.5.
    # s = sqrt((var(25, 10) + var(30, 10, 20)) / 2) = sqrt((112.5 + 100) / 2) = 10.307764
    # before = -2.5 / 10.307764 = -0.242536; after 0
    row = got.loc["cohort_size"]
    np.testing.assert_allclose(
        row[["project_mean", "pool_mean", "matched_mean", "smd_before", "smd_after"]].to_numpy(
            dtype=float
        ),
        [17.5, 20.0, 17.5, -2.5 / np.sqrt(106.25), 0.0],
    )
    assert row["flag"] == ""


def test_balance_with_project_weights(project, pool):
    on = ["baseline", "cohort_size"]
    sets = match_sets(project, pool, on, k=1)
    got = balance_table(project, pool, sets, on, pd.Series({"A": 3.0, "B": 1.0}))
    got = got.set_index("variable")
    # weights 3:1. baseline: project (3 x 0 + 1)/4 = 0.25, matched 0, pool 0 (unweighted);
    # s unchanged (1.5): before = after = 0.25 / 1.5 = 0.1667 -> above 0.1.
    # cohort: project (75 + 10)/4 = 21.25, matched (3 x 25 + 10)/4 = 21.25;
    # before (21.25 - 20) / 10.307764 = 0.121268, after 0.
    np.testing.assert_allclose(
        got[["project_mean", "matched_mean", "smd_before", "smd_after"]].to_numpy(dtype=float),
        [[0.25, 0.0, 0.25 / 1.5, 0.25 / 1.5], [21.25, 21.25, 1.25 / np.sqrt(106.25), 0.0]],
    )
    assert list(got["flag"]) == ["above 0.1", ""]


def test_balance_of_school_type_and_baseline_always_shown(project, pool):
    on = ["cohort_size", "school_type"]
    sets = match_sets(project, pool, on, k=1)
    # A (25, AC) -> P2 (AC); B (10, CY) -> P1 (2.0) vs P3 (1.0) -> P3
    assert pairs(sets) == [("A", "P2"), ("B", "P3")]
    got = balance_table(project, pool, sets, on).set_index("variable")
    assert list(got.index) == ["baseline", "cohort_size", "school_type:AC", "school_type:CY"]
    # baseline (not matched on, shown anyway): project 0.5, pool 0, matched (0 + 2)/2 = 1;
    # s 1.5 -> before 0.3333, after -0.3333
    np.testing.assert_allclose(
        got.loc["baseline", ["project_mean", "pool_mean", "matched_mean"]].to_numpy(float),
        [0.5, 0.0, 1.0],
    )
    np.testing.assert_allclose(got.loc["baseline", "smd_after"], -1 / 3)
    # AC share: project (1, 0) mean 0.5 var 0.5; pool P1-P3 (0, 1, 0) mean 1/3 var 1/3;
    # s = sqrt((0.5 + 1/3) / 2) = sqrt(5/12) = 0.645497; before (0.5 - 1/3) / s = 0.258199;
    # matched (1 + 0) / 2 = 0.5 -> after 0. CY is the mirror image.
    s = np.sqrt(5 / 12)
    np.testing.assert_allclose(
        got.loc[["school_type:AC", "school_type:CY"], ["smd_before", "smd_after"]].to_numpy(float),
        [[(0.5 - 1 / 3) / s, 0.0], [(0.5 - 2 / 3) / s, 0.0]],
    )
    assert got.loc["school_type:AC", "description"] == "share of schools of type AC (NFTYPE)"


# --- match_weights and pool_variance -----------------------------------------------------


def test_match_weights_by_hand(project, pool):
    sets = match_sets(project, pool, ["baseline", "cohort_size"], k=2)
    assert pairs(sets) == [("A", "P1"), ("A", "P3"), ("B", "P2"), ("B", "P3")]
    # equal weights 1/2, sets of 2: P1 K = 1/2 x 1/2 = 0.25, K2 = (1/2)^2 / 2^2 = 0.0625;
    # P2 the same; P3 in both sets: K = 0.5, K2 = 0.125. K^2 - K2 for P3 = 0.125
    # = k (k - 1) / (n M)^2 = 2 x 1 / 16, the Abadie-Imbens term.
    got = match_weights(sets)
    assert list(got.index) == ["P1", "P2", "P3"] and got.index.name == "pool_urn"
    np.testing.assert_allclose(got["K"], [0.25, 0.25, 0.5])
    np.testing.assert_allclose(got["K2"], [0.0625, 0.0625, 0.125])
    # weights 3 and 1 -> 0.75, 0.25: P1 K = 0.375, K2 = 0.5625 / 4 = 0.140625;
    # P2 K = 0.125, K2 = 0.0625 / 4 = 0.015625; P3 K = 0.5, K2 = 0.140625 + 0.015625
    got = match_weights(sets, pd.Series({"A": 3.0, "B": 1.0, "Z": 10.0}))  # Z not matched
    np.testing.assert_allclose(got["K"], [0.375, 0.125, 0.5])
    np.testing.assert_allclose(got["K2"], [0.140625, 0.015625, 0.15625])
    with pytest.raises(ValueError, match="negative"):
        match_weights(sets, pd.Series({"A": -1.0, "B": 1.0}))


def test_pool_variance_by_hand():
    """Five schools on baseline alone (1-D, so only the order matters), j = 2:

    S1 (0, change 1): S2, S3 -> mean (2 + 4)/2 = 3 -> 2/3 (1 - 3)^2 = 8/3
    S2 (1, change 2): S1, S3 tie at 1 -> mean 2.5 -> 2/3 (2 - 2.5)^2 = 1/6
    S3 (2, change 4): S2, S4 tie at 1 -> mean 1 -> 2/3 (4 - 1)^2 = 6
    S4 (3, change 0): S3 (1), S2 (2) -> mean 3 -> 2/3 (0 - 3)^2 = 6
    S5 (10, change 3): S4 (7), S3 (8) -> mean 2 -> 2/3 (3 - 2)^2 = 2/3
    N1 has no change (NaN, never a neighbour); N2 no baseline (NaN, not a candidate).
    """
    pool = pd.DataFrame(
        {"baseline": [0.0, 1.0, 2.0, 3.0, 10.0, 1.0, np.nan]},
        index=["S1", "S2", "S3", "S4", "S5", "N1", "N2"],
    )
    change = pd.Series([1.0, 2.0, 4.0, 0.0, 3.0, np.nan, 5.0], index=pool.index)
    got = pool_variance(pool, change, ["baseline"], j=2)
    assert got.name == "sigma2" and list(got.index) == list(pool.index)
    np.testing.assert_allclose(got, [8 / 3, 1 / 6, 6, 6, 2 / 3, np.nan, np.nan])
    # j = 1: S1 -> S2: 1/2 (1 - 2)^2 = 0.5; S2 -> S1 and S3 tied: m = 2, 2/3 (2 - 2.5)^2
    got = pool_variance(pool, change, ["baseline"], j=1)
    np.testing.assert_allclose(got.iloc[:2], [0.5, 1 / 6])


def test_pool_variance_matches_type_exactly():
    pool = pd.DataFrame(
        {
            "baseline": [0.0, 1.0, 2.0, 3.0, 10.0, 4.0],
            "school_type": ["CY", "CY", "AC", "CY", "AC", "VA"],
        },
        index=["S1", "S2", "S3", "S4", "S5", "S6"],
    )
    change = pd.Series([1.0, 2.0, 4.0, 0.0, 3.0, 9.0], index=pool.index)
    got = pool_variance(pool, change, ["baseline", "school_type"], j=1)
    # CY: S1 -> S2: 1/2 (1 - 2)^2 = 0.5; S2 -> S1 (1) before S4 (2): 0.5; S4 -> S2: 1/2 x 4 = 2
    # AC: S3 <-> S5: 1/2 (4 - 3)^2 = 0.5 each. VA: S6 alone -> NaN
    np.testing.assert_allclose(got, [0.5, 0.5, 0.5, 2.0, 0.5, np.nan])


# --- the baseline-only matching, reproduced ----------------------------------------------


def baseline_only_sets(project_baseline: pd.Series, pool_baseline: pd.Series, k: int):
    """The matching the report used before ``match_on`` (``comparison.match_sets`` as it was):
    absolute difference in baseline, compared at 6 decimals, every tie with the k-th kept."""
    p = project_baseline.astype(float).dropna()
    q = pool_baseline.astype(float).dropna()
    distance = np.abs(p.to_numpy()[:, None] - q.to_numpy()[None, :])
    rounded = np.round(distance, 6)
    kth = min(k, rounded.shape[1]) - 1
    cutoff = np.partition(rounded, kth, axis=1)[:, kth]
    rows, cols = np.nonzero(rounded <= cutoff[:, None])
    out = pd.DataFrame(
        {
            "urn": p.index.to_numpy(dtype=str)[rows],
            "pool_urn": q.index.to_numpy(dtype=str)[cols],
            "_order": rows,
            "_rounded": rounded[rows, cols],
        }
    )
    return out.sort_values(["_order", "_rounded", "pool_urn"], kind="stable")


def mainstream_progress(path, year: int) -> pd.DataFrame:
    figures = school_figures(read_performance_table(path, year, SUBJECTS["maths"].columns), "maths")
    figures = figures[figures["rectype"] == RECTYPE_MAINSTREAM]
    return figures[["progress"]].rename(columns={"progress": "baseline"}).dropna()


def assert_reproduces(schools: pd.DataFrame, seeds: range, size: int) -> int:
    """Draw project schools, match both ways for k = 1, 3, 5; return the tied sets seen."""
    ties = 0
    for seed in seeds:
        rng = np.random.default_rng(seed)
        chosen = rng.choice(schools.index.to_numpy(), size=size, replace=False)
        project, pool = schools.loc[chosen], schools.drop(chosen)
        for k in (1, 3, 5):
            new = match_sets(project, pool, ["baseline"], k=k)
            old = baseline_only_sets(project["baseline"], pool["baseline"], k)
            assert pairs(new) == pairs(old), (seed, k)
            ties += int((new.groupby("urn").size() > k).sum())
    return ties


@pytest.mark.parametrize("folder", ["2016-2017", "2017-2018", "2018-2019"])
def test_baseline_only_reproduces_the_old_sets_on_the_examples(folder):
    path = REPO / "examples" / "data" / folder / "919_ks2final_synthetic.csv"
    schools = mainstream_progress(path, int(folder[-4:]))
    assert len(schools) > 250
    ties = assert_reproduces(schools, range(10), size=12)
    assert ties > 0  # 1-decimal scores: the draws do exercise ties


@pytest.mark.parametrize("la", ["850", "936"])
@pytest.mark.parametrize("folder", ["2016-2017", "2017-2018", "2018-2019"])
def test_baseline_only_reproduces_the_old_sets_on_the_real_files(dfe_data, folder, la):
    schools = mainstream_progress(dfe_data / folder / f"{la}_ks2final.csv", int(folder[-4:]))
    assert len(schools) > 200
    ties = assert_reproduces(schools, range(8), size=35)
    assert ties > 0


def test_default_matching_on_the_real_hampshire_file(dfe_data):
    """Hampshire 2017 with the year before (MATPROG_16) and cohort size: every project school
    matched, match sets of at least k, baseline balanced within 0.1 after matching and every
    variable within 0.25."""
    path = dfe_data / "2016-2017" / "850_ks2final.csv"
    table = read_performance_table(path, 2017, [*SUBJECTS["maths"].columns, "MATPROG_16"])
    figures = school_figures(table, "maths")
    rows = table.frame.set_index("URN").loc[figures.index]
    schools = pd.DataFrame(
        {
            "baseline": figures["progress"].to_numpy(),
            "prior_progress": parse_figures(rows["MATPROG_16"])[0].to_numpy(),
            "cohort_size": figures["telig"].to_numpy(),
        },
        index=figures.index.astype(str),
    )[(figures["rectype"] == RECTYPE_MAINSTREAM).to_numpy()]
    schools = schools.dropna(subset=["baseline"])
    chosen = np.random.default_rng(3).choice(schools.index.to_numpy(), size=35, replace=False)
    project, pool = schools.loc[chosen], schools.drop(chosen)
    sets = match_sets(project, pool, DEFAULT_MATCH_ON, k=5)
    sizes = sets.groupby("urn").size()
    assert len(sizes) == 35 and (sizes >= 5).all()
    balance = balance_table(project, pool, sets, DEFAULT_MATCH_ON).set_index("variable")
    assert list(balance.index) == ["baseline", "prior_progress", "cohort_size"]
    # measured on this draw: after matching 0.006 (baseline), 0.112 (prior), 0.038 (cohort)
    assert abs(balance.loc["baseline", "smd_after"]) < 0.1
    assert (balance["smd_after"].abs() < 0.25).all(), balance
    sigma2 = pool_variance(pool, pd.Series(1.0, index=pool.index), DEFAULT_MATCH_ON)
    assert (sigma2.dropna() == 0).all()  # a constant change has no variance
    weights = match_weights(sets)
    np.testing.assert_allclose(weights["K"].sum(), 1.0)


def test_thirty_five_schools_against_three_thousand():
    rng = np.random.default_rng(0)

    def schools(n: int, prefix: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "baseline": np.round(rng.normal(0, 2.5, n), 1),
                "prior_progress": np.round(rng.normal(0, 2.5, n), 1),
                "cohort_size": rng.integers(5, 120, n).astype(float),
                "disadvantaged": np.round(rng.uniform(0, 60, n)),
                "ks1_average": np.round(rng.normal(16, 1, n), 1),
                "school_type": rng.choice(["AC", "CY", "VA", "VC"], n),
                "scaled_score": np.round(rng.normal(104, 3, n), 1),
            },
            index=[f"{prefix}{i}" for i in range(n)],
        )

    project, pool = schools(35, "A"), schools(3000, "P")
    on = list(MATCH_VARIABLES)
    sets = match_sets(project, pool, on, k=5)
    assert sets["urn"].nunique() == 35 and (sets.groupby("urn").size() >= 5).all()
    same_type = project["school_type"].reindex(sets["urn"]).to_numpy()
    assert (pool["school_type"].reindex(sets["pool_urn"]).to_numpy() == same_type).all()
    sigma2 = pool_variance(pool, pd.Series(rng.normal(0, 1, 3000), index=pool.index), on)
    assert sigma2.notna().all()
    # one row per numeric variable, one per school type
    assert len(balance_table(project, pool, sets, on)) == 6 + 4
