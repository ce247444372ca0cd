"""How much of the change would have happened anyway? Comparison pool, matching, regression
to the mean.

Schools that had a bad year tend to bounce back whatever anyone does. Every other mainstream
school in the LA's file is a ready-made comparison: the *pool*. Each project school's *match
set* is the pool schools closest to it on what drives regression to the mean
(:mod:`impact.matching`); what they changed by is what the project school might have changed
by without the project. Separately, a straight line of change on
baseline over the pool says how much change any school starting where a project school started
would expect (regression to the mean).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ipm_analysis.impact.intervals import mean_estimate, shared_control_variance
from ipm_analysis.impact.matching import SetPositions, position_weights, set_positions
from ipm_analysis.impact.summary import SUMMARY_COLUMNS
from ipm_analysis.impact.weighting import weighted_mean
from ipm_analysis.inputs.dfe_tables import RECTYPE_MAINSTREAM


def comparison_pool(panel: pd.DataFrame, touched_urns: Iterable[str]) -> pd.DataFrame:
    """The pool: mainstream schools no roster school touches, with a score in both years.

    ``panel`` has one row per baseline-year school already linked across years (columns
    ``urn``, ``rectype``, ``baseline``, ``outcome``). ``touched_urns`` are the roster URNs and
    every URN a roster school was linked to in any year (withdrawn schools included), so no
    project school, under any of its URNs, can be its own comparison. Returns index ``urn``,
    columns ``baseline, outcome, change``.
    """
    touched = {str(u).strip() for u in touched_urns}
    urn = panel["urn"].astype("string").str.strip()
    rectype = panel["rectype"].astype("string").str.strip()
    baseline = pd.to_numeric(panel["baseline"]).astype(float)
    outcome = pd.to_numeric(panel["outcome"]).astype(float)
    keep = (rectype == RECTYPE_MAINSTREAM).fillna(False) & ~urn.isin(touched)
    keep &= baseline.notna() & outcome.notna()
    pool = pd.DataFrame(
        {"baseline": baseline[keep].to_numpy(), "outcome": outcome[keep].to_numpy()},
        index=pd.Index(urn[keep].to_numpy(dtype=str), name="urn"),
    )
    if pool.index.has_duplicates:
        dup = pool.index[pool.index.duplicated()][0]
        raise ValueError(f"URN {dup} appears more than once in the comparison pool")
    pool["change"] = pool["outcome"] - pool["baseline"]
    return pool


def match_covariates(schools: pd.DataFrame, measure: str = "progress") -> pd.DataFrame:
    """What a school is matched on, from its baseline-year figures (``Evaluation.schools``
    layout): index ``urn``, one column per matching variable; ``baseline`` is ``measure``'s."""
    return pd.DataFrame(
        {
            "baseline": schools[f"baseline_{measure}"].to_numpy(dtype=float),
            "scaled_score": schools["baseline_scaled_score"].to_numpy(dtype=float),
            "prior_progress": schools["baseline_prior_progress"].to_numpy(dtype=float),
            "cohort_size": schools["baseline_telig"].to_numpy(dtype=float),
            "disadvantaged": schools["baseline_disadvantaged"].to_numpy(dtype=float),
            "ks1_average": schools["baseline_ks1_average"].to_numpy(dtype=float),
            "school_type": schools["baseline_school_type"].to_numpy(dtype=object),
        },
        index=pd.Index(schools["urn"].astype(str).to_numpy(), name="urn"),
    )


def _with_change(frame: pd.DataFrame) -> pd.Series:
    if "change" in frame.columns:
        return frame["change"].astype(float)
    return frame["outcome"].astype(float) - frame["baseline"].astype(float)


