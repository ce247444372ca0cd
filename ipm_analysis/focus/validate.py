"""``ipm validate`` for focus params files: everything a report would read, read and scored,
without a kernel or any output."""

from __future__ import annotations

from pathlib import Path

from ipm_analysis.focus.params import load_focus_params, load_programme_params
from ipm_analysis.focus.programme import build_programme_report
from ipm_analysis.focus.report import build_focus_report
from ipm_analysis.focus.termly import WINDOWS


def validate_focus_params(path: str | Path, kind: str) -> str:
    """Read and score a focus params file's inputs (``kind`` ``focus`` or
    ``focus_programme``); returns one sentence saying what was found."""
    shared = ("pag_table", "ks2_year", "window", "subject", "performance_table")
    if kind == "focus":
        p = load_focus_params(path)
        report = build_focus_report(
            pupils=p["pupils"], urn=p["urn"], **{key: p[key] for key in shared}
        )
        focus = int(report.pupils["focus"].sum())
        return (
            f"{len(report.pupils)} pupils in {WINDOWS[report.window]}, "
            f"{focus} of them focus pupils."
        )
    p = load_programme_params(path)
    programme = build_programme_report(
        schools=p["schools"], min_n=p["min_n"], **{key: p[key] for key in shared}
    )
    n = programme.schools["urn"].nunique()
    return f"{n} schools scored up to {WINDOWS[programme.window]}."
