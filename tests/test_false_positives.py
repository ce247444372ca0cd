"""How often does a project that did nothing look like it worked? (slow: 2 to 2.5 minutes)

A slow statistical test on the real Hampshire files (IPM_DFE_DATA), 2017 -> 2018 maths.
Pseudo-projects are drawn at random from the LA's mainstream schools with progress in both
years: none of them had a project, so the true net change is 0 and a 95% interval should
exclude 0 about 5% of the time. Each one is evaluated by the real ``evaluate_inputs`` (the
tables read once, the roster built in memory), with the default matching variables, no
placebo draws and no suppression, and we count how often the intention-to-treat ``net_change``
interval of group ``all`` excludes 0, and the same for the difference in differences
(``did``, from 2016).

300 pseudo-projects of 8 schools and 300 of 20 (seeded). The pooled rate must lie in
[2.5%, 7.5%]: with 600 draws a true 5% gives 30 +/- 5 and a true 10% gives 60 +/- 7, so the
limit of 45 separates them by about 3 SD each way. Each size's rate must be at most 9%, the
DiD's at most 10%.

Measured: net change excluded 0 in 10/300 (n = 8) and 18/300 (n = 20): 28/600 = 4.7%; DiD in
8/300 and 18/300: 26/600 = 4.3%. About 0.2-0.25 s per evaluation, 2 to 2.5 minutes in all
(``pytest -s`` prints the counts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.impact.evaluation import evaluate_inputs
from ipm_analysis.inputs.dfe_tables import (
    RECTYPE_MAINSTREAM,
    read_performance_table,
    school_figures,
    subject,
)
from ipm_analysis.inputs.params import ReportParams

LA, BASELINE, OUTCOME = "850", 2017, 2018
SIZES = (8, 20)
DRAWS = 300
SEED = 20180901


def excludes_zero(row: pd.Series) -> bool:
    return bool(row["ci_low"] > 0 or row["ci_high"] < 0)


def pseudo_roster(urns: np.ndarray) -> pd.DataFrame:
    """A roster of ``urns`` as ``read_roster`` returns it: one completed cohort, no TLA."""
    n = len(urns)
    roster = pd.DataFrame(
        {
            "urn": pd.array(urns, dtype=object),
            "cohort": "1",
            "school_name": "",
            "tla": pd.array([pd.NA] * n, dtype="boolean"),
            "visits": pd.array([pd.NA] * n, dtype="Int64"),
            "status": "completed",
            "line": np.arange(2, n + 2),
        }
    )
    roster.attrs["has_tla"] = False
    return roster


@pytest.fixture(scope="module")
def rejections(dfe_data) -> dict[int, dict[str, int]]:
    """For each project size: how many pseudo-projects' net change and DiD intervals exclude
    0, and how many had a DiD interval at all."""
    maths = subject("maths")
    tables = {
        year: read_performance_table(
            dfe_data / f"{year - 1}-{year}" / f"{LA}_ks2final.csv",
            year,
            maths.columns,
            maths.design_columns(year),
        )
        for year in (BASELINE, OUTCOME)
    }
    before, after = (school_figures(tables[y], "maths") for y in (BASELINE, OUTCOME))
    mainstream = before.index[
        (before["rectype"] == RECTYPE_MAINSTREAM) & before["progress"].notna()
    ]
    eligible = [u for u in mainstream if u in after.index and pd.notna(after.loc[u, "progress"])]
    params = ReportParams(
        report_id="false-positives",
        title="false positives",
        roster="/dev/null",
        performance={BASELINE: "unused", OUTCOME: "unused"},
        baseline_year=BASELINE,
        outcome_year=OUTCOME,
        n_placebo=0,
        suppress=False,
    )
    rng = np.random.default_rng(SEED)
    counts = {}
    for n in SIZES:
        found = {"net_change": 0, "did": 0, "did_draws": 0}
        for _ in range(DRAWS):
            roster = pseudo_roster(rng.choice(eligible, n, replace=False))
            summary = evaluate_inputs(params, roster, roster, tables).summary
            rows = summary[summary["group"].eq("all") & summary["population"].eq("itt")]
            net = rows[rows["measure"].eq("net_change")].iloc[0]
            found["net_change"] += excludes_zero(net)
            did = rows[rows["measure"].eq("did")]
            if len(did) and pd.notna(did.iloc[0]["ci_low"]):
                found["did_draws"] += 1
                found["did"] += excludes_zero(did.iloc[0])
        counts[n] = found
    print(f"\nHampshire {BASELINE} -> {OUTCOME} maths, {DRAWS} pseudo-projects per size:")
    for n, found in counts.items():
        print(
            f"  n={n}: net change excludes 0 in {found['net_change']}/{DRAWS}, "
            f"did in {found['did']}/{found['did_draws']}"
        )
    return counts


def test_net_change_of_pseudo_projects_excludes_zero_about_5_percent(rejections):
    pooled = sum(found["net_change"] for found in rejections.values()) / (DRAWS * len(SIZES))
    assert 0.025 <= pooled <= 0.075
    for n, found in rejections.items():
        assert found["net_change"] / DRAWS <= 0.09, f"n={n}: {found['net_change']}/{DRAWS}"


def test_difference_in_differences_of_pseudo_projects_excludes_zero_at_most_10_percent(
    rejections,
):
    for n, found in rejections.items():
        assert found["did_draws"] == DRAWS, f"n={n}: a DiD for every pseudo-project"
        assert found["did"] / found["did_draws"] <= 0.10, f"n={n}: {found['did']}/{DRAWS}"
