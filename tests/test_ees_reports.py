"""The same schools and years read from the wide files and from the Explore Education
Statistics files give the same report figures: every row of summary.csv and of its companions.

The EES files are the real 2016-17 to 2018-19 Hampshire files re-expressed by the converter in
``tests/test_ees.py``; the roster is 20 real Hampshire schools (one withdrawn)."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from test_ees import convert_to_ees

from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.dfe_tables import read_performance_table, school_figures, subject
from ipm_analysis.inputs.params import ReportParams

from conftest import write_roster

YEARS = (2017, 2018)


def _hampshire_only(path):
    """The converted file's Hampshire rows (and the national ones): what an analyst filters
    from the EES download to match a Hampshire wide file (whose pool is Hampshire's)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])

    def hampshire(row: dict) -> bool:
        code = row.get("school_laestab") or row.get("old_la_code") or ""
        return code.startswith("850") or row.get("geographic_level") == "National"

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(r for r in rows if hampshire(r))
    return path


@pytest.fixture(scope="module")
def both(dfe_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ees-report")
    ees = {name: _hampshire_only(path) for name, path in convert_to_ees(dfe_data, folder).items()}
    wide = {y: dfe_data / f"{y - 1}-{y}" / "850_ks2final.csv" for y in YEARS}
    figures = {
        y: school_figures(read_performance_table(wide[y], y, subject("maths").columns), "maths")
        for y in YEARS
    }
    both_years = figures[2017].index.intersection(figures[2018].index)
    scored = [
        u
        for u in both_years
        if figures[2017].loc[u, "rectype"] == "1"
        and not np.isnan(figures[2017].loc[u, "progress"])
        and not np.isnan(figures[2018].loc[u, "progress"])
    ]
    urns = sorted(scored)[::12][:20]
    roster = write_roster(folder / "roster.csv", urns, withdrawn=4)
    common = {
        "report_id": "wide-or-ees",
        "title": "Hampshire, either format",
        "roster": str(roster),
        "baseline_year": 2017,
        "outcome_year": 2018,
        "n_placebo": 500,
        "exclude_from_pool": [],
    }
    from_wide = ReportParams.from_mapping({**common, "performance": wide})
    from_ees = ReportParams.from_mapping(
        {
            **common,
            "performance": {y: str(ees["performance"]) for y in YEARS},
            "school_information": {y: str(ees["information"]) for y in YEARS},
            "la_performance": str(ees["area"]),
        }
    )
    return evaluate(from_wide), evaluate(from_ees)


#: Columns that rest on the pupil-level sigma: EES publishes no progress coverage, so its
#: sigma is implied with eligible pupils (2-3% high on these files; see effect_size.py).
SIGMA_COLUMNS = ["effect_size", "effect_size_low", "effect_size_high", "months"]


@pytest.mark.parametrize(
    "table", ["summary", "effects", "balance", "event_study", "placebo", "matched"]
)
def test_every_report_figure_is_the_same_from_either_format(both, table):
    wide, ees = (getattr(ev, table).reset_index(drop=True) for ev in both)
    assert len(wide) > 0
    if table == "effects":
        wide, ees = wide.drop(columns=SIGMA_COLUMNS), ees.drop(columns=SIGMA_COLUMNS)
    pd.testing.assert_frame_equal(wide, ees, check_dtype=False, atol=1e-12)


def test_effect_sizes_differ_only_by_the_sigma_each_format_allows(both):
    wide, ees = both
    assert wide.sigma[0] == pytest.approx(5.421, abs=0.001)  # TELIG x MATCOV pupils
    assert ees.sigma[0] == pytest.approx(5.519, abs=0.001)  # TELIG alone: 1.8% higher
    assert "eligible pupils stand in" in ees.sigma[1] and "stand in" not in wide.sigma[1]
    ratio = wide.effects["effect_size"] / ees.effects["effect_size"]
    assert np.allclose(ratio.dropna(), ees.sigma[0] / wide.sigma[0])


def test_the_report_reads_as_much_from_either_format(both):
    wide, ees = both
    assert wide.match_on == ees.match_on == ["baseline", "prior_progress", "cohort_size"]
    assert wide.la_name == ees.la_name
    rows = wide.summary.set_index(["measure", "estimate", "group", "population"])
    assert rows.loc[("progress", "change", "all", "itt"), "n_schools"] == 20
    assert rows.loc[("progress", "change", "all", "completed"), "n_schools"] == 19
    for ev in both:  # the LA and national lines, from the LA/national file in EES
        groups = set(ev.summary["group"])
        assert {"la", "national"} <= groups


def test_without_the_la_file_the_report_says_the_lines_were_not_supplied():
    """The synthetic 2022-23 -> 2024-25 example from EES files, with and without its LA and
    national file."""
    from dataclasses import replace
    from pathlib import Path

    from ipm_analysis.inputs.params import load_params

    params = load_params(
        Path(__file__).parents[1] / "examples" / "params" / "ipm_2022_23_to_2024_25_ees.yaml"
    )
    with_file = evaluate(params)
    without = evaluate(replace(params, la_performance=None))
    said = [w for w in without.warnings if w.startswith("The LA and national figures")]
    assert said == [
        "The LA and national figures were not supplied: the Explore Education Statistics "
        "school files for 2023, 2025 hold none, so the report has no LA or national lines. "
        "Add 'la_performance:' (the KS2 LA and national performance file) to show them."
    ]
    # no national line either: the one national figure known without the file is progress's
    # 0 (by definition), and 2024-25 has no progress scores, so the report has no progress
    assert without.measures == ["attainment", "higher_standard", "scaled_score"]
    assert not {"la", "national"} & set(without.summary["group"])
    for group in ("la", "national"):  # with the file: a line of every measure of the report
        lines = with_file.summary[with_file.summary["group"].eq(group)]
        assert list(lines["measure"]) == with_file.measures
        assert set(lines["estimate"]) == {"change"}
    assert not [w for w in with_file.warnings if w.startswith("The LA and national figures")]


def test_years_without_progress_say_why_once_in_either_format():
    """2022-23 -> 2024-25: the 2024-25 cohort had no KS1, so no progress scores; the report
    says so in one sentence and gives the attainment figures (compared with similar schools
    on attainment), from wide or EES files alike."""
    from pathlib import Path

    from ipm_analysis.inputs.params import load_params

    repo = Path(__file__).parents[1]
    reports = [
        evaluate(load_params(repo / path))
        for path in (
            "params/ipm_2022_23_to_2024_25.yaml",
            "examples/params/ipm_2022_23_to_2024_25_ees.yaml",
        )
    ]
    for ev in reports:
        assert ev.warnings == [
            "There are no KS2 progress scores for 2024-25: the cohort had no KS1 assessments "
            "(KS1 was cancelled in 2021 because of COVID-19). The report is built on what the "
            "files hold (attainment, the higher standard and the average scaled score, where "
            "published), and the comparison with similar schools is of attainment.",
            # the comparison runs (on attainment), so it checks its matches as it does on
            # progress
            "1 project school(s) have no close comparison school, so their net change leans "
            "on schools unlike them: URN 920340 (Vowellwood Primary School): closest "
            "comparison school too far. Read their figures with care.",
        ]
        assert ev.measures == ["attainment", "higher_standard", "scaled_score"]
        assert "progress" not in set(ev.summary["measure"])
        rows = ev.summary.set_index(["measure", "estimate", "group", "population"])
        assert rows.loc[("attainment", "change", "all", "itt"), "n_schools"] == 35
    # the wide 2022-23 file carries 2018-19 scaled scores (MAT_AVERAGE_19), the EES example
    # file no year before 2022/23: only the wide report has a trend check (pre_gap, did); the
    # EES report's event study is of attainment from the baseline year on
    assert reports[0].trend_measure == "scaled_score" and reports[0].pre_year == 2019
    assert reports[1].trend_measure == "attainment" and reports[1].pre_year is None
    # ... and 2023/24 from the same file (the outcome year's earlier time_period)
    assert sorted(set(reports[1].event_study["year"])) == [2023, 2024, 2025]
    trends = ["pre_gap", "did"]
    wide, ees = (
        ev.summary[~ev.summary["estimate"].isin(trends)].set_index(
            ["measure", "estimate", "group", "population"]
        )
        for ev in reports
    )
    assert set(reports[1].summary["estimate"]) == set(wide.index.get_level_values("estimate"))
    figures = ["n_schools", "baseline", "outcome", "change", "ci_low", "ci_high"]
    for measure in reports[0].measures:  # every other row of every measure, comparison included
        pd.testing.assert_frame_equal(
            wide.loc[measure, figures], ees.loc[measure, figures], atol=1e-12
        )
