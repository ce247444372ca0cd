"""The focus charts: a school's projected progress across the windows, and the programme's.

Each draws only what it is given (published rows, never pupils) and returns a
:class:`~ipm_analysis.reporting.charts.style.Chart` whose alt text states the finding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipm_analysis.core.rounding import fmt
from ipm_analysis.focus.termly import WINDOWS
from ipm_analysis.reporting.charts.style import MARKERS, PALETTE, Chart, new_figure

NOTE_COLOUR = "#A00000"


def _axes(ax, subject: str, notes: tuple[str, ...]) -> None:
    labels = list(WINDOWS.values())
    ax.axhline(0, color=PALETTE[4], linewidth=1)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlim(-0.5, len(labels) - 0.5)
    ax.set_ylabel(f"{subject} progress (projected)")
    if notes:
        ax.set_title(" ".join(notes), fontsize=8, color=NOTE_COLOUR, loc="left")


def _x(windows: pd.Series) -> list[int]:
    return [list(WINDOWS).index(w) for w in windows]


def _synthetic(notes: tuple[str, ...]) -> str:
    """What the PAG table's own note says of it (the shipped example's is SYNTHETIC); it
    speaks of that table only, not of the pupils."""
    return " The PAG table is marked SYNTHETIC." if any("SYNTHETIC" in n for n in notes) else ""


def termly_chart(termly: pd.DataFrame, *, subject: str, notes: tuple[str, ...] = ()) -> Chart:
    """A school's progress per window with 95% intervals, all four windows on the axis."""
    y = termly["progress"].to_numpy(dtype=float)
    low = y - termly["ci_low"].to_numpy(dtype=float)
    high = termly["ci_high"].to_numpy(dtype=float) - y
    fig, ax = new_figure(7, 3.8)
    ax.errorbar(
        _x(termly["window"]),
        y,
        yerr=[low, high],
        fmt="o-",
        color=PALETTE[0],
        capsize=4,
        label="projected progress (95% interval)",
    )
    _axes(ax, subject, notes)
    ax.legend(loc="lower right", frameon=False)
    points = "; ".join(
        f"{WINDOWS[w]} {fmt(v, 2, signed=True)} ({fmt(lo, 1, signed=True)} to "
        f"{fmt(hi, 1, signed=True)})"
        for w, v, lo, hi in zip(
            termly["window"], y, termly["ci_low"], termly["ci_high"], strict=True
        )
    )
    if not len(y) or np.isnan(y).all():
        alt = "No pupils scored."
    else:
        alt = (
            f"The school's projected {subject} progress by window, with 95% intervals: {points}. "
            "0 is the national average."
        )
    return Chart("termly_progress", fig, alt + _synthetic(notes))


def programme_chart(
    progress: pd.DataFrame, mean: pd.Series, *, subject: str, notes: tuple[str, ...] = ()
) -> Chart:
    """Each school's published progress per window (one line per URN) and the programme mean.

    ``progress`` holds ``urn, window, progress`` (NaN where suppressed); ``mean`` is indexed
    by window (NaN where suppressed).
    """
    fig, ax = new_figure(7.5, 4.2)
    for i, (urn, rows) in enumerate(progress.groupby("urn", sort=True)):
        ax.plot(
            _x(rows["window"]),
            rows["progress"].to_numpy(dtype=float),
            marker=MARKERS[i % len(MARKERS)],
            color=PALETTE[i % len(PALETTE)],
            linewidth=1,
            alpha=0.8,
            label=f"school {urn}",
        )
    ax.plot(
        _x(pd.Series(mean.index)),
        mean.to_numpy(dtype=float),
        color="black",
        linewidth=2.5,
        linestyle="--",
        marker="o",
        label="mean of schools",
    )
    _axes(ax, subject, notes)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    shown = [f"{WINDOWS[w]} {fmt(v, 2, signed=True)}" for w, v in mean.items() if not np.isnan(v)]
    latest = max(progress["window"], key=list(WINDOWS).index, default=None)
    last = progress.loc[progress["window"] == latest, "progress"]
    alt = (
        f"Projected {subject} progress by window for each school and the mean of schools. "
        f"Mean of schools: {'; '.join(shown) or 'not shown (too few schools)'}. "
        f"In {WINDOWS.get(latest, 'the latest window')}, {int((last < 0).sum())} of the "
        f"{int(last.notna().sum())} schools shown are below 0, the national average."
    )
    return Chart("programme_progress", fig, alt + _synthetic(notes))
