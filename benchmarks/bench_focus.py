"""Benchmark: focus-pupil computation on a synthetic national-size cohort.

650,000 pupils in 16,000 schools. Times the package's PAG assignment + progress + capping +
school aggregation against a bare NumPy floor (searchsorted + grouped mean via np.bincount
over the same arrays), in the same run. Targets: ratio <= 2x, under 1 s, peak memory < 1 GB.
Run: ``python benchmarks/bench_focus.py``. The PAG table is the shipped example's, from its
generator in ``examples/generator/focus.py`` (in the checkout, not the installed package).
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the example generators are imported from the checkout
    sys.path.insert(0, str(ROOT))

from examples.generator.focus import synthetic_pag_table  # noqa: E402
from ipm_analysis.focus.prior_attainment import PagTable  # noqa: E402
from ipm_analysis.focus.pupil_progress import (  # noqa: E402
    interval_half_width,
    progress_arrays,
    school_means,
)

N_PUPILS, N_SCHOOLS, SIGMA, REPEATS = 650_000, 16_000, 5.38985717, 7


def cohort(seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    school = rng.integers(0, N_SCHOOLS, N_PUPILS)
    aps = rng.choice(np.arange(3, 27.25, 0.25), N_PUPILS)
    aps[rng.random(N_PUPILS) < 0.03] = np.nan  # no KS1
    score = rng.integers(80, 121, N_PUPILS).astype(float)
    return school, aps, score


def table() -> PagTable:
    frame = synthetic_pag_table(2019)
    return PagTable(
        year=2019,
        path=Path("synthetic"),
        pag=frame["pag"].to_numpy(),
        aps_min=frame["ks1_aps_min"].to_numpy(float),
        aps_max=frame["ks1_aps_max"].to_numpy(float),
        estimate={"maths": frame["est_maths"].to_numpy(float)},
        minimum={"maths": frame["min_maths"].to_numpy(float)},
    )


def package(school, aps, score, pag):
    _, _, _, capped = progress_arrays(aps, score, pag, "maths")
    mean, n = school_means(school, capped, N_SCHOOLS)
    return mean, mean - interval_half_width(SIGMA, n), n


def floor(school, aps, score, pag):
    index = np.searchsorted(pag.aps_min, aps, side="right") - 1
    progress = score - pag.estimate["maths"][index]
    ok = ~np.isnan(aps)
    n = np.bincount(school[ok], minlength=N_SCHOOLS)
    return np.bincount(school[ok], weights=progress[ok], minlength=N_SCHOOLS) / n


def best_of(fn, *args) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    school, aps, score = cohort()
    pag = table()
    with np.errstate(divide="ignore", invalid="ignore"):
        package(school, aps, score, pag)  # warm up
        t_pkg = best_of(package, school, aps, score, pag)
        t_floor = best_of(floor, school, aps, score, pag)
        tracemalloc.start()
        package(school, aps, score, pag)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    print(f"pupils {N_PUPILS:,}, schools {N_SCHOOLS:,}, best of {REPEATS}")
    print(f"package (PAG + progress + capping + school mean/CI): {t_pkg * 1000:.1f} ms")
    print(f"bare NumPy floor (searchsorted + bincount mean):     {t_floor * 1000:.1f} ms")
    print(f"ratio package/floor: {t_pkg / t_floor:.2f}x (target <= 2x)")
    print(f"absolute: {t_pkg:.3f} s (target < 1 s)")
    print(
        f"peak traced memory of one run: {peak / 2**20:.0f} MiB; process max RSS: "
        f"{rss:.0f} MiB (target < 1 GB)"
    )


if __name__ == "__main__":
    main()
