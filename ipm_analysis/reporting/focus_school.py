"""One school's focus report for readers: its files, its chart, and its tables and sentences.

The figures come from :func:`ipm_analysis.focus.report.build_focus_report`; this module only
presents them (every figure through ``fmt``). Files written to ``output_dir``: ``pupils.csv``
(this window's pupils), ``school.csv`` (this window's school row), ``termly.csv`` (one row per
window so far), ``focus_changes.csv`` (joined/left), and ``termly_progress.png``.

Figures from a window before July are practice papers against end-of-KS2 estimates: every
table, sentence and chart labels them indicative and never words them against the national
average (``termly.is_final`` decides; only July's may say "below national average").
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.rounding import fmt
from ipm_analysis.core.years import year_label
from ipm_analysis.focus.pupils import FLAG_COLUMNS
from ipm_analysis.focus.report import PUPIL_COLUMNS, FocusReport
from ipm_analysis.focus.sigma import Sigma
from ipm_analysis.focus.termly import (
    DEFAULT_MIN_N,
    INDICATIVE,
    SUPPRESSED,
    WINDOWS,
    is_final,
    window_label,
    windows_up_to,
)
from ipm_analysis.reporting.charts import focus as focus_charts
from ipm_analysis.reporting.charts.style import Chart
from ipm_analysis.reporting.csv_output import spreadsheet_safe
from ipm_analysis.reporting.presentation import html_table

#: Said wherever an in-year (pre-July) figure is reported.
INDICATIVE_SENTENCE = (
    "Figures before July come from practice papers, before the KS2 tests: they are "
    f"{INDICATIVE} only and are not compared with the national average."
)


def pupil_output(report: FocusReport) -> pd.DataFrame:
    """``pupils.csv``: the fixed columns first, then the score note and the PAG table's label."""
    out = report.pupils.loc[:, list(PUPIL_COLUMNS)].copy()
    out["score_note"] = report.pupils["score_note"]
    out["pag_table_note"] = "; ".join(report.pag.notes)
    return out


def write_outputs(report: FocusReport, output_dir: str | Path, title: str = "") -> list[Path]:
    """Write the report's CSVs, chart and ``report_info.json`` (for the batch index) into
    ``output_dir``; return the paths written."""
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "pupils.csv": pupil_output(report),
        "school.csv": report.school_row,
        "termly.csv": report.termly,
        "focus_changes.csv": report.changes,
    }
    written = []
    for name, frame in files.items():
        spreadsheet_safe(frame).to_csv(folder / name, index=False)
        written.append(folder / name)
    chart = termly_chart(report)
    written.append(chart.save(folder))
    chart.close()
    s = report.school
    measure = (
        "projected progress" if is_final(report.window) else f"{INDICATIVE} projected progress"
    )
    info = {
        "title": title,
        "years": f"{_year(report.year)} {window_label(report.window)}",
        "subject": report.subject,
        "schools": report.urn,
        "headline": f"{measure} {fmt(s.progress, 2, signed=True)}, "
        f"{int(report.pupils['focus'].sum())} focus pupils",
    }
    written.append(folder / "report_info.json")
    written[-1].write_text(json.dumps(info, indent=2), encoding="utf-8")
    return written


def _year(year: int) -> str:
    return year_label(year)


def termly_chart(report: FocusReport) -> Chart:
    """The school's progress across the windows; display it to embed it with its alt text."""
    return focus_charts.termly_chart(report.termly, subject=report.subject, notes=report.pag.notes)


# --- words and tables for readers (every figure through fmt) ---------------------------------


def headline(report: FocusReport, title: str) -> str:
    """The report's opening, as Markdown. Before July the figure is labelled indicative and
    not compared with the national average."""
    s = report.school
    row = report.school_row.iloc[0]
    lines = [f"# {title}", ""]
    for note in report.pag.notes:
        lines += [f"> **{note}**", ""]
    interval = f"95% interval {fmt(s.ci_low, 1, signed=True)} to {fmt(s.ci_high, 1, signed=True)}"
    status = "" if is_final(report.window) else f" ({INDICATIVE})"
    opening = (
        f"**{WINDOWS[report.window]} {_year(report.year)}, {report.subject}{status}.** "
        f"{s.n_scored} of {s.n_pupils} pupils have a KS1 starting point and a score. "
    )
    if is_final(report.window):
        lines.append(
            opening + f"Projected progress is **{fmt(s.progress, 2, signed=True)}** "
            f"({interval}): {s.significance}."
        )
    else:
        lines.append(
            opening + f"Projected progress is **{fmt(s.progress, 2, signed=True)}** "
            f"({INDICATIVE}; {interval}). {INDICATIVE_SENTENCE}"
        )
    n_focus = int(row["n_focus"])
    need = row["n_to_reach_zero"]
    if n_focus == 0:
        lines.append("No pupil is a focus pupil this window.")
    elif need == 0:
        lines.append(
            f"{n_focus} focus pupils; the school's projected progress is already 0 or above."
        )
    elif np.isnan(need):
        lines.append(
            f"{n_focus} focus pupils; even if all reach their targets the school stays below 0."
        )
    else:
        lines.append(
            f"{n_focus} focus pupils. If the {int(need)} nearest to their targets reach them "
            f"(fewest points first), projected progress reaches 0 or above."
        )
    n_no_ks1 = int(row["n_no_ks1"])
    if n_no_ks1:
        lines.append(f"{n_no_ks1} pupils have no KS1 result: they are listed, not scored.")
    return "\n".join(lines)


