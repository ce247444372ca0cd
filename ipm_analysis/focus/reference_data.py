"""The packaged methodology values (``ipm_analysis/data``), each with its source and status.

One place reads them; ``docs/data_log.md`` says where each value comes from.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

KS2_SCORE_MAX = 120  # top of the KS2 scaled-score range (reading and maths tests)
KS2_SCALED_MIN = 80  # bottom of the scaled-score range; lower outcomes are nominal scores


def _read(name: str) -> pd.DataFrame:
    with resources.files("ipm_analysis.data").joinpath(name).open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@cache
def ks1_point_table() -> pd.DataFrame:
    """KS1 outcome -> points (levels, sub-levels, W) with status and source."""
    frame = _read("ks1_points.csv")
    frame["points"] = frame["points"].astype(float)
    return frame


@cache
def ks2_point_table() -> pd.DataFrame:
    """KS2 nominal scores (below the standard of the test) and writing TA points, per year."""
    frame = _read("ks2_points.csv")
    frame["year"] = frame["year"].astype(int)
    frame["score"] = pd.to_numeric(frame["score"].replace("", None), errors="raise")
    return frame


@cache
def national_sd_table() -> pd.DataFrame:
    """National SD of pupil progress per KS2 year and subject, where known."""
    frame = _read("national_sd.csv")
    frame["year"] = frame["year"].astype(int)
    frame["sd"] = frame["sd"].astype(float)
    return frame
