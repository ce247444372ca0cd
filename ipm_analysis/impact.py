"""The impact measures: each school's baseline -> outcome, and the paired group means.

A school counts in a measure only when it has a number in both years (paired), separately
for progress and attainment. Group figures are simple means over schools, as the seed
report computes them, unless ``weighting="pupils"`` asks for means weighted by the pupils in
each school's measure (the way the DfE computes an LA's figure).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ipm_analysis.groups import ALL
from ipm_analysis.linking import NOT_FOUND
from ipm_analysis.roster import COMPLETED, WITHDRAWN
from ipm_analysis.uncertainty import bootstrap_change_ci, change_interval, significance
from ipm_analysis.weighting import weighted_mean

MEASURES = ("progress", "attainment")
ROLES = ("baseline", "outcome")
#: Each school's figures taken from the DfE table for both years.
FIGURE_COLUMNS = ("progress", "progress_lower", "progress_upper", "attainment", "pupils", "telig")
#: summary.csv: every figure at full precision; ci_low/ci_high empty where not defined.
SUMMARY_COLUMNS = [
    "measure",
    "group",
    "n_schools",
    "baseline",
    "outcome",
    "change",
    "ci_low",
    "ci_high",
]
#: The per-school weight of each measure when ``weighting="pupils"``: pupils in the progress
#: measure (TELIG x coverage) and eligible pupils for attainment.
WEIGHT_COLUMN = {"progress": "pupils", "attainment": "telig"}


def school_changes(
    roster: pd.DataFrame,
    links: pd.DataFrame,
    figures: Mapping[int, pd.DataFrame],
    baseline_year: int,
    outcome_year: int,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """One row per roster school: URNs used, both years' figures, changes, exclusion reason.

    Also each year's significance against the national average (from the DfE's limits) and
    the school's own 95% interval for its progress change. ``explain=False`` skips the
    exclusion reasons (for the thousands of schools of a comparison pool).

    ``figures`` maps year -> :func:`ipm_analysis.dfe_tables.school_figures`. Columns are named
    by role (``baseline_progress``, ``outcome_urn``...) so the file reads the same whatever
    the years.
    """
    schools = roster.drop(columns=["line"]).set_index("urn", drop=False)
    schools.index.name = None
    links = links.loc[schools["urn"]]  # one lookup, in roster order
    added: dict[str, object] = {}  # new columns, joined once (column by column is slow)
    for role, year in zip(ROLES, (baseline_year, outcome_year), strict=True):
        linked = links[f"linked_urn_{year}"].to_numpy()
        added[f"{role}_urn"] = pd.array(linked, dtype="string")
        added[f"{role}_link"] = links[f"link_{year}"].to_numpy()
        found = figures[year].reindex(pd.Index(linked, dtype=object))
        for column in FIGURE_COLUMNS:
            added[f"{role}_{column}"] = found[column].to_numpy(dtype=float)
        for measure in MEASURES:
            added[f"{role}_{measure}_reason"] = found[f"{measure}_reason"].array
        for column in ("name", "lea", "rectype"):
            added[f"{role}_{column}"] = found[column].array
        added[f"{role}_significance"] = significance(
            found["progress_lower"], found["progress_upper"]
        ).array
    schools = pd.concat([schools, pd.DataFrame(added, index=schools.index)], axis=1)
    named = schools["school_name"].fillna("").astype(str).str.len() > 0
    fallback = schools["outcome_name"].fillna(schools["baseline_name"]).fillna("")
    schools["school_name"] = schools["school_name"].where(named, fallback)
    for measure in MEASURES:
        schools[f"{measure}_change"] = (
            schools[f"outcome_{measure}"] - schools[f"baseline_{measure}"]
        )
    schools["progress_change_low"], schools["progress_change_high"] = change_interval(
        schools["baseline_progress_lower"],
        schools["baseline_progress_upper"],
        schools["outcome_progress_lower"],
        schools["outcome_progress_upper"],
        schools["progress_change"],
    )
    if explain:
        schools["excluded_reason"] = _exclusion_reasons(schools, baseline_year, outcome_year)
    return schools.drop(columns=["baseline_name", "outcome_name"]).reset_index(drop=True)


def _exclusion_reasons(schools: pd.DataFrame, baseline_year: int, outcome_year: int) -> pd.Series:
    reasons = []
    for school in schools.to_dict("records"):  # plain dicts: iterrows is ~10x slower
        if school["status"] == WITHDRAWN:
            reasons.append("withdrawn from the project")
            continue
        parts = []
        for role, year in (("baseline", baseline_year), ("outcome", outcome_year)):
            if school[f"{role}_link"] == NOT_FOUND:
                parts.append(f"not found in the {year} performance table")
                continue
            for measure in MEASURES:
                if np.isnan(school[f"{role}_{measure}"]):
                    why = school[f"{role}_{measure}_reason"]
                    why = "blank" if pd.isna(why) else why
                    parts.append(f"no {measure} figure in {year} ({why})")
        reasons.append("; ".join(parts))
    return pd.Series(reasons, index=schools.index, dtype="string")


def paired(schools: pd.DataFrame, measure: str) -> pd.Series:
    """Which schools count in ``measure``: completed, with a number in both years."""
    return (
        schools["status"].eq(COMPLETED)
        & schools[f"baseline_{measure}"].notna()
        & schools[f"outcome_{measure}"].notna()
    )


def group_means(
    schools: pd.DataFrame,
    membership: pd.DataFrame,
    measure: str,
    *,
    weighting: str = "schools",
    n_resamples: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """Baseline, outcome and change of ``measure`` for every group (paired schools only).

    With ``n_resamples`` > 0 each change gets a 95% bootstrap interval over schools (pairs
    resampled together, the same weighting as the estimate, the same ``seed`` for every group).
    """
    counts = paired(schools, measure).to_numpy(dtype=bool)
    # NumPy arrays, not frame filters: this runs for every group of every report
    values = {role: schools[f"{role}_{measure}"].to_numpy(dtype=float) for role in ROLES}
    weights = (
        {r: schools[f"{r}_{WEIGHT_COLUMN[measure]}"].to_numpy(dtype=float) for r in ROLES}
        if weighting == "pupils"
        else {r: None for r in ROLES}
    )
    rows = []
    for group in membership.columns:
        chosen = membership[group].to_numpy(dtype=bool) & counts
        b, o = (values[r][chosen] for r in ROLES)
        wb, wo = (None if weights[r] is None else weights[r][chosen] for r in ROLES)
        baseline, outcome = weighted_mean(b, wb), weighted_mean(o, wo)
        low = high = np.nan
        if n_resamples and chosen.sum() >= 2:
            low, high = bootstrap_change_ci(
                b, o, baseline_weights=wb, outcome_weights=wo, n_resamples=n_resamples, seed=seed
            )
        n = int(chosen.sum())
        rows.append([measure, group, n, baseline, outcome, outcome - baseline, low, high])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def below_threshold(schools: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Among paired schools, how many had progress below ``threshold`` in each year."""
    chosen = schools[paired(schools, "progress")]
    baseline = int((chosen["baseline_progress"] < threshold).sum())
    outcome = int((chosen["outcome_progress"] < threshold).sum())
    return _count_row("below_threshold", len(chosen), baseline, outcome)


