"""Ctrl-C and SIGTERM during ``ipm report`` and ``ipm batch``, sent to a real process while its
kernels run: exit 130 / 143, no traceback, no hidden half-built folder, no kernel left
running, and the earlier report as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import write_example_batch

pytestmark = pytest.mark.e2e


def _children(pid: int) -> set[int]:
    """Every descendant process of ``pid`` (from /proc)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (task / "children").read_text().split() if task.exists() else []
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _interrupt_while_building(
    args: list[str], out: Path, sig: int, group: bool, starting: bool = False
):
    """Start ``ipm ARGS``, wait until a kernel is running a report (or, when ``starting``,
    until the report's folder appears: the kernel is starting), send ``sig`` (to the whole
    process group, as a terminal's Ctrl-C does, when ``group``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ipm_analysis.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    kernels: set[int] = set()
    while time.monotonic() < deadline:
        building = list(out.glob(".*.building-*"))
        kernels = {p for p in _children(process.pid) if b"ipykernel" in _cmdline(p)}
        if building and (kernels or starting):
            break
        time.sleep(0.01)
    assert building, "no report was started"
    if not starting:
        time.sleep(0.5)  # let the kernel get into the notebook's cells
    descendants = _children(process.pid)
    if group:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout, stderr, descendants


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.fixture
def built_once(tmp_path):
    """The made-up example batch, built once; returns (params files, output folder, the
    earlier report's bytes)."""
    params = write_example_batch(tmp_path / "inputs")
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ipm_analysis.cli",
            "report",
            str(params[0]),
            "--output-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return params, out, (out / "example-a" / "report.html").read_bytes()


@pytest.mark.parametrize(
    ("sig", "group", "code", "said"),
    [
        (signal.SIGINT, True, 130, "stopped (Ctrl-C)"),
        (signal.SIGTERM, False, 143, "stopped (SIGTERM)"),
    ],
)
def test_interrupted_report_keeps_the_earlier_one(built_once, sig, group, code, said):
    params, out, before = built_once
    args = ["report", str(params[0]), "--output-dir", str(out), "--force"]
    returncode, _, stderr, descendants = _interrupt_while_building(args, out, sig, group)
    assert returncode == code, stderr
    assert "Traceback" not in stderr and said in stderr
    assert sorted(p.name for p in out.iterdir()) == ["example-a"]  # nothing hidden, no .failed
    assert (out / "example-a" / "report.html").read_bytes() == before
    assert not _alive(descendants)  # the kernel was stopped
    # and again while the kernel is still starting up
    returncode, _, stderr, descendants = _interrupt_while_building(
        args, out, sig, group, starting=True
    )
    assert returncode == code, stderr
    assert "Traceback" not in stderr and said in stderr
    assert sorted(p.name for p in out.iterdir()) == ["example-a"]  # nothing hidden, no .failed
    assert (out / "example-a" / "report.html").read_bytes() == before
    assert not _alive(descendants)  # the kernel was stopped


@pytest.mark.parametrize(
    ("sig", "group", "code"), [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)]
)
def test_interrupted_parallel_batch_stops_every_worker(built_once, sig, group, code):
    params, out, before = built_once
    args = ["batch", *map(str, params), "--output-dir", str(out), "--jobs", "2", "--force"]
    returncode, _, stderr, descendants = _interrupt_while_building(args, out, sig, group)
    assert returncode == code, stderr
    assert "Traceback" not in stderr
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert (out / "example-a" / "report.html").read_bytes() == before
    assert not _alive(descendants)  # workers and their kernels
