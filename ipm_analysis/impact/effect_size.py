"""How big is a change in school progress, as an effect size and in months' progress?

A school's KS2 progress score is the mean of its pupils' progress scores, so a change in
school mean progress divided by the national pupil-level standard deviation of progress
(sigma) is a pupil-level standardised difference: the effect size the EEF's Toolkit converts
to months of additional progress.

Sigma is published for 2019 only. For other years it is recovered from the DfE's own school
confidence limits, ``score +/- 1.96 x sigma / sqrt(pupils)``: each school gives
``sigma = (upper - lower) / (2 x 1.96) x sqrt(pupils)``, and the median over schools smooths the
rounding of the limits to 1 dp. Reports say which of the two a figure rests on.
"""

from __future__ import annotations

import math
from bisect import bisect_left

import numpy as np
import pandas as pd

from ipm_analysis.core.constants import Z95
from ipm_analysis.core.rounding import round_half_away

#: National pupil-level SD of KS2 progress, (year, subject) -> sigma, where it is published.
#: Source: the DfE's 2019 KS2 progress methodology values, as recorded in the project's
#: reference ks2-progress-methodology.md section 6 (taken from a public third-party script
#: that reproduces the 2019 progress bands; they reproduce published 2019 school intervals).
#: The same values ship in ipm_analysis/data/national_sd.csv; docs/data_log.md cites both.
#: No value is published for 2016-2018: see :func:`implied_sigma`.
PUBLISHED_SIGMA: dict[tuple[int, str], float] = {
    (2019, "reading"): 6.17358373,
    (2019, "writing"): 5.69410663,
    (2019, "maths"): 5.38985717,
}

#: Schools with fewer pupils in the measure are left out of the implied sigma: their pupil
#: count (TELIG x coverage, coverage a whole per cent) is the least sure, and one pupil more
#: or less moves sqrt(pupils), and so that school's sigma, by 2% or more.
MIN_PUPILS_FOR_SIGMA = 30

#: EEF Teaching and Learning Toolkit: the top of each band of |effect size|, in hundredths,
#: for 0, 1, ..., 11 months; above the last band (0.96 and above) is 12 months.
_TOOLKIT_BAND_TOPS = (1, 9, 18, 26, 35, 44, 52, 61, 69, 78, 87, 95)


def school_implied_sigmas(figures: pd.DataFrame) -> pd.Series:
    """Each school's sigma implied by its published 95% limits, where it can be recovered.

    ``figures`` is one subject's :func:`ipm_analysis.inputs.dfe_tables.school_figures`
    (columns ``progress_lower``, ``progress_upper``, ``pupils``). Kept: schools with both
    limits and at least :data:`MIN_PUPILS_FOR_SIGMA` pupils in the measure. A file with no
    pupil count in the measure (Explore Education Statistics publishes no coverage) uses
    eligible pupils (``telig``), which :func:`pupil_sigma` says.
    """
    width = (figures["progress_upper"] - figures["progress_lower"]).to_numpy(dtype=float)
    pupils = _pupils(figures)
    with np.errstate(invalid="ignore"):
        sigma = width / (2 * Z95) * np.sqrt(pupils)
        keep = np.isfinite(sigma) & (pupils >= MIN_PUPILS_FOR_SIGMA)
    return pd.Series(sigma[keep], index=figures.index[keep], name="implied_sigma")


def _pupils(figures: pd.DataFrame) -> np.ndarray:
    """Pupils in the progress measure; eligible pupils when the file gives no coverage."""
    pupils = figures["pupils"].to_numpy(dtype=float)
    if np.isnan(pupils).all() and "telig" in figures:
        return figures["telig"].to_numpy(dtype=float)
    return pupils


def implied_sigma(figures: pd.DataFrame) -> float:
    """The national pupil-level sigma implied by one year's and subject's school limits.

    The median over schools of :func:`school_implied_sigmas`: limits are published to 1 dp,
    so a single school's value is noisy (a few per cent), while the median over a county's
    schools lands within 0.02 of the published 2019 values. NaN when no school
    qualifies.
    """
    per_school = school_implied_sigmas(figures)
    return float(per_school.median()) if len(per_school) else math.nan


def pupil_sigma(
    year: int, subject: str, figures: pd.DataFrame, pupil_group: str = "all"
) -> tuple[float, str]:
    """Sigma for ``year`` and ``subject`` and a short text saying where it came from.

    The published value (of all pupils) when there is one, else the value implied by
    ``figures`` (that year's school figures for the subject), which reports must call
    implied, not published. A pupil group's figures cannot imply it: their limits are the
    group's, and the files give no pupil numbers in the group's measure.
    """
    published = PUBLISHED_SIGMA.get((int(year), subject))
    if published is not None:
        return published, f"published by the DfE (KS2 progress methodology, {year})"
    if pupil_group != "all":
        return math.nan, (
            f"not available: not published for {year}, and the {pupil_group} pupils' "
            "confidence limits cannot imply it without their numbers in the measure"
        )
    per_school = school_implied_sigmas(figures)
    if len(per_school) == 0:
        return math.nan, (
            f"not available: not published for {year}, and no school in the {year} file has "
            f"{subject} confidence limits and at least {MIN_PUPILS_FOR_SIGMA} pupils"
        )
    counted = (
        ""
        if not np.isnan(figures["pupils"].to_numpy(dtype=float)).all()
        else "; eligible pupils stand in for pupils in the measure, which the file does not "
        "give, so it runs about 2-3% high"
    )
    return float(per_school.median()), (
        f"implied by the DfE's school confidence intervals in the {year} file (median over "
        f"{len(per_school)} schools; not published{counted})"
    )


def effect_size(change: float, sigma: float) -> float:
    """A change in school mean progress in pupil-level SDs: ``change / sigma``.

    NaN when either is missing or sigma is not a positive number.
    """
    if change is None or sigma is None:
        return math.nan
    change, sigma = float(change), float(sigma)
    if not (math.isfinite(change) and math.isfinite(sigma)) or sigma <= 0:
        return math.nan
    return change / sigma


def eef_months(effect_size: float) -> int | None:
    """Months of additional progress for an effect size, by the EEF Toolkit's table.

    This is the conversion of the EEF Teaching and Learning Toolkit
    (educationendowmentfoundation.org.uk, "about the toolkits: attainment"), not the slightly
    different one in the EEF's individual project reports. The effect size is first rounded
    to 2 dp half away from zero (0.015 -> 0.02 -> 1 month; -0.015 -> -0.02 -> -1), then
    looked up: 0.01 and below 0 months, 0.02-0.09 1, 0.10-0.18 2, ..., 0.88-0.95 11, 0.96 and
    above 12. Negative effects convert symmetrically (-0.27 -> -4). None when NaN or infinite.
    """
    if effect_size is None or not math.isfinite(float(effect_size)):
        return None
    hundredths = round(abs(round_half_away(float(effect_size), 2)) * 100)
    months = bisect_left(_TOOLKIT_BAND_TOPS, hundredths)
    return -months if effect_size < 0 else months
