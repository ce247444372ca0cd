"""Who may be a comparison school: never a school of the project, of an earlier cohort named
under ``exclude_from_pool``, or of any roster in the same batch."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.params import load_params
from ipm_analysis.inputs.roster import read_roster
from ipm_analysis.pipeline.batch import plan

REPO = Path(__file__).resolve().parents[1]
FIRST, SECOND = REPO / "params" / "ipm_2017_18.yaml", REPO / "params" / "ipm_2018_19.yaml"
COHORT_3 = REPO / "examples" / "rosters" / "ipm_2018_19_roster.csv"


def test_a_named_roster_and_named_urns_leave_the_pool():
    params = load_params(FIRST)
    cohort_3 = set(read_roster(COHORT_3)["urn"])
    pool = set(evaluate(params).pool.index)
    assert len(cohort_3 & pool) == 29  # 30 schools, one without a 2017 and 2018 score
    without = evaluate(replace(params, exclude_from_pool=[str(COHORT_3)]))
    assert not cohort_3 & set(without.pool.index)
    # and 910159, whose row names cohort 3's academy 990002 as its new URN
    assert set(without.pool.index) == pool - cohort_3 - {"910159"}
    two = sorted(pool)[:2]
    fewer = evaluate(replace(params, exclude_from_pool=two))
    assert set(fewer.pool.index) == pool - set(two)


def test_a_batch_keeps_every_roster_out_of_every_pool(tmp_path):
    items = plan([FIRST, SECOND], tmp_path)
    excluded = {item.report_id: item.prepared.parameters["exclude_from_pool"] for item in items}
    assert excluded["ipm-2017-18"] == [str(COHORT_3.resolve())]
    first_roster = REPO / "examples" / "rosters" / "ipm_2017_18_roster.csv"
    assert excluded["ipm-2018-19"] == [str(first_roster.resolve())]
    # the roster kept out is an input: changing it makes the report out of date
    roles = items[0].prepared.inputs
    assert roles["kept out of the pool 1"] == COHORT_3.resolve()


def test_exclude_from_pool_refuses_what_is_neither_a_urn_nor_a_roster(tmp_path):
    text = FIRST.read_text(encoding="utf-8").replace("../", f"{REPO}/")
    params = tmp_path / "p.yaml"
    params.write_text(text + "exclude_from_pool: [cohort 1 schools]\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ipm_analysis.cli", "validate", str(params)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert "'exclude_from_pool' has 'cohort 1 schools'" in done.stderr
    assert "Traceback" not in done.stderr
