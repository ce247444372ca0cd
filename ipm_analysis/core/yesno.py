"""The one reader of yes/no cells (a roster's ``tla``, a pupil file's flags).

Accepted, case-insensitive and ignoring surrounding spaces: yes/no, y/n, true/false, t/f and
1/0. A blank cell is missing, not "no": each
caller decides what missing means. Anything else is an error the caller reports with its own
file, line and column.
"""

from __future__ import annotations

import pandas as pd

YES = frozenset({"yes", "y", "true", "t", "1"})
NO = frozenset({"no", "n", "false", "f", "0"})
#: How the accepted values are named in error messages.
ACCEPTED = "yes/no, y/n, true/false, t/f or 1/0"


def parse_yes_no(values: pd.Series) -> tuple[pd.Series, int | None]:
    """``(flags, bad)``: a nullable boolean Series (``<NA>`` for blank cells) on ``values``'
    index, and the position (0-based, as ``iloc``) of the first value that is not a yes/no
    value, or None when all are."""
    text = values.astype("string").fillna("").str.strip().str.lower()
    yes, no = text.isin(YES), text.isin(NO)
    bad = ~(yes | no | text.eq(""))
    flags = pd.Series(pd.NA, index=values.index, dtype="boolean")
    flags[yes.to_numpy()] = True
    flags[no.to_numpy()] = False
    first = int(bad.to_numpy().argmax()) if bad.any() else None
    return flags, first
