"""One school's focus report for one window: build it, write its files, and say it in words.

The notebook only calls these. Files written to ``output_dir``: ``pupils.csv`` (this window's
pupils), ``school.csv`` (this window's school row), ``termly.csv`` (one row per window so far),
``focus_changes.csv`` (joined/left), and ``termly_progress.png``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.core.rounding import fmt
from ipm_analysis.focus import charts
from ipm_analysis.focus.prior_attainment import PagTable, load_pag_table
from ipm_analysis.focus.pupil_progress import SchoolProgress, pupil_progress, school_progress
from ipm_analysis.focus.pupils import FLAG_COLUMNS, read_pupils
from ipm_analysis.focus.sigma import Sigma, resolve_sigma
from ipm_analysis.focus.targets import add_targets, n_to_reach_zero
from ipm_analysis.focus.termly import (
    DEFAULT_MIN_N,
    SUPPRESSED,
    WINDOWS,
    focus_changes,
    window_id,
    windows_up_to,
)
from ipm_analysis.reporting.charts.style import Chart
from ipm_analysis.reporting.csv_output import spreadsheet_safe
from ipm_analysis.reporting.presentation import html_table

PUPIL_COLUMNS = (
    "pupil_id",
    "ks1_aps",
    "pag",
    "estimate",
    "score",
    "progress",
    "capped_progress",
    "focus",
    "target",
    "points_needed",
)
SCHOOL_COLUMNS = (
    "urn",
    "window",
    "n_pupils",
    "n_no_ks1",
    "progress",
    "ci_low",
    "ci_high",
    "n_focus",
    "n_to_reach_zero",
)


@dataclass(frozen=True)
class FocusReport:
    """Everything one school's report for one window shows."""

    subject: str
    year: int
    window: str
    urn: str
    pupils: pd.DataFrame  # this window's pupils, scored, with targets
    termly: pd.DataFrame  # SCHOOL_COLUMNS, one row per window so far
    changes: pd.DataFrame  # joined/left since the previous window
    school: SchoolProgress
    sigma: Sigma
    pag: PagTable

    @property
    def school_row(self) -> pd.DataFrame:
        return self.termly[self.termly["window"] == self.window].reset_index(drop=True)


def score_window(pupils: pd.DataFrame, table: PagTable, subject: str) -> pd.DataFrame:
    """One window's pupils -> progress, capping, focus and targets (see ``PUPIL_COLUMNS``)."""
    off = pupils["ks1_aps"].notna() & ~pupils["ks1_aps"].between(
        table.aps_min[0], table.aps_max[-1]
    )
    if off.any():
        row = pupils[off].iloc[0]
        raise InputError(
            f"KS1 APS {row['ks1_aps']:g} is outside the PAG table "
            f"({table.aps_min[0]:g}-{table.aps_max[-1]:g}).",
            path=row["file"],
            row=int(row["line"]),
            column="ks1_aps",
        )
    return add_targets(pupil_progress(pupils, table, subject))


def school_summary(scored: pd.DataFrame, urn: str, window: str, sigma: float) -> dict:
    """The ``school.csv`` row for one window's scored pupils."""
    result = school_progress(scored["capped_progress"], sigma)
    return {
        "urn": urn,
        "window": window,
        "n_pupils": int(len(scored)),
        "n_no_ks1": int(scored["ks1_aps"].isna().sum()),
        "progress": result.progress,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "n_focus": int(scored["focus"].sum()),
        "n_to_reach_zero": n_to_reach_zero(scored),
    }


