"""KS1 teacher-assessment outcomes -> point scores -> KS1 average point score (APS).

Levels-era KS1 (pupils taking KS2 in 2016-2019). Point values come from the packaged
``ks1_points.csv``; P-scale points for the progress measure are not known (methodology
reference §2.2, Missing), so a P-scale outcome asks for a ready ``ks1_aps`` instead of guessing.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.reference_data import ks1_point_table

#: Outcomes that mean "no KS1 result in this subject" (absent, disapplied, missing, blank):
#: the pupil has no APS, is listed and not scored.
NO_RESULT = frozenset({"", "A", "D", "M", "X", "NA"})
_P_SCALE = re.compile(r"^(P(1I|1II|2I|2II|3I|3II|[4-8])|BLW)$")
_ALIASES = {"4+": "4", "L1": "1", "L3": "3", "L4": "4", "L2C": "2C", "L2B": "2B", "L2A": "2A"}


def point_lookup() -> dict[str, float]:
    """Normalised outcome code -> points, from the packaged table."""
    table = ks1_point_table()
    return {
        code.upper(): float(p) for code, p in zip(table["outcome"], table["points"], strict=True)
    }


def normalise_outcome(text: str) -> str:
    """Upper-case, strip spaces and map aliases (``'4+'`` -> ``'4'``, ``'L2b'`` -> ``'2B'``)."""
    code = re.sub(r"\s+", "", str(text)).upper()
    return _ALIASES.get(code, code)


def ks1_points(
    outcomes: pd.Series,
    *,
    path: str | Path | None = None,
    column: str | None = None,
    lines: pd.Series | None = None,
) -> pd.Series:
    """Points for each KS1 outcome; NaN where there is no result.

    A P-scale or an unknown outcome is an :class:`InputError` naming the line and column.
    """
    lookup = point_lookup()
    codes = outcomes.fillna("").astype(str).map(normalise_outcome)
    points = codes.map(lookup).astype(float)
    no_result = codes.isin(NO_RESULT)
    bad = points.isna() & ~no_result
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        code = codes.iloc[pos]
        row = int(lines.iloc[pos]) if lines is not None else None
        if _P_SCALE.match(code):
            why = (
                f"'{code}' is a P-scale/below-level-1 outcome; its KS1 points for the progress "
                "measure are not confirmed (DfE technical guide, KS1 point scores), so give "
                "this pupil's ks1_aps from the DfE data instead."
            )
        elif code == "2":
            why = "level 2 needs its sub-level: 2c, 2b or 2a."
        else:
            known = ", ".join(sorted(lookup))
            why = (
                f"'{outcomes.iloc[pos]}' is not a KS1 outcome; use one of {known}, "
                "or leave blank (or A, D, M) when there is no result."
            )
        raise InputError(why, path=path, row=row, column=column)
    return points


def ks1_aps(reading: pd.Series, writing: pd.Series, maths: pd.Series) -> pd.Series:
    """KS1 APS = ((reading + writing) / 2 + maths) / 2; NaN unless all three have points.

    English and maths weigh 50:50, so maths counts double (methodology reference §2.3).
    """
    return ((reading + writing) / 2 + maths) / 2


def aps_scale() -> tuple[float, float]:
    """Lowest and highest APS the packaged points can give (W everywhere .. level 4 everywhere)."""
    points = ks1_point_table()["points"]
    return float(points.min()), float(points.max())
