"""Pupil CSVs: read, validate and turn into ``ks1_aps`` and a KS2 ``score`` per pupil.

One file per school per window, or one file with ``urn`` and ``window`` columns. Only known
columns are accepted, so nothing but the pseudonymous ``pupil_id`` can identify a pupil;
a column that looks like a name (or a UPN) is refused with the reason, and so is a pupil_id
that could be a name (the rule is :func:`pupil_id_problem`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.core.yesno import ACCEPTED, parse_yes_no
from ipm_analysis.focus.ks1_points import ks1_aps, ks1_points
from ipm_analysis.focus.prior_attainment import SUBJECT_NAMES
from ipm_analysis.focus.reference_data import KS2_SCALED_MIN, KS2_SCORE_MAX, ks2_point_table
from ipm_analysis.focus.termly import window_id
from ipm_analysis.inputs.csv_files import read_text_csv

KS1_COLUMNS = tuple(f"ks1_{s}" for s in SUBJECT_NAMES)
KS2_COLUMNS = tuple(f"ks2_{s}" for s in SUBJECT_NAMES)
FLAG_COLUMNS = ("disadvantaged", "send", "eal")
ALLOWED_COLUMNS = (
    "pupil_id",
    "urn",
    "window",
    *KS1_COLUMNS,
    "ks1_aps",
    *KS2_COLUMNS,
    *FLAG_COLUMNS,
)
_NAME_WORDS = re.compile(
    r"(^|_)(name|names|forename|forenames|surname|firstname|lastname|fullname|givenname|"
    r"familyname|middlename|preferredname|legalname|initials|upn|dob|dateofbirth|postcode|"
    r"address)($|_)"
)
_LETTER_RUN = re.compile(r"[^\W\d_]+")  # letters only (any alphabet), no digits or '_'
_NAME_JOIN = re.compile(r"[\s._']+")  # what joins a first name, initial or surname
_UPN = re.compile(r"[A-Za-z][0-9]{11}[0-9A-Za-z]")


def pupil_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a pupil id (the message for the user), or None when it can.

    Pupil ids must be pseudonymous codes, so an id that could be a name (or a UPN) is refused:

    - no digit at all: ``Oliver``, ``OLIVER SMITH``, ``Smith, J``, ``oliver.smith``;
    - a comma: ``Smith, J 3``;
    - two runs of letters, one of them 2+ letters long, joined by spaces, ``.``, ``_`` or an
      apostrophe: ``Oliver Smith2``, ``oliver.smith2``, ``O.Smith1``, ``smith_j4``, ``O'Neil1``;
    - two runs of 2+ letters joined by ``-`` where either has a lower-case letter:
      ``Smith-Jones1`` (but upper-case code prefixes such as ``UPN-AB12`` are fine);
    - a UPN (a letter, 11 digits, then a digit or letter): a national identifier, not a code.

    Codes such as ``P017``, ``2019-06-001``, ``Y6-12``, ``A1B2``, ``UPN-000123``, ``X12``,
    ``p17``, ``ab12cd`` and ``SYN-P01`` are accepted. ``value`` is the stripped cell text.
    """
    fix = "pupil ids must be pseudonymous codes that contain a digit, such as P017; "
    if _UPN.fullmatch(value):
        return (
            f"'{value}' looks like a UPN, which identifies a pupil nationally: {fix}"
            "replace UPNs with the school's own codes before sharing the file."
        )
    reason = None
    if not re.search(r"[0-9]", value):
        reason = "it has no digit"
    elif "," in value:
        reason = "it has a comma"
    else:
        for first, second in pairwise(_LETTER_RUN.finditer(value)):
            gap = value[first.end() : second.start()]
            words = (first.group(), second.group())
            if _NAME_JOIN.fullmatch(gap) and max(map(len, words)) >= 2:
                reason = f"it joins the words '{words[0]}' and '{words[1]}' with '{gap}'"
                break
            if gap == "-" and min(map(len, words)) >= 2 and any(w != w.upper() for w in words):
                reason = f"it joins the words '{words[0]}' and '{words[1]}' with '-'"
                break
    if reason is None:
        return None
    return (
        f"'{value}' looks like a name ({reason}): {fix}"
        "replace names with codes before sharing the file."
    )


def _key(column: str) -> str:
    return re.sub(r"[^a-z]+", "", column.lower().replace(" ", "_")) if column else ""


