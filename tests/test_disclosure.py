"""Disclosure control: figures from fewer than min_n schools are blanked and shown as c."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ipm_analysis.impact.disclosure import apply_suppression, is_suppressed
from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.params import load_params
from ipm_analysis.reporting.charts.impact import all_charts
from ipm_analysis.reporting.outputs import write_tables
from ipm_analysis.reporting.presentation import headline, measure_table, population_rows

from conftest import ipm

SUMMARY = pd.DataFrame(
    [
        ["progress", "change", "all", 3, -1.0, -0.5, 0.5],
        ["progress", "change", "cohort:1", 2, -2.0, -1.0, 1.0],
        ["progress", "change", "cohort:2", 0, math.nan, math.nan, math.nan],
        ["progress", "below_threshold", "all", 3, 1, 0, -1],
        ["progress", "change", "la", pd.NA, -0.3, -0.4, -0.1],
    ],
    columns=["measure", "estimate", "group", "n_schools", "baseline", "outcome", "change"],
).astype({"n_schools": "Int64"})


def test_rule_is_at_least_one_but_fewer_than_min_n_schools():
    assert is_suppressed(SUMMARY["n_schools"], 3).tolist() == [False, True, False, False, False]
    assert is_suppressed(SUMMARY["n_schools"], 4).tolist() == [True, True, False, True, False]
    assert not is_suppressed(SUMMARY["n_schools"], 0).any()


def test_suppressed_rows_are_blanked_and_reference_rows_kept():
    out = apply_suppression(SUMMARY, 4)
    # a suppressed row still says what it is: its measure, estimate and group are kept
    rows = out.set_index(["measure", "estimate", "group"])
    for key in (
        ("progress", "change", "all"),
        ("progress", "change", "cohort:1"),
        ("progress", "below_threshold", "all"),
    ):
        assert rows.loc[key, "suppressed"]
        assert rows.loc[key, ["baseline", "outcome", "change"]].isna().all()
        assert rows.loc[key, "n_schools"] > 0  # the count itself is shown
    assert rows.loc[("progress", "change", "la"), "baseline"] == -0.3
    assert not rows.loc[("progress", "change", "la"), "suppressed"]
    assert SUMMARY.loc[0, "baseline"] == -1.0  # the input is not changed


def test_tables_headline_and_charts_show_c():
    out = apply_suppression(SUMMARY, 3)
    table = measure_table(out, "progress", years=(2017, 2018))
    assert table.loc["Cohort 1 (2 schools)"].tolist() == ["c", "c", "c"]
    assert table.loc["All project schools (3 schools)"].tolist() == ["-1.00", "-0.50", "+0.50"]
    assert table.loc["Cohort 2 (0 schools)"].tolist() == ["-", "-", "-"]
    hidden = apply_suppression(SUMMARY, 4)
    sentence = headline(hidden, years=(2017, 2018), subject="maths", min_n=4)
    assert sentence.startswith("Fewer than 4 project schools") and "-1.00" not in sentence


def test_report_suppresses_by_default_and_no_suppress_keeps_true_values(made_up, tmp_path):
    """made_up's cohort 2 has 1 paired progress school: c at min_n 3, shown with suppress off."""
    params = load_params(made_up["params"])
    from dataclasses import replace

    ev = evaluate(replace(params, min_n=3))
    write_tables(ev, str(tmp_path / "on"))
    on = pd.read_csv(tmp_path / "on" / "summary.csv")
    on = on[on["population"] == "completed"].set_index(["measure", "estimate", "group"])
    assert list(on.columns) == [
        "population",
        "n_schools",
        "baseline",
        "outcome",
        "change",
        "ci_low",
        "ci_high",
        "suppressed",
    ]
    assert on.loc[("progress", "change", "cohort:2"), "n_schools"] == 1
    figures = ["baseline", "outcome", "change", "ci_low", "ci_high"]
    assert on.loc[("progress", "change", "cohort:2"), figures].isna().all()
    # all: 100001 -2.0, 100002 -3.0, 100003 1.0, 100006 (as 200006) -2.5: 4 schools, shown
    assert on.loc[("progress", "change", "all"), "n_schools"] == 4
    assert on.loc[("progress", "change", "all"), "baseline"] == pytest.approx(-6.5 / 4)
    completed = population_rows(ev.summary, "completed")
    charts = all_charts(completed, ev.schools, years=(2017, 2018), la_name="LA", subject="maths")
    assert "Cohort 2 (1 school): c, not shown because too few schools" in charts[0].alt
    ev_off = evaluate(replace(params, min_n=3, suppress=False))
    write_tables(ev_off, str(tmp_path / "off"))
    off = pd.read_csv(tmp_path / "off" / "summary.csv")
    off = off[off["population"] == "completed"].set_index(["measure", "estimate", "group"])
    assert off.loc[("progress", "change", "cohort:2"), "baseline"] == 1.0
    assert off.loc[("progress", "change", "cohort:2"), "change"] == -0.5


def test_cli_has_no_suppress_on_report_and_batch():
    for command in ("report", "batch"):
        done = ipm(command, "--help")
        assert done.returncode == 0, done.stderr
        assert "--no-suppress" in done.stdout and "--pdf" in done.stdout