def sigma_sentence(sigma: Sigma, year: int, subject: str) -> str:
    """Where the interval's national standard deviation comes from, as Markdown."""
    if sigma.derived:
        return (
            f"The 95% interval is 1.96 × σ / √n with a national standard deviation σ of "
            f"{fmt(sigma.value, 2)}, **estimated** from published school intervals "
            f"({sigma.source})."
        )
    return (
        f"The 95% interval is 1.96 × σ / √n with the national standard deviation of pupil "
        f"progress σ = {fmt(sigma.value, 2)} for {year} {subject}, as published for the DfE's "
        "intervals (its source is noted in the project's data log)."
    )


def _labelled(header: str, window: str) -> str:
    """A column header, with the indicative label when ``window`` is before July:
    'Progress (indicative)', 'Counted (capped, indicative)'."""
    if is_final(window):
        return header
    if header.endswith(")"):
        return f"{header[:-1]}, {INDICATIVE})"
    return f"{header} ({INDICATIVE})"


def pupil_table(report: FocusReport) -> pd.DataFrame:
    """This window's pupils for the school's own report: focus pupils first, cheapest first.

    Before July the progress columns are headed indicative."""
    p = report.pupils.sort_values(
        ["focus", "points_needed", "pupil_id"], ascending=[False, True, True], na_position="last"
    )
    return pd.DataFrame(
        {
            "Pupil": p["pupil_id"],
            "KS1 APS": [fmt(v, 2) for v in p["ks1_aps"]],
            "PAG": [fmt(_num(v), 0) for v in p["pag"]],
            "Estimate": [fmt(v, 2) for v in p["estimate"]],
            "Score": [fmt(v, 0) for v in p["score"]],
            _labelled("Progress", report.window): [fmt(v, 2, signed=True) for v in p["progress"]],
            _labelled("Counted (capped)", report.window): [
                fmt(v, 2, signed=True) for v in p["capped_progress"]
            ],
            "Focus": ["focus" if f else "" for f in p["focus"]],
            "Target": [fmt(_num(v), 0, missing="") for v in p["target"]],
            "Points needed": [fmt(_num(v), 0, missing="") for v in p["points_needed"]],
        }
    ).reset_index(drop=True)


def termly_table(report: FocusReport) -> pd.DataFrame:
    """The school's projected progress and focus count per window so far (windows before
    July labelled indicative)."""
    t = report.termly
    return pd.DataFrame(
        {
            "Window": [window_label(w) for w in t["window"]],
            "Pupils": t["n_pupils"],
            "No KS1": t["n_no_ks1"],
            "Progress": [fmt(v, 2, signed=True) for v in t["progress"]],
            "95% interval": [
                f"{fmt(lo, 1, signed=True)} to {fmt(hi, 1, signed=True)}"
                for lo, hi in zip(t["ci_low"], t["ci_high"], strict=True)
            ],
            "Focus pupils": t["n_focus"],
            "Targets to reach 0": [
                fmt(_num(v), 0, missing="not reachable") for v in t["n_to_reach_zero"]
            ],
        }
    )


def changes_table(report: FocusReport) -> pd.DataFrame:
    """Who joined and who left the focus list since the previous window."""
    return report.changes.rename(columns={"pupil_id": "Pupil", "change": "Change", "reason": "Why"})


def changes_block(report: FocusReport) -> str:
    """The joined/left table as HTML, or a sentence when there is nothing to compare."""
    order = windows_up_to(report.window)
    earlier = [w for w in order[:-1] if w in set(report.termly["window"])]
    if not earlier:
        return "<p>This is the first window with pupils: there is no earlier list to compare.</p>"
    if report.changes.empty:
        return f"<p>The focus list is the same as in {WINDOWS[earlier[-1]]}.</p>"
    caption = f"Changes to the focus list since {WINDOWS[earlier[-1]]}"
    return html_table(changes_table(report), caption, index=False)


def group_table(report: FocusReport, min_n: int = DEFAULT_MIN_N) -> pd.DataFrame:
    """Focus pupils by flag (disadvantaged, SEND, EAL); groups under ``min_n`` show 'c'.

    Before July the mean is headed indicative."""
    p = report.pupils
    mean = _labelled("Mean progress", report.window)
    rows = []
    for flag in FLAG_COLUMNS:
        if flag not in p.columns:
            continue
        group = p[p[flag].astype(bool)]
        n, scored = len(group), int(group["capped_progress"].notna().sum())
        small = 0 < n < min_n or 0 < scored < min_n
        rows.append(
            {
                "Group": {"send": "SEND", "eal": "EAL"}.get(flag, flag),
                "Pupils": SUPPRESSED if small else str(n),
                "Focus pupils": SUPPRESSED if small else str(int(group["focus"].sum())),
                mean: SUPPRESSED if small else fmt(group["capped_progress"].mean(), 2, signed=True),
            }
        )
    return pd.DataFrame(rows, columns=["Group", "Pupils", "Focus pupils", mean])


def _num(value: object) -> float:
    return np.nan if value is None or value is pd.NA else float(value)
