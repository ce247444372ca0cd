"""How long does the whole evaluation take? Target: under 1 s of compute.

The 2017-18 example: a 35-school roster on an LA file of about 300 schools, its four measures
(progress, attainment, higher standard, scaled score, each compared), every group in both
populations (intention to treat and completed), matching on the default variables,
t intervals with the shared-comparison term, 2,000 placebo pseudo-projects per group, the
event study, the pre-trend and difference-in-differences rows, the 2018 capping sensitivity
and effect sizes. The files are read once, outside the timing (reading has its own benchmark
in run_all.py). Plain script: ``python benchmarks/bench_evaluation.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ipm_analysis.impact.evaluation import evaluate_inputs, read_inputs
from ipm_analysis.inputs.params import load_params

TARGET_SECONDS = 1.0
PARAMS = Path(__file__).resolve().parents[1] / "params" / "ipm_2017_18.yaml"


def main() -> None:
    params = load_params(PARAMS)
    inputs = read_inputs(params)
    ev = evaluate_inputs(params, *inputs)  # warm-up: imports, first allocations, parsing
    timings = []
    for _ in range(7):
        start = time.perf_counter()
        evaluate_inputs(params, *inputs)
        timings.append(time.perf_counter() - start)
    best, median = min(timings), float(np.median(timings))
    groups = len(ev.membership.columns)
    print(
        f"{len(ev.schools)} schools, {groups} groups x 2 populations, pool of {len(ev.pool)}, "
        f"matched on {', '.join(ev.match_on)}, {params.n_placebo:,} placebo draws per group"
    )
    print(f"median {median:.3f} s, best {best:.3f} s over {len(timings)} runs")
    print(f"ratio to the {TARGET_SECONDS:.0f} s target: {median / TARGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()
