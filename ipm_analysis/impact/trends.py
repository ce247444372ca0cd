"""Were the project schools already improving? Years before the baseline, beside the comparison.

A DfE file carries the previous years' progress of each school (``MATPROG_16`` in a 2017-18
file), so every report can look back before its baseline year. For each year, each project
school's *gap* is its progress minus the mean progress of its match set that year. The event
study follows the gap relative to the baseline year: before the baseline it should stay near
0 (parallel trends); after it, the change in the gap is the net change.

Two summary rows come from it when the files hold an earlier year (the *pre-year*: the latest
year before the baseline with a figure for some project school; the year before the baseline
when it exists, else an earlier one across the years without school-level data):

- ``pre_gap``: the change in the gap from the pre-year to the baseline year.
  Far from 0, the project schools were moving differently from their comparison before the
  project began (a dip, or a trend), and the net change inherits it.
- ``did``: the difference in differences from the pre-year to the outcome year, which steps
  over a baseline year that may have been a one-off dip.

Each is a mean over schools with a t interval whose variance adds the Abadie-Imbens term for
comparison schools shared between match sets, as the net change does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ipm_analysis.impact.intervals import mean_estimate, shared_control_variance
from ipm_analysis.impact.matching import (
    SetPositions,
    bias_coefficients,
    pool_variance,
    position_means,
    position_weights,
    set_adjustment,
    set_positions,
)
from ipm_analysis.impact.summary import SUMMARY_COLUMNS
from ipm_analysis.impact.weighting import weighted_mean

#: The columns of :func:`event_study` (``trends.csv``).
EVENT_STUDY_COLUMNS = [
    "measure",
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


class _Years:
    """What every group shares for one pair of years: each project school's gaps and which
    set members count, and the pool's conditional variances (computed once, not per group)."""

    def __init__(
        self,
        project_years: pd.DataFrame,
        pool_years: pd.DataFrame,
        project_covariates: pd.DataFrame,
        pool_covariates: pd.DataFrame,
        positions: SetPositions,
        match_on: Sequence[str],
        year: int,
        base: int,
    ) -> None:
        nan = np.full(len(pool_years), np.nan)
        qy = pool_years[year].to_numpy(dtype=float) if year in pool_years else nan
        qb = pool_years[base].to_numpy(dtype=float) if base in pool_years else nan
        self.member = ~(np.isnan(qy) | np.isnan(qb))[positions.cols]
        comparison_base = position_means(positions, qb, self.member)
        # the bias correction moves the comparison's change from base to year, as for the net
        # change (impact.matching.bias_coefficients); None with one matching variable
        diff = pd.Series(qy - qb, index=pool_years.index).dropna()
        coefficients = None
        if year != base and len(diff) > 1:
            coefficients = bias_coefficients(pool_covariates.reindex(diff.index), diff, match_on)
        adjustment = set_adjustment(
            positions,
            project_covariates.reindex(project_years.index),
            pool_covariates.reindex(pool_years.index),
            coefficients,
            self.member,
        )
        self.comparison = position_means(positions, qy, self.member) + adjustment
        nan = np.full(len(project_years), np.nan)
        self.project = project_years[year].to_numpy(dtype=float) if year in project_years else nan
        project_base = project_years[base].to_numpy(dtype=float)
        self.gap = self.project - self.comparison
        self.gap_base = project_base - comparison_base
        self.sigma2 = np.zeros(len(pool_years))
        if year != base and len(diff) > 1:
            found = pool_variance(pool_covariates.reindex(diff.index), diff, match_on)
            self.sigma2 = found.reindex(pool_years.index).fillna(0.0).to_numpy(dtype=float)


def _gap_estimate(
    years: _Years, positions: SetPositions, in_group: np.ndarray, weights: np.ndarray
) -> dict:
    """The change in the project-minus-comparison gap from the base year for one group."""
    change = years.gap - years.gap_base
    keep = in_group & ~np.isnan(change) & ~np.isnan(weights)
    w = weights[keep]
    n = int(keep.sum())
    extra = 0.0
    if n >= 2:
        k, k2 = position_weights(positions, np.where(keep, weights, 0.0), years.member)
        extra = shared_control_variance(k, k2, years.sigma2)

    def mean(values: np.ndarray) -> float:
        return weighted_mean(values[keep], w) if n else float("nan")

    return {
        "n_schools": n,
        "project": mean(years.project),
        "comparison": mean(years.comparison),
        "gap_base": mean(years.gap_base),
        "gap": mean(years.gap),
        "estimate": mean_estimate(change[keep], w, extra_variance=extra),
    }


