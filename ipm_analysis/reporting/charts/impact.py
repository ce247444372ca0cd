"""Charts of the impact measures: groups before and after, each school's move, the spread
of change, and attainment. Each returns a Chart whose alt text states the finding."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ipm_analysis.core.rounding import fmt
from ipm_analysis.impact.design import TLA_DIFFERENCE
from ipm_analysis.impact.disclosure import SYMBOL
from ipm_analysis.impact.groups import ALL, ITT, PROJECT_GROUP_PREFIXES, describe_group
from ipm_analysis.reporting.charts.comparison import one_population
from ipm_analysis.reporting.charts.style import (
    BASELINE_COLOUR,
    MARKERS,
    OUTCOME_COLOUR,
    PALETTE,
    Chart,
    new_figure,
)
from ipm_analysis.reporting.presentation import counted, group_order, year_label


def _project_rows(summary: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The project's groups with schools, in table order; a boolean ``suppressed`` column
    (False when the summary has none) marks the groups shown as ``c``."""
    one_population(summary, "the group charts")
    rows = summary[
        (summary["measure"] == measure)
        & (summary["estimate"] == "change")
        & summary["group"].str.startswith(PROJECT_GROUP_PREFIXES)
        & (summary["group"] != TLA_DIFFERENCE)
        & (summary["n_schools"].fillna(0) > 0)
    ].copy()
    hidden = rows["suppressed"] if "suppressed" in rows else pd.Series(False, index=rows.index)
    rows["suppressed"] = hidden.fillna(False).astype(bool)
    order = group_order(rows["group"].tolist())
    return rows.set_index("group").loc[order].reset_index()


def _summary_suppressed(summary: pd.DataFrame, measure: str, group: str) -> bool:
    """Whether the summary hides ``measure`` for ``group``."""
    if "suppressed" not in summary:
        return False
    hit = summary[
        (summary["measure"] == measure)
        & (summary["estimate"] == "change")
        & (summary["group"] == group)
    ]
    return bool(hit["suppressed"].fillna(False).any())


def _summary_change(summary: pd.DataFrame, measure: str, group: str) -> float | None:
    """The summary's ``change`` for ``measure`` and ``group`` (None when it has none)."""
    hit = summary[
        (summary["measure"] == measure)
        & (summary["estimate"] == "change")
        & (summary["group"] == group)
    ]
    if hit.empty or pd.isna(hit["change"].iloc[0]):
        return None
    return float(hit["change"].iloc[0])


def group_before_after(
    summary: pd.DataFrame, measure: str, *, years: tuple[int, int], la_name: str, subject: str
) -> Chart:
    """Each group's baseline and outcome as paired dots, with the LA's and national lines."""
    rows = _project_rows(summary, measure)
    fig, ax = new_figure(7.5, 0.55 * max(len(rows), 3) + 1.6)
    y = np.arange(len(rows))[::-1]
    b, o = years
    for i, row in enumerate(rows.itertuples()):
        if row.suppressed:  # disclosure control: the group is named but its figures are not
            ax.text(
                0.5,
                y[i],
                f"{SYMBOL} (too few schools to show)",
                transform=ax.get_yaxis_transform(),
                ha="center",
                va="center",
                fontsize=9,
                color="#0B0C0C",
                bbox={"facecolor": "white", "edgecolor": "#B1B4B6", "boxstyle": "round"},
                zorder=4,
            )
    shown = ~rows["suppressed"].to_numpy(dtype=bool)
    _dumbbells(
        ax, rows.loc[shown, "baseline"], rows.loc[shown, "outcome"], y[shown], years, size=55
    )
    ax.set_yticks(
        y,
        [describe_group(g, int(n)) for g, n in zip(rows["group"], rows["n_schools"], strict=True)],
    )
    ref = summary[(summary["measure"] == measure) & (summary["estimate"] == "change")]
    ref = ref.set_index("group")
    dp = 2 if measure == "progress" else 1
    if "la" in ref.index:
        la = ref.loc["la"]
        for value, style, yr in ((la["baseline"], ":", b), (la["outcome"], "--", o)):
            if pd.notna(value):
                ax.axvline(
                    value,
                    color=PALETTE[2],
                    linestyle=style,
                    linewidth=1.2,
                    label=f"{la_name} {year_label(yr)} ({fmt(value, dp)})",
                )
    if measure == "progress":
        ax.axvline(0, color="black", linewidth=1.0, label="National average (0)")
        ax.set_xlabel(f"{subject.capitalize()} progress score (KS1 to KS2)")
    else:
        ax.set_xlabel(AXIS_WORDS[measure].format(subject=subject))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False, fontsize=8)
    name = measure.replace("_", " ")
    title = f"{subject.capitalize()} {name}: {year_label(b)} and {year_label(o)} by group"
    ax.set_title(title, loc="left", fontsize=11)
    alt = _groups_alt(rows, measure, years)
    return Chart(name=f"groups_{measure}", figure=fig, alt=alt, title=title)


