"""Every measure a KS2 file holds, in every report: the higher standard, the scaled score,
reading, writing and maths combined, disadvantaged pupils, and reports without progress.

Expectations are computed here from the real Hampshire files (IPM_DFE_DATA) with the csv
module alone, never with the package's readers: a school counts in a measure when both years'
cells hold a number (a code such as SUPP is no figure), and a group's figure is the simple
mean over those schools.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.params import ReportParams, load_params
from ipm_analysis.reporting.charts.trends import event_study_chart
from ipm_analysis.reporting.evaluation_design import event_study_rows

from conftest import REPO, ipm, write_roster

YEARS = (2017, 2018)
LA = "850"


def read_rows(path: Path) -> dict[str, dict[str, str]]:
    """A wide file's mainstream school rows by URN, as text."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["URN"]: row for row in csv.DictReader(handle) if row["RECTYPE"] == "1"}


def number(text: str) -> float | None:
    """A cell's figure ('77%' -> 77.0); None for a blank or a DfE code."""
    try:
        return float(text.strip().removesuffix("%"))
    except ValueError:
        return None


def hand_means(rows: dict, urns: list[str], column: str) -> tuple[int, float, float]:
    """Schools with ``column`` in both years, and their simple means in each year."""
    pairs = [
        (number(rows[2017][u][column]), number(rows[2018][u][column]))
        for u in urns
        if u in rows[2017] and u in rows[2018]
    ]
    pairs = [(b, o) for b, o in pairs if b is not None and o is not None]
    return len(pairs), sum(b for b, _ in pairs) / len(pairs), sum(o for _, o in pairs) / len(pairs)


@pytest.fixture(scope="module")
def hampshire(dfe_data, tmp_path_factory) -> dict:
    """24 real Hampshire schools present in both years (every 9th URN in order), one of them
    withdrawn, and the two years' rows."""
    folder = tmp_path_factory.mktemp("measures")
    files = {y: dfe_data / f"{y - 1}-{y}" / f"{LA}_ks2final.csv" for y in YEARS}
    rows = {y: read_rows(path) for y, path in files.items()}
    urns = sorted(set(rows[2017]) & set(rows[2018]))[::9][:24]
    roster = write_roster(folder / "roster.csv", urns, withdrawn=5)
    return {"folder": folder, "files": files, "rows": rows, "urns": urns, "roster": roster}


def report_params(hampshire: dict, **extra) -> ReportParams:
    return ReportParams.from_mapping(
        {
            "report_id": "measures",
            "title": "Hampshire measures",
            "roster": str(hampshire["roster"]),
            "performance": {y: str(p) for y, p in hampshire["files"].items()},
            "baseline_year": 2017,
            "outcome_year": 2018,
            "n_placebo": 0,
            "suppress": False,
            "exclude_from_pool": [],
            **extra,
        }
    )


def itt_row(ev, measure: str, estimate: str = "change", group: str = "all") -> pd.Series:
    s = ev.summary
    rows = s[
        s["measure"].eq(measure)
        & s["estimate"].eq(estimate)
        & s["group"].eq(group)
        & s["population"].eq("itt")
    ]
    assert len(rows) == 1, (measure, estimate, group)
    return rows.iloc[0]


@pytest.fixture(scope="module")
def maths(hampshire):
    return evaluate(report_params(hampshire))


@pytest.mark.parametrize(
    ("measure", "column"),
    [
        ("progress", "MATPROG"),
        ("attainment", "PTMAT_EXP"),
        ("higher_standard", "PTMAT_HIGH"),
        ("scaled_score", "MAT_AVERAGE"),
    ],
)
def test_every_measure_is_the_paired_mean_of_its_column(hampshire, maths, measure, column):
    n, baseline, outcome = hand_means(hampshire["rows"], hampshire["urns"], column)
    row = itt_row(maths, measure)
    assert maths.measures == ["progress", "attainment", "higher_standard", "scaled_score"]
    assert int(row["n_schools"]) == n
    assert row["baseline"] == pytest.approx(baseline, abs=1e-9)
    assert row["outcome"] == pytest.approx(outcome, abs=1e-9)
    assert row["change"] == pytest.approx(outcome - baseline, abs=1e-9)


