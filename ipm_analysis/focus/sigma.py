"""The national standard deviation of pupil progress (sigma) behind the DfE intervals.

Known values ship in ``national_sd.csv`` (2019). For other years it is estimated from the
year's KS2 performance table: each school's interval half-width x sqrt(n) / 1.96, with
n = TELIG x coverage, and the median over schools (limits are rounded to 1 dp, so one school
alone is imprecise). The estimate is derived, not the DfE's, and reports say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ipm_analysis.core.constants import Z95
from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.reference_data import national_sd_table
from ipm_analysis.inputs.dfe_tables import (
    RECTYPE_MAINSTREAM,
    RECTYPE_SPECIAL,
    parse_figures,
    read_performance_table,
    subject,
)


@dataclass(frozen=True)
class Sigma:
    """A sigma value and where it came from (shown in reports)."""

    value: float
    source: str
    derived: bool
    n_schools: int | None = None


def packaged_sigma(year: int, subject_name: str) -> Sigma | None:
    """The packaged national SD for ``year`` and subject, or None when not known."""
    table = national_sd_table()
    row = table[(table["year"] == year) & (table["subject"] == subject_name)]
    if row.empty:
        return None
    return Sigma(
        value=float(row["sd"].iloc[0]),
        source=f"{row['status'].iloc[0]}: {row['source'].iloc[0]}",
        derived=False,
    )


def estimate_sigma(path: str | Path, year: int, subject_name: str) -> Sigma:
    """Estimate sigma from a KS2 performance table: median of half-width x sqrt(n) / 1.96."""
    cols = subject(subject_name)
    table = read_performance_table(path, year, [cols.lower, cols.upper, cols.coverage, "TELIG"])
    schools = table.rows([RECTYPE_MAINSTREAM, RECTYPE_SPECIAL])
    figures = {}
    for col in (cols.lower, cols.upper, cols.coverage, "TELIG"):
        figures[col], _ = parse_figures(schools[col], path=path, column=col, lines=schools["line"])
    half_width = (figures[cols.upper] - figures[cols.lower]).to_numpy() / 2
    n = (figures["TELIG"] * figures[cols.coverage] / 100).to_numpy()
    per_school = half_width * np.sqrt(n) / Z95
    per_school = per_school[np.isfinite(per_school) & (n > 0)]
    if per_school.size == 0:
        raise InputError(
            f"no school in this table has a published {subject_name} interval and coverage, "
            "so sigma cannot be estimated from it.",
            path=path,
        )
    return Sigma(
        value=float(np.median(per_school)),
        source=(
            f"estimated from {Path(path).name}: median over {per_school.size} schools of "
            f"interval half-width x sqrt(TELIG x coverage) / {Z95:g} (derived, not the DfE's "
            "value)"
        ),
        derived=True,
        n_schools=int(per_school.size),
    )


def resolve_sigma(year: int, subject_name: str, performance_table: str | Path | None) -> Sigma:
    """The packaged sigma when known, else the estimate from ``performance_table``."""
    known = packaged_sigma(year, subject_name)
    if known is not None:
        return known
    if performance_table is None:
        raise InputError(
            f"the national SD of {subject_name} progress for {year} is not packaged; give "
            f"that year's KS2 performance table as 'performance_table' to estimate it."
        )
    return estimate_sigma(performance_table, year, subject_name)
