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

from ipm_analysis.core.errors import InputError, ReportError
from ipm_analysis.inputs.files import check_output_dir
from ipm_analysis.inputs.params_file import (
    FOCUS,
    FOCUS_PROGRAMME,
    IMPACT,
    KIND_NAMES,
    read_params_file,
)
from ipm_analysis.pipeline import stopping
from ipm_analysis.pipeline.resources import report_notebook


@dataclass(frozen=True)
class ReportKind:
    """A kind of report: its notebook and how its params file becomes papermill parameters."""

    notebook: str
    load_params: Callable[[Path], dict[str, Any]]
    #: role -> file for every data file named in its papermill parameters
    input_files: Callable[[dict[str, Any]], dict[str, Path]]


def _impact_params(path: Path) -> dict[str, Any]:
    from ipm_analysis.inputs.params import load_params

    return load_params(path).to_papermill()


def _impact_inputs(parameters: dict[str, Any]) -> dict[str, Path]:
    years = (parameters["baseline_year"], parameters["outcome_year"])
    files = {"roster": Path(parameters["roster"])}
    files.update({f"performance {y}": Path(parameters["performance"][y]) for y in years})
    information = parameters.get("school_information") or {}
    files.update(
        {f"school information {y}": Path(information[y]) for y in years if y in information}
    )
    if parameters.get("la_performance"):
        files["la performance"] = Path(parameters["la_performance"])
    rosters = [p for p in parameters.get("exclude_from_pool", []) if p.lower().endswith(".csv")]
    files.update({f"kept out of the pool {i}": Path(p) for i, p in enumerate(rosters, 1)})
    return files


def _focus_params(path: Path) -> dict[str, Any]:
    from ipm_analysis.focus.params import load_focus_params

    return load_focus_params(path)


def _programme_params(path: Path) -> dict[str, Any]:
    from ipm_analysis.focus.params import load_programme_params

    return load_programme_params(path)


def _files_named_in(parameters: dict[str, Any]) -> dict[str, Path]:
    """Input files of a focus report: every path its resolved params name (pupil files per
    window and school, the PAG table, any performance table), keyed by where it is named."""
    files: dict[str, Path] = {}

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                walk(inner, f"{key} {name}")
        elif isinstance(value, str) and Path(value).is_absolute() and Path(value).is_file():
            files[key] = Path(value)

    for name, value in parameters.items():
        walk(value, name)
    return files


KINDS: dict[str, ReportKind] = {
    IMPACT: ReportKind("impact_report.ipynb", _impact_params, _impact_inputs),
    FOCUS: ReportKind("focus_pupils.ipynb", _focus_params, _files_named_in),
    FOCUS_PROGRAMME: ReportKind("focus_programme.ipynb", _programme_params, _files_named_in),
}


def kind_of(params_path: str | Path) -> str:
    """Which kind of report a params file asks for (decided from its keys by
    :mod:`ipm_analysis.inputs.params_file`); raises InputError when it cannot be read."""
    return read_params_file(params_path).kind


@dataclass
class ReportResult:
    report_id: str
    folder: Path
    params_path: Path
    seconds: float
    parameters: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False  # up to date with its manifest: not rebuilt
    warnings: list[str] = field(default_factory=list)  # printed by the command


def papermill_parameters(params_path: str | Path, kind: str | None = None) -> dict[str, Any]:
    """The validated papermill parameters of a params file (raises InputError)."""
    return KINDS[kind or kind_of(params_path)].load_params(Path(params_path))


def report_inputs(
    params_path: str | Path, kind: str | None = None, parameters: dict[str, Any] | None = None
) -> dict[str, Path]:
    """Role -> path of every file a report reads: the params file, its data files and its
    notebook (pass ``parameters`` when already loaded)."""
    kind = kind or kind_of(params_path)
    parameters = parameters if parameters is not None else papermill_parameters(params_path, kind)
    return {
        "params": Path(params_path).resolve(),
        **KINDS[kind].input_files(parameters),
        "notebook": report_notebook(KINDS[kind].notebook),
    }


@dataclass(frozen=True)
class PreparedReport:
    """A report checked and ready to build: every problem a user can fix is found by
    :func:`prepare_report`, before any kernel starts."""

    params_path: Path
    kind: str
    parameters: dict[str, Any]
    inputs: dict[str, Path]
    folder: Path  # where the report is published
    stale: str | None  # why it must be built; None when up to date

    @property
    def report_id(self) -> str:
        return self.parameters["report_id"]


