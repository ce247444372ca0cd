"""The CSVs an impact report writes: one kind of row per file, every column meaning one thing,
and every figure as it was before the outputs were split (tests/data holds the example
reports' summary.csv rows from before the change)."""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.params import load_params
from ipm_analysis.pipeline.index import headline_change
from ipm_analysis.reporting.outputs import (
    COUNTS_COLUMNS,
    DETECTABLE_COLUMNS,
    EFFECTS_COLUMNS,
    MEAN_MEASURES,
    MODEL_FITS_COLUMNS,
    SUMMARY_COLUMNS,
    TABLE_FILES,
    write_tables,
)

from conftest import REPO

BEFORE = REPO / "tests" / "data" / "example_summary_before_layering.csv"
EXAMPLES = {"ipm-2017-18": "ipm_2017_18.yaml", "ipm-2018-19": "ipm_2018_19.yaml"}
#: Published reference figures: no school count.
REFERENCE_GROUPS = ("la", "national")


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


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, tuple[object, Path]]:
    """Both example evaluations (n_resamples as in their params) and their written tables."""
    out = {}
    for report_id, name in EXAMPLES.items():
        ev = evaluate(load_params(REPO / "params" / name))
        folder = tmp_path_factory.mktemp(report_id)
        write_tables(ev, folder)
        out[report_id] = (ev, folder)
    return out


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_summary_keeps_the_mean_rows_unchanged(written, report_id):
    _, folder = written[report_id]
    old = [row for row in before(report_id) if row["measure"] in MEAN_MEASURES]
    new = read_rows(folder / "summary.csv")
    assert header(folder / "summary.csv") == SUMMARY_COLUMNS
    assert [(r["measure"], r["group"]) for r in new] == [(r["measure"], r["group"]) for r in old]
    for o, n in zip(old, new, strict=True):
        for column in SUMMARY_COLUMNS[:-1]:
            assert same(o[column], n[column]), (o["measure"], o["group"], column, o, n)
        assert n["suppressed"] == "false"  # the examples hide nothing


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_moved_rows_keep_their_values_in_their_new_files(written, report_id):
    _, folder = written[report_id]
    old = {(r["measure"], r["group"]): r for r in before(report_id)}
    moved = 0
    for row in read_rows(folder / "effects.csv"):
        o = old[(row["measure"], row["group"])]
        pairs = [("n_schools", "n_schools"), ("change", "effect")]
        pairs += [("ci_low", "ci_low"), ("ci_high", "ci_high")]
        assert all(same(o[a], row[b]) for a, b in pairs), (o, row)
        assert o["baseline"] == o["outcome"] == ""  # no baseline or outcome of their own
        moved += 1
    for row in read_rows(folder / "detectable_effects.csv"):
        o = old[("mde", row["group"])]
        assert row["measure"] == "net_change"
        assert same(o["change"], row["mde"]) and same(o["n_schools"], row["n_schools"])
        moved += 1
    for row in read_rows(folder / "counts.csv"):
        o = old[(row["measure"], row["group"])]
        pairs = [("n_schools", "n_schools"), ("baseline", "baseline_count")]
        pairs += [("outcome", "outcome_count"), ("change", "change_count")]
        assert all(same(o[a], row[b]) for a, b in pairs), (o, row)
        assert row["baseline_count"].isdigit() and row["outcome_count"].isdigit()
        moved += 1
    (fit,) = read_rows(folder / "model_fits.csv")
    o = old[("rtm_fit", "pool")]
    assert (fit["model"], fit["measure"], fit["group"]) == (
        "regression_to_mean",
        "progress",
        "pool",
    )
    assert same(o["baseline"], fit["intercept"]) and same(o["change"], fit["slope"])
    assert same(o["n_schools"], fit["n_schools"]) and fit["suppressed"] == "false"
    moved += 1
    kept = len(read_rows(folder / "summary.csv"))
    assert kept + moved == len(old)  # every old row is in exactly one file


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_in_memory_summary_is_unchanged(written, report_id):
    """ev.summary (what the report's tables and charts read) still holds every row as before."""
    ev, _ = written[report_id]
    old = before(report_id)
    assert len(ev.summary) == len(old)
    for o, (_, n) in zip(old, ev.summary.iterrows(), strict=True):
        for column in ("measure", "group", "n_schools", "baseline", "change", "ci_low"):
            value = n[column]
            text = "" if pd.isna(value) else str(value)
            assert same(o[column], text), (o, column, text)


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_every_column_holds_one_kind_of_value(written, report_id):
    _, folder = written[report_id]
    for name in TABLE_FILES:
        assert (folder / name).is_file(), name
    check_columns(folder)


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_batch_index_reads_the_headline_from_summary_csv(written, report_id):
    ev, folder = written[report_id]
    row = ev.summary.set_index(["measure", "group"]).loc[("progress", "all")]
    text = headline_change(folder / "summary.csv")
    assert text.startswith(f"{row['baseline']:.2f} to {row['outcome']:.2f} (+")
    assert ", 95% CI " in text


