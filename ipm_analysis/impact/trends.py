"""Were the project schools already improving? Years before the baseline, beside the comparison.

A DfE file carries the previous years' progress of each school (``MATPROG_16`` in a 2017-18
file), so every report can look back before its baseline year. For each year, each project
school's *gap* is its progress minus the mean progress of its match set that year. The event
study follows the gap relative to the baseline year: before the baseline it should stay near
0 (parallel trends); after it, the change in the gap is the net change.

Two summary rows come from it when the year before the baseline exists:

- ``pre_gap``: the change in the gap from the year before the baseline to the baseline year.
  Far from 0, the project schools were moving differently from their comparison before the
  project began (a dip, or a trend), and the net change inherits it.
- ``did``: the difference in differences from the year before the baseline to the outcome
  year, which steps over a baseline year that may have been a one-off dip.

Each is a mean over schools with a t interval whose variance adds the Abadie-Imbens term for
comparison schools shared between match sets, as the net change does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ipm_analysis.impact.intervals import mean_estimate, shared_control_variance
from ipm_analysis.impact.matching import match_weights, pool_variance
from ipm_analysis.impact.summary import SUMMARY_COLUMNS
from ipm_analysis.impact.weighting import weighted_mean

#: The columns of :func:`event_study` (``trends.csv``).
EVENT_STUDY_COLUMNS = [
    "population",
    "group",
    "year",
    "relative_year",
    "n_schools",
    "project",
    "comparison",
    "gap",
    "gap_change",
    "ci_low",
    "ci_high",
]


def _set_means(sets: pd.DataFrame, pool_years: pd.DataFrame, year: int, base: int) -> pd.DataFrame:
    """Per project school, its match set's mean progress in ``year`` and in ``base`` over the
    members with a score in both, and how many members that is."""
    values = pool_years.reindex(sets["pool_urn"].to_numpy())
    y = values[year].to_numpy(dtype=float) if year in values else np.full(len(sets), np.nan)
    b = values[base].to_numpy(dtype=float) if base in values else np.full(len(sets), np.nan)
    both = ~(np.isnan(y) | np.isnan(b))
    frame = pd.DataFrame(
        {"urn": sets["urn"].to_numpy(), "y": np.where(both, y, 0.0), "b": np.where(both, b, 0.0)}
    )
    frame["n"] = both.astype(int)
    sums = frame.groupby("urn", sort=False)[["y", "b", "n"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {"y": sums["y"] / sums["n"], "b": sums["b"] / sums["n"], "n": sums["n"]},
            index=sums.index,
        )


def _gap_estimate(
    project_years: pd.DataFrame,
    pool_years: pd.DataFrame,
    pool_covariates: pd.DataFrame,
    sets: pd.DataFrame,
    match_on: Sequence[str],
    in_group: np.ndarray,
    weights: np.ndarray,
    year: int,
    base: int,
    cache: dict,
) -> dict:
    """The change in the project-minus-comparison gap from ``base`` to ``year`` for one group."""
    means = _set_means(sets, pool_years, year, base).reindex(project_years.index)
    py = project_years[year].to_numpy(dtype=float) if year in project_years else np.nan
    pb = project_years[base].to_numpy(dtype=float)
    gap_y = py - means["y"].to_numpy(dtype=float)
    gap_b = pb - means["b"].to_numpy(dtype=float)
    change = gap_y - gap_b
    keep = in_group & ~np.isnan(change) & ~np.isnan(weights)
    w = weights[keep]
    n = int(keep.sum())
    extra = 0.0
    if n >= 2 and year != base:
        urns = project_years.index[keep]
        members = pool_years.reindex(sets["pool_urn"].to_numpy())
        has = (members[year].notna() & members[base].notna()).to_numpy() if year in members else []
        used = sets[sets["urn"].isin(urns).to_numpy() & np.asarray(has, dtype=bool)]
        k = match_weights(used, pd.Series(w, index=urns))
        if (year, base) not in cache:  # one per pair of years, shared by every group
            diff = (pool_years[year] - pool_years[base]).dropna()
            cache[year, base] = pool_variance(pool_covariates.reindex(diff.index), diff, match_on)
        sigma2 = cache[year, base]
        extra = shared_control_variance(k["K"], k["K2"], sigma2.reindex(k.index).fillna(0.0))
    estimate = mean_estimate(change[keep], w, extra_variance=extra)
    return {
        "n_schools": n,
        "project": weighted_mean(py[keep], w) if n else np.nan,
        "comparison": weighted_mean(means["y"].to_numpy(dtype=float)[keep], w) if n else np.nan,
        "gap_base": weighted_mean(gap_b[keep], w) if n else np.nan,
        "gap": weighted_mean(gap_y[keep], w) if n else np.nan,
        "estimate": estimate,
    }


def event_study(
    project_years: pd.DataFrame,
    pool_years: pd.DataFrame,
    pool_covariates: pd.DataFrame,
    sets: pd.DataFrame,
    match_on: Sequence[str],
    memberships: Mapping[str, pd.DataFrame],
    baseline_year: int,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Project and comparison progress in every year either file holds, per population and
    group, relative to ``baseline_year`` (see the module docstring).

    ``project_years``: index project urn, one column per year (progress; NaN where absent);
    ``pool_years``: the same for pool schools; ``sets``: the match sets
    (:func:`impact.matching.match_sets`). Years are the columns of ``project_years``. Each
    row's ``gap_change`` (with its interval) is the gap minus the gap in the baseline year,
    over the schools with a score in both years; 0 in the baseline year by construction.
    """
    index = project_years.index
    w_all = np.ones(len(index)) if weights is None else weights.reindex(index).to_numpy(float)
    rows = []
    cache: dict = {}
    for population, membership in memberships.items():
        members = membership.reindex(index).fillna(False).astype(bool)
        for group in members.columns:
            in_group = members[group].to_numpy()
            for year in sorted(project_years.columns):
                found = _gap_estimate(
                    project_years,
                    pool_years,
                    pool_covariates,
                    sets,
                    match_on,
                    in_group,
                    w_all,
                    year,
                    baseline_year,
                    cache,
                )
                est = found["estimate"]
                rows.append(
                    {
                        "population": population,
                        "group": group,
                        "year": int(year),
                        "relative_year": int(year - baseline_year),
                        "n_schools": found["n_schools"],
                        "project": found["project"],
                        "comparison": found["comparison"],
                        "gap": found["gap"],
                        "gap_change": est.value,
                        "ci_low": est.ci_low,
                        "ci_high": est.ci_high,
                    }
                )
    out = pd.DataFrame(rows, columns=EVENT_STUDY_COLUMNS)
    return out.astype({"n_schools": int})