@dataclass(frozen=True)
class Histories:
    """Everything the trends need, gathered once: progress by year (columns) of the project
    schools (index project URN) and of the pool (index pool URN), what each was matched on,
    the match sets (:func:`impact.matching.match_sets`), ``match_on`` and the project weights
    (None: one school, one vote)."""

    project_years: pd.DataFrame
    pool_years: pd.DataFrame
    project_covariates: pd.DataFrame
    pool_covariates: pd.DataFrame
    sets: pd.DataFrame
    match_on: Sequence[str]
    weights: pd.Series | None = None

    @cached_property
    def positions(self) -> SetPositions:
        return set_positions(self.sets, self.project_years.index, self.pool_years.index)

    @cached_property
    def weight_array(self) -> np.ndarray:
        index = self.project_years.index
        if self.weights is None:
            return np.ones(len(index))
        return self.weights.reindex(index).to_numpy(float)

    def gaps(self, year: int, base: int) -> _Years:
        return _Years(
            self.project_years,
            self.pool_years,
            self.project_covariates,
            self.pool_covariates,
            self.positions,
            self.match_on,
            year,
            base,
        )

    def groups(self, memberships: Mapping[str, pd.DataFrame]):
        """(population, group, which project schools are in it) for every group."""
        for population, membership in memberships.items():
            members = membership.reindex(self.project_years.index).fillna(False).astype(bool)
            for group in members.columns:
                yield population, group, members[group].to_numpy()

    def estimate(self, gaps: _Years, in_group: np.ndarray) -> dict:
        return _gap_estimate(gaps, self.positions, in_group, self.weight_array)


def event_study(
    histories: Histories,
    memberships: Mapping[str, pd.DataFrame],
    baseline_year: int,
    measure: str = "progress",
) -> pd.DataFrame:
    """Project and comparison ``measure`` in every year the files hold, per population and
    group, relative to ``baseline_year`` (see the module docstring).

    Years are the columns of ``histories.project_years``. Each row's ``gap_change`` (with its
    interval) is the gap minus the gap in the baseline year, over the schools with a score in
    both years; 0 in the baseline year by construction (no interval there).
    """
    by_year = {
        year: histories.gaps(year, baseline_year)
        for year in sorted(histories.project_years.columns)
    }
    rows = []
    for population, group, in_group in histories.groups(memberships):
        for year, gaps in by_year.items():
            found = histories.estimate(gaps, in_group)
            est = found["estimate"]
            reference = year == baseline_year  # its 0 is exact, not estimated
            rows.append(
                {
                    "measure": measure,
                    "population": population,
                    "group": group,
                    "year": int(year),
                    "relative_year": int(year - baseline_year),
                    "n_schools": found["n_schools"],
                    "project": found["project"],
                    "comparison": found["comparison"],
                    "gap": found["gap"],
                    "gap_change": est.value,
                    "ci_low": np.nan if reference else est.ci_low,
                    "ci_high": np.nan if reference else est.ci_high,
                }
            )
    out = pd.DataFrame(rows, columns=EVENT_STUDY_COLUMNS)
    return out.astype({"n_schools": int})


def pre_year(project_years: pd.DataFrame, baseline_year: int) -> int | None:
    """The latest year before ``baseline_year`` in which some project school has a figure
    (columns of ``project_years``); None when there is none."""
    earlier = [
        int(y)
        for y in project_years.columns
        if y < baseline_year and project_years[y].notna().any()
    ]
    return max(earlier) if earlier else None


def matched_on_pre_year(
    match_on: Sequence[str], measure: str, pre: int, baseline_year: int
) -> bool:
    """Whether the matching used the pre-year itself (``prior_progress`` is the year before
    the baseline's progress), making the pre-gap 0 by construction."""
    return measure == "progress" and "prior_progress" in match_on and pre == baseline_year - 1


def trend_rows(
    histories: Histories,
    memberships: Mapping[str, pd.DataFrame],
    years: tuple[int, int],
    measure: str = "progress",
) -> pd.DataFrame:
    """The ``pre_gap`` and ``did`` summary rows (summary.csv layout), from the pre-year
    (:func:`pre_year`); no rows without one. ``baseline`` holds the gap in the pre-year,
    ``outcome`` the gap in the baseline year (``pre_gap``) or the outcome year (``did``),
    ``change`` their difference with its interval."""
    baseline_year, outcome_year = years
    pre = pre_year(histories.project_years, baseline_year)
    rows: list[dict] = []
    if pre is None:
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    # matched (and bias-corrected) on the year before the baseline, the pre-gap is 0 by
    # construction: no interval, since there is nothing to estimate
    matched_pre = matched_on_pre_year(histories.match_on, measure, pre, baseline_year)
    for estimate, year in (("pre_gap", baseline_year), ("did", outcome_year)):
        gaps = histories.gaps(year, pre)
        for population, group, in_group in histories.groups(memberships):
            found = histories.estimate(gaps, in_group)
            est = found["estimate"]
            rows.append(
                {
                    "measure": measure,
                    "estimate": estimate,
                    "group": group,
                    "population": population,
                    "n_schools": found["n_schools"],
                    "baseline": found["gap_base"],
                    "outcome": found["gap"],
                    "change": est.value,
                    "ci_low": np.nan if estimate == "pre_gap" and matched_pre else est.ci_low,
                    "ci_high": np.nan if estimate == "pre_gap" and matched_pre else est.ci_high,
                }
            )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS).astype({"n_schools": int})