def significantly_below(schools: pd.DataFrame) -> pd.DataFrame:
    """Among paired schools, how many were significantly below average (DfE upper limit < 0)."""
    chosen = schools[paired(schools, "progress")]
    baseline = int(chosen["baseline_significance"].eq("below").sum())
    outcome = int(chosen["outcome_significance"].eq("below").sum())
    return _count_row("sig_below", len(chosen), baseline, outcome)


def _count_row(measure: str, n: int, baseline: int, outcome: int) -> pd.DataFrame:
    return pd.DataFrame(
        [[measure, ALL, n, baseline, outcome, outcome - baseline, np.nan, np.nan]],
        columns=SUMMARY_COLUMNS,
    )


def reference_rows(
    group: str, baseline: Mapping[str, float], outcome: Mapping[str, float]
) -> pd.DataFrame:
    """Published reference figures (LA, national, comparators): no school count."""
    rows = []
    for measure in MEASURES:
        b = float(baseline.get(measure, np.nan))
        o = float(outcome.get(measure, np.nan))
        if np.isnan(b) and np.isnan(o):
            continue
        rows.append([measure, group, pd.NA, b, o, o - b, np.nan, np.nan])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def impact_summary(
    schools: pd.DataFrame,
    membership: pd.DataFrame,
    *,
    threshold: float,
    references: Mapping[str, tuple[Mapping[str, float], Mapping[str, float]]] = {},
    weighting: str = "schools",
    n_resamples: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """The summary table: every measure x group, the threshold counts, then references.

    ``references`` maps a group name (``la``, ``national``, ``comparator:<label>``) to its
    (baseline, outcome) figures by measure.
    """
    parts = [
        group_means(schools, membership, m, weighting=weighting, n_resamples=n_resamples, seed=seed)
        for m in MEASURES
    ]
    parts.append(below_threshold(schools, threshold))
    parts.append(significantly_below(schools))
    parts += [reference_rows(group, b, o) for group, (b, o) in references.items()]
    summary = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    summary["n_schools"] = summary["n_schools"].astype("Int64")
    return summary
