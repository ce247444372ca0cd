"""The focus reports' params YAML, resolved and validated into papermill parameters.

A school report's keys: ``report_id``, ``title``, ``pupils`` (a CSV, or a mapping window ->
CSV), ``pag_table``, ``ks2_year``, ``window``; optional ``subject`` (maths), ``urn``, ``min_n``
(3) and ``performance_table`` (a KS2 performance table to estimate sigma when it is not
packaged). A programme report has ``schools`` (URN -> CSV, or URN -> window -> CSV) in place
of ``pupils`` and ``urn``. Relative paths resolve against the params file's folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.prior_attainment import SUBJECT_NAMES
from ipm_analysis.focus.sigma import packaged_sigma
from ipm_analysis.focus.termly import DEFAULT_MIN_N, window_id
from ipm_analysis.inputs.files import check_csv_file, check_performance_table_file
from ipm_analysis.inputs.params_file import (
    FOCUS,
    FOCUS_PROGRAMME,
    KEYS,
    KIND_NAMES,
    key_problems,
    problems_sentence,
    read_params_file,
)

#: KS2 years whose KS1 was assessed in levels (the packaged KS1 points).
SUPPORTED_YEARS = (2016, 2017, 2018, 2019)
REQUIRED = ("report_id", "title", "pupils", "pag_table", "ks2_year", "window")
PROGRAMME_REQUIRED = ("report_id", "title", "schools", "pag_table", "ks2_year", "window")
_REPORT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_URN = re.compile(r"^[0-9]{5,7}$")


def load_focus_params(path: str | Path) -> dict[str, Any]:
    """Read ``path`` and return plain, JSON-serialisable papermill parameters.

    Paths come back absolute; ``window`` canonical; ``urn`` a string or None. Raises
    :class:`InputError` naming the file and key for anything missing, unknown or invalid.
    """
    path, data = _read(path, FOCUS, REQUIRED)
    common = _common(path, data)
    urn = data.get("urn")
    return {
        "report_id": common.pop("report_id"),
        "title": common.pop("title"),
        "pupils": _pupil_files(path, data["pupils"], common["window"], "pupils"),
        **common,
        "urn": None if urn is None else str(urn),
    }


def load_programme_params(path: str | Path) -> dict[str, Any]:
    """Read a programme params file: as :func:`load_focus_params` with ``schools`` (a mapping
    URN -> pupil file, or URN -> window -> file) in place of ``pupils`` and ``urn``."""
    path, data = _read(path, FOCUS_PROGRAMME, PROGRAMME_REQUIRED)
    common = _common(path, data)
    schools = data["schools"]
    if not isinstance(schools, dict) or not schools:
        raise InputError(
            "schools should map each school's URN to its pupil file (or window -> file).",
            path=path,
            column="schools",
        )
    resolved = {}
    for urn, files in schools.items():
        if not _URN.match(str(urn)):
            raise InputError(
                f"'{urn}' is not a URN (a school's number, digits only).",
                path=path,
                column="schools",
            )
        resolved[str(urn)] = _pupil_files(path, files, common["window"], "schools")
    return {
        "report_id": common.pop("report_id"),
        "title": common.pop("title"),
        "schools": resolved,
        **common,
    }


def _read(path: str | Path, kind: str, required: tuple[str, ...]) -> tuple[Path, dict[str, Any]]:
    """The params mapping of a ``kind`` file, with required keys present and no unknown
    keys (one line per unknown key, with the closest known one)."""
    params_file = read_params_file(path)
    path = params_file.path
    if params_file.kind != kind:
        raise InputError(
            f"this is {KIND_NAMES[params_file.kind]}, not {KIND_NAMES[kind]}; build it with "
            "'ipm report' (which reads every kind).",
            path=path,
        )
    problems = key_problems(params_file)
    if problems:
        unknown = next(k for k in params_file.mapping if k not in KEYS[kind])
        raise InputError(
            problems_sentence(problems),
            path=path,
            column=unknown,
        )
    data = params_file.mapping
    missing = [k for k in required if data.get(k) in (None, "")]
    if missing:
        raise InputError(
            "missing " + ", ".join(missing) + " (copy params/focus_example.yaml for a start).",
            path=path,
            column=missing[0],
        )
    return path, data


def _common(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The keys school and programme reports share, validated; every problem with a value is
    listed in one message (as for impact params), then the files are checked."""
    base = path.parent
    problems: list[tuple[str, str]] = []

    def bad(key: str, why: str) -> None:
        problems.append((key, why))

    report_id = str(data["report_id"])
    if not _REPORT_ID.match(report_id):
        bad("report_id", f"'{report_id}' should be letters, digits, '-', '_' or '.'")
    title = data["title"]
    if not isinstance(title, str) or not title.strip():
        bad("title", "should be text")
    year = data["ks2_year"]
    if not isinstance(year, int) or isinstance(year, bool) or year not in SUPPORTED_YEARS:
        bad(
            "ks2_year",
            f"'{year}' is not supported; focus reports use levels-era KS1 points, for KS2 "
            f"years {', '.join(map(str, SUPPORTED_YEARS))}",
        )
        year = None
    subject = str(data.get("subject") or "maths")
    if subject not in SUBJECT_NAMES:
        bad("subject", f"'{subject}' is not a subject; use {', '.join(SUBJECT_NAMES)}")
    window = None
    try:
        window = window_id(data["window"])
    except InputError as exc:
        bad("window", exc.message.rstrip("."))
    min_n = data.get("min_n", DEFAULT_MIN_N)
    if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
        bad("min_n", f"'{min_n}' should be a whole number of at least 1")
    performance_table = data.get("performance_table")
    sigma_known = year is None or subject not in SUBJECT_NAMES or packaged_sigma(year, subject)
    if performance_table is None and sigma_known is None:
        bad(
            "performance_table",
            f"the national SD of {subject} progress for {year} is not packaged; give that "
            "year's KS2 performance table (performance_table) so it can be estimated",
        )
    if problems:
        raise InputError(
            problems_sentence([f"'{key}': {why}" for key, why in problems]),
            path=path,
            column=problems[0][0],
        )
    if performance_table is not None:
        performance_table = _file(base, performance_table, path, "performance_table")
        _named_by(path, "performance_table", check_performance_table_file, performance_table, year)
    return {
        "report_id": report_id,
        "title": title.strip(),
        "pag_table": _file(base, data["pag_table"], path, "pag_table"),
        "ks2_year": int(year),
        "window": window,
        "subject": subject,
        "min_n": int(min_n),
        "performance_table": performance_table,
    }