def matched_comparison(
    project: pd.DataFrame,
    pool: pd.DataFrame,
    sets: pd.DataFrame,
    adjustment: np.ndarray | None = None,
) -> pd.DataFrame:
    """Each project school against its match set.

    ``project``: index urn, columns ``baseline, outcome``; ``pool``: from
    :func:`comparison_pool`; ``sets``: :func:`impact.matching.match_sets`. Returns index urn
    (every project school, in order) with ``comparison_baseline`` and ``comparison_change``
    (simple means over the match set; the change plus ``adjustment``, the bias correction of
    :func:`impact.matching.set_adjustment`, when given), ``n_matches`` and ``net_change`` (the
    school's change minus its comparison change); NaN for a school without a match.
    """
    matches = sets[["urn", "pool_urn"]].copy()
    matches["baseline"] = pool["baseline"].astype(float).reindex(matches["pool_urn"]).to_numpy()
    matches["change"] = _with_change(pool).reindex(matches["pool_urn"]).to_numpy()
    per_school = matches.groupby("urn", sort=False).agg(
        comparison_baseline=("baseline", "mean"),
        comparison_change=("change", "mean"),
        n_matches=("pool_urn", "size"),
    )
    index = pd.Index(project.index.astype(str), name="urn")
    out = per_school.reindex(index)
    out["n_matches"] = out["n_matches"].fillna(0).astype(int)
    if adjustment is not None:
        out["comparison_change"] = out["comparison_change"] + adjustment
    out["net_change"] = _with_change(project).to_numpy() - out["comparison_change"].to_numpy()
    return out


@dataclass(frozen=True)
class RtmFit:
    """Regression to the mean over the pool: expected change = a + b x baseline (``n`` schools).

    A negative ``b`` is regression to the mean: the lower a school starts, the more it rises.
    """

    a: float
    b: float
    n: int
    #: residual variance, mean baseline and sum of squares of baseline about it, for the
    #: variance of a point on the line: s2 (1/n + (x - x_mean)^2 / sxx)
    residual_variance: float = float("nan")
    x_mean: float = float("nan")
    sxx: float = float("nan")

    def line_variance(self, x: float) -> float:
        """Variance of the fitted line's height at baseline ``x`` (an estimate too)."""
        if not (self.n > 2 and self.sxx > 0):
            return float("nan")
        return self.residual_variance * (1 / self.n + (x - self.x_mean) ** 2 / self.sxx)


