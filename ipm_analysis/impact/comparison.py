"""How much of the change would have happened anyway? Comparison pool, matching, regression
to the mean.

Schools that had a bad year tend to bounce back whatever anyone does. Every other mainstream
school in the LA's file is a ready-made comparison: the *pool*. Each project school's *match
set* is the pool schools closest to it at baseline; what they changed by is what the project
school might have changed by without the project. Separately, a straight line of change on
baseline over the pool says how much change any school starting where a project school started
would expect (regression to the mean).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ipm_analysis.core.constants import Z80_POWER, Z95
from ipm_analysis.impact.summary import SUMMARY_COLUMNS
from ipm_analysis.impact.uncertainty import _indices, bootstrap_indices, percentile_interval
from ipm_analysis.impact.uncertainty import resampled_means as _resampled_means
from ipm_analysis.impact.weighting import weighted_mean
from ipm_analysis.inputs.dfe_tables import RECTYPE_MAINSTREAM

#: Minimum detectable effect in standard errors: 80% power, 5% two-sided (1.96 + 0.84 = 2.8).
MDE_MULTIPLIER = Z95 + Z80_POWER
#: Distances are compared at this many decimals, so float noise does not break ties.
TIE_DECIMALS = 6


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


def match_sets(project_baseline: pd.Series, pool_baseline: pd.Series, k: int = 5) -> pd.DataFrame:
    """Each project school's match set: the ``k`` pool schools closest to it at baseline.

    Closeness is the absolute difference in baseline, compared at 6 decimals; every pool school
    tied with the k-th closest is included, so a match set never depends on row order. Returns
    long format ``urn, pool_urn, distance``, sorted by project school (input order), distance
    and pool URN. A project school with no baseline gets no rows.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    project_baseline = project_baseline.astype(float).dropna()
    pool_baseline = pool_baseline.astype(float).dropna()
    empty = pd.DataFrame(
        {
            "urn": pd.Series(dtype=str),
            "pool_urn": pd.Series(dtype=str),
            "distance": pd.Series(dtype=float),
        }
    )
    if project_baseline.empty or pool_baseline.empty:
        return empty
    distance = np.abs(project_baseline.to_numpy()[:, None] - pool_baseline.to_numpy()[None, :])
    rounded = np.round(distance, TIE_DECIMALS)
    kth = min(k, rounded.shape[1]) - 1
    cutoff = np.partition(rounded, kth, axis=1)[:, kth]
    rows, cols = np.nonzero(rounded <= cutoff[:, None])
    matches = pd.DataFrame(
        {
            "urn": project_baseline.index.to_numpy(dtype=str)[rows],
            "pool_urn": pool_baseline.index.to_numpy(dtype=str)[cols],
            "distance": distance[rows, cols],
            "_order": rows,
            "_rounded": rounded[rows, cols],
        }
    )
    matches = matches.sort_values(["_order", "_rounded", "pool_urn"], kind="stable")
    return matches.drop(columns=["_order", "_rounded"]).reset_index(drop=True)


def _with_change(frame: pd.DataFrame) -> pd.Series:
    if "change" in frame.columns:
        return frame["change"].astype(float)
    return frame["outcome"].astype(float) - frame["baseline"].astype(float)