def prepare_report(
    params_path: str | Path,
    output_dir: str | Path = "outputs",
    *,
    force: bool = False,
    pdf: bool = False,
    suppress: bool | None = None,
) -> PreparedReport:
    """Read and check a params file and every file it names, and decide whether its report
    is up to date. Raises :class:`InputError` for anything the user can fix.

    ``suppress`` overrides an impact report's disclosure control when not None (focus reports
    always hide small groups of pupils, so ``False`` is refused for them). A report folder
    that holds the report of another params file is refused unless ``force``.
    """
    from ipm_analysis.pipeline import manifest

    params_path = Path(params_path)
    kind = kind_of(params_path)
    if suppress is False and kind != IMPACT:
        raise InputError(
            f"--no-suppress applies to impact reports only; this is {KIND_NAMES[kind]}, which "
            "always hides groups of fewer than min_n pupils. Leave --no-suppress out.",
            path=params_path,
        )
    parameters = papermill_parameters(params_path, kind)
    if suppress is not None and kind == IMPACT:
        parameters["suppress"] = bool(suppress)
    inputs = report_inputs(params_path, kind, parameters)
    folder = Path(output_dir) / parameters["report_id"]
    if not force:
        _check_owner(folder, inputs["params"])
    stale = "--force" if force else _stale(manifest, folder, parameters, inputs)
    if stale is None and pdf and not (folder / "report.pdf").is_file():
        stale = "no PDF yet"
    return PreparedReport(params_path, kind, parameters, inputs, folder, stale)


def _stale(manifest, folder: Path, parameters: dict, inputs: dict[str, Path]) -> str | None:
    try:
        return manifest.stale_reason(folder, parameters, inputs)
    except OSError as exc:  # an input vanished since it was checked: build and report it
        return f"cannot read an input ({exc.strerror})"


def _check_owner(folder: Path, params_path: Path) -> None:
    """Refuse to replace a report that another params file built (same ``report_id``)."""
    from ipm_analysis.pipeline.manifest import read_manifest

    record = read_manifest(folder) or {}
    owner = ((record.get("inputs") or {}).get("params") or {}).get("path")
    if owner and Path(owner) != params_path:
        raise InputError(
            f"{folder} holds the report built from another params file, {owner}, with the same "
            f"report_id '{folder.name}'. Give this params file its own report_id, or add "
            "--force to replace that report.",
            path=params_path,
        )


def run_report(
    params_path: str | Path,
    output_dir: str | Path = "outputs",
    *,
    force: bool = False,
    pdf: bool = False,
    suppress: bool | None = None,
    prepared: PreparedReport | None = None,
) -> ReportResult:
    """Build one report into ``<output_dir>/<report_id>/``; returns where it went.

    The report's kind is read from the params file. A report whose manifest matches its
    params, inputs and code is skipped unless ``force``. ``pdf`` also prints ``report.pdf``
    (before publishing, so a failed PDF publishes nothing); ``suppress`` overrides the params
    file's disclosure control when not None. Under ``ipm``, Ctrl-C or SIGTERM stops the kernel
    and removes the half-built folder (:mod:`ipm_analysis.pipeline.stopping`); the earlier
    report stays as it was.
    """
    from ipm_analysis.pipeline import manifest

    start, started = time.perf_counter(), manifest.now_iso()
    output_dir = Path(output_dir)
    if prepared is None:
        check_output_dir(output_dir)
        prepared = prepare_report(params_path, output_dir, force=force, pdf=pdf, suppress=suppress)
    if pdf:
        from ipm_analysis.pipeline.pdf import check_pdf_tools

        check_pdf_tools()  # fail before the slow part when no browser is installed
    parameters, final = prepared.parameters, prepared.folder
    report_id = prepared.report_id
    if prepared.stale is None:
        seconds = time.perf_counter() - start
        return ReportResult(
            report_id, final, prepared.params_path, seconds, parameters, skipped=True
        )
    hashes = manifest.input_hashes(prepared.inputs)  # before the run: what it was built from
    work = Path(tempfile.mkdtemp(prefix=f".{report_id}.building-", dir=output_dir))
    work.chmod(0o755)  # mkdtemp makes it private; a published report is for reading
    stopping.track_folder(work)  # removed if Ctrl-C or SIGTERM stops the run
    try:
        build_report(prepared.inputs["notebook"], work, parameters)
        check_privacy(prepared.kind, parameters, work)
        if pdf:
            from ipm_analysis.pipeline.pdf import html_to_pdf

            html_to_pdf(work / "report.html", work / "report.pdf", title=parameters["title"])
    except Exception as exc:
        error = explain_failure(exc, work, output_dir / f"{report_id}.failed")
        stopping.untrack_folder(work)
        raise error from None
    seconds = time.perf_counter() - start
    warnings = read_warnings(work)
    record = manifest.build_manifest(parameters, hashes, started=started, seconds=seconds)
    manifest.write_manifest(work, record)
    publish(work, final)
    stopping.untrack_folder(work)
    shutil.rmtree(output_dir / f"{report_id}.failed", ignore_errors=True)
    return ReportResult(
        report_id, final, prepared.params_path, seconds, parameters, warnings=warnings
    )


