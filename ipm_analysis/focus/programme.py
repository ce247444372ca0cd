"""The programme picture: every school's focus figures for one window, aggregated, no pupils.

Each school's pupils are read and scored with the school report's own functions; only school
rows (one per school and window) leave :func:`build_programme_report`. What is published goes
through the small-number rules in ``termly``: a count from 1 to ``min_n - 1`` shows as 'c', a
school's progress and interval show as 'c' when fewer than ``min_n`` pupils are counted, and a
total shows as 'c' when it would let a hidden count be worked out. :func:`published_schools`
and :func:`published_summary` are the figures published (``schools.csv``, ``programme.csv``);
their tables, sentences, chart and files for readers are in
:mod:`ipm_analysis.reporting.focus_programme`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipm_analysis.focus.prior_attainment import load_pag_table
from ipm_analysis.focus.pupils import read_pupils
from ipm_analysis.focus.report import score_school
from ipm_analysis.focus.sigma import Sigma, resolve_sigma
from ipm_analysis.focus.termly import (
    DEFAULT_MIN_N,
    SUPPRESSED,
    is_hidden,
    programme_summary,
    reveals_hidden,
    window_id,
    window_order,
)

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


def published_numbers(values: pd.Series) -> pd.Series:
    """Published figures as numbers: 'c' (hidden) and anything not a number become NaN."""
    return pd.to_numeric(values.replace(SUPPRESSED, np.nan), errors="coerce")


def published_summary(report: ProgrammeReport) -> pd.DataFrame:
    """``programme.csv``: per window, schools, pupils counted, focus pupils, share and mean.

    Built by :func:`termly.programme_summary` from the published school figures (a hidden
    school progress is left out of the mean); a total that would reveal a hidden school count
    is hidden too.
    """
    shown = published_schools(report)
    raw = report.schools.assign(progress=published_numbers(shown["progress"]))
    out = programme_summary(raw, report.min_n).set_index("window")
    for window, rows in raw.groupby("window"):
        for col in ("n_pupils", "n_focus"):
            if reveals_hidden(rows[col], report.min_n):
                out.loc[window, [col, "share_focus_pct"]] = SUPPRESSED
    return out.reset_index()


__all__ = [
    "PUBLISHED_SCHOOL_COLUMNS",
    "ProgrammeReport",
    "build_programme_report",
    "published_numbers",
    "published_schools",
    "published_summary",
]