def check_columns(columns: list[str], path: Path) -> None:
    """Refuse name-like and unknown columns, and require ``pupil_id``."""
    for col in columns:
        snake = re.sub(r"[^a-z0-9]+", "_", col.strip().lower()).strip("_")
        if _NAME_WORDS.search(snake) or _NAME_WORDS.search(_key(col)):
            raise InputError(
                f"column '{col}' looks like a name or personal identifier. Pupil files must "
                "hold only a pseudonymous pupil_id (a code the school can map back itself), "
                "so reports can never show who a pupil is; remove this column.",
                path=path,
                row=1,
                column=col,
            )
    unknown = [c for c in columns if c not in ALLOWED_COLUMNS]
    if unknown:
        raise InputError(
            f"unknown column '{unknown[0]}'. Pupil files may hold only: "
            + ", ".join(ALLOWED_COLUMNS)
            + " (nothing else, so that no personal data reaches a report).",
            path=path,
            row=1,
            column=unknown[0],
        )
    if "pupil_id" not in columns:
        raise InputError("the pupil file has no 'pupil_id' column.", path=path, row=1)


def ks2_scores(
    raw: pd.Series, year: int, subject: str, *, path: Path, lines: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """``(score, note)``: whole scaled scores 80-120, or the year's nominal/TA points.

    Blank means no score yet; 2016's ``N`` (sat, no scaled score) is excluded from progress.
    """
    column = f"ks2_{subject}"
    table = ks2_point_table()
    rows = table[
        (table["year"] == year)
        & table["subject"].str.split().map(lambda subjects: subject in subjects)
    ]
    codes = dict(zip(rows["outcome"].str.upper(), rows["score"], strict=True))
    text = raw.fillna("").astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    score = pd.Series(np.nan, index=raw.index)
    note = pd.Series("", index=raw.index, dtype=object)
    for pos, (value, number) in enumerate(zip(text, numbers, strict=True)):
        idx = raw.index[pos]
        if value == "":
            note[idx] = "no score yet"
        elif not np.isnan(number):
            if (
                subject == "writing"
                or number != int(number)
                or not (KS2_SCALED_MIN <= number <= KS2_SCORE_MAX)
            ):
                raise InputError(
                    f"'{value}' is not a KS2 {subject} score: "
                    + (
                        "give WTS, EXS or GDS (writing is teacher-assessed)."
                        if subject == "writing"
                        else f"scaled scores are whole numbers from {KS2_SCALED_MIN} to "
                        f"{KS2_SCORE_MAX}."
                    ),
                    path=path,
                    row=int(lines.iloc[pos]),
                    column=column,
                )
            score[idx] = number
        elif value.upper() in codes:
            points = codes[value.upper()]
            score[idx] = points
            note[idx] = (
                f"{value.upper()}: excluded from progress in {year}"
                if np.isnan(points)
                else f"{value.upper()} = {points:g} points"
            )
        else:
            known = ", ".join(codes) or "none"
            raise InputError(
                f"'{value}' is neither a scaled score nor a {year} {subject} outcome code "
                f"({known}).",
                path=path,
                row=int(lines.iloc[pos]),
                column=column,
            )
    return score, note


def read_pupil_file(
    path: str | Path,
    year: int,
    subject: str,
    *,
    window: str | None = None,
    urn: str | None = None,
) -> pd.DataFrame:
    """One pupil CSV -> ``pupil_id, urn, window, line, file, ks1_aps, score, score_note``.

    ``window`` fills a missing window column; ``urn`` keeps only that school's rows when the
    file has a ``urn`` column.
    """
    path = Path(path)
    raw = read_text_csv(path, "the pupil file")
    check_columns(list(raw.columns), path)
    raw = raw.apply(lambda col: col.str.strip())
    raw["line"] = np.arange(2, len(raw) + 2)
    if urn is not None and "urn" in raw.columns:
        raw = raw[raw["urn"] == str(urn)]
    elif "urn" in raw.columns and raw["urn"].nunique() > 1:
        raise InputError(
            "the file holds several schools (urn); give the report's urn.", path=path, column="urn"
        )
    if "window" in raw.columns:
        windows = [
            _window(v, path, line) for v, line in zip(raw["window"], raw["line"], strict=True)
        ]
    elif window is not None:
        windows = [window_id(window)] * len(raw)
    else:
        raise InputError("the file has no 'window' column; give the window.", path=path)
    _check_ids(raw, windows, path)
    score_col = f"ks2_{subject}"
    if score_col not in raw.columns:
        raise InputError(
            f"the pupil file has no '{score_col}' column for the {subject} score.",
            path=path,
            row=1,
            column=score_col,
        )
    out = pd.DataFrame(
        {
            "pupil_id": raw["pupil_id"],
            "urn": raw["urn"] if "urn" in raw.columns else (str(urn) if urn is not None else ""),
            "window": windows,
            "line": raw["line"],
            "file": str(path),
        }
    )
    out["ks1_aps"] = _aps(raw, path)
    out["score"], out["score_note"] = ks2_scores(
        raw[score_col], year, subject, path=path, lines=raw["line"]
    )
    for flag in FLAG_COLUMNS:
        if flag in raw.columns:
            out[flag] = _flag(raw, flag, path)
    return out.reset_index(drop=True)


def read_pupils(
    pupils: str | Path | Mapping[str, str | Path],
    year: int,
    subject: str,
    *,
    window: str,
    urn: str | None = None,
) -> pd.DataFrame:
    """All windows' pupils: one path (with a window column, or for ``window``) or a mapping
    of window -> path."""
    if isinstance(pupils, Mapping):
        frames = []
        for key, path in pupils.items():
            frame = read_pupil_file(path, year, subject, window=key, urn=urn)
            wrong = frame["window"] != window_id(key)
            if wrong.any():
                raise InputError(
                    f"this row is for window '{frame.loc[wrong, 'window'].iloc[0]}' but the "
                    f"file is given for '{window_id(key)}'.",
                    path=path,
                    row=int(frame.loc[wrong, "line"].iloc[0]),
                    column="window",
                )
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)
    return read_pupil_file(pupils, year, subject, window=window, urn=urn)