def fit_regression_to_mean(pool: pd.DataFrame) -> RtmFit:
    """Ordinary least squares of change on baseline over the pool (NaN a, b if it cannot be fit)."""
    x = pool["baseline"].to_numpy(dtype=float)
    y = _with_change(pool).to_numpy()
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    a, b = _ols(x[None, :], y[None, :])
    a, b, n = float(a[0]), float(b[0]), int(x.size)
    if n <= 2 or np.isnan(b):
        return RtmFit(a=a, b=b, n=n)
    residuals = y - a - b * x
    return RtmFit(
        a=a,
        b=b,
        n=n,
        residual_variance=float((residuals**2).sum() / (n - 2)),
        x_mean=float(x.mean()),
        sxx=float(((x - x.mean()) ** 2).sum()),
    )


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intercept and slope of y on x for each row (one fit per row, vectorised)."""
    if x.shape[1] < 2:
        nan = np.full(x.shape[0], np.nan)
        return nan, nan
    dx = x - x.mean(axis=1, keepdims=True)
    dy = y - y.mean(axis=1, keepdims=True)
    sxx = (dx * dx).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(sxx > 0, (dx * dy).sum(axis=1) / sxx, np.nan)
    a = y.mean(axis=1) - b * x.mean(axis=1)
    return a, b


def expected_change(fit: RtmFit, baseline: ArrayLike | pd.Series) -> np.ndarray | pd.Series:
    """The change a school starting at ``baseline`` would expect from regression to the mean."""
    if isinstance(baseline, pd.Series):
        return (fit.a + fit.b * baseline.astype(float)).rename("expected_change")
    return fit.a + fit.b * np.asarray(baseline, dtype=float)


def comparison_rows(
    project: pd.DataFrame,
    pool: pd.DataFrame,
    sets: pd.DataFrame,
    sigma2: pd.Series,
    memberships: Mapping[str, pd.DataFrame],
    fit: RtmFit,
    weights: pd.Series | None = None,
    adjustment: np.ndarray | None = None,
    measure: str = "progress",
) -> pd.DataFrame:
    """Summary rows (``summary.csv`` layout) for the comparison of ``measure``, per population
    and group (the row's ``estimate`` says which figure it is).

    ``project``: index urn, columns ``baseline, outcome`` (project schools with ``measure`` in
    both years, any status); ``sets``: their match sets; ``sigma2``: each pool school's
    conditional variance of change (:func:`impact.matching.pool_variance`); ``memberships``:
    population -> bool DataFrame indexed like ``project``. For each group G:

    - ``comparison``: mean over G of the match sets' mean baseline and mean change;
    - ``net_change``: mean over G of (school change - comparison change), with a t interval
      whose variance adds the Abadie-Imbens term for pool schools shared between match sets;
    - ``excess_change``: mean over G of (change - expected change from the pool's line), its
      variance adding the line's own uncertainty at the group's mean baseline;
    - ``mde``: the minimum detectable net change at 80% power.

    Plus one ``rtm_fit`` row (group ``pool``: n_schools = pool size, baseline = a, change = b).
    ``weights`` (one per project school) makes every mean a weighted mean; ``adjustment``
    (one per project school) is the bias correction added to each comparison change.
    """
    index = pd.Index(project.index.astype(str), name="urn")
    change = _with_change(project).to_numpy()
    baseline = project["baseline"].to_numpy(dtype=float)
    matched = matched_comparison(project, pool, sets, adjustment)
    excess = change - expected_change(fit, baseline)
    w_all = (
        np.ones(len(index))
        if weights is None
        else weights.set_axis(weights.index.astype(str)).reindex(index).to_numpy(dtype=float)
    )
    positions = set_positions(sets, index, pool.index)
    s2 = sigma2.reindex(pool.index.astype(str)).fillna(0.0).to_numpy(dtype=float)
    records: list[dict] = []
    for population, membership in memberships.items():
        members = membership.set_axis(membership.index.astype(str)).reindex(index)
        members = members.fillna(False).astype(bool)
        for group in members.columns:
            in_group = members[group].to_numpy() & ~np.isnan(w_all)
            records += _group_comparison(
                group, population, in_group, matched, positions, s2, w_all, baseline, excess, fit
            )
    rtm = _row("rtm_fit", "pool", fit.n, baseline=fit.a, change=fit.b)
    out = pd.DataFrame([*records, rtm], columns=SUMMARY_COLUMNS)
    out["measure"] = measure
    order = {m: i for i, m in enumerate(COMPARISON_ESTIMATES)}
    out = out.sort_values("estimate", key=lambda m: m.map(order), kind="stable")
    return out.reset_index(drop=True).astype({"n_schools": int})


#: The comparison's rows, in the order summary.csv lists them.
COMPARISON_ESTIMATES = ("comparison", "net_change", "excess_change", "mde", "rtm_fit")


def _group_comparison(
    group: str,
    population: str,
    in_group: np.ndarray,
    matched: pd.DataFrame,
    positions: SetPositions,
    sigma2: np.ndarray,
    weights: np.ndarray,
    baseline: np.ndarray,
    excess: np.ndarray,
    fit: RtmFit,
) -> list[dict]:
    net = matched["net_change"].to_numpy(dtype=float)
    keep = in_group & ~np.isnan(net)
    w = weights[keep]
    extra = 0.0
    if keep.sum() >= 2:
        k, k2 = position_weights(positions, np.where(keep, weights, 0.0))
        extra = shared_control_variance(k, k2, sigma2)
    estimate = mean_estimate(net[keep], w, extra_variance=extra)
    cb = weighted_mean(matched["comparison_baseline"].to_numpy(dtype=float)[keep], w)
    cc = weighted_mean(matched["comparison_change"].to_numpy(dtype=float)[keep], w)
    n = int(keep.sum())
    rows = [
        _row("comparison", group, n, population, baseline=cb, outcome=cb + cc, change=cc),
        _row(
            "net_change",
            group,
            n,
            population,
            change=estimate.value,
            ci_low=estimate.ci_low,
            ci_high=estimate.ci_high,
        ),
        _row("mde", group, n, population, change=estimate.mde),
    ]
    keep = in_group & ~np.isnan(excess)
    w = weights[keep]
    x_bar = weighted_mean(baseline[keep], w) if keep.any() else float("nan")
    line = fit.line_variance(x_bar) if keep.any() else float("nan")
    line = 0.0 if np.isnan(line) else line
    e = mean_estimate(excess[keep], w, extra_variance=line)
    rows.append(
        _row(
            "excess_change",
            group,
            int(keep.sum()),
            population,
            change=e.value,
            ci_low=e.ci_low,
            ci_high=e.ci_high,
        )
    )
    return rows


def _row(
    estimate: str, group: str, n_schools: int, population: str | None = None, **figures: float
) -> dict:
    row = dict.fromkeys(SUMMARY_COLUMNS, np.nan)
    row.update(estimate=estimate, group=group, population=population, n_schools=int(n_schools))
    row.update({key: float(value) for key, value in figures.items()})
    return row
