"""Run many reports and write ``outputs/index.html`` linking them all.

Reports run on a process pool: each worker imports papermill, nbconvert and the kernel
machinery once and then builds report after report. A failing report does not stop the
others; the batch exits 1 if any failed.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ipm_analysis.errors import InputError


@dataclass
class BatchItem:
    params_path: Path
    status: str  # built | failed
    report_id: str = ""
    message: str = ""
    seconds: float = 0.0


def find_params(paths: Iterable[Path]) -> list[Path]:
    """Params files named directly or found (``*.yaml``, ``*.yml``) in named folders."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError("no such params file or folder.", path=path)
    return found


def _build(params_path: Path, output_dir: Path, **options: Any) -> BatchItem:
    from ipm_analysis.runner import run_report

    try:
        result = run_report(params_path, output_dir, **options)
    except Exception as exc:  # one report's failure must not stop the batch
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return BatchItem(params_path, "failed", message=first_line)
    return BatchItem(params_path, "built", result.report_id, seconds=result.seconds)


def run_batch(
    paths: Sequence[Path],
    output_dir: Path,
    *,
    jobs: int | None = None,
    pdf: bool = False,
    suppress: bool | None = None,
) -> int:
    """Build every report; print a table of results; write the index. Exit code 0 or 1.

    ``pdf`` and ``suppress`` are passed to :func:`ipm_analysis.runner.run_report`.
    """
    params_files = find_params(paths)
    options: dict[str, Any] = {"pdf": pdf, "suppress": suppress}
    if pdf:
        from ipm_analysis.pdf import check_pdf_tools

        check_pdf_tools()  # one clear message, not one failure per report
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(params_files) or 1))
    items: list[BatchItem] = []
    if jobs == 1:
        for path in params_files:
            items.append(_build(path, output_dir, **options))
            _print_progress(items[-1], len(items), len(params_files))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_build, path, output_dir, **options) for path in params_files]
            for future in as_completed(futures):
                items.append(future.result())
                _print_progress(items[-1], len(items), len(params_files))
    index = write_index(output_dir)
    _print_table(items)
    print(f"Index: {index.resolve()}")
    return 1 if any(item.status == "failed" for item in items) else 0


def _print_progress(item: BatchItem, done: int, total: int) -> None:
    print(f"[{done}/{total}] {item.status:<6} {item.params_path}", flush=True)


def _print_table(items: Sequence[BatchItem]) -> None:
    width = max((len(str(i.params_path)) for i in items), default=10)
    print(f"\n{'params':<{width}}  status  detail")
    for item in sorted(items, key=lambda i: str(i.params_path)):
        detail = (
            item.message if item.status == "failed" else f"{item.report_id} ({item.seconds:.1f} s)"
        )
        print(f"{str(item.params_path):<{width}}  {item.status:<6}  {detail}")
    built = sum(i.status == "built" for i in items)
    print(f"{built} built, {len(items) - built} failed")


def write_index(output_dir: Path) -> Path:
    """``index.html``: one self-contained page listing every report folder, newest first."""
    output_dir = Path(output_dir)
    rows = []
    for folder in output_dir.iterdir():
        report = folder / "report.html"
        summary = folder / "summary.csv"
        if not folder.is_dir() or folder.name.startswith(".") or not report.is_file():
            continue
        info = _report_info(folder)
        built = datetime.fromtimestamp(report.stat().st_mtime, UTC)
        rows.append((built, folder.name, info, summary.is_file()))
    rows.sort(key=lambda r: r[0], reverse=True)
    failed = sorted(f.name for f in output_dir.glob("*.failed") if f.is_dir())
    items = "".join(
        "<tr>"
        f'<th scope="row"><a href="{html.escape(name)}/report.html">'
        f"{html.escape(info.get('title', name))}</a></th>"
        f"<td>{html.escape(info.get('years', ''))}</td>"
        f"<td>{html.escape(info.get('subject', ''))}</td>"
        f"<td>{html.escape(info.get('schools', ''))}</td>"
        f"<td>{html.escape(info.get('headline', ''))}</td>"
        f"<td>built</td><td>{built:%Y-%m-%d %H:%M} UTC</td></tr>"
        for built, name, info, _ in rows
    )
    items += "".join(
        f'<tr><th scope="row">{html.escape(name[:-7])}</th><td colspan="4">last run failed: '
        f"see {html.escape(name)}/report.ipynb</td><td>failed</td><td></td></tr>"
        for name in failed
    )
    page = _INDEX.format(rows=items or '<tr><td colspan="7">No reports yet.</td></tr>')
    path = output_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _report_info(folder: Path) -> dict[str, str]:
    info_path = folder / "report_info.json"
    if info_path.is_file():
        try:
            return json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
    return {}


_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>IPM impact reports</title>
<style>
body {{ font-family: "Segoe UI", Arial, sans-serif; color: #0b0c0c; max-width: 64rem;
        margin: 0 auto; padding: 0 1rem; line-height: 1.45; }}
.wrap {{ overflow-x: auto; }}
table {{ border-collapse: collapse; min-width: 40rem; }}
th, td {{ border-bottom: 1px solid #b1b4b6; padding: 0.35rem 0.6rem; text-align: left;
          vertical-align: top; }}
thead th {{ border-bottom: 2px solid #0b0c0c; background: #f3f2f1; }}
a {{ color: #1d70b8; }}
</style></head>
<body><h1>IPM impact reports</h1>
<p>Every report built into this folder, newest first.</p>
<div class="wrap"><table><caption>Reports</caption>
<thead><tr><th scope="col">Report</th><th scope="col">Years</th><th scope="col">Subject</th>
<th scope="col">Schools</th><th scope="col">Headline change</th><th scope="col">Status</th>
<th scope="col">Built</th></tr></thead>
<tbody>{rows}</tbody></table></div></body></html>
"""