def matched_comparison(project: pd.DataFrame, pool: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """Each project school against its match set.

    ``project``: index urn, columns ``baseline, outcome``; ``pool``: from
    :func:`comparison_pool`. Returns index urn (every project school, in order) with
    ``comparison_baseline`` and ``comparison_change`` (simple means over the match set),
    ``n_matches`` and ``net_change`` (the school's change minus its comparison change).
    """
    matches = match_sets(project["baseline"], pool["baseline"], k)
    pool_change = _with_change(pool)
    matches["baseline"] = pool["baseline"].astype(float).reindex(matches["pool_urn"]).to_numpy()
    matches["change"] = pool_change.reindex(matches["pool_urn"]).to_numpy()
    per_school = matches.groupby("urn", sort=False).agg(
        comparison_baseline=("baseline", "mean"),
        comparison_change=("change", "mean"),
        n_matches=("pool_urn", "size"),
    )
    index = pd.Index(project.index.astype(str), name="urn")
    out = per_school.reindex(index)
    out["n_matches"] = out["n_matches"].fillna(0).astype(int)
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


def fit_regression_to_mean(pool: pd.DataFrame) -> RtmFit:
    """Ordinary least squares of change on baseline over the pool (NaN a, b if it cannot be fit)."""
    x = pool["baseline"].to_numpy(dtype=float)
    y = _with_change(pool).to_numpy()
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    a, b = _ols(x[None, :], y[None, :])
    return RtmFit(a=float(a[0]), b=float(b[0]), n=int(x.size))


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


def comparison_summary(
    project: pd.DataFrame,
    pool: pd.DataFrame,
    membership: pd.DataFrame,
    *,
    k: int = 5,
    n_resamples: int = 10_000,
    seed: int = 0,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Summary rows (``summary.csv`` layout) for the comparison, per group of project schools.

    ``project``: index urn, columns ``baseline, outcome`` (paired project schools);
    ``membership``: bool DataFrame, same index, one column per group label. For each group G:

    - ``comparison``: mean over G of the match sets' mean baseline and mean change;
    - ``net_change``: mean over G of (school change - comparison change), with a bootstrap CI
      that resamples project schools together with their match sets;
    - ``excess_change``: mean over G of (change - expected change from the pool's fit), with a
      bootstrap CI that resamples project schools and, independently, refits the line on a
      resample of the pool, because the fit is an estimate too;
    - ``mde``: the minimum detectable effect, 2.8 x the bootstrap SE of the net change.

    Plus one ``rtm_fit`` row (group ``pool``: n_schools = pool size, baseline = a, change = b).
    ``n_schools`` counts the schools of G that enter the mean. ``weights`` (per project school,
    e.g. pupils in the measure) makes every group mean a weighted mean. Every group is
    resampled with the same ``seed``, so a group's interval does not depend on the others.
    """
    index = pd.Index(project.index.astype(str), name="urn")
    change = _with_change(project).to_numpy()
    baseline = project["baseline"].to_numpy(dtype=float)
    matched = matched_comparison(project, pool, k)
    fit = fit_regression_to_mean(pool)
    excess = change - expected_change(fit, baseline)
    w_group = (
        None
        if weights is None
        else weights.set_axis(weights.index.astype(str)).reindex(index).to_numpy(dtype=float)
    )
    members = membership.set_axis(membership.index.astype(str)).reindex(index)
    members = members.fillna(False).astype(bool)

    pool_fits = _resampled_fits(pool, n_resamples, seed)
    rows: dict[str, list[dict]] = {m: [] for m in ("comparison", "net_change", "excess_change")}
    rows["mde"] = []
    for group in members.columns:
        in_group = members[group].to_numpy()
        rows["comparison"].append(
            _comparison_row(group, in_group, matched, w_group),
        )
        net, se = _net_change_row(group, in_group, matched, w_group, n_resamples, seed)
        rows["net_change"].append(net)
        rows["mde"].append(
            _row("mde", group, net["n_schools"], change=MDE_MULTIPLIER * se),
        )
        rows["excess_change"].append(
            _excess_row(group, in_group, baseline, change, excess, w_group, pool_fits, seed)
        )
    rtm = _row("rtm_fit", "pool", fit.n, baseline=fit.a, change=fit.b)
    records = [r for m in ("comparison", "net_change", "excess_change", "mde") for r in rows[m]]
    out = pd.DataFrame([*records, rtm], columns=SUMMARY_COLUMNS)
    return out.astype({"n_schools": int})


def _row(measure: str, group: str, n_schools: int, **figures: float) -> dict:
    row = dict.fromkeys(SUMMARY_COLUMNS, np.nan)
    row.update(measure=measure, group=group, n_schools=int(n_schools))
    row.update({key: float(value) for key, value in figures.items()})
    return row


def _valid(in_group: np.ndarray, weights: np.ndarray | None, *columns: np.ndarray) -> np.ndarray:
    keep = in_group.copy()
    for column in (*columns, *(() if weights is None else (weights,))):
        keep &= ~np.isnan(column)
    return keep


def _comparison_row(
    group: str, in_group: np.ndarray, matched: pd.DataFrame, weights: np.ndarray | None
) -> dict:
    cb = matched["comparison_baseline"].to_numpy(dtype=float)
    cc = matched["comparison_change"].to_numpy(dtype=float)
    keep = _valid(in_group, weights, cb, cc)
    w = None if weights is None else weights[keep]
    base = weighted_mean(cb[keep], w)
    delta = weighted_mean(cc[keep], w)
    return _row("comparison", group, keep.sum(), baseline=base, outcome=base + delta, change=delta)


def _net_change_row(
    group: str,
    in_group: np.ndarray,
    matched: pd.DataFrame,
    weights: np.ndarray | None,
    n_resamples: int,
    seed: int,
) -> tuple[dict, float]:
    net = matched["net_change"].to_numpy(dtype=float)
    keep = _valid(in_group, weights, net)
    x = net[keep]
    w = None if weights is None else weights[keep]
    ci_low = ci_high = se = np.nan
    if x.size >= 2:
        # the comparison change travels with its school, so resampling schools resamples
        # each school together with its match set
        stats = _resampled_means(x, w, bootstrap_indices(x.size, n_resamples, seed))
        ci_low, ci_high = percentile_interval(stats, 0.95)
        se = float(np.nanstd(stats, ddof=1))
    row = _row(
        "net_change",
        group,
        x.size,
        change=weighted_mean(x, w),
        ci_low=ci_low,
        ci_high=ci_high,
    )
    return row, se


def _resampled_fits(pool: pd.DataFrame, n_resamples: int, seed: int) -> tuple[np.ndarray, ...]:
    """The pool's regression line refitted on each of ``n_resamples`` resamples of the pool."""
    x = pool["baseline"].to_numpy(dtype=float)
    y = _with_change(pool).to_numpy()
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if x.size < 2:
        nan = np.full(n_resamples, np.nan)
        return nan, nan
    # a second stream from the same seed, independent of the project schools' resamples
    idx = _indices(x.size, n_resamples, (seed, 1))
    # sums of gathered, pre-centred columns: no (n_resamples, n) temporaries beyond the gathers
    x0, y0 = x.mean(), y.mean()
    xc, yc = x - x0, y - y0
    n = x.size
    sx, sy = xc[idx].sum(axis=1), yc[idx].sum(axis=1)
    sxx, sxy = (xc * xc)[idx].sum(axis=1), (xc * yc)[idx].sum(axis=1)
    var = sxx - sx * sx / n
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(var > 1e-12 * max(sxx.max(), 1.0), (sxy - sx * sy / n) / var, np.nan)
    a = (y0 + sy / n) - b * (x0 + sx / n)
    return a, b


def _excess_row(
    group: str,
    in_group: np.ndarray,
    baseline: np.ndarray,
    change: np.ndarray,
    excess: np.ndarray,
    weights: np.ndarray | None,
    pool_fits: tuple[np.ndarray, np.ndarray],
    seed: int,
) -> dict:
    keep = _valid(in_group, weights, excess)
    x, y = baseline[keep], change[keep]
    w = None if weights is None else weights[keep]
    ci_low = ci_high = np.nan
    if x.size >= 2:
        a, b = pool_fits
        n_resamples = a.size
        idx = bootstrap_indices(x.size, n_resamples, seed)
        # mean(change - a - b x) = mean(change) - a - b mean(x): linear, so per resample
        stats = _resampled_means(y, w, idx) - a - b * _resampled_means(x, w, idx)
        ci_low, ci_high = percentile_interval(stats, 0.95)
    return _row(
        "excess_change",
        group,
        x.size,
        change=weighted_mean(excess[keep], w),
        ci_low=ci_low,
        ci_high=ci_high,
    )