def test_every_measure_has_a_comparison_through_the_same_match_sets(maths):
    """Matched once on progress; each measure's net change is its change minus its
    comparison change, with an interval, for both populations."""
    assert maths.comparison_measure == "progress"
    for measure in maths.measures:
        change, comparison, net = (
            itt_row(maths, measure, e) for e in ("change", "comparison", "net_change")
        )
        assert pd.notna(net["ci_low"]) and net["ci_low"] < net["change"] < net["ci_high"]
        # every school of the group has a match here, so the means subtract exactly
        assert int(net["n_schools"]) == int(change["n_schools"])
        assert net["change"] == pytest.approx(change["change"] - comparison["change"], abs=1e-9)


def test_la_and_national_lines_of_every_measure_are_the_files_rows(hampshire, maths):
    for measure, column in (("higher_standard", "PTMAT_HIGH"), ("scaled_score", "MAT_AVERAGE")):
        published = {}
        for year, path in hampshire["files"].items():
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    if row["RECTYPE"] == "3" and row["LEA"] == LA:
                        published[year] = number(row[column])
        s = maths.summary
        la = s[s["measure"].eq(measure) & s["group"].eq("la")].iloc[0]
        assert (la["baseline"], la["outcome"]) == (published[2017], published[2018])


def test_disadvantaged_pupils_read_the_fsm6cla1a_columns(hampshire):
    ev = evaluate(report_params(hampshire, pupil_group="disadvantaged"))
    for measure, column in (
        ("progress", "MATPROG_FSM6CLA1A"),
        ("attainment", "PTMAT_EXP_FSM6CLA1A"),
        ("scaled_score", "MAT_AVERAGE_FSM6CLA1A"),
    ):
        n, baseline, outcome = hand_means(hampshire["rows"], hampshire["urns"], column)
        row = itt_row(ev, measure)
        assert (int(row["n_schools"]), row["baseline"], row["outcome"]) == (
            n,
            pytest.approx(baseline, abs=1e-9),
            pytest.approx(outcome, abs=1e-9),
        )
    # most schools' disadvantaged figures are suppressed (SUPP): fewer count than for all pupils
    assert int(itt_row(ev, "progress")["n_schools"]) < 24
    # the group's limits with the whole cohort's numbers would overstate the pupil-level
    # spread, so 2018 (not published) has no effect sizes for a pupil group
    assert pd.isna(ev.sigma[0]) and "cannot imply it" in ev.sigma[1]
    assert ev.effects["effect_size"].isna().all()


def test_rwm_has_no_progress_so_the_report_compares_attainment(hampshire):
    ev = evaluate(report_params(hampshire, subject="rwm"))
    assert ev.measures == ["attainment", "higher_standard"]
    assert ev.comparison_measure == "attainment"
    assert ev.primary_question["measure"] == "attainment"
    n, baseline, _ = hand_means(hampshire["rows"], hampshire["urns"], "PTRWM_EXP")
    row = itt_row(ev, "attainment")
    assert (int(row["n_schools"]), row["baseline"]) == (n, pytest.approx(baseline, abs=1e-9))
    assert not ev.summary["measure"].eq("progress").any()
    said = " ".join(ev.warnings)
    assert "no progress score for rwm" in said
    # the files hold no combined scaled score, so matching falls back, and says so
    assert ev.match_on == ["baseline", "cohort_size"]
    assert "match_on names scaled_score" in said
    assert pd.notna(itt_row(ev, "attainment", "net_change")["ci_low"])


def test_pupil_weighting_of_a_pupil_group_is_refused_naming_the_line(hampshire, tmp_path):
    params = tmp_path / "group.yaml"
    params.write_text(
        "report_id: g\ntitle: g\n"
        f"roster: {hampshire['roster']}\n"
        "performance:\n"
        + "".join(f"  {y}: {p}\n" for y, p in hampshire["files"].items())
        + "baseline_year: 2017\noutcome_year: 2018\n"
        "weighting: pupils\npupil_group: disadvantaged\n",
        encoding="utf-8",
    )
    done = ipm("validate", str(params))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "'pupil_group' (line 10)" in done.stderr
    assert "no progress coverage" in done.stderr


