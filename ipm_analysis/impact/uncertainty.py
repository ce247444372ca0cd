"""A single school's uncertainty, from the DfE's own confidence limits.

Group intervals (a mean over schools) are in :mod:`ipm_analysis.impact.intervals`; a school's
significance against the national average and the interval of its own change come from the
95% limits the DfE publishes with each progress score.
"""

from __future__ import annotations

import numpy as np

from ipm_analysis.core.constants import Z95


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
