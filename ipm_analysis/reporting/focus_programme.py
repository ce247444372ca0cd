"""The programme's focus report for readers: its files, its chart, and its tables and sentences.

The figures come from :func:`ipm_analysis.focus.programme.build_programme_report`, and what is
published (with 'c' where the small-number rules hide a figure) from
:func:`~ipm_analysis.focus.programme.published_schools` and
:func:`~ipm_analysis.focus.programme.published_summary`; this module only presents them (every
figure through ``fmt``), school and programme totals only, no pupils. Files written:
``schools.csv``, ``programme.csv``, ``programme_progress.png`` and ``report_info.json``.
Figures from a window before July are labelled indicative and never worded against the national
average (``termly.is_final`` decides).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.rounding import fmt
from ipm_analysis.core.years import year_label
from ipm_analysis.focus.programme import (
    ProgrammeReport,
    published_numbers,
    published_schools,
    published_summary,
)
from ipm_analysis.focus.termly import INDICATIVE, SUPPRESSED, WINDOWS, is_final, window_label
from ipm_analysis.reporting.charts import focus as focus_charts
from ipm_analysis.reporting.charts.style import Chart
from ipm_analysis.reporting.csv_output import spreadsheet_safe
from ipm_analysis.reporting.focus_school import INDICATIVE_SENTENCE, sigma_sentence


def programme_chart(report: ProgrammeReport) -> Chart:
    """Each school's published progress per window and the mean of schools."""
    shown = published_schools(report)
    progress = pd.DataFrame(
        {
            "urn": shown["urn"],
            "window": shown["window"],
            "progress": published_numbers(shown["progress"]),
        }
    )
    summary = published_summary(report).set_index("window")
    mean = published_numbers(summary["mean_progress"].str.replace("+", "", regex=False))
    return focus_charts.programme_chart(progress, mean, subject=report.subject, notes=report.notes)


def write_outputs(report: ProgrammeReport, output_dir: str | Path, title: str = "") -> list[Path]:
    """Write the published CSVs, the chart and ``report_info.json``; return the paths."""
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "schools.csv", folder / "programme.csv"]
    spreadsheet_safe(published_schools(report)).to_csv(written[0], index=False)
    spreadsheet_safe(published_summary(report)).to_csv(written[1], index=False)
    chart = programme_chart(report)
    written.append(chart.save(folder))
    chart.close()
    info = {
        "title": title,
        "years": f"{_year(report)} {window_label(report.window)}",
        "subject": report.subject,
        "schools": str(report.schools["urn"].nunique()),
        "headline": _mean_sentence(report),
    }
    written.append(folder / "report_info.json")
    written[-1].write_text(json.dumps(info, indent=2), encoding="utf-8")
    return written


__all__ = [
    "footnote",
    "headline",
    "programme_chart",
    "progress_by_window_table",
    "schools_table",
    "sigma_sentence",
    "trend_table",
    "write_outputs",
]


# --- words and tables for readers (every figure through fmt) ---------------------------------


def _year(report: ProgrammeReport) -> str:
    return year_label(report.year)


def _shown(value: object, places: int, signed: bool = False, missing: str = "-") -> str:
    if value == SUPPRESSED:
        return SUPPRESSED
    return fmt(np.nan if pd.isna(value) else float(value), places, signed=signed, missing=missing)


def _mean_sentence(report: ProgrammeReport) -> str:
    row = published_summary(report).set_index("window").loc[report.window]
    mean = row["mean_progress"]
    if mean == SUPPRESSED:
        return "mean of schools not shown (too few schools or pupils)"
    if not is_final(report.window):
        return f"mean of school projected progress {mean} ({INDICATIVE})"
    return f"mean of school projected progress {mean}"


