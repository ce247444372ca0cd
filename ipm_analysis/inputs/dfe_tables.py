"""Reading DfE KS2 performance tables and their non-numeric codes.

The one place that knows the file format: which columns hold which subject, which codes mean
"no figure" (and why), and which ``RECTYPE`` is which kind of row. Everything is read as text
first, because the same column mixes numbers, percentages and codes such as ``SUPP``.

Two formats are read into one :class:`PerformanceTable` in the wide file's vocabulary: the
"compare school performance" wide file (``*_ks2final.csv``, ``england_ks2revised.csv``) and
the Explore Education Statistics long files (:mod:`ipm_analysis.inputs.ees`); the header says
which (:func:`ipm_analysis.inputs.files.table_format`).
"""

from __future__ import annotations

import csv
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.ees import read_ees_frame
from ipm_analysis.inputs.files import (
    EES_FORMATS,
    EES_PERFORMANCE,
    WIDE,
    table_format,
    wrong_file,
)
from ipm_analysis.inputs.subjects import EARLIEST_HISTORY, MEASURES
from ipm_analysis.inputs.subjects import SUBJECTS as SUBJECTS  # re-exported
from ipm_analysis.inputs.subjects import Subject as Subject
from ipm_analysis.inputs.subjects import subject as subject

#: Every code the DfE writes in place of a figure, in either format, and what it means: each
#: is a missing value, kept as its reason. Codes are matched in upper case (EES writes ``z``,
#: ``c``...). Decisions: ``low``/``k`` (a figure that rounds to 0 but is not 0) is missing, not
#: 0, because its size is unknown; ``u`` (low reliability) is missing too, because an EES cell
#: holds either a symbol or a figure, so no figure comes with it. The reasons of ``DNS``,
#: ``SP``, ``RE`` and ``UNAVAIL`` are the DfE's usual meanings (the reference lists the codes
#: without defining them).
MISSING_CODES: dict[str, str] = {
    # the wide "compare school performance" file
    "SUPP": "suppressed (small cohort)",
    "NE": "no eligible pupils",
    "NP": "not published",
    "LOWCOV": "low coverage",
    "NA": "not applicable",
    "NEW": "new school",
    "DNS": "did not submit results",
    "LOW": "rounds to 0 (too small to show)",
    "SP": "small percentage (not published)",
    "RE": "withheld (results under review)",
    "UNAVAIL": "unavailable",
    "X": "not available",
    "": "blank",
    # Explore Education Statistics symbols (x is the wide X above; low is LOW)
    "Z": "not applicable",
    "C": "confidential (suppressed)",
    "K": "rounds to 0 (too small to show)",
    "U": "low reliability (withheld)",
}

RECTYPE_MAINSTREAM = "1"
RECTYPE_SPECIAL = "2"
RECTYPE_LA = "3"
RECTYPES_NATIONAL = ("4", "5")

#: Columns every KS2 performance table has; a file without them is not one.
IDENTITY_COLUMNS = ("RECTYPE", "LEA", "URN", "URN_AC", "SCHNAME")
#: Codes rows are matched on (never holding a space).
KEY_COLUMNS = ("RECTYPE", "LEA", "URN", "URN_AC")
#: Optional descriptive columns read when present.
CONTEXT_COLUMNS = ("NFTYPE", "TELIG")


