"""Linking a school across years when it converts to an academy and gets a new URN.

The one rule, used for roster schools and for the comparison pool alike: look the URN up in
each year's file; if absent, follow ``URN_AC`` of that URN's row in any loaded year
(old -> new); if still absent, use the URN of a row in any loaded year whose ``URN_AC`` is
this URN (new -> old). The URN used and how it was found are recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from ipm_analysis.inputs.dfe_tables import PerformanceTable

SAME = "same URN"
OLD_TO_NEW = "academy conversion: old URN -> new URN"
NEW_TO_OLD = "academy conversion: new URN -> old URN"
NOT_FOUND = "not found"


def link_urns(urns: Iterable[str], tables: Mapping[int, PerformanceTable]) -> pd.DataFrame:
    """For each URN and year: the URN to use in that year's file and how it was found.

    Returns a frame indexed by ``urn`` with columns ``linked_urn_<year>`` (``<NA>`` when the
    school is in neither form) and ``link_<year>`` (one of the module's link labels).
    """
    urn_list = list(dict.fromkeys(str(u) for u in urns))
    ordered = [tables[year] for year in sorted(tables)]
    columns: dict[str, object] = {}
    for year in sorted(tables):
        present = tables[year].school_urns
        found = [_find(urn, present, ordered) for urn in urn_list]
        columns[f"linked_urn_{year}"] = pd.array([f[0] for f in found], dtype="string")
        columns[f"link_{year}"] = [f[1] for f in found]
    return pd.DataFrame(columns, index=pd.Index(urn_list, dtype=object, name="urn"))


def touched_urns(links: pd.DataFrame) -> set[str]:
    """Every URN a set of linked schools occupies in any year (itself and its links)."""
    urns = set(links.index.astype(str))
    for column in links.columns:
        if column.startswith("linked_urn_"):
            urns.update(links[column].dropna().astype(str))
    return urns


def _find(
    urn: str, present: frozenset[str], tables: list[PerformanceTable]
) -> tuple[str | None, str]:
    """The rule, in order: same URN; old -> new via any table; new -> old via any table."""
    if urn in present:
        return urn, SAME
    for table in tables:
        new = table.successors.get(urn)
        if new is not None and new in present:
            return new, OLD_TO_NEW
    for table in tables:
        for old in table.predecessors.get(urn, ()):
            if old in present:
                return old, NEW_TO_OLD
    return None, NOT_FOUND
