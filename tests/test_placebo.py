"""Placebo check (``impact.placebo``) on a pool where every pseudo-project is known by hand.

Six pool schools matched on baseline alone, in two clumps far apart:

    pool school   Q1   Q2   Q3   Q4   Q5   Q6
    baseline       0    1    2   10   11   12
    change         1    3   -1    2    2    4

Two project schools: P1 at baseline 0.4 (closest pool schools Q1, then Q2) and P2 at 11.4
(Q5, then Q6). With 2 candidates each and match sets of k = 2 other pool schools:

    Q1: closest others Q2 (1 away), Q3 (2)      net = 1 - (3 - 1)/2 = 0
    Q2: closest others Q1, Q3 (both 1 away)     net = 3 - (1 - 1)/2 = 3
    Q5: closest others Q4, Q6 (both 1 away)     net = 2 - (2 + 4)/2 = -1
    Q6: closest others Q5 (1), Q4 (2)           net = 4 - (2 + 2)/2 = 2

so a pseudo-project's net change is the mean of one of {0, 3} and one of {-1, 2}: -0.5, 1, 1 or
2.5, each pair with chance 1/4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.placebo import candidate_net_changes, placebo_draws, placebo_summary


@pytest.fixture
def candidates() -> pd.DataFrame:
    pool = pd.DataFrame(
        {"baseline": [0.0, 1.0, 2.0, 10.0, 11.0, 12.0]},
        index=pd.Index([f"Q{i}" for i in range(1, 7)], name="urn"),
    )
    change = pd.Series([1.0, 3.0, -1.0, 2.0, 2.0, 4.0], index=pool.index)
    project = pd.DataFrame({"baseline": [0.4, 11.4]}, index=pd.Index(["P1", "P2"], name="urn"))
    return candidate_net_changes(project, pool, change, ["baseline"], k=2, candidates=2)


def test_candidate_net_changes_by_hand(candidates):
    assert candidates["urn"].tolist() == ["P1", "P1", "P2", "P2"]
    assert candidates["pool_urn"].tolist() == ["Q1", "Q2", "Q5", "Q6"]  # closest first
    assert candidates["net_change"].tolist() == pytest.approx([0.0, 3.0, -1.0, 2.0])


def test_placebo_draws_take_one_candidate_per_school(candidates):
    draws = placebo_draws(candidates, ["P1", "P2"], None, n_draws=4000, seed=1)
    assert draws.shape == (4000,)
    values, counts = np.unique(draws, return_counts=True)
    assert values == pytest.approx([-0.5, 1.0, 2.5])
    # chances 1/4, 1/2, 1/4; 4,000 draws: SE of a share at most 0.008
    assert counts / 4000 == pytest.approx([0.25, 0.5, 0.25], abs=0.03)
    # the same seed gives the same draws
    assert np.array_equal(draws, placebo_draws(candidates, ["P1", "P2"], None, 4000, seed=1))


def test_weighted_placebo_draws_by_hand(candidates):
    draws = placebo_draws(candidates, ["P1", "P2"], np.array([3.0, 1.0]), n_draws=4000, seed=1)
    # 3/4 x {0, 3} + 1/4 x {-1, 2}: -0.25, 0.5, 2.0, 2.75, each with chance 1/4
    values, counts = np.unique(draws, return_counts=True)
    assert values == pytest.approx([-0.25, 0.5, 2.0, 2.75])
    assert counts / 4000 == pytest.approx([0.25] * 4, abs=0.03)


def test_a_school_without_candidates_is_left_out(candidates):
    draws = placebo_draws(candidates, ["P1", "P9"], None, n_draws=1000, seed=1)
    assert set(np.unique(draws)) == {0.0, 3.0}  # P1's candidates alone
    assert placebo_draws(candidates, ["P9"], None, n_draws=1000, seed=1).size == 0
    assert placebo_draws(candidates, ["P1"], None, n_draws=0, seed=1).size == 0


def test_placebo_summary_by_hand():
    draws = np.array([-0.5, 1.0, 1.0, 2.5])
    middle = placebo_summary(1.0, draws)
    assert middle["placebo_mean"] == pytest.approx(1.0)
    # numpy's linear quantile: position 0.025 x 3 = 0.075 -> -0.5 + 0.075 x 1.5 = -0.3875;
    # position 2.925 -> 1 + 0.925 x 1.5 = 2.3875
    assert middle["placebo_low"] == pytest.approx(-0.3875)
    assert middle["placebo_high"] == pytest.approx(2.3875)
    # at least 1.0: 3 draws + the project = 4 of 5; at most: the same; p = min(1, 2 x 0.8)
    assert middle["share_at_least"] == pytest.approx(0.8)
    assert middle["p_value"] == pytest.approx(1.0)
    top = placebo_summary(2.5, draws)
    # at least 2.5: (1 + 1)/5 = 0.4; at most: (1 + 4)/5 = 1; p = 2 x 0.4
    assert top["share_at_least"] == pytest.approx(0.4)
    assert top["p_value"] == pytest.approx(0.8)
    beyond = placebo_summary(3.0, draws)
    # none of the draws reaches 3: (1 + 0)/5 = 0.2, never 0; p = 0.4
    assert beyond["share_at_least"] == pytest.approx(0.2)
    assert beyond["p_value"] == pytest.approx(0.4)


def test_placebo_summary_without_draws_or_net_change_is_empty():
    for summary in (
        placebo_summary(1.0, np.array([])),
        placebo_summary(float("nan"), np.array([1.0, 2.0])),
        placebo_summary(1.0, np.array([np.nan, np.nan])),
    ):
        assert all(np.isnan(v) for v in summary.values())


def test_the_report_placebo_rows_name_the_measure_compared():
    """One row per population and group of the example report, of the measure the comparison
    matched on."""
    from dataclasses import replace

    from ipm_analysis.impact.evaluation import evaluate
    from ipm_analysis.impact.placebo import PLACEBO_COLUMNS
    from ipm_analysis.inputs.params import load_params

    from conftest import REPO

    params = load_params(REPO / "params" / "ipm_2018_19.yaml")
    ev = evaluate(replace(params, n_placebo=200))
    assert list(ev.placebo.columns) == [*PLACEBO_COLUMNS, "suppressed"]
    assert PLACEBO_COLUMNS[0] == "measure"
    assert ev.comparison_measure == "progress"
    assert set(ev.placebo["measure"]) == {"progress"}
    assert len(ev.placebo) == 10  # 5 groups x ITT and completed
