"""One school's focus report for one window: read its pupils and score every window so far.

:func:`build_focus_report` returns a :class:`FocusReport` of tables (pupils, one school row per
window, joiners and leavers); its tables, sentences, chart and files for readers are in
:mod:`ipm_analysis.reporting.focus_school`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.prior_attainment import PagTable, load_pag_table
from ipm_analysis.focus.pupil_progress import SchoolProgress, pupil_progress, school_progress
from ipm_analysis.focus.pupils import read_pupils
from ipm_analysis.focus.sigma import Sigma, resolve_sigma
from ipm_analysis.focus.targets import add_targets, n_to_reach_zero
from ipm_analysis.focus.termly import focus_changes, window_id, windows_up_to

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
