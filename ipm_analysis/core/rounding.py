"""Display rounding as the DfE does it: half away from zero (2.5 -> 3, -2.85 -> -2.9).

Python's ``round()`` rounds half to even and binary floats hide halves (2.675 is stored as
2.67499...), so both are wrong for shown figures. CSVs keep full precision; only text shown
to readers goes through here.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

#: Decimal places each measure's figures are shown to: 2 for progress, as the DfE shows
#: school progress scores; 1 for percentages and scaled scores (their changes included).
MEASURE_PLACES = {"progress": 2, "attainment": 1, "higher_standard": 1, "scaled_score": 1}


def round_half_away(value: float, places: int = 2) -> float:
    """Round half away from zero to ``places`` decimals; NaN stays NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    # Figures are means of 1 dp scores, so a true half such as 1.225 arrives as
    # 1.2249999999999999 after float arithmetic: snap to 10 dp first (far below any shown
    # precision), then take the shortest decimal that round-trips (2.675 is "2.675").
    quantum = Decimal(1).scaleb(-places)
    snapped = Decimal(repr(round(float(value), 10)))
    return float(snapped.quantize(quantum, rounding=ROUND_HALF_UP))


def fmt(value: float | None, places: int = 2, *, signed: bool = False, missing: str = "-") -> str:
    """Format a figure for readers: fixed decimals, optional sign, a dash when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    rounded = round_half_away(value, places)
    if rounded == 0:
        rounded = 0.0  # never show -0.00
    text = f"{rounded:.{places}f}"
    if signed and rounded > 0:
        text = "+" + text
    return text
