"""``outputs/index.html``: one self-contained page listing every report in an output folder.

Each row: title (linking the report), years, subject, schools, the headline change in
progress (with its interval when ``summary.csv`` has ``ci_low``/``ci_high``), status
(built, or failed with the first line of the error), and when it was built; newest first.
No scripts, no external requests, every value escaped; tables scroll sideways on a phone.
Reads only small files (report_info.json, manifest.json, summary.csv) without pandas.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ipm_analysis.core.rounding import MEASURE_PLACES, fmt
from ipm_analysis.reporting.html import render


class Failure(Protocol):
    """A report the batch could not build (``BatchItem`` fits)."""

    params_path: Path
    report_id: str
    message: str


@dataclass(frozen=True)
class IndexRow:
    report_id: str
    title: str
    years: str
    subject: str
    schools: str
    headline: str
    status: str
    when: datetime | None
    link: str | None


def headline_change(summary_csv: Path) -> str:
    """'-0.97 to -0.37 (+0.60, 95% CI +0.10 to +1.10)': the first measure's change of all
    recruited schools (named when it is not progress: 'attainment 60.0 to 72.6 (...)'); ''
    if none."""
    try:
        with summary_csv.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        return ""
    # the first plain change of all schools: the report's comparison measure (progress, or
    # attainment in years without progress scores), as summary.csv lists it first
    row = next(
        (
            r
            for r in rows
            if r.get("estimate") == "change"
            and r.get("group") == "all"
            and r.get("population") == "itt"
        ),
        None,
    )
    if row is None or not _number(row.get("change")):
        return ""
    measure = row.get("measure") or "progress"
    places = MEASURE_PLACES.get(measure, 2)
    named = "" if measure == "progress" else f"{measure.replace('_', ' ')} "
    text = named + (
        f"{fmt(float(row['baseline']), places)} to {fmt(float(row['outcome']), places)} "
        f"({fmt(float(row['change']), places, signed=True)}"
    )
    if _number(row.get("ci_low")) and _number(row.get("ci_high")):
        text += (
            f", 95% CI {fmt(float(row['ci_low']), places, signed=True)} to "
            f"{fmt(float(row['ci_high']), places, signed=True)}"
        )
    return text + ")"


def _number(text: str | None) -> bool:
    try:
        return text not in (None, "") and float(text) == float(text)  # not NaN
    except ValueError:
        return False


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _when(manifest: Mapping[str, Any], fallback: Path) -> datetime | None:
    try:
        return datetime.fromisoformat(str(manifest["started"]))
    except (KeyError, ValueError):
        pass
    try:
        return datetime.fromtimestamp(fallback.stat().st_mtime, UTC)
    except OSError:
        return None


def folder_row(folder: Path) -> IndexRow:
    """What the index shows for a report folder (``<id>/`` or ``<id>.failed/``)."""
    failed = folder.name.endswith(".failed")
    report_id = folder.name.removesuffix(".failed")
    info = _read_json(folder / "report_info.json")
    manifest = _read_json(folder / "manifest.json")
    params = manifest.get("params") or {}
    years = info.get("years") or (
        f"{params['baseline_year']} to {params['outcome_year']}" if "outcome_year" in params else ""
    )
    report = folder / ("report.ipynb" if failed else "report.html")
    return IndexRow(
        report_id=report_id,
        title=str(info.get("title") or params.get("title") or report_id),
        years=str(years),
        subject=str(info.get("subject") or params.get("subject") or ""),
        schools=str(info.get("schools") or ""),
        # the report's own headline (it knows about suppression); else read summary.csv
        headline=""
        if failed
        else (info.get("headline") or headline_change(folder / "summary.csv")),
        status="failed: see the kept notebook" if failed else "built",
        when=_when(manifest, report),
        link=f"{folder.name}/{report.name}" if report.is_file() else None,
    )


def index_rows(output_dir: Path, failures: Iterable[Failure] = ()) -> list[IndexRow]:
    """Every report in ``output_dir``, newest first; a failed last run shows as failed."""
    rows: dict[str, IndexRow] = {}
    folders = [
        f
        for f in Path(output_dir).iterdir()
        if f.is_dir() and not f.name.startswith(".") and not f.name.endswith(".failed")
    ]
    for folder in folders:
        if (folder / "report.html").is_file():
            rows[folder.name] = folder_row(folder)
    for folder in Path(output_dir).glob("*.failed"):
        if not folder.is_dir():
            continue
        failed = folder_row(folder)
        good = rows.get(failed.report_id)
        if good is None:
            rows[failed.report_id] = failed
        elif failed.when and good.when and failed.when > good.when:
            rows[failed.report_id] = _replace(
                good, status="failed: the last run failed; this is the previous build"
            )
    for item in failures:  # this batch's failures carry the first line of the error
        key = item.report_id or f"params:{item.params_path}"
        status = f"failed: {item.message}"
        old = rows.get(key)
        if old is None:
            name = item.report_id or str(item.params_path)
            rows[key] = IndexRow(name, name, "", "", "", "", status, datetime.now(UTC), None)
            continue
        if old.link and old.link.endswith("report.html"):
            status += " (the link is the previous build)"
        rows[key] = _replace(old, status=status)
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(rows.values(), key=lambda r: (r.when or epoch, r.report_id), reverse=True)


def _replace(row: IndexRow, **changes: Any) -> IndexRow:
    from dataclasses import replace

    return replace(row, **changes)


def render_index(rows: Iterable[IndexRow]) -> str:
    """The index page's HTML (template ``report/index_page.html.j2``): every value escaped."""
    shown = [
        {
            "report_id": r.report_id,
            "title": r.title,
            "link": r.link,
            "years": r.years,
            "subject": r.subject,
            "schools": r.schools,
            "headline": r.headline,
            "status": r.status,
            "css": "failed" if r.status.startswith("failed") else "built",
            "when": f"{r.when.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if r.when else "",
        }
        for r in rows
    ]
    return render("index_page.html.j2", rows=shown) + "\n"


def write_index(output_dir: Path, failures: Iterable[Failure] = ()) -> Path:
    """Write ``<output_dir>/index.html`` (atomically) and return its path."""
    output_dir = Path(output_dir)
    page = render_index(index_rows(output_dir, failures))
    path = output_dir / "index.html"
    tmp = output_dir / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