def _dumbbells(
    ax,
    baseline: pd.Series,
    outcome: pd.Series,
    y: np.ndarray,
    years: tuple[int, int],
    *,
    size: float,
    direction_cues: bool = False,
) -> None:
    """Baseline (square) joined to outcome (circle) on each row; with ``direction_cues``
    a rise is a solid turquoise line and a fall a dashed orange one (never colour alone)."""
    for b, o, row_y in zip(baseline, outcome, y, strict=True):
        up = o >= b
        colour = (PALETTE[1] if up else PALETTE[3]) if direction_cues else "#6F777B"
        style = "-" if up or not direction_cues else "--"
        ax.plot([b, o], [row_y, row_y], color=colour, linewidth=1.6, linestyle=style, zorder=1)
    ax.scatter(
        baseline,
        y,
        color=BASELINE_COLOUR,
        marker=MARKERS[1],
        s=size,
        zorder=2,
        label=year_label(years[0]),
    )
    ax.scatter(
        outcome,
        y,
        color=OUTCOME_COLOUR,
        marker=MARKERS[0],
        s=size * 1.1,
        zorder=3,
        label=year_label(years[1]),
    )


def _groups_alt(rows: pd.DataFrame, measure: str, years: tuple[int, int]) -> str:
    if rows.empty:
        return f"No group has {measure} figures in both years."
    dp = 2 if measure == "progress" else 1
    parts = [
        f"{describe_group(r.group, int(r.n_schools))}: "
        + (
            f"{SYMBOL}, not shown because too few schools"
            if r.suppressed
            else f"{fmt(r.baseline, dp)} to {fmt(r.outcome, dp)} ({fmt(r.change, dp, signed=True)})"
        )
        for r in rows.itertuples()
    ]
    shown = rows[~rows["suppressed"]]
    finding = ""
    if len(shown):
        rose = int((shown["change"] > 0).sum())
        finding = f"{rose} of {len(shown)} groups shown rose. "
    return (
        f"Dot chart of average {measure} in {year_label(years[0])} and {year_label(years[1])}. "
        + finding
        + "; ".join(parts)
        + "."
    )


def school_moves(
    schools: pd.DataFrame, *, years: tuple[int, int], subject: str, population: str = ITT
) -> Chart:
    """Each school's progress in both years as a dumbbell, grouped by cohort: the schools
    counted for ``population`` (intention to treat: withdrawn schools included)."""
    chosen = schools[counted(schools, population)].copy()
    chosen = chosen.sort_values(["cohort", "baseline_progress"], ascending=[False, True])
    fig, ax = new_figure(7.5, 0.2 * max(len(chosen), 8) + 1.6)
    y = np.arange(len(chosen))
    _dumbbells(
        ax,
        chosen["baseline_progress"],
        chosen["outcome_progress"],
        y,
        years,
        size=24,
        direction_cues=True,
    )
    ax.set_yticks(
        y,
        [f"C{c} · {u}" for c, u in zip(chosen["cohort"], chosen["urn"], strict=True)],
        fontsize=7.5,
    )
    ax.axvline(0, color="black", linewidth=1.0)
    ax.set_xlabel(f"{subject.capitalize()} progress score (national average 0)")
    ax.legend(loc="lower right", fontsize=8)
    title = "Each school's progress score in both years (by cohort; solid = rose, dashed = fell)"
    ax.set_title(title, loc="left", fontsize=10)
    rose = int((chosen["progress_change"] > 0).sum())
    fell = int((chosen["progress_change"] < 0).sum())
    alt = (
        f"Dumbbell chart of {len(chosen)} schools' progress scores. {rose} rose, {fell} fell"
        f" and {len(chosen) - rose - fell} did not change between {year_label(years[0])} and"
        f" {year_label(years[1])}."
    )
    return Chart(name="schools_progress", figure=fig, alt=alt, title=title)


