"""Pupil progress: PAG, estimate, projected progress, 2018+ capping, and the school mean.

The array functions are the engine (vectorised, used for a national-size cohort); the
DataFrame function wraps them for one school's pupils.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipm_analysis.core.constants import Z95
from ipm_analysis.focus.prior_attainment import PagTable


def assign_pag(aps: np.ndarray, table: PagTable) -> np.ndarray:
    """Row index into ``table`` of each APS (-1 for NaN or off the table's scale).

    Ranges are ``min <= APS < max``; the top range includes its max.
    """
    aps = np.asarray(aps, dtype=float)
    index = np.searchsorted(table.aps_min, aps, side="right") - 1
    off = np.isnan(aps) | (aps < table.aps_min[0]) | (aps > table.aps_max[-1])
    return np.where(off, -1, index)


def progress_arrays(
    aps: np.ndarray, score: np.ndarray, table: PagTable, subject: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(pag_index, estimate, progress, capped_progress)`` per pupil; NaN where unscored.

    Progress = score - estimate of the pupil's PAG; capped progress raises it to the PAG's
    minimum from 2018 (no cap on positive scores).
    """
    index = assign_pag(aps, table)
    scored = index >= 0
    safe = np.where(scored, index, 0)
    estimate = np.where(scored, table.estimate[subject][safe], np.nan)
    progress = np.asarray(score, dtype=float) - estimate
    if table.minimum is None:
        capped = progress
    else:
        floor = table.minimum[subject][safe]
        capped = np.where(np.isnan(progress), np.nan, np.maximum(progress, floor))
    return index, estimate, progress, capped


def school_means(
    school: np.ndarray, values: np.ndarray, n_schools: int
) -> tuple[np.ndarray, np.ndarray]:
    """Grouped ``(mean, n)`` of ``values`` by integer school code, ignoring NaN."""
    ok = ~np.isnan(values)
    n = np.bincount(school[ok], minlength=n_schools)
    total = np.bincount(school[ok], weights=values[ok], minlength=n_schools)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / n, n


def interval_half_width(sigma: float, n: np.ndarray | int) -> np.ndarray | float:
    """DfE-style 95% half-width: 1.96 x sigma / sqrt(n) (methodology reference §6)."""
    with np.errstate(divide="ignore"):
        return Z95 * sigma / np.sqrt(n)


@dataclass(frozen=True)
class SchoolProgress:
    """A school's projected progress with its interval and counts."""

    progress: float
    ci_low: float
    ci_high: float
    n_pupils: int
    n_scored: int

    @property
    def significance(self) -> str:
        if self.n_scored == 0:
            return "no pupils scored"
        if self.ci_low > 0:
            return "above national average"
        if self.ci_high < 0:
            return "below national average"
        return "in line with national average"


def pupil_progress(pupils: pd.DataFrame, table: PagTable, subject: str) -> pd.DataFrame:
    """Add ``pag, estimate, progress, capped_progress`` to pupils with ``ks1_aps`` and ``score``.

    Pupils without KS1 (or without a score) keep NaN: they are listed, not scored.
    """
    index, estimate, progress, capped = progress_arrays(
        pupils["ks1_aps"].to_numpy(dtype=float),
        pupils["score"].to_numpy(dtype=float),
        table,
        subject,
    )
    out = pupils.copy()
    out["pag"] = pd.array(
        np.where(index >= 0, table.pag[np.maximum(index, 0)], 0), dtype="Int64"
    ).astype("Int64")
    out.loc[index < 0, "pag"] = pd.NA
    out["estimate"] = estimate
    out["progress"] = progress
    out["capped_progress"] = capped
    return out


def school_progress(capped_progress: pd.Series, sigma: float) -> SchoolProgress:
    """Mean of the pupils' (capped) progress with the interval mean +/- 1.96 sigma / sqrt(n)."""
    values = capped_progress.to_numpy(dtype=float)
    scored = values[~np.isnan(values)]
    n = int(scored.size)
    if n == 0:
        return SchoolProgress(math.nan, math.nan, math.nan, int(values.size), 0)
    mean = float(scored.mean())
    half = float(interval_half_width(sigma, n))
    return SchoolProgress(mean, mean - half, mean + half, int(values.size), n)
