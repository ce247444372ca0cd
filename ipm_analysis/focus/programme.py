"""The programme picture: every school's focus figures for one window, aggregated, no pupils.

Each school's pupils are read and scored with the school report's own functions; only school
rows (one per school and window) leave :func:`build_programme_report`. What is published goes
through the small-number rules in ``termly``: a count from 1 to ``min_n - 1`` shows as 'c', a
school's progress and interval show as 'c' when fewer than ``min_n`` pupils are counted, and a
total shows as 'c' when it would let a hidden count be worked out. Files written:
``schools.csv``, ``programme.csv``, ``programme_progress.png`` and ``report_info.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.rounding import fmt
from ipm_analysis.focus import charts
from ipm_analysis.focus.prior_attainment import load_pag_table
from ipm_analysis.focus.pupils import read_pupils
from ipm_analysis.focus.report import score_school, sigma_sentence
from ipm_analysis.focus.sigma import Sigma, resolve_sigma
from ipm_analysis.focus.termly import (
    DEFAULT_MIN_N,
    SUPPRESSED,
    WINDOWS,
    is_hidden,
    programme_summary,
    reveals_hidden,
    window_id,
    window_order,
)
from ipm_analysis.reporting.charts.style import Chart
from ipm_analysis.reporting.csv_output import spreadsheet_safe

#: ``schools.csv``: one row per school and window; ``n_pupils`` counts pupils with progress.
PUBLISHED_SCHOOL_COLUMNS = (
    "urn",
    "window",
    "n_pupils",
    "progress",
    "ci_low",
    "ci_high",
    "n_focus",
    "n_to_reach_zero",
)
_COUNTS = ("n_pupils", "n_focus", "n_to_reach_zero")
_SCORES = ("progress", "ci_low", "ci_high")


@dataclass(frozen=True)
class ProgrammeReport:
    """School-level figures for a programme, up to one window. Holds no pupil rows."""

    subject: str
    year: int
    window: str
    min_n: int
    schools: pd.DataFrame  # urn, window, n_pupils (counted), progress, ..., unsuppressed
    sigma: Sigma
    notes: tuple[str, ...]  # the PAG table's notes (SYNTHETIC label)


def build_programme_report(
    schools: Mapping[str, str | Mapping[str, str]],
    pag_table: str,
    ks2_year: int,
    window: str,
    subject: str = "maths",
    performance_table: str | None = None,
    min_n: int = DEFAULT_MIN_N,
) -> ProgrammeReport:
    """Score each school (``urn`` -> pupil file or window -> file) from October to ``window``."""
    window = window_id(window)
    table = load_pag_table(pag_table, ks2_year)
    sigma = resolve_sigma(ks2_year, subject, performance_table)
    rows = []
    for urn, pupils in schools.items():
        frame = read_pupils(pupils, ks2_year, subject, window=window, urn=str(urn))
        scored, termly = score_school(frame, table, subject, str(urn), window, sigma.value)
        counted = [int(scored[w]["capped_progress"].notna().sum()) for w in termly["window"]]
        rows.append(termly.assign(n_pupils=counted))
    frame = pd.concat(rows, ignore_index=True)
    frame = frame.assign(order=frame["window"].map(window_order)).sort_values(["order", "urn"])
    return ProgrammeReport(
        subject=subject,
        year=int(ks2_year),
        window=window,
        min_n=int(min_n),
        schools=frame[list(PUBLISHED_SCHOOL_COLUMNS)].reset_index(drop=True),
        sigma=sigma,
        notes=table.notes,
    )


def published_schools(report: ProgrammeReport) -> pd.DataFrame:
    """``schools.csv``: full-precision figures, with 'c' wherever the rules hide one."""
    s = report.schools
    out = s.astype(object)
    for col in _COUNTS:
        out[col] = [_count(v, report.min_n) for v in s[col]]
    few = s["n_pupils"].map(lambda n: is_hidden(n, report.min_n)).astype(bool)
    for col in _SCORES:
        out[col] = [SUPPRESSED if hide else v for hide, v in zip(few, s[col], strict=True)]
    return out


def _count(value: float, min_n: int) -> object:
    if pd.isna(value):
        return np.nan
    return SUPPRESSED if is_hidden(value, min_n) else int(value)


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.replace(SUPPRESSED, np.nan), errors="coerce")


def published_summary(report: ProgrammeReport) -> pd.DataFrame:
    """``programme.csv``: per window, schools, pupils counted, focus pupils, share and mean.

    Built by :func:`termly.programme_summary` from the published school figures (a hidden
    school progress is left out of the mean); a total that would reveal a hidden school count
    is hidden too.
    """
    shown = published_schools(report)
    raw = report.schools.assign(progress=_numbers(shown["progress"]))
    out = programme_summary(raw, report.min_n).set_index("window")
    for window, rows in raw.groupby("window"):
        for col in ("n_pupils", "n_focus"):
            if reveals_hidden(rows[col], report.min_n):
                out.loc[window, [col, "share_focus_pct"]] = SUPPRESSED
    return out.reset_index()


def programme_chart(report: ProgrammeReport) -> Chart:
    """Each school's published progress per window and the mean of schools."""
    shown = published_schools(report)
    progress = pd.DataFrame(
        {"urn": shown["urn"], "window": shown["window"], "progress": _numbers(shown["progress"])}
    )
    summary = published_summary(report).set_index("window")
    mean = _numbers(summary["mean_progress"].str.replace("+", "", regex=False))
    return charts.programme_chart(progress, mean, subject=report.subject, notes=report.notes)


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
        "years": f"{_year(report)} {WINDOWS[report.window]}",
        "subject": report.subject,
        "schools": str(report.schools["urn"].nunique()),
        "headline": _mean_sentence(report),
    }
    written.append(folder / "report_info.json")
    written[-1].write_text(json.dumps(info, indent=2), encoding="utf-8")
    return written