@dataclass(frozen=True)
class PerformanceTable:
    """One year's KS2 performance table, as text, with where it came from.

    ``frame`` has one row per file row, all columns as text (key columns stripped; figures
    are stripped when parsed), plus ``line``: the row's line number in the file (header = 1),
    for error messages. ``format`` is :data:`~ipm_analysis.inputs.files.WIDE` or
    :data:`~ipm_analysis.inputs.files.EES_PERFORMANCE` (then ``frame`` holds one row per
    school, its ``line`` that of the school's first row in ``path``, and ``sources`` every file
    read: performance, school information, LA/national). ``absent`` names the columns asked
    for that the files cannot give, with why (``MATCOV``: "EES publishes no progress
    coverage").
    """

    year: int
    path: Path
    frame: pd.DataFrame
    format: str = WIDE
    sources: tuple[Path, ...] = ()
    absent: Mapping[str, str] = field(default_factory=dict)

    def rows(self, rectypes: Iterable[str]) -> pd.DataFrame:
        return self.frame[self.frame["RECTYPE"].isin(tuple(rectypes))]

    @cached_property
    def has_area_rows(self) -> bool:
        """Whether the table has LA or national rows (RECTYPE 3, 4 or 5): a wide file always
        has them; EES files only when the LA/national performance file was given."""
        return bool(self.frame["RECTYPE"].isin((RECTYPE_LA, *RECTYPES_NATIONAL)).any())

    @cached_property
    def school_urns(self) -> frozenset[str]:
        """URNs of the school rows (computed once: many rosters link against one table)."""
        return frozenset(self.rows(SCHOOL_RECTYPES)["URN"])

    @cached_property
    def successors(self) -> dict[str, str]:
        """Old URN -> the new URN its row's ``URN_AC`` names (academy conversions)."""
        rows = self.rows(SCHOOL_RECTYPES)
        converted = rows[~rows["URN_AC"].isin(["", "0"])]
        return dict(zip(converted["URN"], converted["URN_AC"], strict=True))

    @cached_property
    def predecessors(self) -> dict[str, tuple[str, ...]]:
        """New URN -> the old URNs whose rows name it in ``URN_AC``."""
        found: dict[str, tuple[str, ...]] = {}
        for old, new in self.successors.items():
            found[new] = (*found.get(new, ()), old)
        return found


def read_performance_table(
    path: str | Path,
    year: int,
    columns: Iterable[str] | None = None,
    optional: Iterable[str] = (),
    *,
    information: str | Path | None = None,
    area: str | Path | None = None,
) -> PerformanceTable:
    """Read one KS2 performance table as text, keeping only ``columns`` (plus identity ones)
    and those of ``optional`` the file has.

    ``path`` is a wide file or an EES school performance file (the header says which; an
    EES file is filtered to ``year``'s ``time_period``). For EES, ``information`` is the
    optional school information file (intake, ``URN_AC``, ``NFTYPE``) and ``area`` the
    optional LA/national performance file; a wide file holds both itself, so neither may be
    given with one.

    Raises :class:`InputError` when the file is missing, unreadable, not UTF-8, or lacks the
    columns of a KS2 performance table (or an EES file lacks ``year``).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("the KS2 performance table does not exist.", path=path)
    header = _read_header(path)
    found = table_format(header)
    if found == EES_PERFORMANCE:
        ees = read_ees_frame(
            path,
            year,
            columns or (),
            (*CONTEXT_COLUMNS, *optional),
            codes=MISSING_CODES.keys(),
            information=information,
            area=area,
        )
        return PerformanceTable(
            year=int(year),
            path=path,
            frame=ees.frame,
            format=EES_PERFORMANCE,
            sources=ees.sources,
            absent=ees.absent,
        )
    if found in EES_FORMATS:
        raise InputError(wrong_file(found, "performance"), path=path, row=1)
    for given, key in ((information, "school_information"), (area, "la_performance")):
        if given is not None:
            raise InputError(
                f"'{key}' is for Explore Education Statistics files, but this performance "
                "table is a wide DfE file, which holds those columns and rows itself; give "
                f"'{key}' only with an EES performance file.",
                path=path,
                row=1,
            )
    missing = [c for c in IDENTITY_COLUMNS if c not in header]
    if missing:
        raise InputError(
            "this is not a KS2 performance table: it has no "
            + ", ".join(missing)
            + " column (expected a DfE file such as 850_ks2final.csv).",
            path=path,
            row=1,
        )
    optional = (*CONTEXT_COLUMNS, *optional)
    wanted = list(dict.fromkeys([*IDENTITY_COLUMNS, *(columns or ()), *optional]))
    needed = set(columns or ())
    for col in wanted:
        if col not in header and (col in needed or col not in optional):
            raise InputError(
                f"the KS2 performance table has no '{col}' column, needed for this report.",
                path=path,
                row=1,
                column=col,
            )
    usecols = [c for c in wanted if c in header]
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            usecols=usecols,
            # no encoding argument: pandas' default decodes UTF-8 in C and drops the BOM the
            # DfE files start with; naming "utf-8-sig" takes a slower path (+25%)
        )
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text ({exc.reason}).", path=path) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"the file could not be read as CSV: {exc}", path=path) from None
    # DfE files pad a few cells (' ' for blank). Codes that rows are matched on are stripped
    # here, where padded (a code never holds a space, so any whitespace is padding); figures
    # are stripped when parsed (parse_figures), so no cell is stripped twice.
    for col in KEY_COLUMNS:
        if _has_whitespace(frame[col].tolist()):
            frame[col] = frame[col].str.strip()
    frame["line"] = np.arange(2, len(frame) + 2)
    return PerformanceTable(year=int(year), path=path, frame=frame, sources=(path,))


def _has_whitespace(values: list[str]) -> bool:
    """Whether any value holds whitespace: a few C-level scans of the joined text, far
    cheaper than stripping every cell."""
    joined = "".join(values)
    return any(ws in joined for ws in " \t\r\n\xa0")


def _read_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [name.strip() for name in next(csv.reader(handle), [])]
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text ({exc.reason}).", path=path) from None
    except OSError as exc:
        raise InputError(f"the file cannot be read ({exc.strerror}).", path=path) from None


def parse_figures(
    raw: pd.Series,
    *,
    path: str | Path | None = None,
    column: str | None = None,
    lines: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Turn a text column into numbers and reasons.

    Returns ``(values, reasons)``: ``values`` is float (``77%`` -> 77.0, codes -> NaN) and
    ``reasons`` holds the missing-value code's meaning (``"suppressed (small cohort)"``) where
    ``values`` is NaN, else ``<NA>``. Text that is neither a number nor a known code is an
    :class:`InputError` naming the line and column.
    """
    text = raw.astype("string").str.strip()
    upper = text.str.upper()
    is_code = upper.isin(list(MISSING_CODES))
    numeric_text = text.str.removesuffix("%")
    values = pd.to_numeric(numeric_text.where(~is_code), errors="coerce").astype(float)
    bad = values.isna() & ~is_code
    if bad.any():
        first = bad.to_numpy().nonzero()[0][0]
        row = int(lines.iloc[first]) if lines is not None else None
        raise InputError(
            f"'{text.iloc[first]}' is neither a number nor a DfE code "
            f"({', '.join(c for c in MISSING_CODES if c)} or blank).",
            path=path,
            row=row,
            column=column,
        )
    reasons = upper.map(MISSING_CODES).where(is_code).astype("string")
    return values, reasons


