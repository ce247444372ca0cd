"""Inputs that read cleanly but cannot be what the user meant: caught before any figure is
computed, with what to check.

Each check is bad input (:class:`InputError`, exit 2) when no honest report could come of it
(two years from different LAs, no roster school in either file, every school withdrawn, no
figure for any school, one school on the roster twice); a warning (printed by the command and
shown at the top of the report) when the report is still right but the user should look (a
roster column the workbook does not read; no progress figure although attainment exists).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.dfe_tables import SCHOOL_RECTYPES, PerformanceTable
from ipm_analysis.inputs.roster import WITHDRAWN


def check_same_la(tables: Mapping[int, PerformanceTable]) -> None:
    """The years' files must cover the same LA(s): an outcome file from another LA would
    compare different schools."""
    leas = {year: set(table.rows(SCHOOL_RECTYPES)["LEA"]) - {""} for year, table in tables.items()}
    years = sorted(leas)
    for earlier, later in zip(years, years[1:], strict=False):
        if leas[earlier] and leas[later] and not leas[earlier] & leas[later]:
            raise InputError(
                f"the {earlier} file holds schools of LA {_codes(leas[earlier])} and the {later} "
                f"file schools of LA {_codes(leas[later])}: the two years must come from the "
                "same LA (or both be England files). Check which file was downloaded for "
                f"{later}.",
                path=tables[later].path,
            )


def _codes(codes: set[str]) -> str:
    ordered = sorted(codes)
    return ", ".join(ordered[:3]) + (f" and {len(ordered) - 3} more" if len(ordered) > 3 else "")


def check_roster_in_tables(
    roster: pd.DataFrame, links: pd.DataFrame, tables: Mapping[int, PerformanceTable]
) -> None:
    """At least one roster school must be in the files, and no school may be on the roster
    twice under its old and new URN (an academy conversion), or it would count twice."""
    path = roster.attrs.get("path")
    linked = links.loc[roster["urn"]]
    found = linked.filter(like="linked_urn_").notna().any(axis=1)
    if not found.any():
        files = " and ".join(str(t.path) for t in tables.values())
        raise InputError(
            f"none of the roster's {len(roster)} schools is in {files}. Check that the files "
            "are for the roster's LA and that the urn column holds URNs (6 digits), not "
            "LA establishment numbers.",
            path=path,
        )
    lines = dict(zip(roster["urn"], roster["line"], strict=True))
    for column in linked.filter(like="linked_urn_").columns:
        used = linked[column].dropna()
        twice = used[used.duplicated(keep=False)]
        if twice.empty:
            continue
        first, second = list(twice.index[:2])
        year = column.removeprefix("linked_urn_")
        raise InputError(
            f"URN {first} (line {lines[first]}) and URN {second} (line {lines[second]}) are "
            f"the same school: in the {year} file both lead to URN {twice.iloc[0]} (an academy "
            "conversion gives a school a new URN, and the workbook follows it). List the "
            "school once, under either URN.",
            path=path,
            row=int(lines[second]),
            column="urn",
        )


def check_schools_have_figures(
    schools: pd.DataFrame,
    roster_path: str | Path | None,
    measures: Sequence[str] = ("progress", "attainment"),
) -> list[str]:
    """Refuse a report in which no school counts in any of ``measures`` (the report's); warn
    when the files have progress but none of the roster's schools does.

    Returns warnings.
    """
    if schools["status"].eq(WITHDRAWN).all():
        raise InputError(
            f"every one of the roster's {len(schools)} schools is marked withdrawn, so no "
            "school counts in any figure. Mark the schools that took part as completed (or "
            "leave status blank).",
            path=roster_path,
            column="status",
        )
    completed = schools[schools["status"].ne(WITHDRAWN)]
    counts = {}
    for measure in measures:
        both = completed[f"baseline_{measure}"].notna() & completed[f"outcome_{measure}"].notna()
        counts[measure] = int(both.sum())
    if not any(counts.values()):
        first = measures[0] if measures else "attainment"
        names = " or ".join(m.replace("_", " ") for m in measures) or "any"
        raise InputError(
            f"none of the {len(completed)} schools that completed has a {names} figure in "
            f"both years, so the report would have no figures. Their {first.replace('_', ' ')} "
            f"figures are: {_reasons(completed, first)}. Check the years and the subject, "
            "and that the files are the school-level KS2 tables.",
            path=roster_path,
        )
    if "progress" in counts and counts["progress"] == 0:
        return [
            "no school that completed has a progress score in both years (their progress "
            f"figures are: {_reasons(completed)}); the report's progress figures are empty "
            "and only attainment can be read."
        ]
    return []


def _reasons(schools: pd.DataFrame, measure: str = "progress") -> str:
    """'6 suppressed (small cohort), 2 not in one year's file' from the schools' reasons."""
    reasons = []
    for role in ("baseline", "outcome"):
        column = f"{role}_{measure}_reason"
        if column in schools:
            reasons += schools[column].dropna().astype(str).tolist()
    missing_urn = schools["baseline_urn"].isna() | schools["outcome_urn"].isna()
    reasons += ["not in one year's file"] * int(missing_urn.sum())
    if not reasons:
        return "no figures given"
    counts = pd.Series(reasons).value_counts()
    return ", ".join(f"{n} {reason}" for reason, n in counts.items())
