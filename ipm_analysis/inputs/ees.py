"""Explore Education Statistics (EES) KS2 files, re-expressed in the wide file's vocabulary.

Since late 2025 the DfE publishes school-level KS2 data on EES in long format: a school
performance file (one row per school x breakdown x subject), a school information file (one
row per school: the wide file's intake columns in lower case) and an LA/national performance
file. :func:`read_ees_frame` turns them into the frame the wide file gives (``RECTYPE``,
``LEA``, ``URN``, ``URN_AC``, ``SCHNAME``, ``MATPROG``, ``PTMAT_EXP``..., ``line``), so
everything downstream reads one vocabulary. Which wide column is which EES field, subject and
breakdown is :data:`EES_COLUMNS` (after the DfE's own mapping, the School Profiles datamap).

Decisions, each kept where it is made:

- A wide column's earlier-year block (``MATPROG_17`` in the 2017-18 table) is the same field in
  the file's earlier ``time_period``, matched on ``school_laestab``: the DfE's datamap matches
  earlier years so, and it reproduces every ``_yy`` figure of the real 2017-18 and 2018-19
  files. A year the file does not hold gives no column.
- EES publishes no progress coverage (``MATCOV``...): those columns are absent, so a school's
  ``coverage`` and ``pupils`` (TELIG x coverage) are missing (:data:`NOT_IN_EES`).
- Without the information file a school is mainstream (``RECTYPE`` 1: EES has no record type;
  the information file's ``nftype`` tells special schools), has no ``URN_AC`` (academy
  conversions cannot be followed) and no intake columns.
- Without the LA/national file there are no LA or national rows (``has_area_rows`` is False).
  National rows are ``establishment_type_group`` "All state funded" (the DfE's national
  figure, as the datamap filters it): ``RECTYPE`` 5, blank ``LEA`` and name, as in the wide
  file. LA rows are the LA's "All state funded" row: ``RECTYPE`` 3, ``LEA`` = ``old_la_code``.
- A school missing from a breakdown (no disadvantaged pupils, say) is blank there.

This module does not import :mod:`dfe_tables` (which dispatches to it): the codes that mean
"no figure" are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.files import (
    EES_AREA,
    EES_INFORMATION,
    EES_PERFORMANCE,
    FORMAT_NAMES,
    read_header,
    table_format,
)
from ipm_analysis.inputs.ks2_years import ees_time_period

ALL_PUPILS = ("All pupils", "Total")
DISADVANTAGED = ("Disadvantaged status", "Disadvantaged")


@dataclass(frozen=True)
class EesField:
    """Where a wide column's figure is in an EES performance file: ``field`` of the row with
    this ``subject`` and breakdown (``topic`` None: any topic, for the 3-year average whose
    topic names its years)."""

    field: str
    subject: str
    topic: str | None
    breakdown: str


#: EES ``subject`` of each wide subject stem.
_SUBJECT_NAMES = {
    "READ": "Reading",
    "WRIT": "Writing",
    "WRITTA": "Writing",
    "MAT": "Maths",
    "GPS": "Grammar, punctuation and spelling",
    "RWM": "Reading, writing and maths",
}
#: Wide pupil-group suffix -> EES (breakdown_topic, breakdown).
BREAKDOWNS: dict[str, tuple[str | None, str]] = {
    "": ALL_PUPILS,
    "_FSM6CLA1A": DISADVANTAGED,
    "_NotFSM6CLA1A": ("Disadvantaged status", "Disadvantaged all other"),
    "_B": ("Sex", "Boys"),
    "_G": ("Sex", "Girls"),
    "_EAL": ("First language", "Known or believed to be other than English"),
    "_MOBN": ("Mobility status", "Non mobile"),
    "_3YR": (None, "3 year average"),
}


def _ees_columns() -> dict[str, EesField]:
    """The table of :data:`EES_COLUMNS`, written out by measure (see the DfE's datamap)."""
    table: dict[str, EesField] = {}
    for group, (topic, breakdown) in BREAKDOWNS.items():

        def add(name: str, ees_field: str, stem: str, topic=topic, breakdown=breakdown) -> None:
            table[name] = EesField(ees_field, _SUBJECT_NAMES[stem], topic, breakdown)

        for stem in ("READ", "WRIT", "MAT"):  # progress: READPROG, READPROG_FSM6CLA1A_LOWER
            add(f"{stem}PROG{group}", "progress_measure_score", stem)
            add(f"{stem}PROG{group}_LOWER", "progress_measure_lower_conf_interval", stem)
            add(f"{stem}PROG{group}_UPPER", "progress_measure_upper_conf_interval", stem)
        for stem in ("READ", "WRITTA", "MAT", "GPS", "RWM"):  # PTMAT_EXP, PTRWM_HIGH_B
            add(f"PT{stem}_EXP{group}", "expected_standard_pupil_percent", stem)
            add(f"PT{stem}_HIGH{group}", "higher_standard_pupil_percent", stem)
        for stem in ("READ", "MAT", "GPS"):  # MAT_AVERAGE, MAT_AVERAGE_FSM6CLA1A
            add(f"{stem}_AVERAGE{group}", "average_scaled_score", stem)
        if group == "":
            for stem in ("READ", "WRIT", "MAT"):
                add(f"{stem}PROG_UNADJUSTED", "progress_measure_unadjusted", stem)
            for stem in ("READ", "MAT", "GPS"):
                add(f"PT{stem}_AT", "absent_or_not_able_to_access_percent", stem)
            add("PTWRITTA_WTS", "working_towards_expected_standard_pupil_percent", "WRITTA")
            add("PTWRITTA_AD", "absent_or_disapplied_percent", "WRITTA")
    return table


#: Wide column -> where its figure is in the EES school (and LA/national) performance file:
#: ``MATPROG`` <- progress_measure_score of subject Maths, All pupils/Total;
#: ``PTRWM_EXP_FSM6CLA1A`` <- expected_standard_pupil_percent of "Reading, writing and
#: maths", Disadvantaged status/Disadvantaged; and so on for every measure, subject and group.
#: Columns of the school information file are the wide names in lower case (``TELIG`` <-
#: ``telig``), so they need no table.
EES_COLUMNS: dict[str, EesField] = _ees_columns()

#: Wide columns EES does not publish, with why (they are absent from a table read from EES).
NOT_IN_EES: dict[str, str] = {
    name: "EES publishes no progress coverage"
    for name in ("READCOV", "WRITCOV", "MATCOV", "READCOV_FSM6CLA1A", "MATCOV_FSM6CLA1A")
}

#: The information file's text fields (codes, names, addresses), not figures.
_TEXT_FIELDS = (
    "alphaind",
    "old_la_code",
    "new_la_code",
    "la_name",
    "school_laestab",
    "estab",
    "school_urn",
    "school_name",
    "full_address",
    "address1",
    "address2",
    "address3",
    "telnum",
    "pcon_code",
    "pcon_name",
    "urn_ac",
    "school_name_ac",
    "open_ac",
    "nftype",
    "iclose",
    "reldenom",
    "agerange",
)
#: Columns of the EES school information file (``ees-headers.md``): a wide column whose lower
#: case is one of these comes from that file.
INFORMATION_FIELDS = frozenset(
    [
        *_TEXT_FIELDS,
        "tab15",
        "tab1618",
        "totpups",
        "tpupyear",
        "telig",
        "belig",
        "gelig",
        "pbelig",
        "pgelig",
        "tks1average",
        "tks1group_l",
        "ptks1group_l",
        "tks1group_m",
        "ptks1group_m",
        "tks1group_h",
        "ptks1group_h",
        "tks1group_na",
        "ptks1group_na",
        "tfsm6cla1a",
        "ptfsm6cla1a",
        "tnotfsm6cla1a",
        "ptnotfsm6cla1a",
        "tealgrp2",
        "ptealgrp2",
        "tmobn",
        "ptmobn",
        "tealgrp1",
        "ptealgrp1",
        "tealgrp3",
        "ptealgrp3",
        "tsenele",
        "psenele",
        "tsenelk",
        "psenelk",
        "tsenelek",
        "psenelek",
        "telig_3yr",
    ]
)
#: ``nftype`` of special schools (the wide file's RECTYPE 2; 2018-19 field dictionary).
SPECIAL_NFTYPES = frozenset({"CYS", "FDS", "ACS", "FS", "ACCS"})
#: ``establishment_type_group`` -> RECTYPE of a national row (the DfE's national figure).
NATIONAL_GROUPS = {"All state funded": "5"}
#: ``establishment_type_group`` of an LA's own row.
LA_GROUP = "All state funded"

#: Information fields holding text, not figures (not checked as numbers).
_TEXT_INFORMATION = frozenset(_TEXT_FIELDS)
_IDENTITY = ("RECTYPE", "LEA", "URN", "URN_AC", "SCHNAME")
_KEYS = ("time_period", "school_urn", "school_laestab", "school_name")
_PRIOR = re.compile(r"^(?P<base>.+)_(?P<yy>\d\d)$")


@dataclass(frozen=True)
class EesFrame:
    """An EES year in the wide vocabulary: ``frame`` (text, with ``line``), the files it came
    from, and the wide columns asked for that the EES files cannot give, with why."""

    frame: pd.DataFrame
    sources: tuple[Path, ...]
    absent: dict[str, str] = field(default_factory=dict)


def read_ees_frame(
    path: str | Path,
    year: int,
    columns: Iterable[str],
    optional: Iterable[str],
    *,
    codes: Collection[str],
    information: str | Path | None = None,
    area: str | Path | None = None,
) -> EesFrame:
    """``year`` of an EES school performance file (and, when given, its school information
    and LA/national performance files) as the wide file's frame, keeping ``columns`` and those
    of ``optional`` the files can give.

    ``codes`` are the upper-case cell texts that mean "no figure"; any other non-number in a
    field read is an :class:`InputError` naming the EES file, line and field. A file without
    the year names the ``time_period`` values it has.
    """
    path = Path(path)
    needed = [c for c in dict.fromkeys(columns) if c not in _IDENTITY]
    wanted = [c for c in dict.fromkeys([*needed, *optional]) if c not in _IDENTITY]
    info_path = Path(information) if information is not None else None
    info_header = _ees_header(info_path, EES_INFORMATION) if info_path else []
    perf_header = _ees_header(path, EES_PERFORMANCE)
    plan, absent = _plan(wanted, set(needed), year, info_header, info_path, path, perf_header)
    perf = _read_long(path, EES_PERFORMANCE, year, plan.performance, plan.periods, codes)
    schools = _schools(perf, ees_time_period(year))
    frame = pd.DataFrame(
        {
            "RECTYPE": "1",
            "LEA": schools["school_laestab"].str[:3].to_numpy(),
            "URN": schools.index.to_numpy(dtype=object),
            "URN_AC": "",
            "SCHNAME": schools["school_name"].to_numpy(),
        },
        index=schools.index,
    )
    laestab = schools["school_laestab"]
    held = set(perf["time_period"].unique())
    for name, (ees, period) in plan.performance.items():
        if period not in held:  # as a wide file without that year's block: no column
            absent[name] = f"the file holds no time_period {period}"
            continue
        if period == ees_time_period(year):
            rows = _matching(perf, ees, period, "school_urn")
            values = rows.set_index("school_urn")[ees.field].reindex(frame.index)
        else:  # an earlier year's block: matched on LAESTAB, as the DfE does
            rows = _matching(perf, ees, period, "school_laestab")
            values = rows.set_index("school_laestab")[ees.field].reindex(laestab.to_numpy())
        frame[name] = values.fillna("").to_numpy()
    sources = [path]
    if info_path is not None:
        _add_information(frame, laestab, info_path, year, plan.information, codes)
        sources.append(info_path)
    frame["line"] = schools["line"].to_numpy()
    frame = frame.reset_index(drop=True)
    if area is not None:
        area_rows = _area_rows(Path(area), year, plan.performance, codes)
        frame = pd.concat([frame, area_rows], ignore_index=True).fillna("")
        frame["line"] = frame["line"].astype(np.int64)
        sources.append(Path(area))
    return EesFrame(frame=frame, sources=tuple(sources), absent=absent)


@dataclass(frozen=True)
class _Plan:
    """Where each wanted wide column comes from: performance columns -> (field, time_period),
    information columns -> (info field, time_period or '' for this year)."""

    performance: dict[str, tuple[EesField, str]]
    information: dict[str, tuple[str, str]]
    periods: tuple[str, ...]


def _plan(
    wanted: list[str],
    needed: set[str],
    year: int,
    info_header: list[str],
    info_path: Path | None,
    path: Path,
    perf_header: list[str],
) -> tuple[_Plan, dict[str, str]]:
    """Resolve each wide column to its EES source; the unresolvable needed ones are an error."""
    this = ees_time_period(year)
    performance: dict[str, tuple[EesField, str]] = {}
    information: dict[str, tuple[str, str]] = {}
    absent: dict[str, str] = {}
    have_info = {name.lower() for name in info_header}
    for name in wanted:
        lower = name.lower()
        prior = _PRIOR.match(name)
        prior_year = 2000 + int(prior["yy"]) if prior else None
        in_file = prior["base"] if prior and prior["base"] in EES_COLUMNS else name
        if in_file in EES_COLUMNS and EES_COLUMNS[in_file].field not in perf_header:
            absent[name] = f"the file has no '{EES_COLUMNS[in_file].field}' column"
        elif name in EES_COLUMNS:
            performance[name] = (EES_COLUMNS[name], this)
        elif prior and prior["base"] in EES_COLUMNS and prior_year < year:
            performance[name] = (EES_COLUMNS[prior["base"]], ees_time_period(prior_year))
        elif lower in have_info:
            information[name] = (lower, "")
        elif prior and prior["base"].lower() in have_info and prior_year < year:
            information[name] = (prior["base"].lower(), ees_time_period(prior_year))
        elif name in NOT_IN_EES:
            absent[name] = NOT_IN_EES[name]
        elif lower in INFORMATION_FIELDS or (prior and prior["base"].lower() in INFORMATION_FIELDS):
            if info_path is None:
                absent[name] = "no school information file was given"
            else:
                absent[name] = f"the school information file {info_path} has no '{lower}' column"
        else:
            absent[name] = "EES has no such field"
        # coverage is asked for by every report, and EES has none: absent, not an error
        if name in absent and name in needed and name not in NOT_IN_EES:
            raise InputError(
                f"the KS2 performance table has no '{name}' column, needed for this report: "
                f"this is {FORMAT_NAMES[EES_PERFORMANCE]}, and {absent[name]}.",
                path=path,
                row=1,
                column=name,
            )
    periods = tuple(dict.fromkeys([this, *(p for _, p in performance.values())]))
    return _Plan(performance, information, periods), absent


def _ees_header(path: Path, kind: str) -> list[str]:
    """The header of an EES file of ``kind``; an error saying which file goes where if not."""
    if not path.is_file():
        raise InputError(f"{FORMAT_NAMES[kind]} does not exist.", path=path)
    header = read_header(path)
    found = table_format(header)
    if found != kind:
        what = FORMAT_NAMES.get(found or "", "not a KS2 file this workbook reads")
        raise InputError(f"expected {FORMAT_NAMES[kind]}, but this is {what}.", path=path, row=1)
    return header


def _read_long(
    path: Path,
    kind: str,
    year: int,
    plan: dict[str, tuple[EesField, str]],
    periods: tuple[str, ...],
    codes: Collection[str],
    keys: tuple[str, ...] = _KEYS,
) -> pd.DataFrame:
    """The rows of an EES performance file for ``periods`` and the subjects and breakdowns
    of ``plan``, as text, with ``line`` (file line number); every field read checked."""
    header = _ees_header(path, kind)
    filters = ("subject", "breakdown_topic", "breakdown")
    missing = [c for c in (*keys, *filters) if c not in header]
    if missing:
        raise InputError(
            f"{FORMAT_NAMES[kind]} has no {', '.join(missing)} column; download it again.",
            path=path,
            row=1,
        )
    fields = tuple(sorted({ees.field for ees, _ in plan.values()} & set(header)))
    subjects = frozenset(ees.subject for ees, _ in plan.values())
    breakdowns = frozenset({ees.breakdown for ees, _ in plan.values()} | {ALL_PUPILS[1]})
    held, frame = _subjects_and_breakdowns(path, (*keys, *filters, *fields), subjects, breakdowns)
    if ees_time_period(year) not in held:
        have = sorted(held - {""})
        raise InputError(
            f"this file has no rows for time_period {ees_time_period(year)} (KS2 {year}); it "
            f"holds time_period {', '.join(have) if have else 'none'}. Download the year from "
            "Explore Education Statistics, or check the year in the params file.",
            path=path,
            column="time_period",
        )
    frame = frame[frame["time_period"].isin(periods)]
    for name in fields:
        _check_figures(frame[name], codes, path, name, frame["line"])
    return frame


#: The last few files read (a report reads its two years from one EES file): key -> (the
#: time periods the file holds, its rows of the subjects and breakdowns asked for).
_long_cache: dict[tuple, tuple[set[str], pd.DataFrame]] = {}
_LONG_CACHE_SIZE = 2


def _subjects_and_breakdowns(
    path: Path, usecols: tuple[str, ...], subjects: frozenset, breakdowns: frozenset
) -> tuple[set[str], pd.DataFrame]:
    """Every time period of a long file and its rows of ``subjects`` x ``breakdowns``, read
    once per file version (cached by path, size and modification time): the filter comes
    before any other work on the million rows of a national file."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, usecols, subjects, breakdowns)
    if key not in _long_cache:
        frame = _read_text(path, list(dict.fromkeys(usecols)), strip=False)
        for column in ("time_period", "subject", "breakdown"):
            if _has_padding(frame[column]):
                frame[column] = frame[column].str.strip()
        held = set(frame["time_period"].unique())
        frame = frame[frame["subject"].isin(subjects) & frame["breakdown"].isin(breakdowns)]
        frame = frame.apply(lambda c: c.str.strip() if c.dtype == object else c)
        while len(_long_cache) >= _LONG_CACHE_SIZE:
            _long_cache.pop(next(iter(_long_cache)))
        _long_cache[key] = (held, frame)
    return _long_cache[key]


def _has_padding(values: pd.Series) -> bool:
    """Whether any cell starts or ends with whitespace (one scan of the joined text)."""
    joined = "\x00".join(values.tolist())
    return any(ws in joined for ws in (" \x00", "\x00 ", "\t", "\r")) or joined[:1].isspace()


def _read_text(path: Path, usecols: list[str], *, strip: bool = True) -> pd.DataFrame:
    """``usecols`` of a CSV as text (stripped unless ``strip`` is False), with ``line``
    (header = 1)."""
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, usecols=usecols
        )
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text ({exc.reason}).", path=path) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"the file could not be read as CSV: {exc}", path=path) from None
    frame.columns = [c.strip().lstrip("\ufeff") for c in frame.columns]
    if strip:
        for column in frame.columns:
            frame[column] = frame[column].str.strip()
    frame["line"] = np.arange(2, len(frame) + 2)
    return frame


def _check_figures(
    values: pd.Series, codes: Collection[str], path: Path, column: str, lines: pd.Series
) -> None:
    """Every cell a number (``77`` or ``77%``) or a "no figure" code, else an error naming
    the EES file, line and field."""
    is_code = values.str.upper().isin(list(codes))
    numbers = pd.to_numeric(values.str.removesuffix("%").where(~is_code), errors="coerce")
    bad = numbers.isna() & ~is_code
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"'{values.iloc[first]}' is neither a number nor an EES symbol (z, x, c, low, k, "
            "u) or DfE code.",
            path=path,
            row=int(lines.iloc[first]),
            column=column,
        )


def _matching(frame: pd.DataFrame, ees: EesField, period: str, key: str) -> pd.DataFrame:
    """The rows of one field's subject, breakdown and period (each ``key`` once)."""
    rows = frame[
        (frame["time_period"] == period)
        & (frame["subject"] == ees.subject)
        & (frame["breakdown"] == ees.breakdown)
    ]
    if ees.topic is not None:
        rows = rows[rows["breakdown_topic"] == ees.topic]
    return rows.drop_duplicates(key)


def _schools(perf: pd.DataFrame, period: str) -> pd.DataFrame:
    """One row per school of ``period``, first-row line, indexed by URN, in file order."""
    rows = perf[(perf["time_period"] == period) & (perf["school_urn"] != "")]
    first = rows.drop_duplicates("school_urn")
    return first.set_index("school_urn")[["school_laestab", "school_name", "line"]]


def _add_information(
    frame: pd.DataFrame,
    laestab: pd.Series,
    path: Path,
    year: int,
    plan: dict[str, tuple[str, str]],
    codes: Collection[str],
) -> None:
    """The information file's columns (and RECTYPE from ``nftype``, URN_AC) added to the
    schools' ``frame`` in place: this year's by URN, an earlier year's by LAESTAB."""
    header = _ees_header(path, EES_INFORMATION)
    this = ees_time_period(year)
    extra = [c for c in ("rectype", "nftype", "urn_ac") if c in header]
    fields = sorted({f for f, _ in plan.values()} | set(extra))
    keys = [c for c in ("time_period", "school_urn", "school_laestab") if c in header]
    info = _read_text(path, [*keys, *fields])
    periods = {this} | {p for _, p in plan.values() if p}
    info = info[info["time_period"].isin(periods)]
    current = info[info["time_period"] == this].drop_duplicates("school_urn")
    if current.empty:
        have = sorted(set(_read_text(path, ["time_period"])["time_period"]) - {""})
        raise InputError(
            f"this school information file has no rows for time_period {this} (KS2 {year}); it "
            f"holds time_period {', '.join(have) if have else 'none'}.",
            path=path,
            column="time_period",
        )
    by_urn = current.set_index("school_urn")
    for name, (ees_field, period) in plan.items():
        if name in ("URN_AC", "NFTYPE", "RECTYPE"):
            continue
        if not period:
            values = by_urn[ees_field].reindex(frame.index)
            lines = by_urn["line"].reindex(frame.index)
        else:
            earlier = info[info["time_period"] == period].drop_duplicates("school_laestab")
            values = earlier.set_index("school_laestab")[ees_field].reindex(laestab.to_numpy())
            lines = earlier.set_index("school_laestab")["line"].reindex(laestab.to_numpy())
        found = values.notna().to_numpy()
        if ees_field not in _TEXT_INFORMATION:
            _check_figures(values[found], codes, path, ees_field, lines[found].astype(np.int64))
        frame[name] = values.fillna("").to_numpy()
    if "nftype" in by_urn:
        frame["NFTYPE"] = by_urn["nftype"].reindex(frame.index).fillna("").to_numpy()
    if "urn_ac" in by_urn:
        frame["URN_AC"] = by_urn["urn_ac"].reindex(frame.index).fillna("").to_numpy()
    if "rectype" in by_urn:  # older "final data" releases had one
        rectype = by_urn["rectype"].reindex(frame.index).fillna("1")
        frame["RECTYPE"] = rectype.to_numpy()
    elif "nftype" in by_urn:
        special = frame["NFTYPE"].str.upper().isin(SPECIAL_NFTYPES)
        frame["RECTYPE"] = np.where(special, "2", "1")


def _area_rows(
    path: Path, year: int, plan: dict[str, tuple[EesField, str]], codes: Collection[str]
) -> pd.DataFrame:
    """The LA rows (RECTYPE 3) and national row (RECTYPE 5) of ``year`` from the EES
    LA/national performance file, with this year's performance columns of ``plan``."""
    this = ees_time_period(year)
    current = {name: (ees, p) for name, (ees, p) in plan.items() if p == this}
    keys = ("time_period", "geographic_level", "old_la_code", "la_name", "establishment_type_group")
    long = _read_long(path, EES_AREA, year, current, (this,), codes, keys)
    level = long["geographic_level"].str.lower()
    group = long["establishment_type_group"]
    national = long[(level == "national") & group.isin(list(NATIONAL_GROUPS))]
    la = long[(level == "local authority") & (group == LA_GROUP) & (long["old_la_code"] != "")]
    parts = []
    for rows, rectype in ((la, "3"), *((national[national["establishment_type_group"] == g], r)
                                       for g, r in NATIONAL_GROUPS.items())):  # fmt: skip
        if rows.empty:
            continue
        key = "old_la_code" if rectype == "3" else "establishment_type_group"
        first = rows.drop_duplicates(key).set_index(key)
        out = pd.DataFrame(
            {
                "RECTYPE": rectype,
                "LEA": first.index.to_numpy() if rectype == "3" else "",
                "URN": "",
                "URN_AC": "",
                "SCHNAME": first["la_name"].to_numpy() if rectype == "3" else "",
                "line": first["line"].to_numpy(),
            },
            index=first.index,
        )
        for name, (ees, _) in current.items():
            if ees.field not in rows:
                out[name] = ""
                continue
            matching = rows[(rows["subject"] == ees.subject) & (rows["breakdown"] == ees.breakdown)]
            if ees.topic is not None:
                matching = matching[matching["breakdown_topic"] == ees.topic]
            values = matching.drop_duplicates(key).set_index(key)[ees.field]
            out[name] = values.reindex(out.index).fillna("").to_numpy()
        parts.append(out.reset_index(drop=True))
    if not parts:
        return pd.DataFrame(columns=[*_IDENTITY, "line"])
    return pd.concat(parts, ignore_index=True)
