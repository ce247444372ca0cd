"""How long do the report's bootstraps take? Target: well under a second.

10,000 resamples for every group of 35 project schools (8 groups): the change CI of each
group (progress, both years paired) and the comparison summary (net change, excess change
with the pool refitted, MDE). Plain script: ``python benchmarks/bench_bootstrap.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ipm_analysis.impact.comparison import comparison_summary
from ipm_analysis.impact.uncertainty import bootstrap_change_ci

TARGET_SECONDS = 1.0
N_RESAMPLES = 10_000
N_PROJECT, N_POOL = 35, 400


def made_up_la(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """35 project schools, a pool of 400 and 8 overlapping groups, with regression to the mean."""
    rng = np.random.default_rng(seed)

    def schools(n: int, prefix: str, centre: float) -> pd.DataFrame:
        baseline = rng.normal(centre, 2.5, n)
        outcome = 0.5 * baseline + rng.normal(0, 2.2, n)
        index = pd.Index([f"{prefix}{i}" for i in range(n)], name="urn")
        return pd.DataFrame({"baseline": baseline, "outcome": outcome}, index=index)

    project = schools(N_PROJECT, "P", -1.0)
    pool = schools(N_POOL, "Q", 0.0)
    pool["change"] = pool["outcome"] - pool["baseline"]
    position = np.arange(N_PROJECT)
    membership = pd.DataFrame(
        {
            "all": True,
            "cohort:1": position < 18,
            "cohort:2": position >= 18,
            "tla:yes": position % 3 == 0,
            "tla:no": position % 3 != 0,
            "baseline:negative": project["baseline"].to_numpy() < 0,
            "baseline:positive": project["baseline"].to_numpy() >= 0,
            "completed": position != 7,
        },
        index=project.index,
    )
    return project, pool, membership


def run(project: pd.DataFrame, pool: pd.DataFrame, membership: pd.DataFrame) -> None:
    for group in membership.columns:
        schools = project[membership[group]]
        bootstrap_change_ci(schools["baseline"], schools["outcome"], n_resamples=N_RESAMPLES)
    comparison_summary(project, pool, membership, n_resamples=N_RESAMPLES)


def main() -> None:
    project, pool, membership = made_up_la()
    run(project, pool, membership)  # warm-up: imports and first allocations
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        run(project, pool, membership)
        timings.append(time.perf_counter() - start)
    best, median = min(timings), float(np.median(timings))
    print(
        f"{N_RESAMPLES:,} resamples, {N_PROJECT} schools, {len(membership.columns)} groups, "
        f"pool of {N_POOL}: change CI + net change, excess change and MDE for every group"
    )
    print(f"median {median:.3f} s, best {best:.3f} s over {len(timings)} runs")
    print(f"ratio to the {TARGET_SECONDS:.0f} s target: {median / TARGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()
