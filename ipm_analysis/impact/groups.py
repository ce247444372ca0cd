"""The report's groups of schools, defined once: who is in ``all``, each cohort, TLA, and
the schools that started below the national average."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipm_analysis.inputs.roster import COMPLETED, cohort_labels

#: Who a figure is about. ``itt`` (intention to treat): every school recruited, withdrawn
#: schools included with their published figures, the primary analysis; ``completed``: the
#: schools that completed the year (the figures of the seed reports).
ITT = "itt"
COMPLETED_ONLY = "completed"
POPULATIONS = (ITT, COMPLETED_ONLY)

ALL = "all"
TLA_YES = "tla:yes"
TLA_NO = "tla:no"
BASELINE_NEGATIVE = "baseline:negative"
#: How the project's own groups are named (reference lines such as ``la`` are not among them).
PROJECT_GROUP_PREFIXES = (ALL, "cohort:", "tla:", "baseline:")


def cohort_group(label: str) -> str:
    return f"cohort:{label}"


def group_membership(
    schools: pd.DataFrame, *, has_tla: bool, population: str = COMPLETED_ONLY
) -> pd.DataFrame:
    """A boolean column per group over the roster schools (rows as in ``schools``).

    For ``population="completed"`` only completed schools are members of any group; for
    ``"itt"`` every roster school is, withdrawn or not. ``baseline:negative`` holds schools
    whose baseline progress score is below 0 (the national average).
    """
    if population not in POPULATIONS:
        raise ValueError(f"population must be one of {', '.join(POPULATIONS)}")
    # NumPy over the roster's few rows: this runs once per report and per LA of a batch
    completed = schools["status"].to_numpy(dtype=object) == COMPLETED
    if population == ITT:
        completed = np.ones(len(schools), dtype=bool)
    cohorts = schools["cohort"].to_numpy(dtype=object)
    columns: dict[str, np.ndarray] = {ALL: completed}
    for label in cohort_labels(schools):
        columns[cohort_group(label)] = completed & (cohorts == label)
    if has_tla:
        tla = schools["tla"].to_numpy(dtype=object)
        columns[TLA_YES] = completed & np.array([t is True or t is np.True_ for t in tla])
        columns[TLA_NO] = completed & np.array([t is False or t is np.False_ for t in tla])
    baseline = schools["baseline_progress"].to_numpy(dtype=float)
    columns[BASELINE_NEGATIVE] = completed & (baseline < 0)
    # one boolean block: far cheaper than a column at a time, for every LA of a batch
    values = np.column_stack(list(columns.values())) if len(schools) else None
    return pd.DataFrame(values, columns=list(columns), index=schools.index, dtype=bool)


def describe_group(group: str, n_schools: int | None = None) -> str:
    """Plain-English name of a group for tables and sentences."""
    names = {
        ALL: "All project schools",
        TLA_YES: "With TLA package",
        TLA_NO: "Without TLA package",
        BASELINE_NEGATIVE: "Negative progress at baseline",
        "la": "Local authority (published)",
        "la_schools": "Local authority schools (averaged as the project's)",
        "national": "National",
        "pool": "Comparison pool",
    }
    if group.startswith("cohort:"):
        text = f"Cohort {group.split(':', 1)[1]}"
    elif group.startswith("comparator:"):
        text = group.split(":", 1)[1]
    else:
        text = names.get(group, group)
    if n_schools is not None:
        text += f" ({n_schools} school{'s' if n_schools != 1 else ''})"
    return text