def headline(report: ProgrammeReport, title: str) -> str:
    """The report's opening, as Markdown. Before July the figures are labelled indicative
    and the schools below 0 are not called below the national average."""
    shown = published_schools(report)
    now = shown[shown["window"] == report.window]
    progress = published_numbers(now["progress"])
    row = published_summary(report).set_index("window").loc[report.window]
    lines = [f"# {title}", ""]
    for note in report.notes:
        lines += [f"> **{note}**", ""]
    below = f"{int((progress < 0).sum())} of the {int(progress.notna().sum())} schools shown"
    if is_final(report.window):
        status, below = "", f"{below} are below 0 (the national average). "
    else:
        status = f" ({INDICATIVE})"
        below = f"{below} have projected progress below 0. {INDICATIVE_SENTENCE} "
    lines.append(
        f"**{WINDOWS[report.window]} {_year(report)}, {report.subject}{status}.** "
        f"{len(now)} schools, {row['n_pupils']} pupils with a KS1 starting point and a score; "
        f"{_mean_sentence(report)}. {below}"
        + (
            "The programme's number of focus pupils is not shown (c): it would reveal a small "
            "count."
            if row["n_focus"] == SUPPRESSED
            else f"{row['n_focus']} pupils are focus pupils ({row['share_focus_pct']}%)."
        )
    )
    lines += [
        "",
        "This report holds school and programme totals only: no pupil is listed. Each "
        "school's own report names its focus pupils (by pseudonymous id) and their targets.",
    ]
    return "\n".join(lines)


def schools_table(report: ProgrammeReport) -> pd.DataFrame:
    """This window's figures, one row per school (progress headed indicative before July)."""
    s = published_schools(report)
    s = s[s["window"] == report.window]
    progress = (
        "Projected progress" if is_final(report.window) else f"Projected progress ({INDICATIVE})"
    )
    return pd.DataFrame(
        {
            "School (URN)": s["urn"],
            "Pupils counted": [_shown(v, 0) for v in s["n_pupils"]],
            progress: [_shown(v, 2, signed=True) for v in s["progress"]],
            "95% interval": [
                SUPPRESSED
                if SUPPRESSED in (lo, hi)
                else f"{_shown(lo, 1, signed=True)} to {_shown(hi, 1, signed=True)}"
                for lo, hi in zip(s["ci_low"], s["ci_high"], strict=True)
            ],
            "Focus pupils": [_shown(v, 0) for v in s["n_focus"]],
            "Targets to reach 0": [
                _shown(v, 0, missing="not reachable") for v in s["n_to_reach_zero"]
            ],
        }
    )


def trend_table(report: ProgrammeReport) -> pd.DataFrame:
    """The programme per window so far (windows before July labelled indicative)."""
    t = published_summary(report)
    return pd.DataFrame(
        {
            "Window": [window_label(w) for w in t["window"]],
            "Schools": t["n_schools"],
            "Pupils counted": t["n_pupils"],
            "Focus pupils": t["n_focus"],
            "Focus pupils (%)": t["share_focus_pct"],
            "Mean of school progress": t["mean_progress"],
        }
    )


def progress_by_window_table(report: ProgrammeReport) -> pd.DataFrame:
    """Each school's published projected progress per window (the chart's figures); windows
    before July are headed indicative."""
    s = published_schools(report)
    wide = s.pivot(index="urn", columns="window", values="progress")
    columns = [w for w in WINDOWS if w in wide.columns]
    out = pd.DataFrame({"School (URN)": wide.index})
    for w in columns:
        out[window_label(w)] = [_shown(v, 2, signed=True) for v in wide[w]]
    return out


def footnote(report: ProgrammeReport) -> str:
    """What 'c', '-' and 'not reachable' mean, as Markdown."""
    n = report.min_n
    return (
        f"**c** = not shown to protect pupils' privacy: a count from 1 to {n - 1}, a school's "
        f"progress when fewer than {n} pupils are counted, or a total that would let a hidden "
        "count be worked out. Hidden school scores are left out of the mean of schools. "
        "**-** = no figure (no pupils counted, or no data for that window). **Not reachable** = "
        "even if every focus pupil reached their target, the school would stay below 0. "
        "Pupils counted have a KS1 starting point and a score. The mean of schools counts each "
        "school once."
    )
