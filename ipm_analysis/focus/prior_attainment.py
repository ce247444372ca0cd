"""Prior attainment groups (PAGs): the user's per-year DfE table, loaded and validated.

The CSV format (one or more KS2 years in one file)::

    year,pag,ks1_aps_min,ks1_aps_max,est_reading,est_writing,est_maths[,min_reading,
    min_writing,min_maths][,note]

A pupil is in the PAG whose range holds their APS: ``ks1_aps_min <= APS < ks1_aps_max``; the
top row also includes its ``ks1_aps_max``. ``est_*`` is the national mean KS2 score of the PAG
(the "estimate"); ``min_*`` (2018 on) is the lowest pupil progress score used in school means.
The DfE publishes these each year (technical guide, ready reckoner); they are not packaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.ks1_points import aps_scale
from ipm_analysis.focus.reference_data import KS2_SCORE_MAX, ks2_point_table
from ipm_analysis.inputs.csv_files import read_text_csv

SUBJECT_NAMES = ("reading", "writing", "maths")
#: From this KS2 year, pupil progress below the PAG minimum is raised to it (reference §5).
CAPPING_FROM_YEAR = 2018
#: Writing is a teacher assessment; its highest point score is GDS = 113.
WRITING_MAX = 113
REQUIRED_COLUMNS = ("year", "pag", "ks1_aps_min", "ks1_aps_max") + tuple(
    f"est_{s}" for s in SUBJECT_NAMES
)
MINIMUM_COLUMNS = tuple(f"min_{s}" for s in SUBJECT_NAMES)


@dataclass(frozen=True)
class PagTable:
    """One KS2 year's PAGs, sorted by APS, as arrays ready for ``np.searchsorted``."""

    year: int
    path: Path
    pag: np.ndarray
    aps_min: np.ndarray
    aps_max: np.ndarray
    estimate: dict[str, np.ndarray]
    minimum: dict[str, np.ndarray] | None
    notes: tuple[str, ...] = field(default=())

    @property
    def capped(self) -> bool:
        return self.minimum is not None


def score_range(year: int, subject: str) -> tuple[float, float]:
    """The lowest and highest KS2 outcome a pupil can have in ``subject`` and ``year``.

    The low end is the year's lowest nominal score (any subject: writing's are Unconfirmed).
    """
    points = ks2_point_table()
    year_scores = points.loc[points["year"] == year, "score"]
    low = float(year_scores.min()) if year_scores.notna().any() else 80.0
    high = WRITING_MAX if subject == "writing" else KS2_SCORE_MAX
    return low, float(high)


def load_pag_table(path: str | Path, year: int) -> PagTable:
    """Read and validate the PAG rows for KS2 ``year`` from ``path``.

    Refuses, naming line and column: missing columns, non-numbers, no rows for the year,
    duplicate PAGs, ranges that are empty, overlap, leave gaps or do not cover the KS1 APS
    scale, estimates outside the KS2 score range, and missing or positive 2018+ minima.
    """
    path = Path(path)
    raw = read_text_csv(path, "the PAG table")
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            "the PAG table has no "
            + ", ".join(missing)
            + " column; expected "
            + ",".join(REQUIRED_COLUMNS)
            + " (and min_* from 2018).",
            path=path,
            row=1,
            column=missing[0],
        )
    raw["line"] = np.arange(2, len(raw) + 2)
    years = _numbers(raw, "year", path)
    rows = raw[years == year].copy()
    if rows.empty:
        found = ", ".join(str(int(y)) for y in sorted(set(years.dropna())))
        raise InputError(
            f"the PAG table has no rows for KS2 year {year} (it has: {found or 'none'}).",
            path=path,
        )
    capped = year >= CAPPING_FROM_YEAR
    numeric = ["pag", "ks1_aps_min", "ks1_aps_max", *(f"est_{s}" for s in SUBJECT_NAMES)]
    present_minima = [c for c in MINIMUM_COLUMNS if c in rows.columns]
    if capped:
        absent = [c for c in MINIMUM_COLUMNS if c not in rows.columns]
        if absent:
            raise InputError(
                f"from {CAPPING_FROM_YEAR} the PAG table needs the per-PAG minimum progress "
                "scores (min_reading, min_writing, min_maths); "
                + ", ".join(absent)
                + " is missing.",
                path=path,
                row=1,
                column=absent[0],
            )
        numeric += list(MINIMUM_COLUMNS)
    else:
        for col in present_minima:
            if (rows[col].str.strip() != "").any():
                line = int(rows.loc[rows[col].str.strip() != "", "line"].iloc[0])
                raise InputError(
                    f"progress scores are not capped before {CAPPING_FROM_YEAR}; "
                    f"leave {col} blank for {year}.",
                    path=path,
                    row=line,
                    column=col,
                )
    values = pd.DataFrame({c: _numbers(rows, c, path) for c in numeric})
    values["line"] = rows["line"].to_numpy()
    values = values.sort_values("ks1_aps_min", kind="stable").reset_index(drop=True)
    _check_groups(values, path)
    _check_ranges(values, path)
    for subject in SUBJECT_NAMES:
        _check_estimates(values, year, subject, path)
        if capped:
            _check_minima(values, subject, path)
    notes = ()
    if "note" in rows.columns:
        notes = tuple(dict.fromkeys(n.strip() for n in rows["note"] if n.strip()))
    return PagTable(
        year=int(year),
        path=path,
        pag=values["pag"].to_numpy(dtype=np.int64),
        aps_min=values["ks1_aps_min"].to_numpy(dtype=float),
        aps_max=values["ks1_aps_max"].to_numpy(dtype=float),
        estimate={s: values[f"est_{s}"].to_numpy(dtype=float) for s in SUBJECT_NAMES},
        minimum={s: values[f"min_{s}"].to_numpy(dtype=float) for s in SUBJECT_NAMES}
        if capped
        else None,
        notes=notes,
    )


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    text = frame[column].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna()
    if bad.any():
        first = frame.loc[bad, "line"].iloc[0]
        shown = text[bad].iloc[0]
        raise InputError(
            f"'{shown}' is not a number." if shown else "this value is blank; give a number.",
            path=path,
            row=int(first),
            column=column,
        )
    return values.astype(float)