SCHOOL_RECTYPES = (RECTYPE_MAINSTREAM, RECTYPE_SPECIAL)


_parsed: dict[tuple, object] = {}


def _once_per_table(table: PerformanceTable, compute, *args):
    """``compute(table, *args)``, computed once per table (a batch or a simulation evaluates
    many rosters against one table) and forgotten with the table. Results are read-only."""
    key = (id(table), compute.__name__, *args)
    if key not in _parsed:
        _parsed[key] = compute(table, *args)
        weakref.finalize(table, _parsed.pop, key, None)
    return _parsed[key]


def school_figures(table: PerformanceTable, subject_name: str | Subject) -> pd.DataFrame:
    """:func:`parse_school_figures`, parsed once per table and subject."""
    return _once_per_table(table, parse_school_figures, subject_name)


def parse_school_figures(table: PerformanceTable, subject_name: str | Subject) -> pd.DataFrame:
    """One subject's figures for every school row (RECTYPE 1 and 2), indexed by URN.

    Columns: ``name``, ``lea``, ``rectype``, ``line``, ``school_type`` (``NFTYPE``); floats
    for every measure (``progress``, ``attainment``, ``higher_standard``, ``scaled_score``:
    NaN where the subject or the file has none), ``progress_lower``, ``progress_upper``,
    ``coverage`` (%), ``telig``; and ``<measure>_reason`` (the DfE code's meaning where
    missing). ``pupils`` is the number of pupils in the progress measure (TELIG x coverage),
    the weight the DfE uses for an LA's figure. When the table was read with them, also
    ``disadvantaged`` (% disadvantaged pupils), ``ks1_average`` (the cohort's KS1 average
    point score), ``progress_unadjusted`` (before the 2018 capping) and ``prior_progress``
    (the previous year's score from this file's ``_yy`` columns); NaN where absent.
    """
    cols = subject(subject_name)
    rows = table.rows(SCHOOL_RECTYPES)
    rows = rows[rows["URN"] != ""].drop_duplicates("URN")
    out = pd.DataFrame(
        {
            "name": rows["SCHNAME"],
            "lea": rows["LEA"],
            "rectype": rows["RECTYPE"],
            "line": rows["line"],
            "school_type": rows["NFTYPE"].str.strip() if "NFTYPE" in rows else "",
        }
    )
    measures = cols.measure_columns
    sources = {
        **{measure: measures.get(measure) for measure in MEASURES},
        "progress_lower": cols.lower,
        "progress_upper": cols.upper,
        "coverage": cols.coverage,
        "telig": "TELIG",
        "disadvantaged": "PTFSM6CLA1A",
        "ks1_average": "TKS1AVERAGE",
        "progress_unadjusted": cols.unadjusted,
        "prior_progress": cols.earlier(cols.progress, table.year - 1) if cols.progress else None,
    }
    for name, column in sources.items():
        if column is None or column not in rows:
            out[name] = np.nan
            if name in MEASURES:
                why = "not published for this subject" if column is None else "not in this file"
                out[f"{name}_reason"] = pd.array([why] * len(rows), dtype="string")
            continue
        values, reasons = parse_figures(
            rows[column], path=table.path, column=column, lines=rows["line"]
        )
        out[name] = values
        if name in MEASURES:
            out[f"{name}_reason"] = reasons
    out["pupils"] = out["telig"] * out["coverage"] / 100.0
    out["school_type"] = out["school_type"].replace("", None)
    # object dtype: rosters look schools up with plain str keys, without a cast per lookup
    out.index = pd.Index(rows["URN"].to_numpy(dtype=object), dtype=object, name="urn")
    return out


