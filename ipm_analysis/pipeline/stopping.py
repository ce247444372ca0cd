"""Stopping at once on Ctrl-C or SIGTERM, leaving nothing behind.

Raising an exception from a signal handler is not safe here: it can land inside an import
(leaving that module's import lock held, so the HTML exporter warming up on another thread
waits for ever) or inside papermill and nbclient, which catch and carry on. So the handler
does the tidying itself and ends the process: it stops the worker processes (each does the
same for itself), kills the kernels this process started, removes the half-built report
folders, says so in one line and exits 130 (Ctrl-C) or 143 (SIGTERM). Moving a finished report
into place holds signals back for the two renames (:func:`signals_held`), so an earlier report
is never left half-swapped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
_STOPPED = {
    signal.SIGINT: "ipm: stopped (Ctrl-C); earlier reports are as they were.",
    signal.SIGTERM: "ipm: stopped (SIGTERM); earlier reports are as they were.",
}

_kernels: set[int] = set()  # process groups of the kernels this process started
_folders: set[Path] = set()  # half-built report folders of this process
_workers: set[int] = set()  # pool worker processes (the batch's main process only)


def track_kernel(pid: int) -> None:
    _kernels.add(pid)


def untrack_kernel(pid: int) -> None:
    _kernels.discard(pid)


def track_folder(path: Path) -> None:
    _folders.add(Path(path))


def untrack_folder(path: Path) -> None:
    _folders.discard(Path(path))


def track_worker(pid: int) -> None:
    _workers.add(pid)


def install(*, quiet: bool = False) -> None:
    """Make Ctrl-C and SIGTERM stop this process as described above (``quiet``: a worker,
    whose main process says it)."""

    def handler(signum: int, frame: object) -> None:
        stop_now(signum, quiet=quiet)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def forget_inherited() -> None:
    """In a new worker process: what the parent tracked is the parent's to tidy."""
    _kernels.clear()
    _folders.clear()
    _workers.clear()


def stop_now(signum: int, *, quiet: bool = False) -> None:
    """Tidy up and end the process with the signal's exit code (never returns)."""
    for pid in list(_workers):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    _wait_for(_workers, seconds=10)
    for pid in list(_kernels):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    _wait_for(_kernels, seconds=5)
    for folder in list(_folders):
        shutil.rmtree(folder, ignore_errors=True)
    if not quiet:
        print(_STOPPED.get(signum, "ipm: stopped."), file=sys.stderr, flush=True)
    os._exit(EXIT_CODES.get(signum, 1))


def _wait_for(pids: set[int], seconds: float) -> None:
    """Reap the given child processes, for up to ``seconds``."""
    deadline = time.monotonic() + seconds
    waiting = set(pids)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child, or already reaped
                done = pid
            if done:
                waiting.discard(pid)
        if waiting:
            time.sleep(0.02)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for the block (they are handled right after it)."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
