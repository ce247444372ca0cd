"""Focus pupils and their targets.

A focus pupil's projected progress is below 0. Their target is the smallest whole scaled score
strictly above their PAG's estimate (scaled scores are whole numbers, and progress is positive
only above the estimate), so a pupil estimated at 105.4 needs 106 and one at 105.0 needs 106.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ipm_analysis.focus.reference_data import KS2_SCORE_MAX


def target_score(estimate: np.ndarray | float) -> np.ndarray:
    """Smallest whole score strictly above ``estimate``; NaN if that exceeds the top score."""
    target = np.floor(np.asarray(estimate, dtype=float)) + 1
    return np.where(target > KS2_SCORE_MAX, np.nan, target)


def add_targets(scored: pd.DataFrame) -> pd.DataFrame:
    """Add ``focus``, ``target`` and ``points_needed`` (target - score) to scored pupils.

    Only focus pupils get a target; pupils not scored are not focus pupils (they have no
    KS1 starting point to measure from).
    """
    out = scored.copy()
    focus = (out["progress"] < 0).fillna(False).astype(bool)
    target = target_score(out["estimate"].to_numpy(dtype=float))
    out["focus"] = focus
    out["target"] = pd.array(np.where(focus & ~np.isnan(target), target, np.nan)).astype("Int64")
    out["points_needed"] = (out["target"].astype("Float64") - out["score"]).astype("Int64")
    return out


def n_to_reach_zero(pupils: pd.DataFrame) -> float:
    """How many focus pupils must reach their target to lift the school mean to >= 0.

    Pupils reach targets cheapest first (fewest points needed; ties by pupil_id). A pupil who
    reaches their target moves from their capped progress to ``target - estimate``. Returns 0
    when the school is already at or above 0, and NaN when even every target is not enough
    (or no pupil is scored).
    """
    scored = pupils[pupils["capped_progress"].notna()]
    if scored.empty:
        return math.nan
    total = float(scored["capped_progress"].sum())
    if total >= 0:
        return 0
    focus = scored[scored["focus"] & scored["target"].notna()].copy()
    focus["gain"] = focus["target"].astype(float) - focus["estimate"] - focus["capped_progress"]
    focus = focus.sort_values(["points_needed", "pupil_id"], kind="stable")
    reached = total + np.cumsum(focus["gain"].to_numpy(dtype=float))
    enough = np.flatnonzero(reached >= -1e-9)
    return int(enough[0]) + 1 if enough.size else math.nan