def _fail(values: pd.DataFrame, index: int, column: str, message: str, path: Path) -> None:
    raise InputError(message, path=path, row=int(values["line"].iloc[index]), column=column)


def _check_groups(values: pd.DataFrame, path: Path) -> None:
    pag = values["pag"]
    for i in range(len(values)):
        if pag.iloc[i] != int(pag.iloc[i]) or pag.iloc[i] < 1:
            _fail(values, i, "pag", f"PAG '{pag.iloc[i]}' is not a whole number >= 1.", path)
        if i and pag.iloc[i] <= pag.iloc[i - 1]:
            _fail(
                values,
                i,
                "pag",
                f"PAG {int(pag.iloc[i])} should be numbered above PAG {int(pag.iloc[i - 1])}: "
                "PAGs are numbered upward with KS1 APS, each number once.",
                path,
            )


def _check_ranges(values: pd.DataFrame, path: Path) -> None:
    low, high = aps_scale()
    lo, hi = values["ks1_aps_min"], values["ks1_aps_max"]
    for i in range(len(values)):
        if hi.iloc[i] <= lo.iloc[i]:
            _fail(
                values, i, "ks1_aps_max", f"the APS range {lo.iloc[i]}-{hi.iloc[i]} is empty.", path
            )
        if i:
            prev = hi.iloc[i - 1]
            if lo.iloc[i] > prev:
                _fail(
                    values,
                    i,
                    "ks1_aps_min",
                    f"gap in APS ranges: the previous PAG ends at {prev} but this one starts "
                    f"at {lo.iloc[i]}; ranges must be contiguous.",
                    path,
                )
            if lo.iloc[i] < prev:
                _fail(
                    values,
                    i,
                    "ks1_aps_min",
                    f"overlapping APS ranges: this PAG starts at {lo.iloc[i]} but the previous "
                    f"one ends at {prev}.",
                    path,
                )
    if lo.iloc[0] > low:
        _fail(
            values,
            0,
            "ks1_aps_min",
            f"the PAGs start at APS {lo.iloc[0]} but must cover the KS1 scale from {low}.",
            path,
        )
    if hi.iloc[-1] < high:
        _fail(
            values,
            len(values) - 1,
            "ks1_aps_max",
            f"the PAGs end at APS {hi.iloc[-1]} but must cover the KS1 scale up to {high}.",
            path,
        )


def _check_estimates(values: pd.DataFrame, year: int, subject: str, path: Path) -> None:
    low, high = score_range(year, subject)
    col = f"est_{subject}"
    outside = ~values[col].between(low, high)
    if outside.any():
        i = int(np.flatnonzero(outside.to_numpy())[0])
        _fail(
            values,
            i,
            col,
            f"estimate {values[col].iloc[i]} is outside the {year} {subject} score range "
            f"{low:g}-{high:g}.",
            path,
        )


def _check_minima(values: pd.DataFrame, subject: str, path: Path) -> None:
    col = f"min_{subject}"
    positive = values[col] >= 0
    if positive.any():
        i = int(np.flatnonzero(positive.to_numpy())[0])
        _fail(
            values,
            i,
            col,
            f"minimum progress score {values[col].iloc[i]} should be below 0 "
            "(it caps extreme negative scores).",
            path,
        )
