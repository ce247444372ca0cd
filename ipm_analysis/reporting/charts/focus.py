"""The focus charts: a school's projected progress across the windows, and the programme's.

Each draws only what it is given (published rows, never pupils) and returns a
:class:`~ipm_analysis.reporting.charts.style.Chart` whose alt text states the finding. Windows
before July are shaded and labelled indicative on the axis and in the alt text, and only July's
figures are worded against the national average (``termly.is_final``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipm_analysis.core.rounding import fmt
from ipm_analysis.focus.termly import INDICATIVE, WINDOWS, is_final, window_label
from ipm_analysis.reporting.charts.style import MARKERS, PALETTE, Chart, new_figure

NOTE_COLOUR = "#A00000"
INDICATIVE_SHADE = "#EFEFEF"
#: Said in the alt text of a chart with any window before July.
INDICATIVE_ALT = f" Figures before July are {INDICATIVE}: practice papers before the KS2 tests."


def _axes(ax, subject: str, notes: tuple[str, ...]) -> None:
    labels = [label if is_final(w) else f"{label}\n({INDICATIVE})" for w, label in WINDOWS.items()]
    in_year = [i for i, w in enumerate(WINDOWS) if not is_final(w)]
    if in_year:
        ax.axvspan(min(in_year) - 0.5, max(in_year) + 0.5, color=INDICATIVE_SHADE, zorder=0)
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
        f"{window_label(w)} {fmt(v, 2, signed=True)} ({fmt(lo, 1, signed=True)} to "
        f"{fmt(hi, 1, signed=True)})"
        for w, v, lo, hi in zip(
            termly["window"], y, termly["ci_low"], termly["ci_high"], strict=True
        )
    )
    if not len(y) or np.isnan(y).all():
        alt = "No pupils scored."
    else:
        windows = list(termly["window"])
        alt = f"The school's projected {subject} progress by window, with 95% intervals: {points}."
        if not all(is_final(w) for w in windows):
            alt += INDICATIVE_ALT
        if any(is_final(w) for w in windows):
            alt += " For July's end-of-KS2 figure, 0 is the national average."
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
    shown = [
        f"{window_label(w)} {fmt(v, 2, signed=True)}" for w, v in mean.items() if not np.isnan(v)
    ]
    latest = max(progress["window"], key=list(WINDOWS).index, default=None)
    last = progress.loc[progress["window"] == latest, "progress"]
    below = f"{int((last < 0).sum())} of the {int(last.notna().sum())} schools shown"
    if latest is None:
        below = "No school is shown."
    elif is_final(latest):
        below = f"In {WINDOWS[latest]}, {below} are below 0, the national average."
    else:
        below = f"In {window_label(latest)}, {below} have projected progress below 0."
    alt = (
        f"Projected {subject} progress by window for each school and the mean of schools. "
        f"Mean of schools: {'; '.join(shown) or 'not shown (too few schools)'}. {below}"
    )
    if not progress.empty and not all(is_final(w) for w in progress["window"]):
        alt += INDICATIVE_ALT
    return Chart("programme_progress", fig, alt + _synthetic(notes))
