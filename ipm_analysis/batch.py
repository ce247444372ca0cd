"""Run many reports: decide which are out of date, build those on a process pool (or a Dask
cluster), show progress, print a table of results and write ``outputs/index.html``.

Each pool worker imports papermill and nbconvert and warms the HTML exporter once (the pool
initializer), then builds report after report, so the fixed cost is paid once per worker. A
failing report does not stop the others; the batch exits 1 if any failed. Deciding what is
up to date reads only params files and hashes inputs (no pandas, no kernel), so a batch with
nothing to do takes a fraction of a second.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from ipm_analysis.errors import InputError
from ipm_analysis.index import write_index
from ipm_analysis.progress import Progress

__all__ = ["BatchItem", "find_params", "plan", "run_batch", "write_index"]

#: States a report goes through: queued -> running -> built | failed; or skipped.
FINISHED = ("built", "failed", "skipped")


@dataclass(frozen=True)
class BatchItem:
    """One report of a batch and what happened to it."""

    params_path: Path
    status: str  # queued | running | built | failed | skipped
    report_id: str = ""
    message: str = ""  # failed: first line of the error; queued: why it is rebuilt
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


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (the batch table shows only that)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)


def plan(
    params_files: Sequence[Path],
    output_dir: Path,
    *,
    force: bool = False,
    pdf: bool = False,
    suppress: bool | None = None,
) -> list[BatchItem]:
    """Queue the reports that are out of date; mark the rest skipped and bad params failed.

    ``pdf`` also queues reports that have no ``report.pdf`` yet; ``suppress`` overrides the
    params' disclosure control as the build will.
    """
    from ipm_analysis import manifest
    from ipm_analysis.runner import papermill_parameters, report_inputs

    items: list[BatchItem] = []
    owners: dict[str, Path] = {}
    for path in params_files:
        try:
            parameters = papermill_parameters(path)
            inputs = report_inputs(path)
            if suppress is not None:
                parameters["suppress"] = bool(suppress)
        except Exception as exc:  # bad params: a failed report, not a failed batch
            items.append(BatchItem(path, "failed", message=first_line(exc)))
            continue
        report_id = parameters["report_id"]
        if report_id in owners:
            message = f"report_id '{report_id}' is also used by {owners[report_id]}"
            items.append(BatchItem(path, "failed", report_id, message))
            continue
        owners[report_id] = path
        reason = (
            "--force" if force else _stale(manifest, output_dir / report_id, parameters, inputs)
        )
        if reason is None and pdf and not (output_dir / report_id / "report.pdf").is_file():
            reason = "no PDF yet"
        status = "skipped" if reason is None else "queued"
        items.append(BatchItem(path, status, report_id, "up to date" if reason is None else reason))
    return items


def _stale(manifest, folder: Path, parameters: dict, inputs: dict[str, Path]) -> str | None:
    try:
        return manifest.stale_reason(folder, parameters, inputs)
    except OSError as exc:  # an unreadable input: let the build report it
        return first_line(exc)


def build_one(params_path: Path, output_dir: Path, **options: Any) -> BatchItem:
    """Build one report (already known to be out of date); never raises.

    ``options`` (``pdf``, ``suppress``) go to :func:`ipm_analysis.runner.run_report`.
    """
    from ipm_analysis.runner import run_report

    _notify(params_path)
    start = time.perf_counter()
    try:
        result = run_report(params_path, output_dir, force=True, **options)
    except Exception as exc:  # one report's failure must not stop the batch
        return BatchItem(params_path, "failed", message=first_line(exc), seconds=_since(start))
    return BatchItem(params_path, "built", result.report_id, seconds=result.seconds)


def _since(start: float) -> float:
    return time.perf_counter() - start


# --- the process pool --------------------------------------------------------------------

_started_queue = None  # set in each worker by the initializer: "report started" messages


def init_worker(started_queue=None) -> None:
    """Pool initializer: remember where to say that a report has started.

    Nothing is imported here. A worker's first report launches its kernel at once and
    imports papermill and warms the HTML exporter while that kernel starts up (see
    :func:`ipm_analysis.runner.build_report`); later reports find both done. pandas and
    matplotlib are imported by each report's kernel, never by the worker.
    """
    global _started_queue
    _started_queue = started_queue


def _notify(params_path: Path) -> None:
    if _started_queue is not None:
        _started_queue.put(str(params_path))


def run_local(
    queued: Sequence[BatchItem],
    output_dir: Path,
    jobs: int,
    on_change: Callable[[BatchItem], None],
    **options: Any,
) -> list[BatchItem]:
    """Build ``queued`` reports on ``jobs`` worker processes (in this process when 1)."""
    if jobs <= 1 or len(queued) <= 1:
        done = []
        for item in queued:
            on_change(replace(item, status="running"))
            done.append(_with_id(build_one(item.params_path, output_dir, **options), item))
            on_change(done[-1])
        return done
    import multiprocessing
    import queue as queue_module
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = multiprocessing.get_context()
    started = context.Queue()
    by_path = {str(item.params_path): item for item in queued}
    done: list[BatchItem] = []
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=init_worker, initargs=(started,)
    ) as pool:
        futures = {pool.submit(build_one, i.params_path, output_dir, **options): i for i in queued}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            while True:
                try:
                    path = started.get_nowait()
                except queue_module.Empty:
                    break
                if path in by_path:
                    on_change(replace(by_path[path], status="running"))
            for future in finished:
                item = futures[future]
                try:
                    result = _with_id(future.result(), item)
                except Exception as exc:  # the worker process died
                    result = replace(item, status="failed", message=first_line(exc))
                done.append(result)
                on_change(result)
    started.close()
    return done


def _with_id(result: BatchItem, item: BatchItem) -> BatchItem:
    return result if result.report_id else replace(result, report_id=item.report_id)


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_batch(
    paths: Sequence[Path],
    output_dir: Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    scheduler: str | None = None,
    stream: TextIO | None = None,
    pdf: bool = False,
    suppress: bool | None = None,
) -> int:
    """Build every out-of-date report, print a table, write the index. Exit code 0 or 1.

    ``pdf`` and ``suppress`` are passed to :func:`ipm_analysis.runner.run_report`.
    """
    stream = stream or sys.stdout
    if pdf:
        from ipm_analysis.pdf import check_pdf_tools

        check_pdf_tools()  # one clear message, not one failure per report
    params_files = find_params(paths)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    items = plan(params_files, output_dir, force=force, pdf=pdf, suppress=suppress)
    progress = Progress(items, stream)
    queued = [i for i in items if i.status == "queued"]
    if queued and scheduler:
        from ipm_analysis.distributed import run_distributed

        results = run_distributed(scheduler, queued, output_dir, progress.update)
    elif queued:
        jobs = max(1, min(jobs or default_jobs(), len(queued)))
        results = run_local(queued, output_dir, jobs, progress.update, pdf=pdf, suppress=suppress)
    else:
        results = []
    progress.close()
    by_path = {r.params_path: r for r in results}
    final = [by_path.get(i.params_path, i) for i in items]
    index = write_index(output_dir, failures=[i for i in final if i.status == "failed"])
    print_table(final, stream)
    print(f"Index: {index.resolve()}", file=stream)
    return 1 if any(item.status == "failed" for item in final) else 0


def print_table(items: Sequence[BatchItem], stream: TextIO) -> None:
    """The end-of-batch table: each report, its status, and the time or the error."""
    width = max((len(str(i.params_path)) for i in items), default=6)
    print(f"\n{'params':<{width}}  {'status':<7}  detail", file=stream)
    for item in items:
        if item.status == "built":
            detail = f"{item.report_id} ({item.seconds:.1f} s)"
        elif item.status == "skipped":
            detail = f"{item.report_id} (up to date)"
        else:
            detail = item.message
        print(f"{str(item.params_path):<{width}}  {item.status:<7}  {detail}", file=stream)
    counts = {s: sum(i.status == s for i in items) for s in FINISHED}
    print(", ".join(f"{n} {s}" for s, n in counts.items()), file=stream)