def _window(value: str, path: Path, line: int) -> str:
    try:
        return window_id(value)
    except InputError as exc:
        raise InputError(exc.message, path=path, row=int(line), column="window") from None


def _check_ids(raw: pd.DataFrame, windows: list[str], path: Path) -> None:
    ids = raw["pupil_id"]
    for pos, value in enumerate(ids):
        line = int(raw["line"].iloc[pos])
        if value == "":
            raise InputError("pupil_id is blank.", path=path, row=line, column="pupil_id")
        problem = pupil_id_problem(value)
        if problem:
            raise InputError(problem, path=path, row=line, column="pupil_id")
    keyed = pd.Series(list(zip(ids, windows, strict=True)))
    dup = keyed.duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"pupil_id '{ids.iloc[pos]}' appears twice in the same window.",
            path=path,
            row=int(raw["line"].iloc[pos]),
            column="pupil_id",
        )


def _aps(raw: pd.DataFrame, path: Path) -> pd.Series:
    """Ready ``ks1_aps`` where given, else the APS from the three KS1 outcomes."""
    aps = pd.Series(np.nan, index=raw.index)
    if "ks1_aps" in raw.columns:
        given = pd.to_numeric(raw["ks1_aps"], errors="coerce")
        bad = given.isna() & (raw["ks1_aps"] != "")
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"ks1_aps '{raw['ks1_aps'].iloc[pos]}' is not a number.",
                path=path,
                row=int(raw["line"].iloc[pos]),
                column="ks1_aps",
            )
        aps = given.astype(float)
    present = [c for c in KS1_COLUMNS if c in raw.columns]
    if present and len(present) < 3:
        missing = [c for c in KS1_COLUMNS if c not in raw.columns]
        raise InputError(
            "KS1 outcomes need all three of "
            + ", ".join(KS1_COLUMNS)
            + "; missing "
            + ", ".join(missing)
            + ".",
            path=path,
            row=1,
            column=missing[0],
        )
    if not present and "ks1_aps" not in raw.columns:
        raise InputError(
            "the pupil file has neither KS1 outcomes (ks1_reading, ks1_writing, "
            "ks1_maths) nor ks1_aps.",
            path=path,
            row=1,
        )
    if present:
        todo = aps.isna()
        sub = raw[todo]
        points = [ks1_points(sub[c], path=path, column=c, lines=sub["line"]) for c in KS1_COLUMNS]
        aps[todo] = ks1_aps(*points)
    return aps


def _flag(raw: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """A flag column as booleans; a blank cell is not known, so the pupil is not counted in
    that group (False)."""
    flags, bad = parse_yes_no(raw[column])
    if bad is not None:
        raise InputError(
            f"'{raw[column].iloc[bad]}' is not a yes/no flag (use {ACCEPTED}).",
            path=path,
            row=int(raw["line"].iloc[bad]),
            column=column,
        )
    return flags.fillna(False).astype(bool)
