"""Run a batch's reports on a Dask distributed cluster (``ipm batch --dask-scheduler``).

Workers need the workbook installed (the same code: a job carries the code fingerprint and a
worker with different code refuses it) but no shared filesystem: each job carries its input
files' bytes (shared files such as a national table are scattered once, not once per report)
and a params YAML rewritten to point at those copies in a worker temp folder; the worker
sends the finished (or failed) report folder back as a zip. Here it is unpacked into a
temporary folder, its manifest written from the local files, and published atomically, as
``ipm report`` does. Dask is an optional extra (``pip install '.[dask]'``) imported only here.

On one machine the process pool is the fast path: a LocalCluster costs seconds to start.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ipm_analysis.core.errors import InputError, MissingToolError, ReportError, first_line

SCHEDULER = re.compile(r"(tcp|tls)://[^\s/:]+:\d{1,5}")


@dataclass(frozen=True)
class RemoteJob:
    """Everything a worker needs for one report, besides the input bytes (sent alongside)."""

    report_id: str
    params_name: str
    params_yaml: str
    code_fingerprint: str
    kind: str = "impact"


@dataclass(frozen=True)
class RemoteResult:
    """What comes back: the report folder as a zip, or the error and the failed folder."""

    report_id: str
    archive: bytes
    seconds: float
    started: str
    ename: str = ""  # empty when the report was built
    evalue: str = ""


class RemoteFailure(Exception):
    """A report's failure on a worker, shaped like papermill's error for the runner."""

    def __init__(self, ename: str, evalue: str) -> None:
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue = ename, evalue


def rewrite_params(
    mapping: Any, base_dir: Path, shipped: dict[Path, str]
) -> Any:  # a YAML tree in, the same tree out
    """``mapping`` with every path that names a shipped file replaced by its shipped name."""
    if isinstance(mapping, dict):
        return {k: rewrite_params(v, base_dir, shipped) for k, v in mapping.items()}
    if isinstance(mapping, list):
        return [rewrite_params(v, base_dir, shipped) for v in mapping]
    if isinstance(mapping, str) and mapping.strip():
        path = Path(mapping).expanduser()
        resolved = (path if path.is_absolute() else base_dir / path).resolve()
        return shipped.get(resolved, mapping)
    return mapping


def make_job(params_path: Path, prepared: Any = None) -> tuple[RemoteJob, dict[str, Path]]:
    """The job for one params file (of any kind) and its data files (shipped name -> local
    path). ``prepared`` (the batch plan's ``PreparedReport``) carries what the plan added, such
    as the batch's other rosters kept out of the comparison pool."""
    import yaml

    from ipm_analysis.pipeline.manifest import code_fingerprint
    from ipm_analysis.pipeline.runner import kind_of, papermill_parameters, report_inputs

    kind = kind_of(params_path)
    parameters = prepared.parameters if prepared else papermill_parameters(params_path, kind)
    inputs = prepared.inputs if prepared else report_inputs(params_path, kind)
    data = [p for role, p in inputs.items() if role not in ("params", "notebook")]
    # one folder per file keeps each file's own name (the report shows file names)
    files = {f"inputs/{i}/{path.name}": path for i, path in enumerate(data)}
    shipped = {path.resolve(): name for name, path in files.items()}
    mapping = yaml.safe_load(Path(params_path).read_text(encoding="utf-8"))
    if parameters.get("exclude_from_pool"):
        mapping["exclude_from_pool"] = list(parameters["exclude_from_pool"])
    rewritten = rewrite_params(mapping, Path(params_path).resolve().parent, shipped)
    job = RemoteJob(
        report_id=parameters["report_id"],
        params_name=Path(params_path).name,
        params_yaml=yaml.safe_dump(rewritten, sort_keys=False, allow_unicode=True),
        code_fingerprint=code_fingerprint(),
        kind=kind,
    )
    return job, files


def build_remote(job: RemoteJob, files: dict[str, bytes]) -> RemoteResult:
    """Run on a worker: build the report in a temp folder and return it zipped."""
    from ipm_analysis.pipeline.manifest import code_fingerprint, now_iso
    from ipm_analysis.pipeline.resources import report_notebook
    from ipm_analysis.pipeline.runner import (
        KINDS,
        build_report,
        check_privacy,
        papermill_parameters,
    )

    start, started = time.perf_counter(), now_iso()
    if job.code_fingerprint != code_fingerprint():
        return RemoteResult(
            job.report_id,
            b"",
            0.0,
            started,
            "ReportError",
            "this Dask worker runs different workbook code; install the same version of "
            "ipm-analysis on the workers",
        )
    root = Path(tempfile.mkdtemp(prefix="ipm-dask-"))
    try:
        for name, data in files.items():
            target = _inside(root, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        params_path = root / job.params_name
        params_path.write_text(job.params_yaml, encoding="utf-8")
        work = root / "out" / job.report_id
        work.mkdir(parents=True)
        ename = evalue = ""
        try:
            parameters = papermill_parameters(params_path, job.kind)
            build_report(report_notebook(KINDS[job.kind].notebook), work, parameters)
            check_privacy(job.kind, parameters, work)
        except Exception as exc:  # sent back with the failed folder
            ename = getattr(exc, "ename", None) or type(exc).__name__
            evalue = str(getattr(exc, "evalue", None) or exc)
        return RemoteResult(
            job.report_id, zip_folder(work), time.perf_counter() - start, started, ename, evalue
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def zip_folder(folder: Path) -> bytes:
    """A folder's files as zip bytes (relative names, sorted)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def unzip_into(data: bytes, folder: Path) -> None:
    """Unpack zip bytes into ``folder``, refusing names that would land outside it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            target = _inside(folder, info.filename)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))


def _inside(root: Path, name: str) -> Path:
    target = (root / name).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ReportError(f"refusing a file name outside the report folder: {name!r}")
    return target


def publish_remote(
    result: RemoteResult,
    params_path: Path,
    output_dir: Path,
    hashes: dict[str, dict[str, Any]],
    parameters: dict[str, Any] | None = None,
) -> Path:
    """Unpack a worker's result into a temp folder, write its manifest (from the local
    files), and move it into place atomically; a failure is kept in ``<id>.failed/``."""
    from ipm_analysis.pipeline import manifest
    from ipm_analysis.pipeline.runner import explain_failure, papermill_parameters, publish

    parameters = parameters or papermill_parameters(params_path)
    report_id = parameters["report_id"]
    output_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{report_id}.building-", dir=output_dir))
    work.chmod(0o755)
    if result.archive:
        unzip_into(result.archive, work)
    if result.ename:
        failure = RemoteFailure(result.ename, result.evalue)
        raise explain_failure(failure, work, output_dir / f"{report_id}.failed")
    record = manifest.build_manifest(
        parameters, hashes, started=result.started, seconds=result.seconds
    )
    record["built_on"] = "dask"
    manifest.write_manifest(work, record)
    final = output_dir / report_id
    publish(work, final)
    shutil.rmtree(output_dir / f"{report_id}.failed", ignore_errors=True)
    return final


def check_scheduler(scheduler: str) -> None:
    """Refuse a scheduler address that is not ``tcp://HOST:PORT`` and a machine without Dask,
    before anything is built."""
    if not SCHEDULER.fullmatch(scheduler):
        raise InputError(f"--dask-scheduler must look like tcp://HOST:PORT (got {scheduler!r}).")
    try:
        import distributed  # noqa: F401  (only when a cluster is asked for)
    except ImportError:
        raise MissingToolError(
            "--dask-scheduler needs Dask's distributed scheduler, which is an optional extra: "
            "pip install 'ipm-analysis[dask]' (or, in a checkout, pip install -e '.[dask]')."
        ) from None


def connect(scheduler: str):
    """A Dask client for ``tcp://HOST:PORT``, with a clear error when it cannot be reached."""
    check_scheduler(scheduler)
    from distributed import Client

    try:
        return Client(scheduler, timeout="20s")
    except OSError as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the address and "
            "that the scheduler is running."
        ) from None


