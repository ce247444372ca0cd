"""Run one report: validate params, execute the notebook with papermill in a real kernel,
export HTML, and move the finished folder into place atomically.

A report is built in a hidden temporary folder beside its destination and renamed into
``<output-dir>/<report_id>/`` only when complete, so a failed run never damages an earlier
good report; the failed run's executed notebook (or, when the kernel died, the kernel's log)
is kept in ``<report_id>.failed/``.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipm_analysis.errors import InputError, MissingToolError, ReportError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@dataclass(frozen=True)
class ReportKind:
    """A kind of report: its notebook and how its params file becomes papermill parameters."""

    notebook: str
    load_params: Callable[[Path], dict[str, Any]]
    #: role -> file for every file a report reads (hashed into its manifest)
    input_files: Callable[[Path], dict[str, Path]]


def _impact_params(path: Path) -> dict[str, Any]:
    from ipm_analysis.params import load_params

    return load_params(path).to_papermill()


def _impact_inputs(path: Path) -> dict[str, Path]:
    from ipm_analysis.params import load_params

    params = load_params(path)
    roles = {params.roster: "roster"}
    roles.update({params.performance[y]: f"performance {y}" for y in params.years})
    files = {"params": Path(path).resolve()}
    for i, file in enumerate(params.input_files()):
        files[roles.get(file, f"input {i}")] = file
    return files


def _focus_params(path: Path) -> dict[str, Any]:
    from ipm_analysis.focus.params import load_focus_params

    return load_focus_params(path)


def _programme_params(path: Path) -> dict[str, Any]:
    from ipm_analysis.focus.params import load_programme_params

    return load_programme_params(path)


def _files_named_in(load_params: Callable[[Path], dict[str, Any]]) -> Callable:
    """Input files of a focus report: every path its resolved params name (pupil files per
    window and school, the PAG table, any performance table), keyed by where it is named."""

    def inputs(path: Path) -> dict[str, Path]:
        files = {"params": Path(path).resolve()}

        def walk(value: Any, key: str) -> None:
            if isinstance(value, dict):
                for name, inner in value.items():
                    walk(inner, f"{key} {name}")
            elif isinstance(value, str) and Path(value).is_absolute() and Path(value).is_file():
                files[key] = Path(value)

        for name, value in load_params(path).items():
            walk(value, name)
        return files

    return inputs


KINDS: dict[str, ReportKind] = {
    "impact": ReportKind("impact_report.ipynb", _impact_params, _impact_inputs),
    "focus": ReportKind("focus_pupils.ipynb", _focus_params, _files_named_in(_focus_params)),
    "focus_programme": ReportKind(
        "focus_programme.ipynb", _programme_params, _files_named_in(_programme_params)
    ),
}


def kind_of(params_path: str | Path) -> str:
    """Which kind of report a params file asks for: a focus report lists ``pupils``, a
    focus programme report ``schools``."""
    import yaml

    try:
        mapping = yaml.safe_load(Path(params_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "impact"  # the impact loader gives the precise error
    if isinstance(mapping, dict) and "schools" in mapping:
        return "focus_programme"
    return "focus" if isinstance(mapping, dict) and "pupils" in mapping else "impact"


@dataclass
class ReportResult:
    report_id: str
    folder: Path
    params_path: Path
    seconds: float
    parameters: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False  # up to date with its manifest: not rebuilt


def papermill_parameters(params_path: str | Path, kind: str | None = None) -> dict[str, Any]:
    """The validated papermill parameters of a params file (raises InputError)."""
    return KINDS[kind or kind_of(params_path)].load_params(Path(params_path))


def report_inputs(params_path: str | Path, kind: str | None = None) -> dict[str, Path]:
    """Role -> path of every file a report reads, its notebook included."""
    kind = kind or kind_of(params_path)
    return {
        **KINDS[kind].input_files(Path(params_path)),
        "notebook": NOTEBOOKS / KINDS[kind].notebook,
    }


def run_report(
    params_path: str | Path,
    output_dir: str | Path = "outputs",
    *,
    kind: str | None = None,
    force: bool = False,
    pdf: bool = False,
    suppress: bool | None = None,
) -> ReportResult:
    """Build one report into ``<output_dir>/<report_id>/``; returns where it went.

    ``kind`` is ``impact`` or ``focus``; by default it is read from the params file. A report
    whose manifest matches its params, inputs and code is skipped unless ``force``. ``pdf``
    also prints ``report.pdf`` (before publishing, so a failed PDF publishes nothing);
    ``suppress`` overrides the params file's disclosure control when not None.
    """
    from ipm_analysis import manifest

    start, started = time.perf_counter(), manifest.now_iso()
    params_path = Path(params_path)
    kind = kind or kind_of(params_path)
    parameters = papermill_parameters(params_path, kind)
    if suppress is not None:
        parameters["suppress"] = bool(suppress)
    if pdf:
        from ipm_analysis.pdf import check_pdf_tools

        check_pdf_tools()  # fail before the slow part when no browser is installed
    report_id = parameters["report_id"]
    output_dir = Path(output_dir)
    final = output_dir / report_id
    inputs = report_inputs(params_path, kind)
    up_to_date = manifest.stale_reason(final, parameters, inputs) is None
    if up_to_date and not force and (not pdf or (final / "report.pdf").is_file()):
        seconds = time.perf_counter() - start
        return ReportResult(report_id, final, params_path, seconds, parameters, skipped=True)
    hashes = manifest.input_hashes(inputs)  # before the run: what the report was built from
    output_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{report_id}.building-", dir=output_dir))
    work.chmod(0o755)  # mkdtemp makes it private; a published report is for reading
    try:
        build_report(inputs["notebook"], work, parameters)
        if pdf:
            from ipm_analysis.pdf import html_to_pdf

            html_to_pdf(work / "report.html", work / "report.pdf", title=parameters["title"])
    except Exception as exc:
        failed = _keep_failed(work, output_dir / f"{report_id}.failed")
        raise _explain_failure(exc, failed) from None
    seconds = time.perf_counter() - start
    record = manifest.build_manifest(parameters, hashes, started=started, seconds=seconds)
    manifest.write_manifest(work, record)
    publish(work, final)
    shutil.rmtree(output_dir / f"{report_id}.failed", ignore_errors=True)
    return ReportResult(report_id, final, params_path, seconds, parameters)


def build_report(notebook: Path, work: Path, parameters: dict[str, Any]) -> None:
    """Execute the notebook into ``work`` and export its HTML (one export pass)."""
    from ipm_analysis.export import export_html, warm_up
    from ipm_analysis.kernel import KERNEL_LOG

    work = work.resolve()  # the kernel runs in ``work``: a relative output_dir would nest
    executed = execute_notebook(
        notebook,
        work / "report.ipynb",
        {**parameters, "output_dir": str(work)},
        alongside=warm_up,  # the HTML template set-up (~0.4 s), on the other core
    )
    export_html(executed, work / "report.html", title=parameters.get("title"))
    (work / KERNEL_LOG).unlink(missing_ok=True)  # a finished report needs no kernel log


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    alongside: Callable[[], object] | None = None,
) -> Any:
    """Execute ``notebook`` with papermill in a fresh ``python3`` kernel; returns the
    executed notebook (also written to ``output``).

    ``alongside`` runs on a thread once the kernel is launched: from then on this process
    only waits for the kernel's messages. An error there is ignored (it is preparation only).
    """
    from ipm_analysis.kernel import running_kernel

    with running_kernel(output.parent) as kernel:
        helper = _start_thread(alongside) if alongside is not None else None
        try:
            import papermill  # imported while the kernel starts up

            return papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                kernel_name="python3",
                km=kernel,
                # the notebook is written once at the end (also when a cell fails, though
                # not when the kernel dies), not after every cell: each save re-serialises
                # every embedded chart
                request_save_on_cell_execute=False,
                progress_bar=False,
                log_output=False,
                cwd=str(output.parent),
            )
        finally:
            if helper is not None:
                helper.join()


def _start_thread(work: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        with contextlib.suppress(Exception):
            work()

    thread = threading.Thread(target=run, name="ipm-alongside-kernel", daemon=True)
    thread.start()
    return thread


def publish(work: Path, final: Path) -> None:
    """Swap a finished folder into place, keeping the old one until the swap is done."""
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        final.rename(old)
        work.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        work.rename(final)


def _keep_failed(work: Path, failed: Path) -> Path:
    shutil.rmtree(failed, ignore_errors=True)
    work.rename(failed)
    return failed


def _explain_failure(exc: Exception, failed: Path) -> Exception:
    kept = _what_is_kept(failed)
    if isinstance(exc, MissingToolError):
        return MissingToolError(f"{exc}{kept}")
    ename = getattr(exc, "ename", None)
    if ename == "InputError":
        error = InputError(str(getattr(exc, "evalue", exc)) + kept)
        return error
    if isinstance(exc, InputError):
        return InputError(str(exc) + kept)
    detail = getattr(exc, "evalue", None) or str(exc).strip().splitlines()[-1:] or [repr(exc)]
    detail = detail if isinstance(detail, str) else detail[0]
    return ReportError(f"the report failed: {ename or type(exc).__name__}: {detail}.{kept}")


def _what_is_kept(failed: Path) -> str:
    """Where to look: the executed notebook, or the kernel's log when the kernel died before
    the notebook could be saved."""
    from ipm_analysis.kernel import KERNEL_LOG

    notebook, log = failed / "report.ipynb", failed / KERNEL_LOG
    if notebook.is_file():
        return f" The executed notebook is kept for debugging in {notebook}."
    if log.is_file():
        return f" The kernel stopped before the notebook could be saved; its log is in {log}."
    return f" What the run left is kept in {failed}."