__all__ = [
    "ProgrammeReport",
    "build_programme_report",
    "footnote",
    "headline",
    "programme_chart",
    "progress_by_window_table",
    "published_schools",
    "published_summary",
    "schools_table",
    "sigma_sentence",
    "trend_table",
    "write_outputs",
]


# --- words and tables for readers (every figure through fmt) ---------------------------------


def _year(report: ProgrammeReport) -> str:
    return f"{report.year - 1}/{str(report.year)[-2:]}"


def _shown(value: object, places: int, signed: bool = False, missing: str = "-") -> str:
    if value == SUPPRESSED:
        return SUPPRESSED
    return fmt(np.nan if pd.isna(value) else float(value), places, signed=signed, missing=missing)


def _mean_sentence(report: ProgrammeReport) -> str:
    row = published_summary(report).set_index("window").loc[report.window]
    mean = row["mean_progress"]
    if mean == SUPPRESSED:
        return "mean of schools not shown (too few schools or pupils)"
    return f"mean of school projected progress {mean}"


def headline(report: ProgrammeReport, title: str) -> str:
    """The report's opening, as Markdown."""
    shown = published_schools(report)
    now = shown[shown["window"] == report.window]
    progress = _numbers(now["progress"])
    row = published_summary(report).set_index("window").loc[report.window]
    lines = [f"# {title}", ""]
    for note in report.notes:
        lines += [f"> **{note}**", ""]
    lines.append(
        f"**{WINDOWS[report.window]} {_year(report)}, {report.subject}.** "
        f"{len(now)} schools, {row['n_pupils']} pupils with a KS1 starting point and a score; "
        f"{_mean_sentence(report)}. {int((progress < 0).sum())} of the "
        f"{int(progress.notna().sum())} schools shown are below 0 (the national average). "
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
    """This window's figures, one row per school."""
    s = published_schools(report)
    s = s[s["window"] == report.window]
    return pd.DataFrame(
        {
            "School (URN)": s["urn"],
            "Pupils counted": [_shown(v, 0) for v in s["n_pupils"]],
            "Projected progress": [_shown(v, 2, signed=True) for v in s["progress"]],
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
    """The programme per window so far."""
    t = published_summary(report)
    return pd.DataFrame(
        {
            "Window": [WINDOWS[w] for w in t["window"]],
            "Schools": t["n_schools"],
            "Pupils counted": t["n_pupils"],
            "Focus pupils": t["n_focus"],
            "Focus pupils (%)": t["share_focus_pct"],
            "Mean of school progress": t["mean_progress"],
        }
    )


def progress_by_window_table(report: ProgrammeReport) -> pd.DataFrame:
    """Each school's published projected progress per window (the chart's figures)."""
    s = published_schools(report)
    wide = s.pivot(index="urn", columns="window", values="progress")
    columns = [w for w in WINDOWS if w in wide.columns]
    out = pd.DataFrame({"School (URN)": wide.index})
    for w in columns:
        out[WINDOWS[w]] = [_shown(v, 2, signed=True) for v in wide[w]]
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
