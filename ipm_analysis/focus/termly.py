"""The four termly windows, who joined and left the focus list, and programme aggregates.

Windows follow the adviser visits: October, December/January, March/April, July. Only July's
figures are end-of-KS2 results; earlier windows' come from practice papers and are indicative
(:func:`is_final`, the one rule every focus table, sentence and chart follows). Programme
figures are aggregates over schools, never pupil rows, with counts below ``min_n`` suppressed.
"""

from __future__ import annotations

import re

import pandas as pd

from ipm_analysis.core.constants import SUPPRESSED
from ipm_analysis.core.errors import InputError
from ipm_analysis.core.rounding import fmt
from ipm_analysis.core.years import WINDOWS  # the window ids and labels (also used from here)

_ALIASES = {
    "oct": "october",
    "dec": "december-january",
    "december": "december-january",
    "jan": "december-january",
    "january": "december-january",
    "dec-jan": "december-january",
    "mar": "march-april",
    "march": "march-april",
    "apr": "march-april",
    "april": "march-april",
    "mar-apr": "march-april",
    "jul": "july",
}
DEFAULT_MIN_N = 3

#: The window after the KS2 tests: its scores are the pupils' results, so its progress is
#: end-of-KS2 progress, comparable with the national average (0).
FINAL_WINDOW = "july"
#: The label every figure from an earlier window carries: a practice paper against an
#: end-of-KS2 estimate indicates, and is not compared with the national average.
INDICATIVE = "indicative"


def window_id(text: object) -> str:
    """Canonical window id for ``'December/January'``, ``'dec'``, ``'march-april'`` and so on."""
    key = re.sub(r"[\s/_]+", "-", str(text).strip().lower())
    key = _ALIASES.get(key, key)
    if key not in WINDOWS:
        raise InputError(f"'{text}' is not a window; use one of: {', '.join(WINDOWS)}.")
    return key


def window_order(window: str) -> int:
    """Position of a window in the school year (0 = October)."""
    return list(WINDOWS).index(window_id(window))


def is_final(window: str) -> bool:
    """Whether ``window``'s figures are end-of-KS2 results (July, after the tests).

    Only a final window's progress may be worded against the national average ("below
    national average"); every earlier window's is labelled :data:`INDICATIVE` instead.
    """
    return window_id(window) == FINAL_WINDOW


def window_label(window: str) -> str:
    """The window as readers see it: 'July', and before July 'March/April (indicative)'."""
    key = window_id(window)
    return WINDOWS[key] if is_final(key) else f"{WINDOWS[key]} ({INDICATIVE})"


def windows_up_to(window: str) -> list[str]:
    """The windows from October up to and including ``window``."""
    return list(WINDOWS)[: window_order(window) + 1]


def focus_changes(previous: pd.DataFrame | None, current: pd.DataFrame) -> pd.DataFrame:
    """Who ``joined`` and who ``left`` the focus list since the previous window.

    Both frames hold ``pupil_id`` and ``focus``. A pupil who left the school is reported as
    left the list too (``reason``: no longer on roll). Returns ``pupil_id, change, reason``.
    """
    columns = ["pupil_id", "change", "reason"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    before = set(previous.loc[previous["focus"], "pupil_id"])
    now = set(current.loc[current["focus"], "pupil_id"])
    on_roll = set(current["pupil_id"])
    rows = [(p, "joined", "projected progress now below 0") for p in sorted(now - before)]
    for p in sorted(before - now):
        reason = "projected progress now 0 or above" if p in on_roll else "no longer on roll"
        rows.append((p, "left", reason))
    return pd.DataFrame(rows, columns=columns)


def suppress(counts: pd.Series, min_n: int = DEFAULT_MIN_N) -> pd.Series:
    """Counts as text with any value from 1 to ``min_n - 1`` shown as ``'c'``."""
    values = counts.astype("Int64")
    small = values.map(lambda v: v is not pd.NA and is_hidden(v, min_n)).astype(bool)
    text = values.astype("string").fillna("-")
    return text.mask(small, SUPPRESSED)


def is_hidden(count: float, min_n: int = DEFAULT_MIN_N) -> bool:
    """The small-number rule: a count from 1 to ``min_n - 1`` is not published."""
    return bool(0 < count < min_n)


def reveals_hidden(counts: pd.Series, min_n: int = DEFAULT_MIN_N) -> bool:
    """Would publishing the total of ``counts`` let a reader work out a hidden count?

    With the other counts shown, the total gives the sum of the hidden ones; that pins them
    down when one is hidden, or when all hidden counts must be 1 (or all ``min_n - 1``).
    """
    hidden = [int(c) for c in counts.dropna() if is_hidden(c, min_n)]
    if not hidden:
        return False
    return len(hidden) == 1 or sum(hidden) in (len(hidden), len(hidden) * (min_n - 1))


def programme_summary(schools: pd.DataFrame, min_n: int = DEFAULT_MIN_N) -> pd.DataFrame:
    """Per window, as text ready to publish: schools, pupils, focus pupils, share and mean.

    ``schools`` holds one row per school and window as in ``school.csv``. The mean is of school
    scores (each school counts once). Counts from 1 to ``min_n - 1`` show as ``'c'``; so do the
    share (when its count is hidden) and the mean (when there are fewer than ``min_n`` schools
    or pupils). No pupil rows go in.
    """
    ordered = schools.assign(order=schools["window"].map(window_order)).sort_values("order")
    grouped = ordered.groupby("window", sort=False)
    out = pd.DataFrame(
        {
            "n_schools": grouped["urn"].nunique(),
            "n_pupils": grouped["n_pupils"].sum(),
            "n_focus": grouped["n_focus"].sum(),
            "mean_progress": grouped["progress"].mean(),
        }
    )
    share = out["n_focus"] / out["n_pupils"].where(out["n_pupils"] > 0)
    small = (out["n_schools"] < min_n) | (out["n_pupils"] < min_n)
    shown = pd.DataFrame(index=out.index)
    shown["n_schools"] = suppress(out["n_schools"], min_n)
    shown["n_pupils"] = suppress(out["n_pupils"], min_n)
    shown["n_focus"] = suppress(out["n_focus"], min_n)
    hidden_focus = small | out["n_focus"].map(lambda v: is_hidden(v, min_n)).astype(bool)
    shown["share_focus_pct"] = [
        SUPPRESSED if hide else fmt(100 * value, 1)
        for hide, value in zip(hidden_focus, share, strict=True)
    ]
    shown["mean_progress"] = [
        SUPPRESSED if hide else fmt(value, 2, signed=True)
        for hide, value in zip(small, out["mean_progress"], strict=True)
    ]
    return shown.reset_index()
