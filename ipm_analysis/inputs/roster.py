"""The project roster: which schools took part, in which cohort, with which package.

One row per school. Header names are case-insensitive and spaces count as underscores
(``School Name`` is ``school_name``); ``urn`` and ``cohort`` are required, ``school_name``,
``tla``, ``visits`` and ``status`` optional, and any other column is ignored with a warning.
Withdrawn schools stay listed (the report names them) but are excluded from every figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.core.yesno import ACCEPTED, parse_yes_no
from ipm_analysis.inputs.csv_files import is_number, read_text_csv
from ipm_analysis.inputs.params_file import closest

REQUIRED = ("urn", "cohort")
OPTIONAL = ("school_name", "tla", "visits", "status")
COMPLETED = "completed"
WITHDRAWN = "withdrawn"


def read_roster(path: str | Path) -> pd.DataFrame:
    """Read and validate a roster CSV.

    Returns columns ``urn`` (text), ``cohort`` (text label), ``school_name``, ``tla``
    (nullable boolean; all missing when the roster has no ``tla`` column), ``visits``
    (nullable integer), ``status`` (``completed``/``withdrawn``) and ``line`` (the row's line
    in the file). ``attrs["has_tla"]`` says whether the roster had a ``tla`` column.
    """
    path = Path(path)
    raw = read_text_csv(path, "the roster")
    raw.columns = [_column_name(c) for c in raw.columns]
    repeated = raw.columns[raw.columns.duplicated()]
    if len(repeated):
        raise InputError(f"the roster has two '{repeated[0]}' columns; keep one.", path=path, row=1)
    if {"rectype", "urn", "schname"} <= set(raw.columns):
        raise InputError(
            "this is a DfE KS2 performance table, not a roster; the roster is your own CSV "
            "with a row per project school (columns urn, cohort, ...).",
            path=path,
            row=1,
        )
    for column in REQUIRED:
        if column not in raw.columns:
            raise InputError(
                f"the roster has no '{column}' column; it needs at least 'urn' and 'cohort' "
                f"(found: {', '.join(raw.columns)}).",
                path=path,
                row=1,
                column=column,
            )
    raw = raw.apply(lambda col: col.str.strip())
    lines = pd.Series(np.arange(2, len(raw) + 2), index=raw.index)
    raw = raw[raw.ne("").any(axis=1)]  # rows of empty cells, as spreadsheets export them
    lines = lines[raw.index]
    roster = pd.DataFrame(
        {
            "urn": _urns(raw["urn"], path, lines),
            "cohort": _required_text(raw["cohort"], "cohort", path, lines),
            "school_name": raw.get("school_name", ""),
            "tla": _flags(raw["tla"], path, lines) if "tla" in raw else pd.NA,
            "visits": _visits(raw["visits"], path, lines) if "visits" in raw else pd.NA,
            "status": _status(raw["status"], path, lines) if "status" in raw else COMPLETED,
            "line": lines,
        }
    )
    roster["tla"] = roster["tla"].astype("boolean")
    roster["visits"] = roster["visits"].astype("Int64")
    duplicated = roster["urn"].duplicated(keep="first")
    if duplicated.any():
        dup = roster.loc[duplicated].iloc[0]
        first = roster.loc[roster["urn"] == dup["urn"], "line"].iloc[0]
        raise InputError(
            f"URN {dup['urn']} is listed twice (also on line {first}); each school must "
            "appear once.",
            path=path,
            row=int(dup["line"]),
            column="urn",
        )
    if roster.empty:
        raise InputError("the roster lists no schools.", path=path)
    roster = roster.reset_index(drop=True)
    roster.attrs["has_tla"] = "tla" in raw.columns
    roster.attrs["path"] = str(path)
    roster.attrs["warnings"] = _unread_columns(raw.columns, path)
    return roster


def _column_name(header: str) -> str:
    """A header as the roster's columns are named: 'School Name' -> 'school_name'."""
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _unread_columns(columns: pd.Index, path: Path) -> list[str]:
    """A warning for each column the workbook does not read, with the column it may mean."""
    known = (*REQUIRED, *OPTIONAL)
    warnings = []
    for column in columns:
        if column in known or not column:
            continue
        guess = closest(column, known)
        hint = f" Did you mean '{guess}'?" if guess else ""
        warnings.append(
            f"the roster {path.name} has a column '{column}' that the workbook does not read, "
            f"so it is ignored.{hint} Roster columns: {', '.join(known)}."
        )
    return warnings


def cohort_labels(roster: pd.DataFrame) -> list[str]:
    """Cohort labels in natural order (numbers numerically, then text)."""
    labels = list(dict.fromkeys(roster["cohort"].to_numpy(dtype=object).tolist()))
    return sorted(labels, key=lambda s: (0, float(s), "") if is_number(s) else (1, 0.0, s))


def _first_bad(
    mask: pd.Series, values: pd.Series, lines: pd.Series, column: str, path: Path, why: str
) -> None:
    if mask.any():
        index = mask[mask].index[0]
        raise InputError(
            f"'{values[index]}' {why}", path=path, row=int(lines[index]), column=column
        )


def _urns(values: pd.Series, path: Path, lines: pd.Series) -> pd.Series:
    cleaned = values.str.removesuffix(".0")
    _first_bad(
        ~cleaned.str.fullmatch(r"\d{5,7}"),
        values,
        lines,
        "urn",
        path,
        "is not a URN (a school's 6-digit Unique Reference Number).",
    )
    return cleaned.str.lstrip("0")  # a spreadsheet may pad 100001 to 0100001


def _required_text(values: pd.Series, column: str, path: Path, lines: pd.Series) -> pd.Series:
    _first_bad(
        values.eq(""), values, lines, column, path, f"is blank; every school needs a {column}."
    )
    return values.str.removesuffix(".0")


def _flags(values: pd.Series, path: Path, lines: pd.Series) -> pd.Series:
    """``tla`` as a nullable boolean (blank: not known)."""
    flags, bad = parse_yes_no(values)
    if bad is not None:
        raise InputError(
            f"'{values.iloc[bad]}' is not a yes/no value (use {ACCEPTED}).",
            path=path,
            row=int(lines[values.index[bad]]),
            column="tla",
        )
    return flags


def _visits(values: pd.Series, path: Path, lines: pd.Series) -> pd.Series:
    ok = values.str.fullmatch(r"\d+") | values.eq("")
    _first_bad(~ok, values, lines, "visits", path, "is not a whole number of visits.")
    return pd.to_numeric(values.replace("", None)).astype("Int64")


def _status(values: pd.Series, path: Path, lines: pd.Series) -> pd.Series:
    lowered = values.str.lower().replace("", COMPLETED)
    _first_bad(
        ~lowered.isin([COMPLETED, WITHDRAWN]),
        values,
        lines,
        "status",
        path,
        "is not a status; use 'completed' or 'withdrawn' (blank means completed).",
    )
    return lowered
