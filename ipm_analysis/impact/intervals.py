"""Confidence intervals that keep their promise for the handful of schools a report shows.

Every estimate of the report is a (weighted) mean over project schools of a per-school figure:
a change (outcome - baseline), a net change (change - the match set's mean change), an excess
change (change - the change the pool's regression line expects). Their intervals are
Student t intervals on the school-level figures, ``n - 1`` degrees of freedom, which are exact
when the school figures are normal and close to exact for the mildly skewed changes real
schools show (``tests/test_coverage.py`` checks 93-97% coverage at 3 to 35 schools). The
percentile bootstrap used before covered 76% at 3 schools and 88% at 8.

Net change adds what the school-level spread cannot see: a pool school in several match sets
makes those schools' net changes move together. The variance then follows Abadie and Imbens
(2006): the spread of the net changes plus, for every pool school, ``(K^2 - K2) sigma^2``,
where ``K`` is its total weight in the comparison and ``sigma^2`` the conditional variance of
its change (``impact.matching.pool_variance``). When no pool school is shared the extra term is
zero and the interval is the plain t interval of the net changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

#: Two-sided confidence level of every interval in the report.
LEVEL = 0.95
#: Power of the minimum detectable effect.
POWER = 0.80
#: Fewest schools a group needs for an interval: with 2, a t interval has 1 degree of freedom
#: and spans most of the scale (t = 12.7); tests/test_coverage.py shows 3 already covers.
MIN_SCHOOLS = 3


@dataclass(frozen=True)
class Estimate:
    """A mean over schools with its standard error and t interval (NaN where undefined)."""

    value: float
    se: float
    df: float
    n: int
    ci_low: float
    ci_high: float

    @property
    def mde(self) -> float:
        """Minimum detectable effect: (t_0.975 + t_0.80) x SE at these degrees of freedom."""
        if not (self.df > 0 and np.isfinite(self.se)):
            return float("nan")
        return (t_quantile(1 - (1 - LEVEL) / 2, self.df) + t_quantile(POWER, self.df)) * self.se


def _normalised(weights: ArrayLike | None, n: int) -> np.ndarray:
    if weights is None:
        return np.full(n, 1.0 / n) if n else np.empty(0)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"expected {n} weights, got shape {w.shape}")
    if (w < 0).any() or np.isnan(w).any():
        raise ValueError("weights must be given and not negative")
    total = w.sum()
    if total <= 0:
        raise ValueError("weights sum to zero")
    return w / total


def mean_estimate(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    extra_variance: float = 0.0,
    min_schools: int = MIN_SCHOOLS,
) -> Estimate:
    """The (weighted) mean of school figures with a t interval on ``n - 1`` degrees of freedom.

    The variance is ``n/(n-1) sum(w_i^2 (x_i - mean)^2)`` with weights normalised to 1, which is
    ``s^2/n`` for equal weights, plus ``extra_variance`` (what the school spread cannot see:
    shared comparison schools, an estimated regression line). Schools with a missing figure or
    weight must be dropped by the caller. Below ``min_schools`` only the mean is given.
    """
    x = np.asarray(values, dtype=float)
    n = x.size
    if n == 0:
        nan = float("nan")
        return Estimate(nan, nan, nan, 0, nan, nan)
    w = _normalised(weights, n)
    mean = float((w * x).sum())
    if n < max(min_schools, 2):
        nan = float("nan")
        return Estimate(mean, nan, nan, n, nan, nan)
    variance = n / (n - 1) * float((w * w * (x - mean) ** 2).sum()) + float(extra_variance)
    se = math.sqrt(max(variance, 0.0))
    half = t_quantile(1 - (1 - LEVEL) / 2, n - 1) * se
    return Estimate(mean, se, float(n - 1), n, mean - half, mean + half)


def shared_control_variance(k: ArrayLike, k2: ArrayLike, sigma2: ArrayLike) -> float:
    """Abadie-Imbens' extra variance of a matched mean from pool schools used more than once:
    ``sum_j (K_j^2 - K2_j) sigma2_j`` (``K``, ``K2`` from ``impact.matching.match_weights``,
    normalised project weights; ``sigma2`` each pool school's conditional variance of change).
    Zero when every pool school serves one project school."""
    k, k2, s2 = (np.asarray(a, dtype=float) for a in (k, k2, sigma2))
    extra = (k * k - k2) * s2
    return float(np.nansum(extra))


def difference_estimate(first: Estimate, second: Estimate) -> Estimate:
    """``first - second`` for two separate groups of schools (e.g. TLA minus no TLA), with a
    Welch-Satterthwaite t interval. Schools are in one group or the other; comparison schools
    shared between the groups make the two estimates positively correlated, so adding the
    variances errs on the wide side."""
    value = first.value - second.value
    n = first.n + second.n
    if not (np.isfinite(first.se) and np.isfinite(second.se)):
        nan = float("nan")
        return Estimate(value, nan, nan, n, nan, nan)
    v1, v2 = first.se**2, second.se**2
    se = math.sqrt(v1 + v2)
    denominator = v1 * v1 / first.df + v2 * v2 / second.df
    df = (v1 + v2) ** 2 / denominator if denominator > 0 else float(first.df + second.df)
    half = t_quantile(1 - (1 - LEVEL) / 2, df) * se
    return Estimate(value, se, df, n, value - half, value + half)


# --- Student's t distribution, without SciPy -------------------------------------------------


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom (df > 0, need not be whole)."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    x = df / (df + t * t)
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, x)
    return 1.0 - tail if t > 0 else tail


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t (bisection on :func:`t_cdf`, to 1e-10)."""
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-10:
            break
    return (low + high) / 2.0


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b), by Lentz's continued fraction."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x > (a + 1.0) / (a + b + 2.0):  # the fraction converges fast on this side only
        return 1.0 - _incomplete_beta(b, a, 1.0 - x)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return math.exp(log_front) * h / a
