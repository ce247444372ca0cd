"""Disclosure control, the one rule: a figure computed from fewer than ``min_n`` schools is
not shown. Its values are blanked and it is marked ``suppressed``; readers see ``c``.

Reference rows (``la``, ``national``, ``comparator:*``) are published figures with no school
count and are never suppressed. A group with no school at all has no figure to hide (shown
as a dash, not ``c``). Each school's own published DfE figures are public and not affected.
"""

from __future__ import annotations

import pandas as pd

from ipm_analysis.core.constants import SUPPRESSED

#: What a reader sees in place of a suppressed figure (``core.constants.SUPPRESSED``; the name
#: stays for the modules that import it from here).
SYMBOL = SUPPRESSED
#: Summary columns that describe a row rather than hold one of its figures.
KEY_COLUMNS = (
    "measure",
    "estimate",
    "group",
    "population",
    "year",
    "relative_year",
    "n_schools",
    "n_draws",
    "suppressed",
)


def is_suppressed(n_schools: pd.Series, min_n: int) -> pd.Series:
    """True where a figure rests on at least one but fewer than ``min_n`` schools."""
    n = pd.to_numeric(n_schools, errors="coerce")
    return (n.notna() & (n > 0) & (n < min_n)).astype(bool)


def apply_suppression(summary: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """A copy of ``summary`` with a boolean ``suppressed`` column and the figures of
    suppressed rows blanked (every column but the measure, group and school count)."""
    out = summary.copy()
    out["suppressed"] = is_suppressed(out["n_schools"], min_n).to_numpy()
    values = [c for c in out.columns if c not in KEY_COLUMNS]
    for column in values:
        if pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].astype(float)
        out.loc[out["suppressed"], column] = pd.NA if out[column].dtype == object else float("nan")
    return out


def row_suppressed(row: pd.Series) -> bool:
    """Whether one summary row is suppressed (rows without the column are not)."""
    value = row.get("suppressed", False)
    return bool(value) if pd.notna(value) else False


def footnote(min_n: int) -> str:
    """The plain-English note shown wherever ``c`` appears."""
    return (
        f"{SUPPRESSED} = not shown: the figure would be computed from fewer than {min_n} schools, "
        "so it could identify a school (disclosure control)."
    )
