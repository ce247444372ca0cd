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
from typing import TYPE_CHECKING, Any, TextIO

from ipm_analysis.core.errors import InputError, first_line
from ipm_analysis.inputs.files import check_output_dir, nearby_hint
from ipm_analysis.pipeline import stopping
from ipm_analysis.pipeline.index import write_index
from ipm_analysis.pipeline.terminal import Progress

if TYPE_CHECKING:
    from ipm_analysis.pipeline.runner import PreparedReport

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
    bad_input: bool = False  # failed on input the user can fix (exit code 2)
    warnings: tuple[str, ...] = ()  # built: what the report warns about
    prepared: PreparedReport | None = None  # planned: checked params and inputs


def find_params(paths: Iterable[Path]) -> list[Path]:
    """Params files named directly or found (``*.yaml``, ``*.yml``) in named folders; a file
    named twice (directly and through its folder) is built once."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
            if not inside:
                raise InputError("this folder holds no params files (*.yaml).", path=path)
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(
                f"no such params file or folder.{nearby_hint(path, relative=False)}", path=path
            )
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def plan(
    params_files: Sequence[Path],
    output_dir: Path,
    *,
    force: bool = False,
    pdf: bool = False,
    suppress: bool | None = None,
) -> list[BatchItem]:
    """Queue the reports that are out of date and mark the rest skipped.

    Every params file and every file it names is checked first (no kernel starts): any
    problem, or two params files with one ``report_id`` (allowed under ``force``, the later
    file's report replacing the earlier), raises one :class:`InputError` listing each, and
    nothing is built. ``pdf`` also queues reports that have no ``report.pdf`` yet;
    ``suppress`` overrides the params' disclosure control as the build will.
    """
    from ipm_analysis.pipeline.runner import prepare_report

    items: list[BatchItem] = []
    problems: list[str] = []
    owners: dict[str, Path] = {}
    for path in params_files:
        try:
            prepared = prepare_report(path, output_dir, force=force, pdf=pdf, suppress=suppress)
        except InputError as exc:
            problems.append(str(exc))
            continue
        report_id = prepared.report_id
        if report_id in owners and not force:
            problems.append(
                f"file {path}: its report_id '{report_id}' is also the report_id of "
                f"{owners[report_id]}, so one report would replace the other. Give each params "
                "file its own report_id (or add --force to build both, the later replacing "
                "the earlier)."
            )
            continue
        owners.setdefault(report_id, path)
        reason = prepared.stale
        status = "skipped" if reason is None else "queued"
        message = "up to date" if reason is None else reason
        items.append(BatchItem(path, status, report_id, message, prepared=prepared))
    if len(problems) == 1:
        raise InputError(problems[0])
    if problems:
        raise InputError(
            f"{len(problems)} of {len(params_files)} params files cannot be built, so nothing "
            "was built:\n" + "\n".join(problems)
        )
    return items


def build_one(params_path: Path, output_dir: Path, **options: Any) -> BatchItem:
    """Build one report (already known to be out of date); never raises.

    ``options`` (``pdf``, ``suppress``) go to :func:`ipm_analysis.pipeline.runner.run_report`.
    """
    from ipm_analysis.pipeline.runner import run_report

    _notify(params_path)
    start = time.perf_counter()
    try:
        result = run_report(params_path, output_dir, force=True, **options)
    except Exception as exc:  # one report's failure must not stop the batch
        bad_input = isinstance(exc, InputError)
        message = first_line(exc)
        return BatchItem(
            params_path, "failed", message=message, seconds=_since(start), bad_input=bad_input
        )
    return BatchItem(
        params_path,
        "built",
        result.report_id,
        seconds=result.seconds,
        warnings=tuple(result.warnings),
    )


def _since(start: float) -> float:
    return time.perf_counter() - start


# --- the process pool --------------------------------------------------------------------

_started_queue = None  # set in each worker by the initializer: "report started" messages


def init_worker(started_queue=None) -> None:
    """Pool initializer: remember where to say that a report has started, and how to stop.

    Ctrl-C or SIGTERM stops a worker as it stops ``ipm report`` (see
    :mod:`ipm_analysis.pipeline.stopping`): its kernel killed, its half-built folder removed,
    at once. The main process sends SIGTERM to every worker when it is stopped.

    Nothing is imported here. A worker's first report launches its kernel at once and
    imports papermill and warms the HTML exporter while that kernel starts up (see
    :func:`ipm_analysis.pipeline.runner.build_report`); later reports find both done. pandas
    and matplotlib are imported by each report's kernel, never by the worker.
    """
    global _started_queue
    _started_queue = started_queue
    stopping.forget_inherited()
    stopping.install(quiet=True)


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
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context()
    started = context.Queue()
    by_path = {str(item.params_path): item for item in queued}
    done: list[BatchItem] = []
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=init_worker, initargs=(started,)
    ) as pool:
        futures = {pool.submit(build_one, i.params_path, output_dir, **options): i for i in queued}
        pending = set(futures)
        for process in list(getattr(pool, "_processes", {}).values()):
            stopping.track_worker(process.pid)  # stopped with the batch on Ctrl-C/SIGTERM
        _collect(pending, futures, started, by_path, done, on_change)
    started.close()
    return done


def _collect(pending, futures, started, by_path, done, on_change) -> None:
    """Wait for the pool's reports, passing on each change of state."""
    import queue as queue_module
    from concurrent.futures import FIRST_COMPLETED, wait

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
    """Build every out-of-date report, print a table, write the index.

    Every params file and input is checked before anything is built (:func:`plan` raises
    InputError). Returns the exit code: 0 when every report was built or up to date, 2 when
    the only failures were bad input found while a report ran, 1 for any other failure.
    ``pdf`` and ``suppress`` are passed to :func:`ipm_analysis.pipeline.runner.run_report`.
    """
    stream = stream or sys.stdout
    if pdf:
        from ipm_analysis.pipeline.pdf import check_pdf_tools

        check_pdf_tools()  # one clear message, not one failure per report
    if scheduler:
        from ipm_analysis.pipeline.distributed import check_scheduler

        check_scheduler(scheduler)  # a bad address or no Dask: said before anything runs
    params_files = find_params(paths)
    output_dir = check_output_dir(output_dir)
    items = plan(params_files, output_dir, force=force, pdf=pdf, suppress=suppress)
    progress = Progress(items, stream)
    queued = [i for i in items if i.status == "queued"]
    if queued and scheduler:
        from ipm_analysis.pipeline.distributed import run_distributed

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
    for item in final:
        for warning in item.warnings:
            print(f"warning: {item.report_id}: {warning}", file=sys.stderr)
    failed = [item for item in final if item.status == "failed"]
    if not failed:
        return 0
    return 2 if all(item.bad_input for item in failed) else 1


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
