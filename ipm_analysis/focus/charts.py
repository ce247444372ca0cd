"""The focus report's chart: projected progress with its interval across the windows.

Draws only what it is given (``termly.csv`` rows); returns the figure and its alt text.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ipm_analysis.focus.termly import WINDOWS  # noqa: E402
from ipm_analysis.rounding import fmt  # noqa: E402


@dataclass(frozen=True)
class Chart:
    figure: Figure
    alt_text: str


def termly_chart(termly: pd.DataFrame, *, subject: str, notes: tuple[str, ...] = ()) -> Chart:
    """Progress per window with 95% intervals, all four windows on the axis."""
    labels = list(WINDOWS.values())
    x = [list(WINDOWS).index(w) for w in termly["window"]]
    y = termly["progress"].to_numpy(dtype=float)
    low = y - termly["ci_low"].to_numpy(dtype=float)
    high = termly["ci_high"].to_numpy(dtype=float) - y
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.axhline(0, color="#555555", linewidth=1)
    ax.errorbar(
        x,
        y,
        yerr=[low, high],
        fmt="o-",
        color="#1f5fa8",
        capsize=4,
        label="projected progress (95% interval)",
    )
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlim(-0.5, len(labels) - 0.5)
    ax.set_ylabel(f"{subject} progress (projected)")
    ax.legend(loc="lower right", frameon=False)
    if notes:
        fig.text(0.01, -0.02, " ".join(notes), fontsize=8, color="#a00000", ha="left")
    plt.close(fig)
    points = ", ".join(
        f"{WINDOWS[w]} {fmt(v, 2, signed=True)}" for w, v in zip(termly["window"], y, strict=True)
    )
    alt = f"Projected {subject} progress by window: {points}." if len(y) else "No data."
    if np.isnan(y).all():
        alt = "No pupils scored."
    return Chart(fig, alt)