def test_suppressed_rows_are_blank_and_say_so(made_up, tmp_path):
    """made_up at min_n 3: cohort 2 (1 paired progress school) is suppressed in every file."""
    ev = evaluate(replace(load_params(made_up["params"]), min_n=3))
    write_tables(ev, tmp_path)
    check_columns(tmp_path)
    rows = {(r["measure"], r["group"]): r for r in read_rows(tmp_path / "summary.csv")}
    hidden = rows[("progress", "cohort:2")]
    assert hidden["suppressed"] == "true" and hidden["n_schools"] == "1"
    assert [hidden[c] for c in ("baseline", "outcome", "change", "ci_low", "ci_high")] == [""] * 5
    assert rows[("progress", "all")]["suppressed"] == "false"
    assert rows[("progress", "la")]["suppressed"] == "false"  # published: never hidden
    # too small a pool for a comparison: those files hold only their header
    for name, columns in (("effects.csv", EFFECTS_COLUMNS), ("model_fits.csv", MODEL_FITS_COLUMNS)):
        assert header(tmp_path / name) == columns and read_rows(tmp_path / name) == []
    counts = read_rows(tmp_path / "counts.csv")
    assert [(r["measure"], r["suppressed"]) for r in counts] == [
        ("below_threshold", "false"),
        ("sig_below", "false"),
    ]
    # without suppression every figure is shown and nothing says suppressed
    ev_off = evaluate(replace(load_params(made_up["params"]), min_n=3, suppress=False))
    write_tables(ev_off, tmp_path / "off")
    off = {(r["measure"], r["group"]): r for r in read_rows(tmp_path / "off" / "summary.csv")}
    assert off[("progress", "cohort:2")]["baseline"] == "1.0"
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
    }
    #: figures that are never blank unless suppressed (or, in summary, of no school at all)
    required = {
        "summary.csv": ("baseline",),
        "effects.csv": ("effect",),
        "detectable_effects.csv": ("mde",),
        "counts.csv": ("baseline_count", "outcome_count", "change_count"),
        "model_fits.csv": ("intercept", "slope"),
    }
    for name, columns in expected.items():
        path = folder / name
        assert header(path) == columns, name
        for row in read_rows(path):
            where = (name, row)
            assert row["suppressed"] in ("true", "false"), where
            hidden = row["suppressed"] == "true"
            n = row["n_schools"]
            reference = name == "summary.csv" and is_reference(row["group"])
            if reference:
                assert n == "" and not hidden, where  # published: no count, never hidden
            else:
                assert n.isdigit(), where
            figures = [c for c in columns if c not in ("measure", "group", "model")]
            figures = [c for c in figures if c not in ("n_schools", "suppressed")]
            for column in figures:
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
