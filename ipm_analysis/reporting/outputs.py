"""The files an impact report writes beside its HTML: tidy CSVs and ``report_info.json``.

The impact layer computes; this module only writes. ``Evaluation.summary`` mixes several kinds
of row (group means, counts, a fitted line, detectable effects) in one layout, which the report's
tables and charts read. On disk each kind gets its own file, so that every column means one
thing in every row (README.md, "Output files: data dictionary"):

- ``summary.csv``: group figures in the baseline and the outcome year and their change;
- ``effects.csv``: net change and excess change (means of per-school differences);
- ``detectable_effects.csv``: the minimum detectable net change;
- ``counts.csv``: numbers of schools below the threshold or significantly below average;
- ``model_fits.csv``: the regression-to-the-mean line over the comparison pool;
- ``schools.csv``: one row per roster school.

Every figure is written at full precision, unchanged; a suppressed figure is blank and its
row's ``suppressed`` is ``true``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ipm_analysis.core.years import year_label
from ipm_analysis.impact.disclosure import SYMBOL, row_suppressed
from ipm_analysis.impact.evaluation import Evaluation
from ipm_analysis.impact.summary import SUMMARY_COLUMNS as FIGURE_ROW_COLUMNS
from ipm_analysis.reporting.csv_output import spreadsheet_safe

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

#: summary.csv: rows whose baseline and outcome are a group's figure in each year.
MEAN_MEASURES = ("progress", "attainment", "comparison")
SUMMARY_COLUMNS = [*FIGURE_ROW_COLUMNS, "suppressed"]
#: effects.csv: means of per-school differences, with no baseline or outcome of their own.
EFFECT_MEASURES = ("net_change", "excess_change")
EFFECTS_COLUMNS = ["measure", "group", "n_schools", "effect", "ci_low", "ci_high", "suppressed"]
#: detectable_effects.csv: the ``mde`` rows, for the net change.
DETECTABLE_COLUMNS = ["measure", "group", "n_schools", "mde", "suppressed"]
#: counts.csv: numbers of schools in each year.
COUNT_MEASURES = ("below_threshold", "sig_below")
COUNTS_COLUMNS = [
    "measure",
    "group",
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
    "schools.csv",
)


def output_tables(ev: Evaluation) -> dict[str, pd.DataFrame]:
    """Each CSV a report writes, by file name, as it is written (before spreadsheet-safe
    quoting). ``ev.summary`` is split by kind of row; no figure is recomputed or rounded."""
    summary = ev.summary.copy()
    if "suppressed" not in summary:  # suppress: false
        summary["suppressed"] = False
    summary["suppressed"] = summary["suppressed"].astype(bool)
    measure = summary["measure"]
    known = (*MEAN_MEASURES, *EFFECT_MEASURES, *COUNT_MEASURES, "mde", "rtm_fit")
    unknown = sorted(set(measure) - set(known))
    if unknown:  # a new kind of row must be given its own place, not mixed in
        raise ValueError(f"no output file holds summary rows of measure {', '.join(unknown)}")

    def rows(*measures: str) -> pd.DataFrame:
        return summary[measure.isin(measures)].reset_index(drop=True)

    effects = rows(*EFFECT_MEASURES).rename(columns={"change": "effect"})
    detectable = rows("mde").rename(columns={"change": "mde"}).assign(measure="net_change")
    counts = rows(*COUNT_MEASURES).rename(
        columns={"baseline": "baseline_count", "outcome": "outcome_count", "change": "change_count"}
    )
    for column in ("baseline_count", "outcome_count", "change_count"):
        counts[column] = counts[column].round().astype("Int64")
    fits = rows("rtm_fit").rename(columns={"baseline": "intercept", "change": "slope"})
    fits = fits.assign(model="regression_to_mean", measure="progress")
    schools = ev.schools[[c for c in SCHOOLS_CSV_COLUMNS if c in ev.schools]]
    return {
        "summary.csv": rows(*MEAN_MEASURES)[SUMMARY_COLUMNS],
        "effects.csv": effects[EFFECTS_COLUMNS],
        "detectable_effects.csv": detectable[DETECTABLE_COLUMNS],
        "counts.csv": counts[COUNTS_COLUMNS],
        "model_fits.csv": fits[MODEL_FITS_COLUMNS],
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


def report_info(ev: Evaluation) -> dict[str, str]:
    """What the batch index shows about a report. The index reads the headline change from
    summary.csv itself; only a suppressed headline is said here."""
    p = ev.params
    rows = ev.summary.set_index(["measure", "group"])
    headline = ""
    if ("progress", "all") in rows.index and row_suppressed(rows.loc[("progress", "all")]):
        headline = f"progress {SYMBOL} (fewer than {p.min_n} schools)"
    return {
        "report_id": p.report_id,
        "title": p.title,
        "years": f"{year_label(p.baseline_year)} to {year_label(p.outcome_year)}",
        "subject": p.subject,
        "schools": f"{int(ev.schools['status'].eq('completed').sum())} of {len(ev.schools)}",
        "headline": headline,
        "synthetic": "yes" if p.synthetic else "no",
        "warnings": list(ev.warnings),
    }
