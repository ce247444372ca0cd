"""Linking a school across years when it converts to an academy and gets a new URN.

The one rule, used for roster schools and for the comparison pool alike: look the URN up in
each year's file; if absent, follow ``URN_AC`` of that URN's row in any loaded year
(old -> new); if still absent, use the URN of a row in any loaded year whose ``URN_AC`` is
this URN (new -> old). The URN used and how it was found are recorded.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping

import pandas as pd

from ipm_analysis.dfe_tables import SCHOOL_RECTYPES, PerformanceTable

SAME = "same URN"
OLD_TO_NEW = "academy conversion: old URN -> new URN"
NEW_TO_OLD = "academy conversion: new URN -> old URN"
NOT_FOUND = "not found"


def link_urns(urns: Iterable[str], tables: Mapping[int, PerformanceTable]) -> pd.DataFrame:
    """For each URN and year: the URN to use in that year's file and how it was found.

    Returns a frame indexed by ``urn`` with columns ``linked_urn_<year>`` (``<NA>`` when the
    school is in neither form) and ``link_<year>`` (one of the module's link labels).
    """
    present: dict[int, set[str]] = {}
    successors: dict[str, list[str]] = {}
    predecessors: dict[str, list[str]] = {}
    for year, table in tables.items():
        present[year], conversions = _urn_index(table)
        for old, new in conversions:
            _append_once(successors, old, new)
            _append_once(predecessors, new, old)
    urn_list = list(dict.fromkeys(str(u) for u in urns))
    columns: dict[str, list] = {}
    for year in sorted(tables):
        linked, how = [], []
        for urn in urn_list:
            found = _find(urn, present[year], successors, predecessors)
            linked.append(found[0])
            how.append(found[1])
        columns[f"linked_urn_{year}"] = linked
        columns[f"link_{year}"] = how
    frame = pd.DataFrame(columns, index=pd.Index(urn_list, name="urn"))
    for year in tables:
        frame[f"linked_urn_{year}"] = frame[f"linked_urn_{year}"].astype("string")
    return frame


_index_cache: dict[int, tuple[set[str], list[tuple[str, str]]]] = {}


def _urn_index(table: PerformanceTable) -> tuple[set[str], list[tuple[str, str]]]:
    """A table's school URNs and its (old, new) academy conversions, computed once per
    table: linking many rosters against one national file must not rescan it each time."""
    key = id(table.frame)
    if key not in _index_cache:
        rows = table.rows(SCHOOL_RECTYPES)
        converted = rows[~rows["URN_AC"].isin(["", "0"])]
        pairs = list(zip(converted["URN"], converted["URN_AC"], strict=True))
        _index_cache[key] = (set(rows["URN"]), pairs)
        weakref.finalize(table.frame, _index_cache.pop, key, None)
    return _index_cache[key]


def touched_urns(links: pd.DataFrame) -> set[str]:
    """Every URN a set of linked schools occupies in any year (itself and its links)."""
    urns = set(links.index.astype(str))
    for column in links.columns:
        if column.startswith("linked_urn_"):
            urns.update(links[column].dropna().astype(str))
    return urns


def _find(
    urn: str,
    present: set[str],
    successors: dict[str, list[str]],
    predecessors: dict[str, list[str]],
) -> tuple[str | None, str]:
    if urn in present:
        return urn, SAME
    for new in successors.get(urn, ()):
        if new in present:
            return new, OLD_TO_NEW
    for old in predecessors.get(urn, ()):
        if old in present:
            return old, NEW_TO_OLD
    return None, NOT_FOUND


def _append_once(mapping: dict[str, list[str]], key: str, value: str) -> None:
    bucket = mapping.setdefault(key, [])
    if value not in bucket:
        bucket.append(value)