def change_distribution(
    schools: pd.DataFrame,
    *,
    years: tuple[int, int],
    hide_mean: bool = False,
    mean_change: float | None = None,
    population: str = ITT,
) -> Chart:
    """How much schools' progress scores changed: a histogram with the mean and 0 marked.

    ``mean_change`` is the figure the report's table shows for all project schools (from the
    summary, so weighted by pupils under ``weighting: pupils``); without it, the simple mean
    of the schools drawn. ``hide_mean`` leaves the mean out when that figure is suppressed.
    The schools drawn are those counted for ``population``, as the mean's.
    """
    changes = schools.loc[counted(schools, population), "progress_change"]
    mean = changes.mean() if mean_change is None or pd.isna(mean_change) else mean_change
    fig, ax = new_figure(7.0, 3.6)
    if len(changes):
        bins = np.arange(np.floor(changes.min()) - 0.5, np.ceil(changes.max()) + 1.0, 0.5)
        ax.hist(changes, bins=bins, color=PALETTE[0], edgecolor="white", hatch="//")
    if len(changes) and not hide_mean:
        ax.axvline(
            mean,
            color=PALETTE[3],
            linestyle="--",
            linewidth=1.5,
            label=f"Mean change {fmt(mean, signed=True)}",
        )
    ax.axvline(0, color="black", linewidth=1.0, label="No change")
    ax.set_xlabel(f"Change in progress score, {year_label(years[0])} to {year_label(years[1])}")
    ax.set_ylabel("Schools")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of schools
    ax.legend(fontsize=8)
    title = "Distribution of the change in progress score"
    ax.set_title(title, loc="left", fontsize=11)
    if len(changes) and hide_mean:
        alt = (
            f"Histogram of {len(changes)} schools' change in progress score, from "
            f"{fmt(changes.min(), signed=True)} to {fmt(changes.max(), signed=True)}; "
            f"the mean is not shown ({SYMBOL}): too few schools."
        )
    elif len(changes):
        alt = (
            f"Histogram of {len(changes)} schools' change in progress score, from "
            f"{fmt(changes.min(), signed=True)} to {fmt(changes.max(), signed=True)}; "
            f"mean {fmt(mean, signed=True)}, median {fmt(changes.median(), signed=True)}."
        )
    else:
        alt = "No school has a progress score in both years."
    return Chart(name="change_distribution", figure=fig, alt=alt, title=title)


def all_charts(
    summary: pd.DataFrame,
    schools: pd.DataFrame,
    *,
    years: tuple[int, int],
    la_name: str,
    subject: str,
    population: str = ITT,
) -> Sequence[Chart]:
    """The impact report's charts, in reading order. ``summary`` holds ``population``'s rows
    (and the references) only: the report draws all recruited schools (``itt``)."""
    return [
        group_before_after(summary, "progress", years=years, la_name=la_name, subject=subject),
        school_moves(schools, years=years, subject=subject, population=population),
        change_distribution(
            schools,
            years=years,
            hide_mean=_summary_suppressed(summary, "progress", ALL),
            mean_change=_summary_change(summary, "progress", ALL),
            population=population,
        ),
        group_before_after(summary, "attainment", years=years, la_name=la_name, subject=subject),
    ]


def measure_charts(
    summary: pd.DataFrame,
    schools: pd.DataFrame,
    measures: Sequence[str],
    *,
    years: tuple[int, int],
    la_name: str,
    subject: str,
    population: str = ITT,
) -> dict[str, list[Chart]]:
    """Each measure's charts (``measures``: the report's): progress has the group chart, the
    school lines and the spread of changes; every other measure its group chart."""
    charts: dict[str, list[Chart]] = {}
    for measure in measures:
        if measure == "progress":
            charts[measure] = list(
                all_charts(
                    summary,
                    schools,
                    years=years,
                    la_name=la_name,
                    subject=subject,
                    population=population,
                )[:3]
            )
        else:
            charts[measure] = [
                group_before_after(summary, measure, years=years, la_name=la_name, subject=subject)
            ]
    return charts


#: The x axis of each measure's group chart (progress has its own, with the national 0).
AXIS_WORDS = {
    "attainment": "% of pupils at the expected standard in {subject}",
    "higher_standard": "% of pupils at the higher standard in {subject}",
    "scaled_score": "Average scaled score in {subject} (100 = the expected standard)",
}
