"""The report's groups of schools, defined once: who is in ``all``, each cohort, TLA, and
the schools that started below the national average."""

from __future__ import annotations

import pandas as pd

from ipm_analysis.roster import COMPLETED, cohort_labels

ALL = "all"
TLA_YES = "tla:yes"
TLA_NO = "tla:no"
BASELINE_NEGATIVE = "baseline:negative"


def cohort_group(label: str) -> str:
    return f"cohort:{label}"


def group_membership(schools: pd.DataFrame, *, has_tla: bool) -> pd.DataFrame:
    """A boolean column per group over the roster schools (rows as in ``schools``).

    Only completed schools are members of any group: withdrawn schools are listed in the
    report but count in no figure. ``baseline:negative`` holds schools whose baseline
    progress score is below 0 (the national average).
    """
    completed = schools["status"].eq(COMPLETED)
    columns: dict[str, pd.Series] = {ALL: completed}
    for label in cohort_labels(schools):
        columns[cohort_group(label)] = completed & schools["cohort"].eq(label)
    if has_tla:
        columns[TLA_YES] = completed & schools["tla"].eq(True).fillna(False)
        columns[TLA_NO] = completed & schools["tla"].eq(False).fillna(False)
    columns[BASELINE_NEGATIVE] = completed & (schools["baseline_progress"] < 0)
    return pd.DataFrame(columns, index=schools.index).astype(bool)


def describe_group(group: str, n_schools: int | None = None) -> str:
    """Plain-English name of a group for tables and sentences."""
    names = {
        ALL: "All project schools",
        TLA_YES: "With TLA package",
        TLA_NO: "Without TLA package",
        BASELINE_NEGATIVE: "Negative progress at baseline",
        "la": "Local authority (published)",
        "la_schools": "Local authority schools (mean over schools)",
        "national": "National",
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
