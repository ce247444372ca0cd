"""Who may be a comparison school: never a school of the project, nor of another roster of the
programme: those named under ``exclude_from_pool``, or, by default, the rosters of the other
impact params files beside this one (what ``ipm batch`` builds together)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.params import load_params
from ipm_analysis.inputs.roster import read_roster
from ipm_analysis.pipeline.runner import prepare_report

REPO = Path(__file__).resolve().parents[1]
FIRST, SECOND = REPO / "params" / "ipm_2017_18.yaml", REPO / "params" / "ipm_2018_19.yaml"
COHORT_3 = REPO / "examples" / "rosters" / "ipm_2018_19_roster.csv"
COHORTS_1_2 = REPO / "examples" / "rosters" / "ipm_2017_18_roster.csv"
#: The roster of params/ipm_2022_23_to_2024_25.yaml, the third impact params file.
COHORTS_4_5 = REPO / "examples" / "rosters" / "ipm_2023_24_roster.csv"


def test_by_default_the_other_rosters_beside_the_params_file_leave_the_pool():
    first, second = load_params(FIRST), load_params(SECOND)
    assert first.exclude_from_pool == [str(COHORT_3.resolve()), str(COHORTS_4_5.resolve())]
    assert second.exclude_from_pool == [str(COHORTS_1_2.resolve()), str(COHORTS_4_5.resolve())]
    cohort_3 = set(read_roster(COHORT_3)["urn"])
    pool = set(evaluate(first).pool.index)
    assert not cohort_3 & pool
    everyone = set(evaluate(replace(first, exclude_from_pool=[])).pool.index)
    assert len(cohort_3 & everyone) == 29  # 30 schools, one without scores in both years
    # cohorts 4 and 5 are schools of the 2023 and 2025 files, none in 2017 and 2018's
    assert not set(read_roster(COHORTS_4_5)["urn"]) & everyone
    # and 910159, whose row names cohort 3's academy 990002 as its new URN
    assert pool == everyone - cohort_3 - {"910159"}


def test_named_urns_leave_the_pool():
    params = load_params(FIRST)
    pool = set(evaluate(params).pool.index)
    two = sorted(pool)[:2]
    fewer = evaluate(replace(params, exclude_from_pool=[*params.exclude_from_pool, *two]))
    assert set(fewer.pool.index) == pool - set(two)


def test_an_explicit_list_replaces_the_default_and_the_rosters_are_inputs(tmp_path):
    folder = tmp_path / "params"
    folder.mkdir()
    for path in (FIRST, SECOND):
        text = path.read_text(encoding="utf-8").replace("../", f"{REPO}/")
        (folder / path.name).write_text(text, encoding="utf-8")
    alone = folder / FIRST.name
    prepared = prepare_report(alone, tmp_path / "out")
    assert prepared.inputs["kept out of the pool 1"] == COHORT_3.resolve()
    with alone.open("a", encoding="utf-8") as handle:
        handle.write("exclude_from_pool: []\n")
    assert load_params(alone).exclude_from_pool == []
    assert load_params(folder / SECOND.name).exclude_from_pool == [str(COHORTS_1_2.resolve())]


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
    assert "'exclude_from_pool' (line 29) has 'cohort 1 schools'" in done.stderr
    assert "Traceback" not in done.stderr