def blank_progress(source: Path, target: Path) -> Path:
    """``source`` with every maths progress cell (MATPROG*, every year's) blank."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames
        rows = list(reader)
    for row in rows:
        for column in fields:
            if column.startswith("MATPROG"):
                row[column] = ""
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.fixture(scope="module")
def blank_report(hampshire) -> dict:
    """``ipm report`` (a separate process, a real kernel) on the two Hampshire files with
    every progress column empty."""
    folder = hampshire["folder"] / "blank"
    folder.mkdir()
    files = {
        y: blank_progress(p, folder / f"{y}_{LA}_ks2final.csv")
        for y, p in hampshire["files"].items()
    }
    params = folder / "blank.yaml"
    params.write_text(
        "report_id: no-progress\ntitle: Hampshire without progress scores\n"
        f"roster: {hampshire['roster']}\n"
        "performance:\n"
        + "".join(f"  {y}: {p}\n" for y, p in files.items())
        + "baseline_year: 2017\noutcome_year: 2018\nn_placebo: 200\nexclude_from_pool: []\n",
        encoding="utf-8",
    )
    done = ipm("report", str(params), "--output-dir", str(folder / "out"))
    out = folder / "out" / "no-progress"
    return {"done": done, "out": out, "html": (out / "report.html").read_text("utf-8")}


def test_a_file_without_progress_gives_an_attainment_report(hampshire, blank_report):
    done, out = blank_report["done"], blank_report["out"]
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(out / "summary.csv")
    effects = pd.read_csv(out / "effects.csv")
    assert set(summary["measure"]) == {"attainment", "higher_standard", "scaled_score"}
    assert not effects["measure"].eq("progress").any()
    assert effects["effect_size"].isna().all()  # no pupil-level spread but progress's
    for measure, column in (
        ("attainment", "PTMAT_EXP"),
        ("higher_standard", "PTMAT_HIGH"),
        ("scaled_score", "MAT_AVERAGE"),
    ):
        n, baseline, outcome = hand_means(hampshire["rows"], hampshire["urns"], column)
        row = summary[
            summary["measure"].eq(measure)
            & summary["estimate"].eq("change")
            & summary["group"].eq("all")
            & summary["population"].eq("itt")
        ].iloc[0]
        assert (int(row["n_schools"]), row["baseline"], row["outcome"]) == (
            n,
            pytest.approx(baseline, abs=1e-9),
            pytest.approx(outcome, abs=1e-9),
        )
    # the comparison is of attainment, matched on baseline attainment and the scaled score
    balance = pd.read_csv(out / "balance.csv")
    assert balance["variable"].tolist() == ["baseline", "scaled_score", "cohort_size"]
    info = json.loads((out / "report_info.json").read_text("utf-8"))
    assert info["primary"]["measure"] == "attainment"
    assert info["primary"]["estimate"] == "net_change"


def test_a_file_without_progress_says_why_once(blank_report):
    html = " ".join(blank_report["html"].split())
    sentence = (
        "The MATPROG column of the 2017 file and the 2018 file is empty for every school, so "
        "there is no progress score to compare."
    )
    assert html.count(sentence) == 1
    assert "the comparison with similar schools is of attainment" in html
    assert "<h2>Progress</h2>" not in html
    assert "Maths attainment at KS2" in html


def test_asking_for_progress_where_there_is_none_gives_no_primary_result(hampshire, tmp_path):
    files = {y: blank_progress(p, tmp_path / f"{y}.csv") for y, p in hampshire["files"].items()}
    ev = evaluate(
        report_params(
            hampshire,
            performance={y: str(p) for y, p in files.items()},
            primary={"measure": "progress"},
        )
    )
    assert ev.primary() is None
    assert any(
        w.startswith("The primary question asks for progress, which these files do not hold")
        for w in ev.warnings
    )


@pytest.fixture(scope="module")
def recent():
    """The synthetic 2022-23 -> 2024-25 example as ``make report`` builds it."""
    return evaluate(load_params(REPO / "params" / "ipm_2022_23_to_2024_25.yaml"))


def test_the_2023_to_2025_example_is_an_attainment_report(recent):
    assert recent.measures == ["attainment", "higher_standard", "scaled_score"]
    assert recent.match_on == ["baseline", "scaled_score", "cohort_size"]
    assert recent.primary() is not None
    assert recent.primary()["measure"] == "attainment"


def test_the_2023_to_2025_trends_step_over_the_years_without_figures(recent):
    """No earlier year of maths attainment is published in any file (the _yy blocks hold
    reading, writing and maths combined, progress and the scaled score), so the trends follow
    the scaled score: 2019 from the 2022-23 file, nothing for 2020 to 2022, the baseline 2023,
    2024 from the 2024-25 file's _24 block, and the outcome 2025."""
    assert recent.trend_measure == "scaled_score"
    assert recent.pre_year == 2019
    rows = event_study_rows(recent)
    assert sorted(set(rows["year"])) == [2019, 2023, 2024, 2025]
    assert set(rows["measure"]) == {"scaled_score"}
    # 2024: the project schools' mean of MAT_AVERAGE_24 in the 2024-25 file, read by hand
    with (REPO / "examples/data/2024-2025/919_ks2revised_synthetic.csv").open(
        encoding="utf-8-sig", newline=""
    ) as handle:
        file_2025 = {row["URN"]: row for row in csv.DictReader(handle)}
    urns = recent.schools["outcome_urn"].astype(str)
    values = [number(file_2025[u]["MAT_AVERAGE_24"]) for u in urns if u in file_2025]
    values = [v for v in values if v is not None]
    year_2024 = rows[rows["group"].eq("all") & rows["year"].eq(2024)].iloc[0]
    assert year_2024["project"] == pytest.approx(sum(values) / len(values), abs=1e-9)
    chart = event_study_chart(rows, subject="maths")
    assert "No figures for 2019-20, 2020-21, 2021-22 " in chart.alt
    assert "drawn as a gap, shaded, never joined by a line" in chart.alt
    assert "average scaled score" in chart.alt


