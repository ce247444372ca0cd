"""Speed ratios, each measured against its reference in the same run on this machine.

    python benchmarks/run_all.py        # (make bench)

Prints one line per benchmark, e.g. ``report_vs_floor  ratio=1.12  target<=1.3  OK``, and
exits 1 if any misses its target. Inputs are made up in a temp folder with a seeded RNG.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from national import national_tables, write_made_up_reports  # noqa: E402

PYTHON = sys.executable
IPM = Path(PYTHON).with_name("ipm")


def timed(command: Sequence[str], cwd: Path) -> float:
    """Wall time of one process, which must succeed."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved_best(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Best times of two functions timed alternately, so machine load hits both alike."""
    a, b = [], []
    for _ in range(repeat):
        a.append(best_of(first, 1))
        b.append(best_of(second, 1))
    return min(a), min(b)


def line(name: str, ratio: float, target: str, ok: bool, detail: str) -> bool:
    print(f"{name:<22} ratio={ratio:<6.3f} target{target:<6} {'OK' if ok else 'MISS'}  {detail}")
    sys.stdout.flush()
    return ok


def ipm_command(*args: str) -> list[str]:
    return [str(IPM), *args] if IPM.exists() else [PYTHON, "-m", "ipm_analysis.cli", *args]


def bench_report_vs_floor(work: Path, params: Path, repeat: int = 5) -> bool:
    """One report as a user runs it (a fresh ``ipm report`` process) against the floor."""
    report, floor = [], []
    for i in range(repeat):  # interleaved, so machine noise hits both alike
        floor.append(timed([PYTHON, str(HERE / "floor.py"), str(work / "floor")], work))
        out = str(work / f"single-{i}")
        report.append(timed(ipm_command("report", str(params), "--output-dir", out), work))
    r, f = statistics.median(report), statistics.median(floor)
    return line(
        "report_vs_floor", r / f, "<=1.3", r / f <= 1.3, f"report {r:.2f} s, floor {f:.2f} s"
    )


def bench_batch(work: Path, params_dir: Path, rounds: int = 3) -> list[bool]:
    """8 reports with --jobs 2 against --jobs 1 (best of ``rounds`` each, alternated, each
    into an empty folder); then the re-run with nothing changed."""
    one, two = [], []
    for i in range(rounds):
        one.append(timed(ipm_batch(params_dir, f"b1-{i}", "--jobs", "1"), work))
        two.append(timed(ipm_batch(params_dir, f"b2-{i}", "--jobs", "2"), work))
    again = timed(ipm_batch(params_dir, f"b2-{rounds - 1}", "--jobs", "2"), work)
    speedup = min(one) / min(two)
    return [
        line("batch_jobs2_speedup", speedup, ">=1.8", speedup >= 1.8,
             f"--jobs 1 {min(one):.1f} s, --jobs 2 {min(two):.1f} s "
             f"(8 reports, {os.cpu_count()} CPUs, best of {rounds})"),
        line("batch_rerun_fraction", again / min(two), "<0.05", again / min(two) < 0.05,
             f"re-run with nothing changed {again:.2f} s"),
    ]  # fmt: skip


def ipm_batch(params_dir: Path, output_dir: str, *options: str) -> list[str]:
    return ipm_command("batch", str(params_dir), "--output-dir", output_dir, *options)


def bench_read(tables: dict[int, Path]) -> bool:
    """read_performance_table against plain read_csv of the same columns (fastest engine)."""
    import pandas as pd

    from ipm_analysis.inputs.dfe_tables import (
        CONTEXT_COLUMNS,
        IDENTITY_COLUMNS,
        read_performance_table,
    )
    from ipm_analysis.inputs.subjects import subject

    path = tables[2017]
    columns = subject("maths").columns
    wanted = [*IDENTITY_COLUMNS, *CONTEXT_COLUMNS, *columns]
    engine = fastest_engine()

    def plain() -> object:
        return pd.read_csv(path, usecols=wanted, dtype=str, keep_default_na=False, engine=engine)

    plain(), read_performance_table(path, 2017, columns)  # warm the page cache and imports
    # interleaved, best of 9 each: a busy neighbour slows both sides alike
    ours, base = interleaved_best(lambda: read_performance_table(path, 2017, columns), plain, 9)
    return line("read_vs_read_csv", ours / base, "<=1.2", ours / base <= 1.2,
                f"read_performance_table {ours * 1000:.0f} ms, read_csv ({engine}) "
                f"{base * 1000:.0f} ms, {path.stat().st_size / 1e6:.0f} MB")  # fmt: skip


def fastest_engine() -> str:
    """pyarrow when installed (it is not a dependency), else pandas' C engine."""
    import importlib.util

    return "pyarrow" if importlib.util.find_spec("pyarrow") else "c"


def bench_impact(tables: dict[int, Path]) -> bool:
    """The impact computations for 150 LAs' rosters of 30 schools, in one process."""
    from national import impact_for_las

    seconds, n = impact_for_las(tables, n_las=150, per_la=30)
    return line("impact_150_las", seconds, "<1.0s", seconds < 1.0,
                f"{n} LAs x 30 schools in {seconds:.2f} s (tables parsed once)")  # fmt: skip


def main() -> int:
    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="ipm-bench-"))
    try:
        print(f"ipm benchmarks: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        tables = national_tables(work / "national")
        params_dir = write_made_up_reports(work / "reports", n_reports=8)
        first = sorted(params_dir.glob("*.yaml"))[0]
        results = [
            bench_read(tables),
            bench_impact(tables),
            bench_report_vs_floor(work, first),
            *bench_batch(work, params_dir),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
