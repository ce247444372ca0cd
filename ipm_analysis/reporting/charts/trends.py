"""The event study: each group's project schools beside their matched comparison, year by
year relative to the baseline year (0). Lines that run together before the baseline and part
after it are what a project effect looks like; lines already parting before it are a trend the
net change may only continue.

The chart draws the rows it is given (``trends.csv`` layout, one population); the alt text
states each group's gap in every year from the same numbers, rounded with :func:`fmt`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd

from ipm_analysis.core.rounding import fmt
from ipm_analysis.core.years import year_label
from ipm_analysis.impact.disclosure import SYMBOL
from ipm_analysis.reporting.charts.style import DPI, MARKERS, PALETTE, Chart

PROJECT_COLOUR, COMPARISON_COLOUR = PALETTE[0], PALETTE[3]
PROJECT_MARKER, COMPARISON_MARKER = MARKERS[0], MARKERS[1]
#: Panels per row of the small multiples.
COLUMNS = 3


def _one_population(event_study: pd.DataFrame) -> None:
    """Refuse rows of more than one population: each year would be drawn twice."""
    if "population" in event_study and event_study["population"].nunique() > 1:
        raise ValueError(
            "event_study_chart draws one population; pick one (e.g. rows whose population "
            "is 'itt') before drawing"
        )


def _label(group: str, n: int, labels: Mapping[str, str] | None) -> str:
    name = labels.get(group, group) if labels else group
    return f"{name} ({n} school{'' if n == 1 else 's'})"


def _suppressed(rows: pd.DataFrame) -> pd.Series:
    if "suppressed" not in rows:
        return pd.Series(False, index=rows.index)
    return rows["suppressed"].fillna(False).astype(bool)


def _every_year(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` on every relative year from the first to the last, NaN where a year is absent
    (matplotlib breaks a line at NaN)."""
    span = range(int(rows["relative_year"].min()), int(rows["relative_year"].max()) + 1)
    return rows.set_index("relative_year").reindex(span).rename_axis("relative_year").reset_index()


def _gaps(rows: pd.DataFrame) -> list[tuple[int, int]]:
    """Runs of relative years with no figures, as (first, last)."""
    empty = rows.loc[rows["project"].isna(), "relative_year"].astype(int).tolist()
    runs: list[tuple[int, int]] = []
    for year in empty:
        if runs and runs[-1][1] == year - 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return runs


def _missing_years(event_study: pd.DataFrame) -> list[int]:
    """KS2 years inside the span that no row holds (2020 to 2022 between 2019 and 2023)."""
    years = sorted(int(y) for y in event_study["year"].unique())
    return [y for y in range(years[0], years[-1] + 1) if y not in years] if years else []


#: A measure as the event study's axis names it.
TREND_WORDS = {
    "progress": "progress",
    "attainment": "% at the expected standard",
    "higher_standard": "% at the higher standard",
    "scaled_score": "average scaled score",
}


def event_study_chart(
    event_study: pd.DataFrame,
    *,
    subject: str,
    labels: Mapping[str, str] | None = None,
) -> Chart | None:
    """Small multiples, one panel per group: mean progress of the project schools and of their
    matched comparison in each year, across years relative to the baseline (0).

    ``event_study`` holds one population's rows of ``Evaluation.event_study`` (columns
    ``group``, ``year``, ``relative_year``, ``n_schools``, ``project``, ``comparison``,
    ``gap``; ``suppressed`` optional). None when there are no rows to draw.
    """
    _one_population(event_study)
    if event_study.empty:
        return None
    measure = str(event_study["measure"].iloc[0]) if "measure" in event_study else "progress"
    words = TREND_WORDS.get(measure, measure)
    groups = list(dict.fromkeys(event_study["group"]))
    n_cols = min(COLUMNS, len(groups))
    n_rows = math.ceil(len(groups) / n_cols)
    fig, axes = plt.subplots(
        n_rows,
        n_cols,
        figsize=(3.0 * n_cols + 1.0, 2.6 * n_rows + 1.0),
        dpi=DPI,
        sharey=True,
        squeeze=False,
    )
    sentences = []
    years = sorted(event_study["relative_year"].unique())
    for position, group in enumerate(groups):
        ax = axes[position // n_cols][position % n_cols]
        rows = event_study[event_study["group"].eq(group)].sort_values("relative_year")
        hidden = _suppressed(rows)
        n = int(rows["n_schools"].max())
        label = _label(group, n, labels)
        ax.set_title(label, loc="left", fontsize=9)
        ax.grid(axis="both", color="#DDDDDD", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.axvline(0, color=PALETTE[4], linewidth=0.8, linestyle=":")
        shown = rows[~hidden]
        if hidden.all():
            ax.text(
                0.5,
                0.5,
                f"{SYMBOL} (too few schools to show)",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=9,
            )
            sentences.append(f"{label}: {SYMBOL}, not shown because too few schools")
            continue
        # every year of the span, absent ones NaN: a line never joins two years across a gap
        shown = _every_year(shown)
        for start, stop in _gaps(shown):
            ax.axvspan(start - 0.5, stop + 0.5, color="#EEEEEE", linewidth=0)
        ax.plot(
            shown["relative_year"],
            shown["project"],
            color=PROJECT_COLOUR,
            marker=PROJECT_MARKER,
            linewidth=1.8,
            label="Project schools",
        )
        ax.plot(
            shown["relative_year"],
            shown["comparison"],
            color=COMPARISON_COLOUR,
            marker=COMPARISON_MARKER,
            linewidth=1.8,
            linestyle="--",
            label="Matched comparison",
        )
        ax.set_xticks(years)
        gaps = "; ".join(
            f"{year_label(int(r.year))}{' (baseline)' if r.relative_year == 0 else ''}: "
            f"project {fmt(r.project)}, comparison {fmt(r.comparison)}, "
            f"gap {fmt(r.gap, signed=True)}"
            for r in shown.dropna(subset=["year"]).itertuples()
        )
        sentences.append(f"{label}: {gaps}")
    for extra in range(len(groups), n_rows * n_cols):
        axes[extra // n_cols][extra % n_cols].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("Years from the baseline year (0)", fontsize=8)
    for row in axes:
        row[0].set_ylabel(f"Mean {subject} {words}", fontsize=8)
    handles, names = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="upper center", ncol=2, frameon=False, fontsize=8)
    fig.subplots_adjust(top=1 - 0.55 / (2.6 * n_rows + 1.0), hspace=0.55, wspace=0.15)
    first, last = years[0], years[-1]
    span = (
        "the baseline year and the outcome year only: the files hold no earlier year"
        if first == 0
        else f"{-first} year{'s' if first != -1 else ''} before the baseline to {last} after"
    )
    missing = _missing_years(event_study)
    gap = (
        f" No figures for {', '.join(year_label(y) for y in missing)} (no school-level data or "
        f"no {words} those years): drawn as a gap, shaded, never joined by a line."
        if missing
        else ""
    )
    alt = (
        f"Event study, {span}. For each group, mean {subject} {words} of the project schools "
        "and of their matched comparison by year, and the gap (project minus comparison)."
        + gap
        + " "
        + ". ".join(sentences)
        + "."
    )
    title = "Project schools beside their matched comparison, by year (0 = baseline year)"
    return Chart("event_study", fig, alt, title)
