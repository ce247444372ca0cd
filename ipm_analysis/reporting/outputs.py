"""The files an impact report writes beside its HTML: tidy CSVs and ``report_info.json``.

The impact layer computes; this module only writes. ``Evaluation.summary`` mixes several kinds
of row (group means, counts, a fitted line, detectable effects) in one layout, which the report's
tables and charts read. On disk each kind gets its own file, so that every column means one
thing in every row (README.md, "Output files: data dictionary"):

- ``summary.csv``: group figures of each measure in the baseline and the outcome year and
  their change (``estimate`` ``change``; the matched comparison's ``comparison``), for each
  ``population`` (``itt``: every recruited school, the primary analysis; ``completed``;
  empty for published references and the LA's schools);
- ``effects.csv``: every estimate with its interval (change, net change, excess change,
  difference in differences, the pre-baseline gap change, TLA minus no TLA, the uncapped
  sensitivity rows), and for progress its effect size and EEF months;
- ``detectable_effects.csv``: the minimum detectable net change;
- ``counts.csv``: numbers of schools below the threshold or significantly below average;
- ``model_fits.csv``: the regression-to-the-mean line over the comparison pool;
- ``balance.csv``: each matched variable before and after matching (standardised mean
  differences);
- ``trends.csv``: the event study, project and matched comparison by year;
- ``placebo.csv``: each group's net change among pseudo-projects' net changes;
- ``schools.csv``: one row per roster school.

Every figure is written at full precision, unchanged; a suppressed figure is blank and its
row's ``suppressed`` is ``true``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ipm_analysis.core.rounding import MEASURE_PLACES, fmt
from ipm_analysis.core.years import year_label
from ipm_analysis.impact.design import EFFECTS_COLUMNS as EFFECT_FIGURE_COLUMNS
from ipm_analysis.impact.design import PROGRESS_ESTIMATES, TLA_DIFFERENCE
from ipm_analysis.impact.disclosure import SYMBOL, row_suppressed
from ipm_analysis.impact.evaluation import Evaluation
from ipm_analysis.impact.placebo import PLACEBO_COLUMNS as PLACEBO_FIGURE_COLUMNS
from ipm_analysis.impact.summary import SUMMARY_COLUMNS as FIGURE_ROW_COLUMNS
from ipm_analysis.impact.trends import EVENT_STUDY_COLUMNS
from ipm_analysis.reporting.csv_output import spreadsheet_safe
from ipm_analysis.reporting.evaluation_design import report_info_design

#: schools.csv: one row per roster school, named by role so files compare across years.
SCHOOLS_CSV_COLUMNS = [
    "urn",
    "school_name",
    "cohort",
    "tla",
    "visits",
    "status",
    "baseline_urn",
    "baseline_link",
    "outcome_urn",
    "outcome_link",
    "baseline_progress",
    "outcome_progress",
    "progress_change",
    "progress_change_low",
    "progress_change_high",
    "baseline_significance",
    "outcome_significance",
    "baseline_attainment",
    "outcome_attainment",
    "attainment_change",
    "excluded_reason",
]

#: summary.csv: rows whose baseline and outcome are a group's figure in each year
#: (``change_uncapped``: the outcome's scores before the 2018 capping).
MEAN_ESTIMATES = ("change", "comparison", "change_uncapped")
SUMMARY_COLUMNS = [*FIGURE_ROW_COLUMNS, "suppressed"]
#: effects.csv: every estimate as ``Evaluation.effects`` holds it (the estimate, its
#: interval, and for progress its effect size and EEF months). Summary rows that are not
#: group means in both years (net change, excess change, the gap rows, the TLA difference)
#: are written here only.
EFFECT_ESTIMATES = tuple(m for m in PROGRESS_ESTIMATES if m not in MEAN_ESTIMATES)
EFFECTS_COLUMNS = [*EFFECT_FIGURE_COLUMNS, "suppressed"]
#: balance.csv: ``Evaluation.balance`` (no school count: it describes the matching).
BALANCE_COLUMNS = [
    "variable",
    "description",
    "project_mean",
    "pool_mean",
    "matched_mean",
    "smd_before",
    "smd_after",
    "flag",
]
#: trends.csv: ``Evaluation.event_study``.
TRENDS_COLUMNS = [*EVENT_STUDY_COLUMNS, "suppressed"]
#: placebo.csv: ``Evaluation.placebo``.
PLACEBO_COLUMNS = [*PLACEBO_FIGURE_COLUMNS, "suppressed"]
#: detectable_effects.csv: the ``mde`` rows, for the net change.
DETECTABLE_COLUMNS = ["measure", "group", "population", "n_schools", "mde", "suppressed"]
#: counts.csv: numbers of schools in each year (of progress scores).
COUNT_ESTIMATES = ("below_threshold", "sig_below")
COUNTS_COLUMNS = [
    "measure",
    "estimate",
    "group",
    "population",
    "n_schools",
    "baseline_count",
    "outcome_count",
    "change_count",
    "suppressed",
]
#: model_fits.csv: the ``rtm_fit`` row, change = intercept + slope x baseline.
MODEL_FITS_COLUMNS = [
    "model",
    "measure",
    "group",
    "n_schools",
    "intercept",
    "slope",
    "suppressed",
]
#: The files :func:`output_tables` returns, in the order they are written.
TABLE_FILES = (
    "summary.csv",
    "effects.csv",
    "detectable_effects.csv",
    "counts.csv",
    "model_fits.csv",
    "balance.csv",
    "trends.csv",
    "placebo.csv",
    "schools.csv",
)


def _with_suppressed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` in ``columns`` order, with a boolean ``suppressed`` (False when absent): an
    empty frame (no comparison) still has its header."""
    out = frame.copy()
    if "suppressed" not in out:
        out["suppressed"] = False
    out = out.reindex(columns=columns)
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    return out.reset_index(drop=True)