def trend_rows(
    project_years: pd.DataFrame,
    pool_years: pd.DataFrame,
    pool_covariates: pd.DataFrame,
    sets: pd.DataFrame,
    match_on: Sequence[str],
    memberships: Mapping[str, pd.DataFrame],
    years: tuple[int, int],
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """The ``pre_gap`` and ``did`` summary rows (summary.csv layout), from the year before
    the baseline; no rows when no school has a score that year. ``baseline`` holds the gap in
    the pre-year, ``outcome`` the gap in the baseline year (``pre_gap``) or the outcome year
    (``did``), ``change`` their difference with its interval."""
    baseline_year, outcome_year = years
    pre = baseline_year - 1
    rows: list[dict] = []
    if pre not in project_years or project_years[pre].isna().all():
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    index = project_years.index
    w_all = np.ones(len(index)) if weights is None else weights.reindex(index).to_numpy(float)
    cache: dict = {}
    for measure, year in (("pre_gap", baseline_year), ("did", outcome_year)):
        for population, membership in memberships.items():
            members = membership.reindex(index).fillna(False).astype(bool)
            for group in members.columns:
                found = _gap_estimate(
                    project_years,
                    pool_years,
                    pool_covariates,
                    sets,
                    match_on,
                    members[group].to_numpy(),
                    w_all,
                    year,
                    pre,
                    cache,
                )
                est = found["estimate"]
                rows.append(
                    {
                        "measure": measure,
                        "group": group,
                        "population": population,
                        "n_schools": found["n_schools"],
                        "baseline": found["gap_base"],
                        "outcome": found["gap"],
                        "change": est.value,
                        "ci_low": est.ci_low,
                        "ci_high": est.ci_high,
                    }
                )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS).astype({"n_schools": int})
