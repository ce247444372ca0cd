"""The impact measures: each school's baseline -> outcome, and the paired group means.

A school counts in a measure only when it has a number in both years (paired), separately
for progress and attainment. Group figures are simple means over schools, as the seed
report computes them, unless ``weighting="pupils"`` asks for means weighted by the pupils in
each school's measure (the way the DfE computes an LA's figure). One weight per school (its
outcome-year pupils) serves the baseline, the outcome, the change and the comparison alike,
so change = outcome - baseline and net change = change - comparison change in every row.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ipm_analysis.impact.groups import ALL, COMPLETED_ONLY
from ipm_analysis.impact.intervals import mean_estimate
from ipm_analysis.impact.uncertainty import change_half_width, significance_labels
from ipm_analysis.impact.weighting import weighted_mean
from ipm_analysis.inputs.linking import NOT_FOUND
from ipm_analysis.inputs.roster import COMPLETED, WITHDRAWN
from ipm_analysis.inputs.subjects import MEASURES as MEASURES  # re-exported

ROLES = ("baseline", "outcome")
#: Each school's figures taken from the DfE table for both years.
FIGURE_COLUMNS = (*MEASURES, "progress_lower", "progress_upper", "pupils", "telig")
#: Figures taken for one year only: what a school is matched on comes from the baseline year,
#: the uncapped progress score (the 2018 capping sensitivity) from the outcome year.
ROLE_COLUMNS = {
    "baseline": ("prior_progress", "disadvantaged", "ks1_average"),
    "outcome": ("progress_unadjusted",),
}
#: The rows of ``Evaluation.summary``: every figure at full precision; ci_low/ci_high empty
#: where not defined (the report's summary.csv adds ``suppressed``). ``measure`` is what is
#: measured (:data:`MEASURES`), ``estimate`` what the row says of it (:data:`ESTIMATES`).
#: ``population`` is ``itt`` or ``completed`` for the project's own figures, empty for
#: published references.
SUMMARY_COLUMNS = [
    "measure",
    "estimate",
    "group",
    "population",
    "n_schools",
    "baseline",
    "outcome",
    "change",
    "ci_low",
    "ci_high",
]
#: What a summary row says of its measure: ``change`` (baseline, outcome and change of a
#: group's mean), the comparison's ``comparison``, ``net_change``, ``excess_change``, ``mde``
#: and ``rtm_fit``, the trends' ``pre_gap`` and ``did``, the 2018 capping rows
#: ``change_uncapped`` and ``net_change_uncapped``, and counts of schools
#: ``below_threshold`` and ``sig_below`` (significantly below the national average).
ESTIMATES = (
    "change",
    "comparison",
    "net_change",
    "excess_change",
    "mde",
    "rtm_fit",
    "pre_gap",
    "did",
    "change_uncapped",
    "net_change_uncapped",
    "below_threshold",
    "sig_below",
)
CHANGE = "change"
#: The per-school weight of each measure when ``weighting="pupils"``: pupils in the progress
#: measure (TELIG x coverage) and eligible pupils for the others.
WEIGHT_COLUMN = {"progress": "pupils", "attainment": "telig", "higher_standard": "telig"}
WEIGHT_COLUMN["scaled_score"] = "telig"


def report_measures(figures: Mapping[int, pd.DataFrame], years: Sequence[int]) -> list[str]:
    """The measures a report shows, in :data:`MEASURES` order: those some school of the
    files has a figure for in every one of ``years`` (none has progress when either year's
    pupils had no KS1 assessment, or the subject, such as rwm, has no progress score)."""
    return [
        measure
        for measure in MEASURES
        if all(figures[year][measure].notna().any() for year in years)
    ]


def school_changes(
    roster: pd.DataFrame,
    links: pd.DataFrame,
    figures: Mapping[int, pd.DataFrame],
    baseline_year: int,
    outcome_year: int,
    *,
    explain: bool = True,
    measures: Sequence[str] = MEASURES,
) -> pd.DataFrame:
    """One row per roster school: URNs used, both years' figures, changes, exclusion reason.

    Also each year's significance against the national average (from the DfE's limits) and
    the school's own 95% interval for its progress change. ``explain=False`` skips the
    exclusion reasons (for the thousands of schools of a comparison pool); the reasons speak
    of ``measures`` only (the report's).

    ``figures`` maps year -> :func:`ipm_analysis.inputs.dfe_tables.school_figures`. Columns
    are named by role (``baseline_progress``, ``outcome_urn``...) so the file reads the same
    whatever the years.
    """
    urns = roster["urn"].to_numpy(dtype=object)
    if not links.index.equals(pd.Index(urns, dtype=object)):
        links = links.loc[urns]  # one lookup, in roster order
    columns: dict[str, object] = {c: roster[c].array for c in roster.columns if c != "line"}
    found: dict[str, dict[str, np.ndarray]] = {}
    for role, year in zip(ROLES, (baseline_year, outcome_year), strict=True):
        linked = links[f"linked_urn_{year}"].to_numpy(dtype=object)
        found[role] = _lookup(figures[year], linked)
        columns[f"{role}_urn"] = pd.array(linked, dtype="string")
        columns[f"{role}_link"] = links[f"link_{year}"].to_numpy(dtype=object)
        for column in (*FIGURE_COLUMNS, *ROLE_COLUMNS[role]):
            columns[f"{role}_{column}"] = found[role][column].astype(float)
        for measure in MEASURES:
            columns[f"{role}_{measure}_reason"] = found[role][f"{measure}_reason"]
        columns[f"{role}_lea"] = found[role]["lea"]
        columns[f"{role}_rectype"] = found[role]["rectype"]
        if role == "baseline":
            columns["baseline_school_type"] = found[role]["school_type"]
        columns[f"{role}_significance"] = significance_labels(
            columns[f"{role}_progress_lower"], columns[f"{role}_progress_upper"]
        )
    names = np.asarray(columns["school_name"], dtype=object)
    published = [
        o if isinstance(o, str) else b if isinstance(b, str) else ""
        for b, o in zip(found["baseline"]["name"], found["outcome"]["name"], strict=True)
    ]
    columns["school_name"] = [
        n if isinstance(n, str) and n else p for n, p in zip(names, published, strict=True)
    ]
    for measure in MEASURES:
        columns[f"{measure}_change"] = (
            columns[f"outcome_{measure}"] - columns[f"baseline_{measure}"]
        )
    half = change_half_width(
        *(columns[f"{r}_progress_{limit}"] for r in ROLES for limit in ("lower", "upper"))
    )
    columns["progress_change_low"] = columns["progress_change"] - half
    columns["progress_change_high"] = columns["progress_change"] + half
    if explain:
        columns["excluded_reason"] = pd.array(
            _exclusion_reasons(columns, baseline_year, outcome_year, measures), dtype="string"
        )
    # one float block and one block of the rest: far cheaper than fifty single columns
    floats = [name for name, values in columns.items() if _is_float_array(values)]
    numbers = pd.DataFrame(np.column_stack([columns[n] for n in floats]), columns=floats)
    others = pd.DataFrame({n: v for n, v in columns.items() if n not in set(floats)})
    return pd.concat([others, numbers], axis=1)


def _is_float_array(values: object) -> bool:
    return isinstance(values, np.ndarray) and values.dtype == float


def _lookup(figures: pd.DataFrame, urns: np.ndarray) -> dict[str, np.ndarray]:
    """Each column of ``figures`` for ``urns`` (NaN / None where a URN is absent)."""
    positions = figures.index.get_indexer(pd.Index(urns, dtype=object))
    missing = positions < 0
    safe = np.where(missing, 0, positions)
    found = {}
    for column, values in _columns(figures).items():
        taken = values.take(safe)
        taken[missing] = np.nan if taken.dtype == float else None
        found[column] = taken
    return found


_column_cache: dict[int, dict[str, np.ndarray]] = {}


def _columns(figures: pd.DataFrame) -> dict[str, np.ndarray]:
    """A figures table's columns as NumPy arrays, made once per table: a batch looks up
    hundreds of rosters in one national table."""
    key = id(figures)
    if key not in _column_cache:
        _column_cache[key] = {
            c: figures[c].to_numpy(dtype=float if figures[c].dtype.kind == "f" else object)
            for c in figures.columns
        }
        weakref.finalize(figures, _column_cache.pop, key, None)
    return _column_cache[key]


def _exclusion_reasons(
    columns: Mapping[str, object], baseline_year: int, outcome_year: int, measures: Sequence[str]
) -> list[str]:
    """Why each school is left out of a figure ('' when it counts in all of them)."""
    years = dict(zip(ROLES, (baseline_year, outcome_year), strict=True))
    reasons = []
    for i, status in enumerate(columns["status"]):
        if status == WITHDRAWN:
            reasons.append("withdrawn from the project")
            continue
        parts = []
        for role, year in years.items():
            if columns[f"{role}_link"][i] == NOT_FOUND:
                parts.append(f"not found in the {year} performance table")
                continue
            for measure in measures:
                if np.isnan(columns[f"{role}_{measure}"][i]):
                    why = columns[f"{role}_{measure}_reason"][i]
                    why = "blank" if why is None or pd.isna(why) else why
                    parts.append(f"no {measure} figure in {year} ({why})")
        reasons.append("; ".join(parts))
    return reasons


def paired(schools: pd.DataFrame, measure: str) -> pd.Series:
    """Which schools count in ``measure`` among completed schools: completed, with a number
    in both years."""
    return pd.Series(_paired(schools, measure), index=schools.index)


def _paired(schools: pd.DataFrame, measure: str) -> np.ndarray:
    return (schools["status"].to_numpy(dtype=object) == COMPLETED) & has_both(schools, measure)


def has_both(schools: pd.DataFrame, measure: str) -> np.ndarray:
    """Which schools have a number for ``measure`` in both years, whatever their status."""
    # NumPy, not pandas: this runs for every measure of every report (and every LA in a batch)
    return ~np.isnan(schools[f"baseline_{measure}"].to_numpy(dtype=float)) & ~np.isnan(
        schools[f"outcome_{measure}"].to_numpy(dtype=float)
    )


def school_weights(schools: pd.DataFrame, measure: str, weighting: str) -> np.ndarray | None:
    """Each school's one weight in every mean of ``measure``: None for one school, one vote;
    with ``weighting="pupils"`` its outcome-year pupils in the measure (NaN where unknown)."""
    if weighting != "pupils":
        return None
    return schools[f"outcome_{WEIGHT_COLUMN[measure]}"].to_numpy(dtype=float)


def group_means(
    schools: pd.DataFrame,
    membership: pd.DataFrame,
    measure: str,
    *,
    weighting: str = "schools",
    population: str = COMPLETED_ONLY,
) -> pd.DataFrame:
    """Baseline, outcome and change of ``measure`` for every group (paired schools only),
    each change with its 95% t interval over schools (see :mod:`impact.intervals`)."""
    rows = _group_rows(schools, membership, measure, weighting, population)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _measure_arrays(
    schools: pd.DataFrame, measure: str, weighting: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """``measure``'s baseline and outcome values, each school's weight (None: one school,
    one vote) and which schools can count (a number in both years and, weighted, a weight),
    read once per measure for every population and group."""
    b, o = (schools[f"{role}_{measure}"].to_numpy(dtype=float) for role in ROLES)
    weights = school_weights(schools, measure, weighting)
    counts = ~np.isnan(b) & ~np.isnan(o)
    if weights is not None:  # a school without a pupil count cannot enter a weighted mean
        counts &= ~np.isnan(weights)
    return b, o, weights, counts


def _group_rows(
    schools: pd.DataFrame,
    membership: pd.DataFrame,
    measure: str,
    weighting: str,
    population: str | None,
    arrays: tuple | None = None,
) -> list[list]:
    baseline_values, outcome_values, weights, counts = arrays or _measure_arrays(
        schools, measure, weighting
    )
    members = membership.to_numpy(dtype=bool)
    rows = []
    for position, group in enumerate(membership.columns):
        chosen = members[:, position] & counts
        b, o = baseline_values[chosen], outcome_values[chosen]
        w = None if weights is None else weights[chosen]
        baseline, outcome = _mean(b, w), _mean(o, w)
        change = mean_estimate(o - b, w)
        rows.append(
            [
                measure,
                CHANGE,
                group,
                population,
                len(b),
                baseline,
                outcome,
                outcome - baseline,
                change.ci_low,
                change.ci_high,
            ]
        )
    return rows


def _mean(values: np.ndarray, weights: np.ndarray | None) -> float:
    if weights is None:  # the common case, without weighted_mean's checks
        return float(values.mean()) if values.size else float("nan")
    return weighted_mean(values, weights)


def below_threshold(schools: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Among paired schools, how many had progress below ``threshold`` in each year."""
    return pd.DataFrame([_threshold_row(schools, threshold)], columns=SUMMARY_COLUMNS)


def _threshold_row(schools: pd.DataFrame, threshold: float) -> list:
    chosen = _paired(schools, "progress")
    baseline, outcome = (
        int((schools[f"{r}_progress"].to_numpy(dtype=float)[chosen] < threshold).sum())
        for r in ROLES
    )
    return _count_row("below_threshold", int(chosen.sum()), baseline, outcome)


def _significance_row(schools: pd.DataFrame) -> list:
    chosen = _paired(schools, "progress")
    baseline, outcome = (
        sum(label == "below" for label in schools[f"{r}_significance"].to_numpy(object)[chosen])
        for r in ROLES
    )
    return _count_row("sig_below", int(chosen.sum()), baseline, outcome)


def _count_row(estimate: str, n: int, baseline: int, outcome: int) -> list:
    """A count of progress scores (schools below the threshold, significantly below the
    national average) among completed schools."""
    row = ["progress", estimate, ALL, COMPLETED_ONLY, n, baseline, outcome, outcome - baseline]
    return [*row, np.nan, np.nan]


def _reference_rows(
    group: str,
    baseline: Mapping[str, float],
    outcome: Mapping[str, float],
    measures: Sequence[str],
) -> list[list]:
    rows = []
    for measure in measures:
        b = float(baseline.get(measure, np.nan))
        o = float(outcome.get(measure, np.nan))
        if np.isnan(b) and np.isnan(o):
            continue
        rows.append([measure, CHANGE, group, None, None, b, o, o - b, np.nan, np.nan])
    return rows


def impact_summary(
    schools: pd.DataFrame,
    memberships: Mapping[str, pd.DataFrame],
    *,
    threshold: float,
    references: Mapping[str, tuple[Mapping[str, float], Mapping[str, float]]] = {},
    weighting: str = "schools",
    measures: Sequence[str] = ("progress", "attainment"),
) -> pd.DataFrame:
    """The summary table: every measure x population x group, the threshold counts (completed
    schools, when progress is measured), then references.

    ``memberships`` maps a population (``itt``, ``completed``) to its group membership;
    ``references`` maps a group name (``la``, ``national``, ``comparator:<label>``) to its
    (baseline, outcome) figures by measure.
    """
    rows = []
    for measure in measures:
        arrays = _measure_arrays(schools, measure, weighting)
        for population, membership in memberships.items():
            rows += _group_rows(schools, membership, measure, weighting, population, arrays)
    if "progress" in measures:
        rows.append(_threshold_row(schools, threshold))
        rows.append(_significance_row(schools))
    for group, (b, o) in references.items():
        rows += _reference_rows(group, b, o, measures)
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    summary["n_schools"] = summary["n_schools"].astype("Int64")
    return summary