def output_tables(ev: Evaluation) -> dict[str, pd.DataFrame]:
    """Each CSV a report writes, by file name, as it is written (before spreadsheet-safe
    quoting). ``ev.summary`` is split by kind of row; no figure is recomputed or rounded."""
    summary = _with_suppressed(ev.summary, [*FIGURE_ROW_COLUMNS, "suppressed"])
    estimate = summary["estimate"]
    known = (*MEAN_ESTIMATES, *EFFECT_ESTIMATES, *COUNT_ESTIMATES, "mde", "rtm_fit")
    unknown = sorted(set(estimate) - set(known))
    if unknown:  # a new kind of row must be given its own place, not mixed in
        raise ValueError(f"no output file holds summary rows of estimate {', '.join(unknown)}")

    def rows(*estimates: str) -> pd.DataFrame:
        return summary[estimate.isin(estimates)].reset_index(drop=True)

    means = rows(*MEAN_ESTIMATES)
    means = means[means["group"].ne(TLA_DIFFERENCE)]  # a difference: in effects.csv
    effects = _with_suppressed(ev.effects, EFFECTS_COLUMNS)
    effects["n_schools"] = effects["n_schools"].astype("Int64")
    effects["months"] = pd.to_numeric(effects["months"]).round().astype("Int64")
    detectable = rows("mde").rename(columns={"change": "mde"})
    counts = rows(*COUNT_ESTIMATES).rename(
        columns={"baseline": "baseline_count", "outcome": "outcome_count", "change": "change_count"}
    )
    for column in ("baseline_count", "outcome_count", "change_count"):
        counts[column] = counts[column].round().astype("Int64")
    fits = rows("rtm_fit").rename(columns={"baseline": "intercept", "change": "slope"})
    fits = fits.assign(model="regression_to_mean")
    trends = _with_suppressed(ev.event_study, TRENDS_COLUMNS)
    placebo = _with_suppressed(ev.placebo, PLACEBO_COLUMNS)
    for frame, columns in (
        (trends, ("n_schools", "year", "relative_year")),
        (placebo, ("n_schools", "n_draws")),
    ):
        for column in columns:
            frame[column] = frame[column].astype("Int64")
    schools = ev.schools[[c for c in SCHOOLS_CSV_COLUMNS if c in ev.schools]]
    return {
        "summary.csv": means[SUMMARY_COLUMNS].reset_index(drop=True),
        "effects.csv": effects,
        "detectable_effects.csv": detectable[DETECTABLE_COLUMNS],
        "counts.csv": counts[COUNTS_COLUMNS],
        "model_fits.csv": fits[MODEL_FITS_COLUMNS],
        "balance.csv": ev.balance.reindex(columns=BALANCE_COLUMNS).reset_index(drop=True),
        "trends.csv": trends,
        "placebo.csv": placebo,
        "schools.csv": schools,
    }


def write_tables(ev: Evaluation, folder: str | Path) -> list[Path]:
    """Write the report's CSVs (full precision, spreadsheet-safe) and ``report_info.json``
    into ``folder``; returns the paths written."""
    folder_path = Path(folder)
    folder_path.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in output_tables(ev).items():
        table = spreadsheet_safe(table)
        if "suppressed" in table:
            table["suppressed"] = table["suppressed"].map({True: "true", False: "false"})
        table.to_csv(folder_path / name, index=False)
        written.append(folder_path / name)
    info = folder_path / "report_info.json"
    info.write_text(json.dumps(report_info(ev), indent=2), encoding="utf-8")
    return [*written, info]


def report_info(ev: Evaluation) -> dict:
    """What the batch index shows about a report, and the evaluation design in brief: the
    primary question and its sentence, attrition, what the comparison matched on, the caliper,
    the standard deviation behind the effect sizes and its source, and whether the years cross
    the 2018 capping change. The index reads the plain change from summary.csv itself (its
    first ``change``/``all`` row: all recruited schools); only a suppressed one is said here."""
    p = ev.params
    plain = ev.plain_change()
    headline = ""
    if plain is not None and row_suppressed(plain):
        headline = f"{plain['measure']} {SYMBOL} (fewer than {p.min_n} schools)"
    primary = ev.primary()
    if primary is not None and not row_suppressed(primary) and pd.notna(primary["change"]):
        # the index leads with the primary result, as the report does
        estimate = {"net_change": "net change", "did": "difference in differences"}
        name = estimate.get(ev.primary_question["estimate"], "change")
        places = MEASURE_PLACES[str(primary["measure"])]
        interval = ""
        if pd.notna(primary["ci_low"]):
            low = fmt(primary["ci_low"], places, signed=True)
            high = fmt(primary["ci_high"], places, signed=True)
            interval = f", 95% CI {low} to {high}"
        headline = (
            f"{ev.primary_question['measure'].replace('_', ' ')} {name} "
            f"{fmt(primary['change'], places, signed=True)}{interval} "
            "(primary, intention to treat)"
        )
    attrition = ev.attrition()
    return {
        "report_id": p.report_id,
        "title": p.title,
        "years": f"{year_label(p.baseline_year)} to {year_label(p.outcome_year)}",
        "subject": p.subject,
        "schools": f"{attrition['recruited']} recruited, {attrition['withdrawn']} withdrew",
        "headline": headline,
        "synthetic": "yes" if p.synthetic else "no",
        "warnings": list(ev.warnings),
        **report_info_design(ev),
    }
