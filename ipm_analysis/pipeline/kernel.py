"""The Jupyter kernel a report runs in: started before papermill is imported, so its
start-up overlaps that import, and stopped at once when the last cell has finished.

papermill drives the kernel (``execute_notebook(..., km=...)``); this module only owns its
life. It is launched as nbclient launches one (in-memory IPython history), talks over IPC
sockets in a private folder (no TCP ports, and no ipykernel warning about unencrypted TCP)
and writes its stderr to a log beside the notebook rather than to the terminal, where
shutdown chatter ("KeyboardInterrupt caught in kernel") would alarm a reader.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from ipm_analysis.pipeline import stopping

#: The kernel's own messages (its stderr): kept with a failed run, dropped from a report.
KERNEL_LOG = "kernel.log"


@contextlib.contextmanager
def running_kernel(cwd: Path) -> Iterator[AsyncKernelManager]:
    """A ``python3`` kernel running in ``cwd`` for the duration of the block.

    On leaving, the kernel is killed rather than asked to exit (~0.4 s saved): every output
    has arrived by then and the kernel holds no unsaved work.
    """
    with tempfile.TemporaryDirectory(prefix="ipm-kernel-") as sockets:
        kernel = AsyncKernelManager(
            kernel_name="python3",
            transport="ipc",
            ip=str(Path(sockets) / "kernel"),
        )
        try:
            # Ctrl-C and SIGTERM wait until the kernel is started and known to
            # pipeline.stopping, which kills it if the run is stopped
            with stopping.signals_held(), (cwd / KERNEL_LOG).open("ab") as log:
                run_sync(kernel.start_kernel)(
                    cwd=str(cwd),
                    stdout=subprocess.DEVNULL,  # never the caller's pipes: a batch's stdout
                    stderr=log,  # must close when the batch ends
                    extra_arguments=["--HistoryManager.hist_file=:memory:"],
                )
                process = getattr(kernel.provisioner, "process", None)
                if process is not None:
                    stopping.track_kernel(process.pid)
            yield kernel
        finally:
            _kill(kernel)
            with contextlib.suppress(Exception):
                run_sync(kernel.shutdown_kernel)(now=True)  # finds it gone; tidies up


def _kill(kernel: AsyncKernelManager) -> None:
    """Kill the kernel's process group and wait for it to exit. Done directly, not through
    jupyter_client (whose kill polls every 0.1 s, the first poll always too early, and runs
    on an event loop that an interrupt may just have left mid-step). The kernel leads its
    own session (jupyter_client starts it so), so its group is its pid."""
    process = getattr(kernel.provisioner, "process", None)
    if process is None:
        return
    stopping.untrack_kernel(process.pid)
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