def _pupil_files(path: Path, value: object, window: str, key: str) -> str | dict[str, str]:
    """One pupil file, or a mapping window -> file that includes the report's ``window``."""
    if not isinstance(value, dict):
        return _file(path.parent, value, path, key)
    resolved: dict[str, str] = {}
    for name, file in value.items():
        try:
            window_name = window_id(name)
        except InputError as exc:
            raise InputError(exc.message, path=path, column=key) from None
        resolved[window_name] = _file(path.parent, file, path, key)
    if window not in resolved:
        raise InputError(
            f"no pupil file is given for the report's window '{window}'.", path=path, column=key
        )
    return resolved


def _file(base: Path, value: object, params_path: Path, key: str) -> str:
    """The absolute path of a CSV the params name, checked (see ipm_analysis.inputs.files)."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"'{value}' should be a file path.", path=params_path, column=key)
    resolved = (base / Path(value).expanduser()).resolve()
    what = "the PAG table" if key == "pag_table" else "the pupil file"
    if key == "performance_table":
        what = "the KS2 performance table"
    _named_by(params_path, key, check_csv_file, resolved, what)
    return str(resolved)


def _named_by(params_path: Path, key: str, check, *args) -> None:
    """Run a file check; a problem also says which key of which params file named the file."""
    try:
        check(*args)
    except InputError as exc:
        exc.message += f" (It is named by '{key}' in {params_path}.)"
        raise