def measure_history(
    table: PerformanceTable, subject_name: str | Subject, measure: str = "progress"
) -> pd.DataFrame:
    """:func:`parse_measure_history`, parsed once per table, subject and measure."""
    return _once_per_table(table, parse_measure_history, subject_name, measure)


def parse_measure_history(
    table: PerformanceTable, subject_name: str | Subject, measure: str = "progress"
) -> pd.DataFrame:
    """Every earlier year of ``measure`` a table carries (``MATPROG_16``... in a 2017-18 file,
    ``MAT_AVERAGE_19`` in a 2022-23 one), in long form: one row per school x year with ``urn``
    (this file's), ``year``, ``value``, ``lower``, ``upper`` (the limits: progress only);
    years the file does not hold give no rows (the wide files carry no earlier year of a
    subject's % at the expected standard, only of reading, writing and maths combined)."""
    cols = subject(subject_name)
    rows = table.rows(SCHOOL_RECTYPES)
    rows = rows[rows["URN"] != ""].drop_duplicates("URN")
    columns = ["urn", "year", "value", "lower", "upper"]
    frames = []
    for year in range(table.year - EARLIEST_HISTORY, table.year):
        names = cols.history_columns(measure, year)
        if not names or names[0] not in rows:
            continue
        frame = pd.DataFrame({"urn": rows["URN"].to_numpy(dtype=object), "year": year})
        for name in ("value", "lower", "upper"):
            frame[name] = np.nan
        for name, column in zip(("value", "lower", "upper"), names, strict=False):
            if column in rows:
                values, _ = parse_figures(
                    rows[column], path=table.path, column=column, lines=rows["line"]
                )
                frame[name] = values.to_numpy()
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def progress_history(table: PerformanceTable, subject_name: str | Subject) -> pd.DataFrame:
    """:func:`measure_history` of progress in its own names: ``urn``, ``year``,
    ``progress``, ``progress_lower``, ``progress_upper``."""
    return measure_history(table, subject_name, "progress").rename(
        columns={"value": "progress", "lower": "progress_lower", "upper": "progress_upper"}
    )


def area_figures(
    table: PerformanceTable,
    subject_name: str | Subject,
    rectypes: Iterable[str],
    la_code: str | None = None,
) -> dict[str, float | str]:
    """Every measure of a summary row (LA or national); NaN where not published."""
    found = _once_per_table(table, _area_figures, subject_name, tuple(rectypes), la_code)
    return dict(found)


def _area_figures(
    table: PerformanceTable,
    subject_name: str | Subject,
    rectypes: tuple[str, ...],
    la_code: str | None,
) -> dict[str, float | str]:
    cols = subject(subject_name)
    rows = table.rows(rectypes)
    if la_code is not None:
        rows = rows[rows["LEA"] == str(la_code)]
    if rows.empty:
        return {**dict.fromkeys(MEASURES, np.nan), "name": ""}
    row = rows.iloc[[0]]
    result: dict[str, float | str] = {"name": str(row["SCHNAME"].iloc[0])}
    for name in MEASURES:
        column = cols.measure_columns.get(name)
        if column is not None and column in row:
            values, _ = parse_figures(
                row[column], path=table.path, column=column, lines=row["line"]
            )
            result[name] = float(values.iloc[0])
        else:
            result[name] = np.nan
    return result
