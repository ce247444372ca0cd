"""How years and the school year's windows are named, once for every report.

KS2 results belong to the summer a school year ends in, so the KS2 year 2018 is the academic
year 2017-18: :func:`year_label` writes it as the DfE does ("2017-18"). The focus windows
follow the adviser visits through the school year (:data:`WINDOWS`).
"""

from __future__ import annotations

#: Window id -> label, in the order of the school year.
WINDOWS: dict[str, str] = {
    "october": "October",
    "december-january": "December/January",
    "march-april": "March/April",
    "july": "July",
}


def year_label(year: int) -> str:
    """The academic year whose summer is ``year``, as the DfE writes it: 2018 -> '2017-18'."""
    year = int(year)
    return f"{year - 1}-{year % 100:02d}"
