"""Checks on an input file before anything reads it: is it there, is it a CSV, is it whole.

A params loader runs these on every file a report names, so every problem a user can fix
(a misspelt path, a folder, an Excel workbook, a ``;``-separated export, a truncated
download, the same file given for two years) stops the command with one paragraph naming
the file, before a kernel starts. Only the first and last few kilobytes of a file are read
and pandas is not imported: checking a batch of params files stays quick.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
import re
from collections.abc import Mapping
from pathlib import Path

from ipm_analysis.core.errors import InputError

#: Columns every KS2 performance table (the DfE's wide file) has; a file without them is not one.
IDENTITY_COLUMNS = ("RECTYPE", "LEA", "URN", "URN_AC", "SCHNAME")

#: The formats a KS2 file can be in, told apart by its header (:func:`table_format`): the wide
#: "compare school performance" file, and the Explore Education Statistics (EES) long files:
#: school performance (one row per school x breakdown x subject), school information (one row
#: per school), LA/national performance, and LA/national information (not read).
WIDE = "wide"
EES_PERFORMANCE = "ees_performance"
EES_INFORMATION = "ees_information"
EES_AREA = "ees_la_performance"
EES_AREA_INFORMATION = "ees_la_information"
EES_FORMATS = (EES_PERFORMANCE, EES_INFORMATION, EES_AREA, EES_AREA_INFORMATION)
#: What each format is called in messages.
FORMAT_NAMES = {
    WIDE: "a DfE 'compare school performance' KS2 file (such as 850_ks2final.csv)",
    EES_PERFORMANCE: "the Explore Education Statistics KS2 school performance file",
    EES_INFORMATION: "the Explore Education Statistics KS2 school information file",
    EES_AREA: "the Explore Education Statistics KS2 LA and national performance file",
    EES_AREA_INFORMATION: "the Explore Education Statistics KS2 LA and national information file",
}
#: Which params key takes each format.
FORMAT_KEYS = {
    WIDE: "performance",
    EES_PERFORMANCE: "performance",
    EES_INFORMATION: "school_information",
    EES_AREA: "la_performance",
}
#: Summary rows (LA: 3, national: 4 and 5) that every DfE KS2 performance table ends with.
SUMMARY_RECTYPES = ("3", "4", "5")
#: Columns holding the previous year's figures: a file's year is the latest such year plus 1.
_PRIOR_YEAR_COLUMN = re.compile(r"^(?:TELIG|PTRWM_EXP|READPROG|WRITPROG|MATPROG)_(\d\d)$")

_HEAD_BYTES = 64 * 1024
_TAIL_BYTES = 64 * 1024
_SAVE_AS_CSV = "open it in Excel and use File > Save As > 'CSV UTF-8 (Comma delimited)'"


def check_csv_file(path: str | Path, what: str) -> Path:
    """``path`` if it is a readable, non-empty, comma-separated UTF-8 text file.

    ``what`` names the file in messages ("the roster", "the 2018 performance table").
    Raises :class:`InputError` saying what is wrong and how to fix it.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} is a folder, not a file; name the CSV file inside it.", path=path)
    if not path.exists():
        raise InputError(f"{what} does not exist.{nearby_hint(path)}", path=path)
    if not path.is_file():
        raise InputError(f"{what} is not a regular file.", path=path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"{what} cannot be read ({exc.strerror}).", path=path) from None
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n"):
        raise InputError(f"{what} is empty.", path=path)
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            f"{what} is an Excel workbook (.xlsx), not a CSV file; {_SAVE_AS_CSV}, and name "
            "the .csv file.",
            path=path,
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{what} is an old Excel workbook (.xls), not a CSV file; {_SAVE_AS_CSV}.",
            path=path,
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{what} is UTF-16 text (Excel's 'Unicode Text'), not a CSV file; {_SAVE_AS_CSV}.",
            path=path,
        )
    if head.startswith(b"\x1f\x8b"):
        raise InputError(
            f"{what} is compressed (gzip); decompress it (e.g. gunzip) and name the .csv file.",
            path=path,
        )
    if b"\x00" in head:
        raise InputError(f"{what} is not a text file (it holds binary data).", path=path)
    text = _decode(head, path, what, partial=len(head) == _HEAD_BYTES)
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    for separator, name in ((";", "semicolons"), ("\t", "tabs")):
        if separator in header and "," not in header:
            raise InputError(
                f"{what} has its columns separated by {name}, not commas (a spreadsheet "
                f"saved with another list separator); {_SAVE_AS_CSV}.",
                path=path,
                row=1,
            )
    return path


def _decode(data: bytes, path: Path, what: str, *, partial: bool) -> str:
    """``data`` as UTF-8; a cut multi-byte character at the end of a partial read is fine."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8")
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{what} is not UTF-8 text (byte {data[exc.start : exc.start + 1]!r} cannot be "
            f"decoded); {_SAVE_AS_CSV}.",
            path=path,
            row=line,
        ) from None


def read_header(path: Path) -> list[str]:
    """The column names of a CSV file (BOM and padding removed)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [name.strip() for name in next(csv.reader(handle), [])]


