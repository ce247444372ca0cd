"""How sure can we be? Bootstrap intervals over schools, and school-level significance.

A group's mean change moves by chance alone when only 35 schools are averaged. The intervals
here resample schools (percentile method): one index matrix of shape ``(n_resamples, n)`` is
drawn once and every resample's statistic is computed from it in one NumPy expression, so
10,000 resamples cost milliseconds. The same ``seed`` gives the same interval.

A single school's significance comes from the DfE's own confidence limits, not from here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ipm_analysis.core.constants import Z95


def bootstrap_indices(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """Row positions of ``n_resamples`` resamples of ``n`` schools, shape ``(n_resamples, n)``."""
    return _indices(n, n_resamples, seed)


def _indices(n: int, n_resamples: int, seed: int | Sequence[int]) -> np.ndarray:
    if n < 1 or n_resamples < 1:
        raise ValueError(f"need n >= 1 and n_resamples >= 1, got n={n}, n_resamples={n_resamples}")
    return np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))


def _complete(*arrays: ArrayLike | None) -> list[np.ndarray | None]:
    """Float arrays with the schools missing any given figure dropped (None stays None)."""
    given = [np.asarray(a, dtype=float) for a in arrays if a is not None]
    shapes = {a.shape for a in given}
    if len(shapes) > 1 or any(a.ndim != 1 for a in given):
        raise ValueError(f"expected 1-d arrays of one length, got shapes {sorted(shapes)}")
    keep = ~np.any([np.isnan(a) for a in given], axis=0)
    return [None if a is None else np.asarray(a, dtype=float)[keep] for a in arrays]


def _check_weights(*weights: np.ndarray | None) -> None:
    for w in weights:
        if w is not None and (w < 0).any():
            raise ValueError("weights must not be negative")


def resampled_means(values: np.ndarray, weights: np.ndarray | None, idx: np.ndarray) -> np.ndarray:
    """The (weighted) mean of ``values`` in each resample (one row of ``idx`` per resample)."""
    if weights is None:
        return values[idx].mean(axis=1)
    w = weights[idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (w * values[idx]).sum(axis=1) / w.sum(axis=1)


def percentile_interval(statistics: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The percentile interval of bootstrap statistics (resamples with no value are ignored)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    tail = (1 - level) / 2
    if np.isnan(statistics).all():
        return float("nan"), float("nan")
    low, high = np.nanquantile(statistics, [tail, 1 - tail])
    return float(low), float(high)


def bootstrap_se(
    values: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
) -> float:
    """Bootstrap standard error of the (weighted) mean; NaN with fewer than 2 schools.

    Schools with a missing value or weight are left out before resampling. The minimum
    detectable effect is about 2.8 of these (80% power, 5% two-sided test).
    """
    x, w = _complete(values, weights)
    _check_weights(w)
    if x.size < 2:
        return float("nan")
    stats = resampled_means(x, w, bootstrap_indices(x.size, n_resamples, seed))
    stats = stats[~np.isnan(stats)]
    return float(stats.std(ddof=1)) if stats.size >= 2 else float("nan")


def bootstrap_change_ci(
    baseline: ArrayLike,
    outcome: ArrayLike,
    *,
    baseline_weights: ArrayLike | None = None,
    outcome_weights: ArrayLike | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval for a group's change, mean(outcome) - mean(baseline).

    Schools are resampled with both their years kept together (paired). Each year's mean uses
    that year's weights (pupils then), or is a simple mean when no weights are given, so the
    interval matches how the change itself is computed. Schools missing either year (or a
    weight) are left out; ``(nan, nan)`` with fewer than 2 schools.
    """
    if (baseline_weights is None) != (outcome_weights is None):
        raise ValueError("give weights for both years or for neither")
    b, o, wb, wo = _complete(baseline, outcome, baseline_weights, outcome_weights)
    _check_weights(wb, wo)
    if b.size < 2:
        return float("nan"), float("nan")
    idx = bootstrap_indices(b.size, n_resamples, seed)
    stats = resampled_means(o, wo, idx) - resampled_means(b, wb, idx)
    return percentile_interval(stats, level)


def significance_labels(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """A school's progress against the national average (0) from the DfE's 95% limits:
    'below' when the upper limit is below 0, 'above' when the lower limit is above 0,
    'average' otherwise; None where either limit is missing (an object array)."""
    labels = np.where(upper < 0, "below", np.where(lower > 0, "above", "average")).astype(object)
    labels[np.isnan(lower) | np.isnan(upper)] = None
    return labels


def change_half_width(
    lower_b: np.ndarray, upper_b: np.ndarray, lower_o: np.ndarray, upper_o: np.ndarray
) -> np.ndarray:
    """Half-width of a school's 95% change interval: 1.96 x sqrt(se_b^2 + se_o^2), each
    year's se recovered from its published limits as (upper - lower) / (2 x 1.96)."""
    se_b = (upper_b - lower_b) / (2 * Z95)
    se_o = (upper_o - lower_o) / (2 * Z95)
    return Z95 * np.sqrt(se_b**2 + se_o**2)