def score_school(
    frame: pd.DataFrame, table: PagTable, subject: str, urn: str, window: str, sigma: float
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Score one school's pupils in each window from October up to ``window``.

    Returns the scored pupils per window and the ``school.csv`` rows (one per window).
    """
    scored = {}
    rows = []
    for key in windows_up_to(window):
        part = frame[frame["window"] == key]
        if part.empty:
            continue
        scored[key] = score_window(part.reset_index(drop=True), table, subject)
        rows.append(school_summary(scored[key], urn, key, sigma))
    if window not in scored:
        where = f" for school {urn}" if urn else ""
        raise InputError(f"no pupils are given{where} for the window '{window}'.")
    return scored, pd.DataFrame(rows, columns=list(SCHOOL_COLUMNS))


def build_focus_report(
    pupils: str | Mapping[str, str],
    pag_table: str,
    ks2_year: int,
    window: str,
    subject: str = "maths",
    urn: str | None = None,
    performance_table: str | None = None,
) -> FocusReport:
    """Read the inputs and score every window from October up to ``window``."""
    window = window_id(window)
    table = load_pag_table(pag_table, ks2_year)
    sigma = resolve_sigma(ks2_year, subject, performance_table)
    frame = read_pupils(pupils, ks2_year, subject, window=window, urn=urn)
    if urn is None:
        found = sorted(set(frame["urn"]) - {""})
        urn = found[0] if len(found) == 1 else ""
    scored, termly = score_school(frame, table, subject, str(urn), window, sigma.value)
    earlier = [k for k in scored if k != window]
    changes = focus_changes(scored[earlier[-1]] if earlier else None, scored[window])
    current = scored[window]
    return FocusReport(
        subject=subject,
        year=int(ks2_year),
        window=window,
        urn=str(urn),
        pupils=current,
        termly=termly,
        changes=changes,
        school=school_progress(current["capped_progress"], sigma.value),
        sigma=sigma,
        pag=table,
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
    info = {
        "title": title,
        "years": f"{_year(report.year)} {WINDOWS[report.window]}",
        "subject": report.subject,
        "schools": report.urn,
        "headline": f"projected progress {fmt(s.progress, 2, signed=True)}, "
        f"{int(report.pupils['focus'].sum())} focus pupils",
    }
    written.append(folder / "report_info.json")
    written[-1].write_text(json.dumps(info, indent=2), encoding="utf-8")
    return written


def _year(year: int) -> str:
    return f"{year - 1}/{str(year)[-2:]}"


def termly_chart(report: FocusReport) -> Chart:
    """The school's progress across the windows; display it to embed it with its alt text."""
    return charts.termly_chart(report.termly, subject=report.subject, notes=report.pag.notes)


# --- words and tables for readers (every figure through fmt) ---------------------------------


def headline(report: FocusReport, title: str) -> str:
    """The report's opening, as Markdown."""
    s = report.school
    label = WINDOWS[report.window]
    row = report.school_row.iloc[0]
    lines = [f"# {title}", ""]
    for note in report.pag.notes:
        lines += [f"> **{note}**", ""]
    lines.append(
        f"**{label} {_year(report.year)}, {report.subject}.** "
        f"{s.n_scored} of {s.n_pupils} pupils have a KS1 starting point and a score. "
        f"Projected progress is **{fmt(s.progress, 2, signed=True)}** (95% interval "
        f"{fmt(s.ci_low, 1, signed=True)} to {fmt(s.ci_high, 1, signed=True)}): "
        f"{s.significance}."
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


def pupil_table(report: FocusReport) -> pd.DataFrame:
    """This window's pupils for the school's own report: focus pupils first, cheapest first."""
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
            "Progress": [fmt(v, 2, signed=True) for v in p["progress"]],
            "Counted (capped)": [fmt(v, 2, signed=True) for v in p["capped_progress"]],
            "Focus": ["focus" if f else "" for f in p["focus"]],
            "Target": [fmt(_num(v), 0, missing="") for v in p["target"]],
            "Points needed": [fmt(_num(v), 0, missing="") for v in p["points_needed"]],
        }
    ).reset_index(drop=True)


def termly_table(report: FocusReport) -> pd.DataFrame:
    """The school's projected progress and focus count per window so far."""
    t = report.termly
    return pd.DataFrame(
        {
            "Window": [WINDOWS[w] for w in t["window"]],
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
    """Focus pupils by flag (disadvantaged, SEND, EAL); groups under ``min_n`` show 'c'."""
    p = report.pupils
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
                "Mean progress": SUPPRESSED
                if small
                else fmt(group["capped_progress"].mean(), 2, signed=True),
            }
        )
    return pd.DataFrame(rows, columns=["Group", "Pupils", "Focus pupils", "Mean progress"])


def _num(value: object) -> float:
    return np.nan if value is None or value is pd.NA else float(value)