def table_format(header: list[str]) -> str | None:
    """Which KS2 format a file's header is (:data:`WIDE`, :data:`EES_PERFORMANCE`, ...), or
    None when it is none of them. EES headers are lower case; wide ones upper case."""
    names = {name.strip().lstrip("\ufeff") for name in header}
    if {"RECTYPE", "URN"} <= names:
        return WIDE
    if "time_period" not in names:
        return None
    if "school_urn" in names:
        return EES_PERFORMANCE if {"subject", "breakdown"} <= names else EES_INFORMATION
    if "establishment_type_group" in names or "old_la_code" in names:
        return EES_AREA if "subject" in names else EES_AREA_INFORMATION
    return None


def file_format(path: str | Path) -> str | None:
    """:func:`table_format` of a file's header (None for an unreadable file)."""
    try:
        return table_format(read_header(Path(path)))
    except (OSError, UnicodeDecodeError):
        return None


def check_performance_table_file(path: str | Path, year: int) -> Path:
    """``path`` if it looks like a whole KS2 performance table for ``year``, in either format.

    A wide file: from the header and the last lines only, the identity columns are there;
    where the file names its own year (columns of the previous year's figures, such as
    ``MATPROG_17`` in the 2017-18 file) it is ``year``; and the file ends with the summary
    rows every DfE file ends with (a download cut short does not). An EES school performance
    file: it holds ``year``'s ``time_period`` and its last row is whole. Another EES file
    (school information, LA/national) is refused, saying which params key takes it.
    """
    path = check_csv_file(path, f"the {year} KS2 performance table")
    header = read_header(path)
    found = table_format(header)
    if found in EES_FORMATS:
        if found != EES_PERFORMANCE:
            raise InputError(wrong_file(found, "performance"), path=path, row=1)
        return check_ees_file(path, EES_PERFORMANCE, [year], header)
    missing = [c for c in IDENTITY_COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"this is not a KS2 performance table: it has no {', '.join(missing)} column "
            "(expected a DfE file such as 850_ks2final.csv, downloaded from 'Compare school "
            "performance', or the Explore Education Statistics file 'Key stage 2 institution "
            "level - Schools (performance)', whose header starts time_period, ...).",
            path=path,
            row=1,
        )
    stated = stated_year(header)
    if stated is not None and stated != year:
        raise InputError(
            f"this file is the {stated - 1}-{str(stated)[2:]} table (its previous-year "
            f"columns are for {stated - 1}), but the params file gives it for {year}; check "
            "which file belongs to which year (a year is the summer of the tests: 2018 for "
            "2017-18).",
            path=path,
            row=1,
        )
    last_line, last = _last_record(path, header)
    if not last:
        raise InputError("the table has a header but no rows; download it again.", path=path, row=1)
    if last and last[0].strip().lstrip("\ufeff") not in SUMMARY_RECTYPES:
        raise InputError(
            "the file looks truncated: it stops at a school's row instead of ending with the "
            "LA and national summary rows (RECTYPE 3, 4 and 5) that every DfE KS2 table ends "
            "with. Download it again.",
            path=path,
            row=last_line,
        )
    return path


def wrong_file(found: str, key: str) -> str:
    """Which file goes where, for a file of format ``found`` given under params ``key``."""
    wanted = {
        "performance": "the school performance file (one row per school, breakdown and "
        "subject: its header has subject and progress_measure_score) or a wide "
        "..._ks2final.csv file",
        "school_information": "the school information file (one row per school: telig, "
        "ptfsm6cla1a, tks1average, urn_ac, nftype...)",
        "la_performance": "the LA and national performance file (old_la_code, "
        "establishment_type_group, subject...)",
    }[key]
    where = FORMAT_KEYS.get(found)
    goes = (
        f"; it goes under '{where}:'"
        if where
        else "; the workbook does not read it (the LA and national figures come from the LA "
        "and national performance file)"
    )
    return f"this is {FORMAT_NAMES[found]}{goes}. '{key}:' takes {wanted}."


