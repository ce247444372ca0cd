"""How often does a project that did nothing look like it worked? (slow: about 6 minutes)

A slow statistical test on the real Hampshire files (IPM_DFE_DATA), 2017 -> 2018 maths.
Pseudo-projects are drawn at random from the LA's mainstream schools with progress in both
years: none of them had a project, so the true net change is 0 and a 95% interval should
exclude 0 about 5% of the time. Each one is evaluated by the real ``evaluate_inputs`` (the
tables read once, the roster built in memory), with the default matching variables, no
placebo draws and no suppression, and we count how often the intention-to-treat net change
interval of group ``all`` excludes 0 for every measure the report shows (progress, and through
the same match sets attainment, the higher standard and the scaled score), and the same for
the difference in differences of progress (``did``, from 2016).

The same is then done with the files' progress columns blanked, as in 2024 and 2025 when no
pupil had a KS1 assessment: the report then compares attainment, matched on baseline
attainment, the baseline scaled score and cohort size (``DEFAULT_MATCH_ON_ATTAINMENT``).

300 pseudo-projects of 8 schools and 300 of 20 (seeded) for each design. Each pooled rate must
lie in [2.5%, 7.5%]: with 600 draws a true 5% gives 30 +/- 5 and a true 10% gives 60 +/- 7,
so the limit of 45 separates them by about 3 SD each way. Each size's rate must be at most
9%, the DiD's at most 10%.

Measured (``pytest -s`` prints the counts), net change excluding 0 out of 300 (n = 8, n = 20):
with progress: progress 10 and 20 (30/600 = 5.0%), attainment 6 and 15 (3.5%), higher standard
18 and 15 (5.5%), scaled score 14 and 17 (5.2%); DiD 9 and 19 (4.7%). Without progress:
attainment 10 and 22 (5.3%). About 0.3 s per evaluation, 6 minutes in all on a quiet machine.
"""

from __future__ import annotations

import dataclasses

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


#: The net changes counted: every measure of a maths report on the real files.
MEASURES = ("progress", "attainment", "higher_standard", "scaled_score")


@pytest.fixture(scope="module")
def tables(dfe_data) -> dict:
    maths = subject("maths")
    return {
        year: read_performance_table(
            dfe_data / f"{year - 1}-{year}" / f"{LA}_ks2final.csv",
            year,
            maths.columns,
            maths.design_columns(year),
        )
        for year in (BASELINE, OUTCOME)
    }


def without_progress(table):
    """``table`` with every maths progress column blank, as a 2024-25 file has them."""
    blank = [c for c in table.frame.columns if c.startswith("MATPROG")]
    return dataclasses.replace(table, frame=table.frame.assign(**dict.fromkeys(blank, "")))


def count_rejections(tables: dict, eligible: list[str], estimates: list[tuple[str, str]]):
    """For each project size: how many pseudo-projects' intervals of each (measure, estimate)
    exclude 0, and how many had that interval at all."""
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
        found = {key: [0, 0] for key in estimates}
        for _ in range(DRAWS):
            roster = pseudo_roster(rng.choice(eligible, n, replace=False))
            summary = evaluate_inputs(params, roster, roster, tables).summary
            rows = summary[summary["group"].eq("all") & summary["population"].eq("itt")]
            rows = rows.set_index(["measure", "estimate"])
            for key in estimates:
                if key in rows.index and pd.notna(rows.loc[key, "ci_low"]):
                    found[key][1] += 1
                    found[key][0] += excludes_zero(rows.loc[key])
        counts[n] = found
        for (measure, estimate), (hits, draws) in found.items():
            print(f"  n={n}: {measure} {estimate} excludes 0 in {hits}/{draws}")
    return counts


@pytest.fixture(scope="module")
def eligible(tables) -> list[str]:
    before, after = (school_figures(tables[y], "maths") for y in (BASELINE, OUTCOME))
    mainstream = before.index[
        (before["rectype"] == RECTYPE_MAINSTREAM) & before["progress"].notna()
    ]
    return [u for u in mainstream if u in after.index and pd.notna(after.loc[u, "progress"])]


@pytest.fixture(scope="module")
def rejections(tables, eligible) -> dict:
    print(f"\nHampshire {BASELINE} -> {OUTCOME} maths, {DRAWS} pseudo-projects per size:")
    estimates = [(m, "net_change") for m in MEASURES] + [("progress", "did")]
    return count_rejections(tables, eligible, estimates)


@pytest.fixture(scope="module")
def no_progress_rejections(tables, eligible) -> dict:
    print(f"\nThe same files without progress scores, {DRAWS} pseudo-projects per size:")
    blanked = {year: without_progress(table) for year, table in tables.items()}
    return count_rejections(blanked, eligible, [("attainment", "net_change")])


@pytest.mark.parametrize("measure", MEASURES)
def test_net_change_of_pseudo_projects_excludes_zero_about_5_percent(rejections, measure):
    key = (measure, "net_change")
    assert all(found[key][1] == DRAWS for found in rejections.values()), "an interval each"
    pooled = sum(found[key][0] for found in rejections.values()) / (DRAWS * len(SIZES))
    assert 0.025 <= pooled <= 0.075
    for n, found in rejections.items():
        assert found[key][0] / DRAWS <= 0.09, f"n={n}: {found[key][0]}/{DRAWS}"


def test_difference_in_differences_of_pseudo_projects_excludes_zero_at_most_10_percent(
    rejections,
):
    for n, found in rejections.items():
        hits, draws = found[("progress", "did")]
        assert draws == DRAWS, f"n={n}: a DiD for every pseudo-project"
        assert hits / draws <= 0.10, f"n={n}: {hits}/{DRAWS}"


def test_without_progress_the_attainment_comparison_excludes_zero_about_5_percent(
    no_progress_rejections,
):
    key = ("attainment", "net_change")
    found = no_progress_rejections
    assert all(f[key][1] == DRAWS for f in found.values()), "an interval each"
    pooled = sum(f[key][0] for f in found.values()) / (DRAWS * len(SIZES))
    assert 0.025 <= pooled <= 0.075
    for n, f in found.items():
        assert f[key][0] / DRAWS <= 0.09, f"n={n}: {f[key][0]}/{DRAWS}"
