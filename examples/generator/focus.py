"""The shipped SYNTHETIC example: an invented PAG table and one invented school's pupils.

Nothing here is DfE data or a real pupil. The PAG table carries a ``note`` saying so, which
every report built on it shows; the programme example adds three more invented schools.
``python scripts/make_example_data.py`` regenerates ``examples/focus/`` with every other
example file and the hash registry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.years import WINDOWS

SYNTHETIC_NOTE = "SYNTHETIC PAG table: invented for the example, not DfE figures"
SYNTHETIC_URN = "999901"
#: Lower APS bound of each synthetic PAG (24 groups, as in 2019); the top one ends at 27.
_EDGES = (
    3,
    5,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    16.5,
    17,
    17.5,
    18,
    18.5,
    19,
    19.5,
    20,
    21,
    22,
    24,
    26,
    27,
)
#: How far below their July score a pupil's practice paper is, per window (synthetic).
_DRIFT = {"october": 6, "december-january": 4, "march-april": 2, "july": 0}
_LEVELS = ("W", "1", "2c", "2b", "2a", "3", "4")
_LEVEL_WEIGHTS = (0.02, 0.06, 0.12, 0.25, 0.25, 0.25, 0.05)
#: The programme example's other SYNTHETIC schools: urn -> (seed, pupils, id prefix).
PROGRAMME_SCHOOLS: dict[str, tuple[int, int, str]] = {
    "999902": (12, 24, "SYN-B"),
    "999903": (23, 16, "SYN-C"),
    "999904": (64, 10, "SYN-D"),
}


def synthetic_pag_table(year: int = 2019) -> pd.DataFrame:
    """A smooth, invented PAG table in the documented format, labelled SYNTHETIC."""
    lo = np.array(_EDGES[:-1], dtype=float)
    hi = np.array(_EDGES[1:], dtype=float)
    mid = (lo + hi) / 2
    maths = 121 - 55 * np.exp(-(mid - 3) / 10)
    table = pd.DataFrame(
        {
            "year": year,
            "pag": np.arange(1, len(lo) + 1),
            "ks1_aps_min": lo,
            "ks1_aps_max": hi,
            "est_reading": np.round(maths - 1.0, 2),
            "est_writing": np.round(np.minimum(maths - 2.0, 112.0), 2),
            "est_maths": np.round(maths, 2),
        }
    )
    if year >= 2018:
        floor = -(14 + 12 * np.exp(-(mid - 3) / 6))
        table["min_reading"] = np.round(floor - 1.5, 2)
        table["min_writing"] = np.round(floor - 1.0, 2)
        table["min_maths"] = np.round(floor, 2)
    table["note"] = SYNTHETIC_NOTE
    return table


def synthetic_pupils(
    seed: int = 5, n: int = 28, year: int = 2019, urn: str = SYNTHETIC_URN, prefix: str = "SYN-P"
) -> dict[str, pd.DataFrame]:
    """One invented school's pupils, one frame per window, with practice scores rising.

    ``n`` (at least 10) pupils in October, two more from December/January, one fewer from
    March/April; ids are ``prefix`` + a number.
    """
    rng = np.random.default_rng(seed)
    table = synthetic_pag_table(year)
    ids = [f"{prefix}{i:02d}" for i in range(1, n + 3)]
    outcomes = rng.choice(_LEVELS, size=(len(ids), 3), p=_LEVEL_WEIGHTS)
    points = {"W": 3, "1": 9, "2c": 13, "2b": 15, "2a": 17, "3": 21, "4": 27}
    aps = np.array([((points[r] + points[w]) / 2 + points[m]) / 2 for r, w, m in outcomes])
    index = np.searchsorted(table["ks1_aps_min"].to_numpy(), aps, side="right") - 1
    estimate = table["est_maths"].to_numpy()[index]
    final = np.clip(np.round(estimate + rng.normal(-0.8, 5.4, len(ids))), 80, 120)
    base = pd.DataFrame(
        {
            "pupil_id": ids,
            "urn": urn,
            "ks1_reading": outcomes[:, 0],
            "ks1_writing": outcomes[:, 1],
            "ks1_maths": outcomes[:, 2],
            "disadvantaged": rng.choice(["yes", "no"], len(ids), p=[0.3, 0.7]),
            "send": rng.choice(["yes", "no"], len(ids), p=[0.15, 0.85]),
            "eal": rng.choice(["yes", "no"], len(ids), p=[0.1, 0.9]),
        }
    )
    base.loc[[3, 11], ["ks1_reading", "ks1_writing", "ks1_maths"]] = ""  # no KS1 (arrived)
    frames = {}
    for window, drift in _DRIFT.items():
        noise = rng.integers(-2, 3, len(ids))
        score = np.clip(final - drift + noise, 80, 120).astype(int).astype(str)
        frame = base.assign(window=window, ks2_maths=score)
        frame.loc[frame["pupil_id"] == ids[5], "ks2_maths"] = "BLW" if drift else "PK4"
        if window == "october":  # the last two join in December/January
            frame = frame.iloc[:-2]
        if window in ("march-april", "july"):  # one pupil leaves in the spring
            frame = frame[frame["pupil_id"] != ids[8]]
        frames[window] = frame[
            [
                "pupil_id",
                "urn",
                "window",
                "ks1_reading",
                "ks1_writing",
                "ks1_maths",
                "ks2_maths",
                "disadvantaged",
                "send",
                "eal",
            ]
        ]
    return frames


def write_example(folder: str | Path, year: int = 2019) -> list[Path]:
    """Write the SYNTHETIC PAG table and the four windows' pupil files into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / f"synthetic_pag_{year}.csv"]
    synthetic_pag_table(year).to_csv(written[0], index=False)
    for window, frame in synthetic_pupils(year=year).items():
        assert window in WINDOWS
        path = folder / f"synthetic_school_{window}.csv"
        frame.to_csv(path, index=False)
        written.append(path)
    return written


def write_programme_example(folder: str | Path, year: int = 2019) -> list[Path]:
    """Write one file per extra SYNTHETIC school (all four windows, with ``urn`` and ``window``
    columns) for the programme example; school 999901 is :func:`write_example`'s."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for urn, (seed, n, prefix) in PROGRAMME_SCHOOLS.items():
        frames = synthetic_pupils(seed=seed, n=n, year=year, urn=urn, prefix=prefix)
        path = folder / f"synthetic_programme_{urn}.csv"
        pd.concat(frames.values(), ignore_index=True).to_csv(path, index=False)
        written.append(path)
    return written