def check_ees_file(
    path: str | Path, kind: str, years: list[int], header: list[str] | None = None
) -> Path:
    """``path`` if it is an EES file of ``kind`` holding every one of ``years`` and whole.

    The years are looked for as ``time_period`` codes at the start of a line (EES files put
    ``time_period`` first): a byte search, no parsing, so a file of a million rows is checked
    in well under a second. A missing year names the time periods the file has.
    """
    path = Path(path)
    header = read_header(path) if header is None else header
    found = table_format(header)
    key = FORMAT_KEYS[kind]
    if found != kind:
        if found is None:
            raise InputError(
                f"this is not {FORMAT_NAMES[kind]}: its header does not start time_period, ... "
                f"'{key}:' takes the file downloaded from Explore Education Statistics.",
                path=path,
                row=1,
            )
        raise InputError(wrong_file(found, key), path=path, row=1)
    if header and header[0].strip().lstrip("\ufeff") == "time_period":
        wanted = {year: _time_period(year) for year in years}
        present = _periods_present(path, set(wanted.values()))
        missing = [year for year, code in wanted.items() if code not in present]
        if missing:
            have = sorted(ees_periods(path))
            codes = ", ".join(wanted[y] for y in missing)
            raise InputError(
                f"this file has no rows for {codes} (time_period of KS2 "
                f"{', '.join(str(y) for y in missing)}); it holds time_period "
                f"{', '.join(have) if have else 'none'}. Download the year from Explore "
                "Education Statistics, or check the year in the params file.",
                path=path,
                column="time_period",
            )
    last_line, last = _last_record(path, header)
    if not last:
        raise InputError("the file has a header but no rows; download it again.", path=path, row=1)
    if len(last) < len(header):
        raise InputError(
            f"the file looks truncated: its last row has {len(last)} of the header's "
            f"{len(header)} columns. Download it again.",
            path=path,
            row=last_line,
        )
    return path


def _time_period(year: int) -> str:
    """The EES ``time_period`` code of a KS2 year (2023 -> ``202223``)."""
    return f"{year - 1}{year % 100:02d}"


def _periods_present(path: Path, codes: set[str]) -> set[str]:
    """Which of ``codes`` start a line of the file (searched block by block)."""
    needles = {code: f"\n{code},".encode() for code in codes}
    found: set[str] = set()
    carry = b"\n"
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(8 << 20), b""):
            text = carry + block
            found |= {code for code, needle in needles.items() if needle in text}
            if found == codes:
                break
            carry = text[-16:]
    return found


def ees_periods(path: str | Path) -> set[str]:
    """Every ``time_period`` starting a line of an EES file (reads the whole file; for
    messages)."""
    found: set[str] = set()
    carry = b"\n"
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(8 << 20), b""):
            text = carry + block
            cut = text.rfind(b"\n")
            found |= {m.decode() for m in _PERIOD.findall(text, 0, cut)}
            carry = text[cut:]
    found |= {m.decode() for m in _PERIOD.findall(carry)}
    return found


_PERIOD = re.compile(rb"\n(\d{6}),")


def stated_year(header: list[str]) -> int | None:
    """The KS2 year a wide file names through its previous-year columns (``*_17`` -> 2018),
    or None when it has none."""
    years = [int(m.group(1)) for c in header if (m := _PRIOR_YEAR_COLUMN.match(c))]
    return 2000 + max(years) + 1 if years else None


def _last_record(path: Path, header: list[str]) -> tuple[int, list[str]]:
    """The last non-blank record of a CSV file and its line number (1-based)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - _TAIL_BYTES))
        tail = handle.read()
        if size > _TAIL_BYTES:
            tail = tail.split(b"\n", 1)[-1]  # start at a line boundary
        handle.seek(0)
        lines_before = 0
        if size > _TAIL_BYTES:
            for block in iter(lambda: handle.read(1 << 20), b""):
                lines_before += block.count(b"\n")
            lines_before -= tail.count(b"\n")
    text = tail.decode("utf-8", errors="replace").lstrip("\ufeff")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows or rows[-1] == header:
        return 0, []
    line = lines_before + text.rstrip("\r\n").count("\n") + 1
    return line, rows[-1]


def same_content(files: Mapping[str, Path]) -> tuple[str, str] | None:
    """The first two labels whose files have the same bytes (a file given for two years),
    or None."""
    seen: dict[str, str] = {}
    for label, path in files.items():
        digest = sha256_file(path)
        if digest in seen:
            return seen[digest], label
        seen[digest] = label
    return None


_hash_cache: dict[tuple[str, int, int, int], str] = {}


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes (cached per process by path, size, mtime and inode)."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _hash_cache:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _hash_cache[key] = digest.hexdigest()
    return _hash_cache[key]


def check_output_dir(path: str | Path) -> Path:
    """``path`` created if needed, if a report can be written into it.

    Tries to create and remove a file there, so a read-only folder (or disk) is found before
    any report is built, not after.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(
            "the output folder is a file; give --output-dir a folder (it is created if needed).",
            path=path,
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".ipm-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"the output folder cannot be written ({exc.strerror}); choose another with "
            "--output-dir.",
            path=path,
        ) from None
    return path


def nearby_hint(path: Path, *, relative: bool = True) -> str:
    """' Did you mean x?' when the folder holds a file with a similar name (else, when
    ``relative``, a reminder of where relative paths are read from)."""
    folder = path.parent
    if not folder.is_dir():
        return f" Its folder {folder} does not exist either."
    try:
        names = [p.name for p in folder.iterdir() if p.is_file()]
    except OSError:
        return ""
    found = difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    if found:
        return f" Did you mean {folder / found[0]}?"
    return " Relative paths are read from the params file's folder." if relative else ""