def check_privacy(kind: str, parameters: dict[str, Any], folder: Path) -> None:
    """Scan a focus report's files for pupil-level input before it is published: a school's
    report may show its pupils' ids and computed figures only, a programme report no pupil
    at all (:func:`ipm_analysis.focus.privacy.scan_outputs`). Raises ReportError on a find."""
    if kind == IMPACT:
        return
    from ipm_analysis.focus.privacy import scan_outputs

    named = _files_named_in(parameters)
    pupil_files = [path for key, path in named.items() if key.split()[0] in ("pupils", "schools")]
    findings = scan_outputs(folder, pupil_files, pupil_rows=kind == FOCUS)
    if findings:
        raise ReportError(
            "the privacy check found pupil-level data in the report, so it was not published: "
            + "; ".join(findings[:5])
            + (f" (and {len(findings) - 5} more)" if len(findings) > 5 else "")
        )


def read_warnings(folder: Path) -> list[str]:
    """The warnings a report's notebook recorded in ``report_info.json`` (none if absent)."""
    import json

    try:
        info = json.loads((folder / "report_info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    warnings = info.get("warnings") if isinstance(info, dict) else None
    return [str(w) for w in warnings] if isinstance(warnings, list) else []


def build_report(notebook: Path, work: Path, parameters: dict[str, Any]) -> None:
    """Execute the notebook into ``work`` and export its HTML (one export pass)."""
    from ipm_analysis.pipeline.export import export_html, warm_up
    from ipm_analysis.pipeline.kernel import KERNEL_LOG

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
    from ipm_analysis.pipeline.kernel import running_kernel

    with running_kernel(output.parent) as kernel:
        helper = _start_thread(alongside) if alongside is not None else None
        import papermill  # imported while the kernel starts up

        executed = papermill.execute_notebook(
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
        if helper is not None:
            helper.join()  # the exporter it warms is used next
        return executed


def _start_thread(work: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        with contextlib.suppress(Exception):
            work()

    thread = threading.Thread(target=run, name="ipm-alongside-kernel", daemon=True)
    thread.start()
    return thread


def publish(work: Path, final: Path) -> None:
    """Swap a finished folder into place, keeping the old one until the swap is done (two
    reports with one report_id, built together under --force, take turns). Ctrl-C and
    SIGTERM wait for the swap, so a report is never left half-swapped."""
    with stopping.signals_held():
        _swap(work, final)


def _swap(work: Path, final: Path) -> None:
    for _ in range(10):
        old = None
        if final.exists():
            old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
            with contextlib.suppress(FileNotFoundError):
                final.rename(old)
        try:
            work.rename(final)
        except OSError:  # another build published in between: go round again
            continue
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        return
    raise ReportError(f"could not move the finished report into {final}.")


def explain_failure(exc: Exception, work: Path, failed: Path) -> Exception:
    """The error to show for a failed build. Bad input found while the notebook ran is the
    user's to fix and its message says how, so nothing is kept; any other failure keeps
    what the run left in ``failed`` for debugging."""
    if isinstance(exc, InputError) or getattr(exc, "ename", None) == "InputError":
        shutil.rmtree(work, ignore_errors=True)
        return InputError(str(getattr(exc, "evalue", None) or exc))
    shutil.rmtree(failed, ignore_errors=True)
    work.rename(failed)
    kept = _what_is_kept(failed)
    ename = getattr(exc, "ename", None)
    detail = getattr(exc, "evalue", None) or str(exc).strip().splitlines()[-1:] or [repr(exc)]
    detail = detail if isinstance(detail, str) else detail[0]
    return ReportError(f"the report failed: {ename or type(exc).__name__}: {detail}.{kept}")


def _what_is_kept(failed: Path) -> str:
    """Where to look: the executed notebook, or the kernel's log when the kernel died before
    the notebook could be saved."""
    from ipm_analysis.pipeline.kernel import KERNEL_LOG

    notebook, log = failed / "report.ipynb", failed / KERNEL_LOG
    if notebook.is_file():
        return f" The executed notebook is kept for debugging in {notebook}."
    if log.is_file():
        return f" The kernel stopped before the notebook could be saved; its log is in {log}."
    return f" What the run left is kept in {failed}."