def run_distributed(
    scheduler: str | Any,
    queued: Sequence[Any],
    output_dir: Path,
    on_change: Callable[[Any], None],
) -> list[Any]:
    """Build the queued batch items (``BatchItem``) on the cluster; returns their results.

    ``scheduler`` is an address or an existing ``distributed.Client``.
    """
    from distributed import as_completed

    from ipm_analysis.pipeline.manifest import input_hashes, sha256_file
    from ipm_analysis.pipeline.runner import read_warnings, report_inputs

    client = connect(scheduler) if isinstance(scheduler, str) else scheduler
    done: list[Any] = []
    futures = {}
    hashes = {}  # params path -> input hashes taken when the job was sent
    scattered: dict[str, Any] = {}  # sha256 -> future: a shared file travels once
    try:
        for item in queued:
            try:
                job, files = make_job(item.params_path, item.prepared)
                inputs = item.prepared.inputs if item.prepared else None
                hashes[item.params_path] = input_hashes(inputs or report_inputs(item.params_path))
                remote_files = {}
                for name, path in files.items():
                    digest = sha256_file(path)
                    if digest not in scattered:
                        scattered[digest] = client.scatter(path.read_bytes(), hash=False)
                    remote_files[name] = scattered[digest]
            except Exception as exc:
                done.append(replace(item, status="failed", message=first_line(exc)))
                on_change(done[-1])
                continue
            future = client.submit(build_remote, job, remote_files, pure=False)
            futures[future] = item
            on_change(replace(item, status="running"))
        for future in as_completed(list(futures)):
            item = futures[future]
            try:
                result = future.result()
                parameters = item.prepared.parameters if item.prepared else None
                folder = publish_remote(
                    result,
                    item.params_path,
                    Path(output_dir),
                    hashes[item.params_path],
                    parameters,
                )
                warnings = tuple(read_warnings(folder))
                outcome = replace(item, status="built", seconds=result.seconds, warnings=warnings)
            except Exception as exc:  # the report failed, or its worker died
                bad_input = isinstance(exc, InputError)
                outcome = replace(
                    item, status="failed", message=first_line(exc), bad_input=bad_input
                )
            done.append(outcome)
            on_change(outcome)
    finally:
        if isinstance(scheduler, str):
            client.close()
    return done
