"""Charts for honest impact: a forest plot of change vs net change, and regression to the mean.

Both take tables already computed by :mod:`ipm_analysis.impact.comparison` and draw them; the
alt text states the finding from the same numbers, rounded for readers with :func:`fmt`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ipm_analysis.core.rounding import fmt
from ipm_analysis.impact.comparison import RtmFit
from ipm_analysis.impact.design import TLA_DIFFERENCE
from ipm_analysis.reporting.charts.style import MARKERS, PALETTE, Chart, new_figure

CHANGE_COLOUR, NET_COLOUR, PROJECT_COLOUR = PALETTE[0], PALETTE[1], PALETTE[2]
CHANGE_MARKER, NET_MARKER, PROJECT_MARKER = MARKERS[0], MARKERS[1], MARKERS[2]
POOL_COLOUR = "#A6A6A6"


def _group_label(group: str, n: int, labels: Mapping[str, str] | None) -> str:
    schools = f"{n} school{'' if n == 1 else 's'}"
    if labels and group in labels:
        return f"{labels[group]} ({schools})"
    if group == "all":
        return f"All {schools}"
    return f"{group.replace(':', ': ')} ({schools})"


def _interval(row: pd.Series | None) -> str:
    if row is None:
        return "not available"
    text = fmt(row["change"], signed=True)
    if np.isnan(row["ci_low"]) or np.isnan(row["ci_high"]):
        return f"{text} (no interval)"
    low, high = fmt(row["ci_low"], signed=True), fmt(row["ci_high"], signed=True)
    return f"{text} (95% CI {low} to {high})"


def _pick(summary: pd.DataFrame, estimate: str, group: str) -> pd.Series | None:
    """The row of ``estimate`` and ``group``, its figures as floats (NaN for a blank or a
    suppressed figure, whatever the column's dtype)."""
    rows = summary[(summary["estimate"] == estimate) & (summary["group"] == group)]
    if rows.empty:
        return None
    row = rows.iloc[0].copy()
    for column in ("change", "ci_low", "ci_high"):
        row[column] = float("nan") if pd.isna(row[column]) else float(row[column])
    return row


def one_population(summary: pd.DataFrame, chart: str) -> None:
    """Refuse a summary holding the project's rows for more than one population: every group
    would be drawn (and described) twice. The caller picks one (the report: ``itt``)."""
    if "population" in summary and summary["population"].dropna().nunique() > 1:
        raise ValueError(
            f"{chart} draws one population; pick one (e.g. "
            "presentation.population_rows(summary, 'itt')) before drawing"
        )


def _draw(ax, y: float, row: pd.Series | None, colour: str, marker: str, label: str) -> None:
    if row is None or np.isnan(row["change"]):
        return
    err = None
    if not (np.isnan(row["ci_low"]) or np.isnan(row["ci_high"])):
        err = [[row["change"] - row["ci_low"]], [row["ci_high"] - row["change"]]]
    ax.errorbar(
        row["change"], y, xerr=err, fmt=marker, color=colour, markersize=7, capsize=3, label=label
    )


def forest_plot(
    summary: pd.DataFrame,
    *,
    measure: str = "progress",
    labels: Mapping[str, str] | None = None,
) -> Chart:
    """Each group's change and its change net of similar schools, with 95% intervals.

    ``summary`` is in the ``summary.csv`` layout: ``measure``'s rows of estimate ``change``
    (the plain change) and ``net_change`` per group. Groups follow the order of the
    ``net_change`` rows; groups with no schools are left out, and so is the TLA difference
    (a difference, not a group). ``summary`` holds one population's rows (else ValueError).
    """
    one_population(summary, "forest_plot")
    summary = summary[summary["measure"] == measure]
    net_rows = summary[
        (summary["estimate"] == "net_change")
        & (summary["n_schools"].fillna(0) > 0)
        & (summary["group"] != TLA_DIFFERENCE)
    ]
    groups = list(dict.fromkeys(net_rows["group"]))
    fig, ax = new_figure(7.5, max(2.4, 0.75 * len(groups) + 1.4))
    sentences, excludes_zero, judged = [], [], 0
    for i, group in enumerate(groups):
        change, net = _pick(summary, "change", group), _pick(summary, "net_change", group)
        first = i == 0
        _draw(ax, -i + 0.15, change, CHANGE_COLOUR, CHANGE_MARKER, "Change" if first else None)
        _draw(
            ax, -i - 0.15, net, NET_COLOUR, NET_MARKER, "Net of similar schools" if first else None
        )
        label = _group_label(group, int(net["n_schools"]), labels)
        sentences.append(
            f"{label}: change {_interval(change)}, net of similar schools {_interval(net)}"
        )
        if np.isnan(net["ci_low"]) or np.isnan(net["ci_high"]):
            continue  # no interval (e.g. suppressed as c): nothing to judge
        judged += 1
        if net["ci_low"] > 0 or net["ci_high"] < 0:
            excludes_zero.append(label)
    ax.axvline(0, color=PALETTE[4], linewidth=1)
    ax.set_yticks([-i for i in range(len(groups))])
    ax.set_yticklabels(
        [_group_label(g, int(_pick(summary, "net_change", g)["n_schools"]), labels) for g in groups]
    )
    ax.set_ylim(-len(groups) + 0.5, 0.5)
    ax.set_xlabel(f"Change in {SCORE_WORDS[measure]}, with 95% confidence interval")
    if groups:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    if not judged:
        finding = "No group has a net change with an interval to show."
    elif excludes_zero:
        finding = (
            f"The interval of the net change excludes zero for {len(excludes_zero)} of "
            f"{judged} groups with an interval ({'; '.join(excludes_zero)})."
        )
    else:
        finding = (
            f"The interval of the net change includes zero for "
            f"{'the one group' if judged == 1 else f'all {judged} groups'} with an interval: "
            "the project schools' change cannot be told apart from what similar schools did."
        )
    alt = "Forest plot. " + ". ".join(sentences) + (". " if sentences else "") + finding
    title = "Change and change net of similar schools, by group"
    return Chart("forest_net_change", fig, alt, title)


#: A measure as the comparison charts name it.
SCORE_WORDS = {
    "progress": "progress score",
    "attainment": "% at the expected standard",
    "higher_standard": "% at the higher standard",
    "scaled_score": "average scaled score",
}


def rtm_scatter(
    pool: pd.DataFrame, project: pd.DataFrame, fit: RtmFit, measure: str = "progress"
) -> Chart:
    """Baseline against change of ``measure`` for the file's other schools, their fitted line,
    and the project.

    Shows regression to the mean: if the line slopes down, schools that start low rise
    whatever they do, and a project school's change has to be read against the line.
    ``pool`` and ``project`` have ``baseline`` and ``change`` (or ``outcome``) columns.
    """
    words = SCORE_WORDS[measure]
    unit = "points" if measure in ("progress", "scaled_score") else "percentage points"

    def change_of(frame: pd.DataFrame) -> pd.Series:
        if "change" in frame:
            return frame["change"]
        return frame["outcome"] - frame["baseline"]

    fig, ax = new_figure(7.5, 4.8)
    ax.axhline(0, color=PALETTE[4], linewidth=0.8)
    ax.scatter(
        pool["baseline"],
        change_of(pool),
        s=14,
        color=POOL_COLOUR,
        marker="o",
        alpha=0.7,
        linewidths=0,
        label=f"Other schools in the file ({len(pool)})",
    )
    both = pd.concat([pool["baseline"], project["baseline"]]).dropna()
    if not both.empty and not np.isnan(fit.b):
        xs = np.array([both.min(), both.max()])
        ax.plot(
            xs,
            fit.a + fit.b * xs,
            color=CHANGE_COLOUR,
            linewidth=2,
            label=f"Fitted line: change = {fmt(fit.a)} {'-' if fit.b < 0 else '+'} "
            f"{fmt(abs(fit.b))} x baseline",
        )
    ax.scatter(
        project["baseline"],
        change_of(project),
        s=42,
        color=PROJECT_COLOUR,
        marker=PROJECT_MARKER,
        edgecolors="white",
        linewidths=0.8,
        label=f"Project schools ({len(project)})",
        zorder=3,
    )
    ax.set_xlabel(f"{words[:1].upper()}{words[1:]} in the baseline year")
    ax.set_ylabel(f"Change in {words}")
    ax.legend(loc="best", frameon=False)

    slope = f"fitted slope {fmt(fit.b, signed=True)} over {fit.n} schools"
    if np.isnan(fit.b):
        meaning = "The file's other schools are too few to fit a line."
    elif fit.b < 0:
        start = float(project["baseline"].mean())
        meaning = (
            f"Across the file's other schools, each point lower at baseline went with a change "
            f"{fmt(-fit.b)} {unit} larger by the outcome year ({slope}): schools that start "
            "low tend to rise whatever they do, which is regression to the mean. A school "
            f"starting at the project schools' mean baseline of {fmt(start, signed=True)} "
            f"would be expected to change by {fmt(fit.a + fit.b * start, signed=True)} without "
            "the project."
        )
    else:
        meaning = (
            f"The file's other schools show no regression to the mean this year ({slope}): "
            "schools that started low did not rise more than others."
        )
    alt = (
        f"Scatter of baseline {words} against change. {meaning} "
        f"The {len(project)} project schools are highlighted against the line."
    )
    title = "Regression to the mean: change against baseline, other schools in the file"
    return Chart("rtm_scatter", fig, alt, title)
