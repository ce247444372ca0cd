"""The CSVs an impact report writes: one kind of row per file, every column meaning one thing,
and the completed schools' figures as they were before the outputs were split (tests/data
holds the example reports' summary.csv rows from before the change, when the comparison
matched on the baseline score alone and the intervals were bootstrap percentiles; intervals
and detectable effects changed by design and are not compared). The pinned rows name only a
``measure``, from before the summary named each row's ``estimate`` apart from its measure:
:func:`old_key` maps them."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.params import load_params
from ipm_analysis.pipeline.index import headline_change
from ipm_analysis.reporting.outputs import (
    BALANCE_COLUMNS,
    COUNTS_COLUMNS,
    DETECTABLE_COLUMNS,
    EFFECTS_COLUMNS,
    MODEL_FITS_COLUMNS,
    PLACEBO_COLUMNS,
    SUMMARY_COLUMNS,
    TABLE_FILES,
    TRENDS_COLUMNS,
    output_tables,
    write_tables,
)

from conftest import REPO

BEFORE = REPO / "tests" / "data" / "example_summary_before_layering.csv"
EXAMPLES = {"ipm-2017-18": "ipm_2017_18.yaml", "ipm-2018-19": "ipm_2018_19.yaml"}
#: Published reference figures: no school count.
REFERENCE_GROUPS = ("la", "national")
#: The figures compared with the pinned file (the intervals changed by design).
FIGURES = ("n_schools", "baseline", "outcome", "change")
#: The pinned file's measures that were measures (the group means, estimate ``change``);
#: every other name was an estimate of progress (the comparison, the counts, the line).
OLD_MEASURES = ("progress", "attainment")


def old_key(row: dict[str, str]) -> tuple[str, str, str]:
    """A pinned row's (measure, estimate, group) in today's layout."""
    if row["measure"] in OLD_MEASURES:
        return (row["measure"], "change", row["group"])
    return ("progress", row["measure"], row["group"])


def is_reference(group: str) -> bool:
    return group in REFERENCE_GROUPS or group.startswith("comparator:")


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def same(old: str, new: str) -> bool:
    """The same cell: the same text, or the same number to 12 significant digits."""
    if old == new:
        return True
    a, b = number(old), number(new)
    return a is not None and b is not None and f"{a:.12g}" == f"{b:.12g}"


def before(report_id: str) -> list[dict[str, str]]:
    return [row for row in read_rows(BEFORE) if row["report_id"] == report_id]


def completed_or_reference(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], dict]:
    """Rows of the completed schools and of no population (references, the LA's schools, the
    regression line), by (measure, estimate, group): the rows the pinned file held."""
    return {
        (r["measure"], r["estimate"], r["group"]): r
        for r in rows
        if r["population"] in ("completed", "")
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, tuple[object, Path]]:
    """Both example evaluations (as in their params) and their written tables."""
    out = {}
    for report_id, name in EXAMPLES.items():
        ev = evaluate(load_params(REPO / "params" / name))
        folder = tmp_path_factory.mktemp(report_id)
        write_tables(ev, folder)
        out[report_id] = (ev, folder)
    return out


@pytest.fixture(scope="module")
def baseline_matched(tmp_path_factory) -> dict[str, Path]:
    """Both examples matched on the baseline score alone, with the pool as it was before
    (before ``match_on`` and before the other cohort's roster left the pool), written."""
    out = {}
    for report_id, name in EXAMPLES.items():
        params = load_params(REPO / "params" / name)
        params = replace(params, match_on=["baseline"], exclude_from_pool=[])
        folder = tmp_path_factory.mktemp(f"{report_id}-baseline")
        write_tables(evaluate(params), folder)
        out[report_id] = folder
    return out


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_completed_and_reference_rows_keep_their_figures(written, report_id):
    """Progress and attainment of the completed schools, and every reference line, are the
    pinned file's (the same schools, the same means)."""
    _, folder = written[report_id]
    assert header(folder / "summary.csv") == SUMMARY_COLUMNS
    rows = read_rows(folder / "summary.csv")
    new = completed_or_reference(rows)
    old = [r for r in before(report_id) if r["measure"] in OLD_MEASURES]
    assert len(old) >= 16
    for o in old:
        n = new[old_key(o)]
        for column in FIGURES:
            assert same(o[column], n[column]), (o["measure"], o["group"], column, o, n)
    assert {r["suppressed"] for r in rows} == {"false"}  # the examples hide nothing
    # every project row is there for both populations, intention to treat first
    project = [r for r in rows if r["population"]]
    assert [r["population"] for r in project[:2]] == ["itt", "itt"]
    assert {r["population"] for r in project} == {"itt", "completed"}


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_comparison_rows_equal_the_pinned_file_when_matched_on_the_baseline(
    baseline_matched, report_id
):
    folder = baseline_matched[report_id]
    old = {old_key(r): r for r in before(report_id)}
    comparison = completed_or_reference(read_rows(folder / "summary.csv"))
    effects = completed_or_reference(read_rows(folder / "effects.csv"))
    compared = 0
    for key, o in old.items():
        if key[:2] == ("progress", "comparison"):
            n = comparison[key]
            assert all(same(o[c], n[c]) for c in FIGURES), (o, n)
        elif key[:2] in (("progress", "net_change"), ("progress", "excess_change")):
            n = effects[key]
            assert same(o["n_schools"], n["n_schools"]) and same(o["change"], n["effect"])
        else:
            continue
        compared += 1
    assert compared == {"ipm-2017-18": 18, "ipm-2018-19": 15}[report_id]  # 3 x groups


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_counts_and_model_fit_keep_their_values(written, baseline_matched, report_id):
    """The counts as pinned; the line over the pool as pinned when the pool is as it was
    (before the other cohort's roster left it). Each measure has its own line (the files
    hold all four measures in both years); progress's is the pinned one."""
    _, folder = written[report_id]
    old = {old_key(r): r for r in before(report_id)}
    counts = read_rows(folder / "counts.csv")
    assert [(r["measure"], r["estimate"], r["population"]) for r in counts] == [
        ("progress", "below_threshold", "completed"),
        ("progress", "sig_below", "completed"),
    ]
    for row in counts:
        o = old[(row["measure"], row["estimate"], row["group"])]
        pairs = [("n_schools", "n_schools"), ("baseline", "baseline_count")]
        pairs += [("outcome", "outcome_count"), ("change", "change_count")]
        assert all(same(o[a], row[b]) for a, b in pairs), (o, row)
        assert row["baseline_count"].isdigit() and row["outcome_count"].isdigit()
    fits = read_rows(baseline_matched[report_id] / "model_fits.csv")
    assert [(f["model"], f["measure"], f["group"]) for f in fits] == [
        ("regression_to_mean", measure, "pool")
        for measure in ("progress", "attainment", "higher_standard", "scaled_score")
    ]
    fit = fits[0]
    o = old[("progress", "rtm_fit", "pool")]
    assert same(o["baseline"], fit["intercept"]) and same(o["change"], fit["slope"])
    assert same(o["n_schools"], fit["n_schools"]) and fit["suppressed"] == "false"


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_every_summary_row_is_written_in_exactly_one_place(written, report_id):
    """A summary row is a group mean (summary.csv), an estimate (effects.csv: net change,
    excess change, the gap rows, the TLA difference), a detectable effect, a count or the
    fitted line; plain changes of every measure (capped or not) are also estimates, so
    effects.csv repeats them (with their effect sizes, for progress)."""
    ev, folder = written[report_id]
    tables = output_tables(ev)
    homes = ("summary.csv", "effects.csv", "counts.csv")

    def key_of(measure, estimate, group, population) -> tuple[str, str, str, str]:
        return (measure, estimate, group, "" if pd.isna(population) else str(population))

    columns = ("measure", "estimate", "group", "population")
    keys = {
        name: {key_of(*(r[c] for c in columns)) for _, r in tables[name].iterrows()}
        for name in homes
    }
    fits = {(r["measure"], r["group"]) for _, r in tables["model_fits.csv"].iterrows()}
    found = 0
    for row in ev.summary.itertuples():
        key = key_of(row.measure, row.estimate, row.group, row.population)
        if row.estimate == "mde":
            hit = tables["detectable_effects.csv"]
            same_row = (
                hit["measure"].eq(row.measure)
                & hit["group"].eq(row.group)
                & hit["population"].eq(row.population)
            )
            assert same_row.sum() == 1, key
        elif row.estimate == "rtm_fit":
            assert (row.measure, row.group) in fits
        elif (
            row.estimate in ("change", "change_uncapped")
            and row.group != "tla:difference"
            and key[3]
        ):
            assert key in keys["summary.csv"] and key in keys["effects.csv"]
        else:
            places = [n for n in ("summary.csv", "effects.csv", "counts.csv") if key in keys[n]]
            assert len(places) == 1, (key, places)
        found += 1
    assert found == len(ev.summary)
    # the TLA difference is an estimate, never a group mean
    assert not tables["summary.csv"]["group"].eq("tla:difference").any()


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_every_column_holds_one_kind_of_value(written, report_id):
    _, folder = written[report_id]
    for name in TABLE_FILES:
        assert (folder / name).is_file(), name
    check_columns(folder)


def test_effects_hold_effect_sizes_and_eef_months(written):
    ev, folder = written["ipm-2018-19"]
    sigma = ev.sigma[0]
    assert sigma == pytest.approx(5.38985717)  # the DfE's published 2019 maths value
    rows = {
        (r["measure"], r["estimate"], r["group"], r["population"]): r
        for r in read_rows(folder / "effects.csv")
    }
    summary = ev.summary.set_index(["measure", "estimate", "group", "population"])
    net, plain = (
        ("progress", "net_change", "all", "itt"),
        ("progress", "change", "all", "completed"),
    )
    for key in (net, plain):
        row = rows[key]
        effect = float(row["effect"])
        assert effect == pytest.approx(summary.loc[key, "change"], abs=1e-12)
        # effect size = change / sigma, e.g. +0.40 / 5.39 = 0.074 -> 1 month (0.02-0.09)
        assert float(row["effect_size"]) == pytest.approx(effect / sigma)
        assert float(row["effect_size_low"]) == pytest.approx(float(row["ci_low"]) / sigma)
    # months for estimates of the programme's effect only: a whole number for the net change,
    # none for a plain change, which still holds what would have happened anyway
    assert rows[net]["months"].lstrip("-").isdigit()
    # the completed schools' plain change: +0.40 points (23 schools: -1.10 -> -0.70)
    assert float(rows[plain]["effect"]) == pytest.approx(0.4)
    assert rows[plain]["months"] == ""
    # other measures' estimates are there too, with no effect size (the pupil-level spread
    # is known for progress only): the completed schools' attainment rose 73.0% -> 79.0%
    attainment = rows[("attainment", "change", "all", "completed")]
    assert float(attainment["effect"]) == pytest.approx(6.0)
    assert attainment["effect_size"] == attainment["months"] == ""


def test_design_files_are_the_evaluation_frames(written):
    ev, folder = written["ipm-2018-19"]
    balance = pd.read_csv(folder / "balance.csv", keep_default_na=False)
    assert list(balance.columns) == BALANCE_COLUMNS
    assert balance["variable"].tolist() == ev.balance["variable"].tolist()
    for column in ("project_mean", "matched_mean", "smd_before", "smd_after"):
        assert balance[column].to_numpy() == pytest.approx(ev.balance[column].to_numpy())
    # the project's baseline mean is the ITT mean of the 30 schools' baseline, -1.10
    assert balance.set_index("variable").loc["baseline", "project_mean"] == pytest.approx(
        -1.1033333, abs=1e-6
    )
    trends = pd.read_csv(folder / "trends.csv")
    assert list(trends.columns) == TRENDS_COLUMNS
    assert len(trends) == len(ev.event_study)
    at_baseline = trends[trends["relative_year"] == 0]
    assert (at_baseline["gap_change"] == 0).all()  # the gap is measured from the baseline
    # gap = project - comparison in every row
    assert (trends["project"] - trends["comparison"]).to_numpy() == pytest.approx(
        trends["gap"].to_numpy()
    )
    placebo = pd.read_csv(folder / "placebo.csv")
    assert list(placebo.columns) == PLACEBO_COLUMNS
    assert (placebo["n_draws"] == ev.params.n_placebo).all()
    net = ev.summary.set_index(["measure", "estimate", "group", "population"])["change"]
    for row in placebo.itertuples():
        key = (row.measure, "net_change", row.group, row.population)
        assert row.net_change == pytest.approx(net[key])


def test_report_info_records_the_design(written):
    ev, folder = written["ipm-2018-19"]
    info = json.loads((folder / "report_info.json").read_text(encoding="utf-8"))
    # 30 schools recruited for cohort 3, 7 withdrawn; the completed 23 count beside them
    assert info["attrition"] == {
        "recruited": 30,
        "withdrawn": 7,
        "analysed_itt": 30,
        "analysed_completed": 23,
    }
    primary = info["primary"]
    assert (primary["measure"], primary["group"], primary["estimate"]) == (
        "progress",
        "all",
        "net_change",
    )
    assert primary["population"] == "itt" and primary["n_schools"] == 30
    summary = ev.summary.set_index(["measure", "estimate", "group", "population"])
    net = summary.loc[("progress", "net_change", "all", "itt")]
    assert primary["change"] == pytest.approx(net["change"])
    assert primary["sentence"].startswith(
        "Across all 30 schools recruited (7 of whom withdrew; intention to treat), maths "
        "progress from 2017-18 to 2018-19 changed by"
    )
    assert primary["question"].startswith("Did the maths progress of the project schools")
    assert info["match_on"] == ev.match_on and info["match_k"] == 5 and info["caliper"] is None
    assert info["sigma"] == pytest.approx(5.38985717)
    assert info["sigma_source"] == "published by the DfE (KS2 progress methodology, 2019)"
    assert info["crosses_capping"] is False  # 2018 -> 2019: both capped
    older = json.loads((written["ipm-2017-18"][1] / "report_info.json").read_text())
    assert older["crosses_capping"] is True  # a 2017 baseline, a 2018 outcome
    assert older["attrition"]["withdrawn"] == 0


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_batch_index_reads_the_headline_from_summary_csv(written, report_id):
    """The index shows the first change of group all: progress of all recruited schools."""
    ev, folder = written[report_id]
    s = ev.summary
    row = s[
        s["measure"].eq("progress")
        & s["estimate"].eq("change")
        & s["group"].eq("all")
        & s["population"].eq("itt")
    ]
    row = row.iloc[0]
    text = headline_change(folder / "summary.csv")
    assert text.startswith(f"{row['baseline']:.2f} to {row['outcome']:.2f} (+")
    assert ", 95% CI " in text


def test_suppressed_rows_are_blank_and_say_so(made_up, tmp_path):
    """made_up at min_n 3: cohort 2 (1 paired progress school) is suppressed in every file."""
    ev = evaluate(replace(load_params(made_up["params"]), min_n=3))
    write_tables(ev, tmp_path)
    check_columns(tmp_path)
    rows = {
        (r["measure"], r["estimate"], r["group"], r["population"]): r
        for r in read_rows(tmp_path / "summary.csv")
    }
    hidden = rows[("progress", "change", "cohort:2", "completed")]
    assert hidden["suppressed"] == "true" and hidden["n_schools"] == "1"
    assert [hidden[c] for c in ("baseline", "outcome", "change", "ci_low", "ci_high")] == [""] * 5
    assert rows[("progress", "change", "all", "completed")]["suppressed"] == "false"
    # published: never hidden
    assert rows[("progress", "change", "la", "")]["suppressed"] == "false"
    # too small a pool for a comparison: those files hold only their header
    for name, columns in (
        ("model_fits.csv", MODEL_FITS_COLUMNS),
        ("balance.csv", BALANCE_COLUMNS),
        ("trends.csv", TRENDS_COLUMNS),
        ("placebo.csv", PLACEBO_COLUMNS),
    ):
        assert header(tmp_path / name) == columns and read_rows(tmp_path / name) == [], name
    effects = read_rows(tmp_path / "effects.csv")
    assert {r["estimate"] for r in effects} <= {"change"}  # no comparison: plain changes only
    counts = read_rows(tmp_path / "counts.csv")
    assert [(r["measure"], r["estimate"], r["suppressed"]) for r in counts] == [
        ("progress", "below_threshold", "false"),
        ("progress", "sig_below", "false"),
    ]
    # without suppression every figure is shown and nothing says suppressed
    ev_off = evaluate(replace(load_params(made_up["params"]), min_n=3, suppress=False))
    write_tables(ev_off, tmp_path / "off")
    off = {
        (r["measure"], r["estimate"], r["group"], r["population"]): r
        for r in read_rows(tmp_path / "off" / "summary.csv")
    }
    assert off[("progress", "change", "cohort:2", "completed")]["baseline"] == "1.0"
    assert {r["suppressed"] for r in off.values()} == {"false"}


def check_columns(folder: Path) -> None:
    """Each file's columns in order, numbers where numbers belong, blanks only where allowed
    (suppressed, a published figure's school count, a figure not defined for the row)."""
    expected = {
        "summary.csv": SUMMARY_COLUMNS,
        "effects.csv": EFFECTS_COLUMNS,
        "detectable_effects.csv": DETECTABLE_COLUMNS,
        "counts.csv": COUNTS_COLUMNS,
        "model_fits.csv": MODEL_FITS_COLUMNS,
        "trends.csv": TRENDS_COLUMNS,
        "placebo.csv": PLACEBO_COLUMNS,
    }
    #: figures that are never blank unless suppressed (or, in summary, of no school at all)
    required = {
        "summary.csv": ("baseline",),
        "effects.csv": ("effect",),
        "detectable_effects.csv": ("mde",),
        "counts.csv": ("baseline_count", "outcome_count", "change_count"),
        "model_fits.csv": ("intercept", "slope"),
        "trends.csv": ("project", "comparison", "gap"),
        "placebo.csv": ("net_change",),
    }
    text = ("measure", "estimate", "group", "model", "population", "n_schools", "suppressed")
    for name, columns in expected.items():
        path = folder / name
        assert header(path) == columns, name
        for row in read_rows(path):
            where = (name, row)
            assert row["suppressed"] in ("true", "false"), where
            hidden = row["suppressed"] == "true"
            n = row["n_schools"]
            reference = name == "summary.csv" and is_reference(row["group"])
            if "population" in row:  # the project's own figures name theirs
                assert row["population"] in ("itt", "completed", ""), where
                if reference:
                    assert row["population"] == "", where
            if reference:
                assert n == "" and not hidden, where  # published: no count, never hidden
            else:
                assert n.isdigit(), where
            for column in [c for c in columns if c not in text]:
                value = row[column]
                assert value == "" or not math.isnan(number(value) or 0.0), where
                assert value == "" or number(value) is not None, (where, column)
                if hidden:
                    assert value == "", (where, column)
            if not hidden and (reference or n not in ("", "0")):
                for column in required[name]:
                    assert number(row[column]) is not None, (where, column)
            if name == "summary.csv" and not hidden and "" not in (row["baseline"], row["outcome"]):
                change = float(row["outcome"]) - float(row["baseline"])
                assert float(row["change"]) == pytest.approx(change, abs=1e-9), where
    path = folder / "balance.csv"
    assert header(path) == BALANCE_COLUMNS
    for row in read_rows(path):
        for column in ("project_mean", "pool_mean", "matched_mean", "smd_before", "smd_after"):
            assert number(row[column]) is not None, (row, column)
        assert row["flag"] in ("", "above 0.1", "above 0.25"), row
