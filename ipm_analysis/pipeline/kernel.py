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
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

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
        with (cwd / KERNEL_LOG).open("ab") as log:  # the kernel keeps its own copy
            run_sync(kernel.start_kernel)(
                cwd=str(cwd), stderr=log, extra_arguments=["--HistoryManager.hist_file=:memory:"]
            )
        try:
            yield kernel
        finally:
            _kill(kernel)
            run_sync(kernel.shutdown_kernel)(now=True)  # finds it gone; tidies up


def _kill(kernel: AsyncKernelManager) -> None:
    """Kill the kernel's process group and wait for it to exit. jupyter_client's own kill
    polls every 0.1 s for the exit, and the first poll always comes too early."""
    process = getattr(kernel.provisioner, "process", None)
    if process is None or process.poll() is not None:
        return
    run_sync(kernel.provisioner.kill)()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
