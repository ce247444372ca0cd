"""School means as the report shows them: simple (one school, one vote) or pupil-weighted.

The LA's published progress score is a pupil-weighted mean, while the project's figures are
simple means over schools; the two only compare like with like when the same weighting is used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def weighted_mean(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Mean of ``values``, weighted by ``weights`` when given; NaN when nothing is left.

    Schools whose value (or weight) is missing are left out, so a missing score never counts
    as zero. Weights must not be negative.
    """
    x = np.asarray(values, dtype=float)
    if weights is None:
        x = x[~np.isnan(x)]
        return float(x.mean()) if x.size else float("nan")
    w = np.asarray(weights, dtype=float)
    if w.shape != x.shape:
        raise ValueError(f"values and weights differ in shape: {x.shape} and {w.shape}")
    keep = ~(np.isnan(x) | np.isnan(w))
    x, w = x[keep], w[keep]
    if (w < 0).any():
        raise ValueError("weights must not be negative")
    total = w.sum()
    return float((w * x).sum() / total) if total > 0 else float("nan")


def pupil_weights(telig: pd.Series, coverage_pct: pd.Series) -> pd.Series:
    """Pupils in a measure: eligible pupils (``TELIG``) x the measure's coverage (e.g. ``MATCOV``).

    Coverage is a percentage (98 means 98%); the DfE weights its LA figure by the pupils who
    have the score, not by all eligible pupils. NaN where either figure is missing.
    """
    telig = pd.to_numeric(telig).astype(float)
    coverage = pd.to_numeric(coverage_pct).astype(float)
    return (telig * coverage / 100.0).rename("pupils")