def test_a_report_without_progress_still_refuses_a_roster_all_withdrawn(tmp_path):
    roster = pd.read_csv(REPO / "examples" / "rosters" / "ipm_2023_24_roster.csv", dtype=str)
    roster.assign(status="withdrawn").to_csv(tmp_path / "roster.csv", index=False)
    text = (REPO / "params" / "ipm_2022_23_to_2024_25.yaml").read_text("utf-8")
    text = text.replace("../examples/", f"{REPO}/examples/").replace(
        f"roster: {REPO}/examples/rosters/ipm_2023_24_roster.csv", f"roster: {tmp_path}/roster.csv"
    )
    params = tmp_path / "withdrawn.yaml"
    params.write_text(text, encoding="utf-8")
    done = ipm("validate", str(params))
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    assert "every one of the roster's 35 schools is marked withdrawn" in done.stderr


@pytest.mark.parametrize(
    ("primary", "question"),
    [
        ({"measure": "higher_standard"}, "Did the share of pupils at the higher standard in maths"),
        (
            {"measure": "scaled_score", "estimate": "did"},
            "allowing for the gap between them in 2018-19 (difference in differences)?",
        ),
    ],
)
def test_the_primary_question_names_its_measure_and_years(primary, question):
    from dataclasses import replace

    from ipm_analysis.reporting.evaluation_design import primary_question

    params = load_params(REPO / "params" / "ipm_2022_23_to_2024_25.yaml")
    ev = evaluate(replace(params, primary={**params.primary, **primary}))
    assert ev.primary() is not None
    assert question in primary_question(ev)


def test_a_difference_in_differences_the_files_cannot_give_is_said():
    """No earlier year of maths attainment is published: a primary DiD of attainment has no
    answer, and the report says so rather than answer another question."""
    from dataclasses import replace

    params = load_params(REPO / "params" / "ipm_2022_23_to_2024_25.yaml")
    ev = evaluate(replace(params, primary={**params.primary, "estimate": "did"}))
    assert ev.primary() is None
    assert (
        "The primary question asks for the difference in differences of attainment, but the "
        "files hold no earlier year of it; the report has no primary result."
    ) in ev.warnings
