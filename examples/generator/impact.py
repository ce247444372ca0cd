"""Seeded generator of the shipped SYNTHETIC example data (invented schools, not real ones).

Not part of the installed package (so editing it changes no report's code fingerprint): run
``python scripts/make_example_data.py``, which writes every example file and the hash registry.

The example data exist so that the default reports run end to end and reproduce the published
tables of the 2017-18 and 2018-19 "Improving Progress in Mathematics" impact reports
(within +/-0.02) without shipping real school data. Everything here is invented: the local
authority is "Synthetic County" (LA code 919), place names are made up, URNs start at 910001
(maintained schools) and 990001 (academies), far from real URNs.

How the data are made (the same seed gives the same bytes). Every figure a published table
pins comes from one ``numpy.random.default_rng(seed)`` stream (steps 1-4); the context columns
(step 5) come from a second stream, ``default_rng([seed, CONTEXT_STREAM])``, so adding or
changing them never moves a pinned figure:

1. :func:`make_la_schools` invents ~300 mainstream and ~10 special schools.
2. :func:`simulate_years` walks 2017 -> 2018 -> 2019. Schools not in a project follow an AR(1)
   process (``x[t+1] = 0.6 * x[t] + noise(sd 1.2)``), so regressing the change on the baseline
   gives a slope of about -0.4: regression to the mean is built in. Project schools get a
   modest true effect on top of that line.
3. :func:`calibrate_to_targets` nudges the project schools' values by 0.1 (in integer tenths,
   so there is no float rounding) until every published group mean is hit; :func:`shift_la`
   moves the schools with no target so the LA's pupil-weighted mean hits its published value.
4. :func:`build_year_table` writes each year in the DfE KS2 format (all text, ``SUPP`` codes,
   academy ``URN_AC`` links), and :func:`la_summary_row` derives the LA row (RECTYPE 3) from the
   school rows actually written.
5. :func:`add_context` adds what real files carry for an evaluation design: the year 2016 (the
   AR(1) run backwards from 2017, with no pre-trend specific to project schools), each file's
   previous years (``MATPROG_16``... with limits, ``PTFSM6CLA1A_yy``, ``TELIG_yy`` in 2018-19),
   ``TKS1AVERAGE``, ``PTFSM6CLA1A`` and, in 2018 and 2019, ``*PROG_UNADJUSTED``. Previous-year
   columns are written from the same cells as the earlier file (:func:`year_cells`), so a later
   file's ``MATPROG_17`` is the 2016-17 file's ``MATPROG``, under a converted school's new URN
   too, as in the real files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.constants import Z95
from ipm_analysis.core.rounding import round_half_away

DEFAULT_SEED = 20170919
LA_CODE = "919"
LA_NAME = "Synthetic County"
YEARS = (2017, 2018, 2019)
YEAR_FOLDERS = {2017: "2016-2017", 2018: "2017-2018", 2019: "2018-2019"}

#: The columns every year's file has (those an impact report needs), in the DfE files' order;
#: :func:`ks2_columns` gives a year's full list, context columns included.
KS2_COLUMNS = (
    "RECTYPE", "LEA", "ESTAB", "URN", "SCHNAME", "TOWN", "URN_AC", "SCHNAME_AC", "OPEN_AC",
    "NFTYPE", "TELIG", "PTRWM_EXP", "READPROG", "READPROG_LOWER", "READPROG_UPPER", "READCOV",
    "WRITPROG", "WRITPROG_LOWER", "WRITPROG_UPPER", "WRITCOV", "MATPROG", "MATPROG_LOWER",
    "MATPROG_UPPER", "MATCOV", "PTREAD_EXP", "PTMAT_EXP", "PTMAT_HIGH", "MAT_AVERAGE",
    "PTWRITTA_EXP",
)  # fmt: skip

#: Pupil-level standard deviation of each progress score, used for the 95% limits.
SIGMA = {"MAT": 5.39, "READ": 6.17, "WRIT": 5.69}

ROSTER_COLUMNS = ("urn", "school_name", "cohort", "tla", "visits", "status")

# --- calibration targets --------------------------------------------------------------------
# Group totals in integer tenths (of a progress point, or of a percentage point), so a mean
# is total / (10 * n). They are the closest totals to the published means that are consistent
# with each other; e.g. cohort 1 and 2 attainment in 2018 (75.9, 78.5) force the all-35 mean to
# 77.18 at best, the edge of +/-0.02 around the published 77.2.

#: (group, year) -> total MATPROG in tenths. c1: 18 schools, c2: 17, c3: 23 completed.
PROGRESS_TOTALS = {
    ("c1", 2017): -275,  # -1.528 (published -1.53)
    ("c1", 2018): -124,  # -0.689 (-0.69)
    ("c2", 2017): -65,  # -0.382 (-0.38)
    ("c2", 2018): -5,  # -0.029 (-0.03); all 35: -0.971 -> -0.369 (-0.97 -> -0.37)
    ("c3", 2018): -253,  # -1.100 (-1.1)
    ("c3", 2019): -161,  # -0.700 (-0.7)
}
#: Total 2017 -> 2018 MATPROG change (tenths) of the 17 TLA schools: +0.841 (published +0.83);
#: the 18 others then change by (211 - 143) / 180 = +0.378 (published +0.36).
TLA_CHANGE_TOTAL = 143
#: (group, year) -> total PTMAT_EXP in tenths of a percentage point.
ATTAINMENT_TOTALS = {
    ("c1", 2017): 13608,  # 75.600 (75.6)
    ("c1", 2018): 13665,  # 75.917 (75.9)
    ("c2", 2017): 12886,  # 75.800 (75.8); all 35: 75.697 (75.7)
    ("c2", 2018): 13348,  # 78.518 (78.5); all 35: 77.180 (77.2)
    ("c3", 2018): 16790,  # 73.000 (73.0)
    ("c3", 2019): 18170,  # 79.000 (79.0)
}
#: The LA row (RECTYPE 3): pupil-weighted MATPROG and PTMAT_EXP over RECTYPE 1 and 2 schools.
LA_MATPROG = {2017: -0.3, 2018: -0.4, 2019: -0.3}
LA_PTMAT = {2017: 77.0, 2018: 76.8, 2019: 78.0}
#: What the generator aims the LA's unrounded MATPROG at (each rounds to ``LA_MATPROG``). The LA
#: falls by 0.1 in 2018 as published, and the non-project schools barely move in 2019, so the
#: cohort-3 gain is partly real, not all regression to the mean.
LA_MATPROG_AIM = {2017: -0.27, 2018: -0.37, 2019: -0.34}

#: National rows (RECTYPE 4 and 5): rounded England figures, progress blank by definition.
NATIONAL = {
    2017: {"TELIG": 604500, "PTRWM_EXP": "61%", "PTREAD_EXP": "71%", "PTMAT_EXP": "75%",
           "PTMAT_HIGH": "23%", "MAT_AVERAGE": "104", "PTWRITTA_EXP": "76%"},
    2018: {"TELIG": 624200, "PTRWM_EXP": "64%", "PTREAD_EXP": "75%", "PTMAT_EXP": "75%",
           "PTMAT_HIGH": "24%", "MAT_AVERAGE": "104", "PTWRITTA_EXP": "78%"},
    2019: {"TELIG": 649200, "PTRWM_EXP": "65%", "PTREAD_EXP": "73%", "PTMAT_EXP": "79%",
           "PTMAT_HIGH": "27%", "MAT_AVERAGE": "105", "PTWRITTA_EXP": "78%"},
}  # fmt: skip

# --- context columns (a second RNG stream; see :func:`add_context`) --------------------------
#: The year before the first file: the 2016-17 file's ``*_16`` columns.
PRE_YEAR = 2016
#: Each file's previous years, in the order the DfE files put their blocks (latest first).
PRIOR_YEARS = {2017: (2016,), 2018: (2017, 2016), 2019: (2018, 2017)}
#: Files with ``TELIG_yy`` (previous cohort sizes) and with ``*PROG_UNADJUSTED`` (before the
#: 2018 capping of extreme negative pupil scores), as in the real files.
TELIG_HISTORY_FILES = (2019,)
UNADJUSTED_FILES = (2018, 2019)
#: The second stream is ``default_rng([seed, CONTEXT_STREAM])``: the first stream, which makes
#: every figure the published tables pin, never sees a draw for the context columns.
CONTEXT_STREAM = 1
#: The AR(1) model of the non-project schools (in tenths): ``next = 0.6 * this + N(0, 12)``.
AR_SLOPE = 0.6
AR_NOISE_TENTHS = 12.0
#: The cohort's KS1 average point score of an LA-typical school (20% disadvantaged), by year.
KS1_APS_BASE = {2017: 16.4, 2018: 16.5, 2019: 16.6}
#: Capped pupils (2018 method): per pupil rate ``CAPPED_RATE * exp(-CAPPED_SLOPE * progress)``
#: (at most ``CAPPED_RATE_MAX``), each ``CAPPED_EXCESS`` points below the cap on average. So
#: unadjusted - published is 0 for most schools and most negative for the lowest-scoring ones.
CAPPED_RATE = 0.0027
CAPPED_SLOPE = 0.6
CAPPED_RATE_MAX = 0.25
CAPPED_EXCESS = 6.0
#: National rows' context (rounded England figures): % disadvantaged and KS1 APS by year.
NATIONAL_CONTEXT = {
    2016: {"PTFSM6CLA1A": "32%"},
    2017: {"PTFSM6CLA1A": "31%", "TKS1AVERAGE": "15.8"},
    2018: {"PTFSM6CLA1A": "31%", "TKS1AVERAGE": "16.0"},
    2019: {"PTFSM6CLA1A": "31%", "TKS1AVERAGE": "16.2"},
}  # fmt: skip
SUBJECTS = ("READ", "WRIT", "MAT")


def ks2_columns(year: int) -> tuple[str, ...]:
    """The columns of ``year``'s example file, in the real files' relative order.

    :data:`KS2_COLUMNS` with ``TKS1AVERAGE`` and ``PTFSM6CLA1A`` before ``PTRWM_EXP``; then one
    block per previous year, latest first (``TELIG_yy`` in 2018-19, ``PTFSM6CLA1A_yy``, then
    reading, writing and maths progress with limits); then ``*PROG_UNADJUSTED`` (2018, 2019).
    """
    columns = list(KS2_COLUMNS)
    at = columns.index("PTRWM_EXP")
    columns[at:at] = ["TKS1AVERAGE", "PTFSM6CLA1A"]
    for prior in PRIOR_YEARS[year]:
        yy = f"{prior % 100:02d}"
        if year in TELIG_HISTORY_FILES:
            columns.append(f"TELIG_{yy}")
        columns.append(f"PTFSM6CLA1A_{yy}")
        for subj in SUBJECTS:
            columns += [f"{subj}PROG_{yy}", f"{subj}PROG_LOWER_{yy}", f"{subj}PROG_UPPER_{yy}"]
    if year in UNADJUSTED_FILES:
        columns += [f"{subj}PROG_UNADJUSTED" for subj in SUBJECTS]
    return tuple(columns)


# --- invented names -------------------------------------------------------------------------
_PLACE_HEADS = (
    "Amber", "Brack", "Cinder", "Dunmar", "Elder", "Fallow", "Gorse", "Hazel", "Ivel", "Juniper",
    "Kestle", "Lark", "Merrow", "Nettle", "Oaken", "Pebble", "Quill", "Raven", "Sedge",
    "Thistle", "Umber", "Vetch", "Willow", "Yarrow", "Bramble", "Copper", "Heron", "Linden",
    "Mossy", "Rushy", "Sorrel", "Teasel", "Wrenn", "Ashmol", "Burdock", "Clover",
)  # fmt: skip
_PLACE_TAILS = (
    "bridge", "brook", "combe", "cott", "dene", "field", "ford", "gate", "hurst", "ley", "mead",
    "moor", "stow", "thorpe", "wick", "worth", "holt", "well",
)  # fmt: skip
_TOWNS = (
    "Brackmere", "Cinderford Magna", "Dunmarsh", "Fallowbury", "Kestlewick", "Merrowdene",
    "Oakenhurst", "Quillingham", "Ravensmoor", "Sedgecombe", "Umberstow", "Yarrowgate",
)  # fmt: skip
_SAINTS = (
    "Aidan", "Alban", "Bede", "Brendan", "Columba", "Cuthbert", "Dominic", "Dunstan", "Edmund",
    "Francis", "Gregory", "Hilda", "Joseph", "Kevin", "Margaret", "Monica", "Oswald", "Patrick",
    "Teresa", "Vincent", "Wilfrid", "Anne", "Luke", "Thomas",
)  # fmt: skip


@dataclass(frozen=True)
class Conversion:
    """An academy conversion: the new URN, when files show the link, when the new URN appears.

    ``announced`` is the first file year whose old-URN row carries ``URN_AC``; ``new_from`` is
    the first file year listing the school under its new URN (None: never, a decoy that
    exercises "look the old URN up first").
    """

    new_urn: int
    open_ac: str
    announced: int
    new_from: int | None


@dataclass
class SyntheticLA:
    """Everything generated for one synthetic LA: schools, per-year measures, conversions."""

    schools: pd.DataFrame
    years: dict[int, pd.DataFrame] = field(default_factory=dict)
    conversions: dict[int, Conversion] = field(default_factory=dict)


# --- schools --------------------------------------------------------------------------------
def make_la_schools(
    rng: np.random.Generator, n_mainstream: int = 300, n_special: int = 10
) -> pd.DataFrame:
    """Invent the LA's schools: names, towns, types, URNs, size, and special features.

    One row per school (index 0..n-1). ``kind`` is 'mainstream' or 'special'; ``small`` schools
    (TELIG 10-13) are where SUPP appears; ``blank_year`` is a year with blank progress (0: none).
    """
    n = n_mainstream + n_special
    combos = [h + t for h in _PLACE_HEADS for t in _PLACE_TAILS]
    places = rng.choice(np.array(combos), size=n, replace=False)
    kind = np.array(["mainstream"] * n_mainstream + ["special"] * n_special)
    nftype = np.where(
        kind == "special",
        "CYS",
        rng.choice(
            np.array(["CY", "VC", "VA", "FD", "ACC", "AC"]),
            size=n,
            p=[0.58, 0.19, 0.14, 0.03, 0.04, 0.02],
        ),
    )
    names, estabs = [], []
    counters = {"CY": 2000, "VC": 3000, "VA": 3400, "FD": 5200, "ACC": 2400, "AC": 2600}
    counters["CYS"] = 7000
    for i in range(n):
        place, ftype = str(places[i]), str(nftype[i])
        counters[ftype] += int(rng.integers(1, 9))
        estabs.append(counters[ftype])
        if ftype == "CYS":
            names.append(f"{place} {rng.choice(['School', 'Special School', 'Academy'])}")
        elif ftype == "VC":
            names.append(f"{place} Church of England Primary School")
        elif ftype == "VA":
            names.append(f"St {rng.choice(_SAINTS)}'s Catholic Primary School, {place}")
        elif ftype in ("ACC", "AC"):
            names.append(f"{place} Primary Academy")
        else:
            names.append(f"{place} {rng.choice(['Primary School', 'Junior School'], p=[0.8, 0.2])}")
    urns = 910001 + rng.permutation(n)
    small = np.zeros(n, dtype=bool)
    small[rng.choice(n_mainstream, size=6, replace=False)] = True
    telig_base = np.where(small, 11, rng.integers(18, 88, size=n))
    telig_base = np.where(kind == "special", rng.integers(4, 16, size=n), telig_base)
    blank_year = np.zeros(n, dtype=int)
    candidates = np.flatnonzero((kind == "mainstream") & ~small)
    for year, i in zip(YEARS * 2, rng.choice(candidates, size=6, replace=False), strict=True):
        blank_year[i] = year
    return pd.DataFrame(
        {
            "urn": urns,
            "estab": estabs,
            "name": names,
            "place": places,
            "town": rng.choice(np.array(_TOWNS), size=n),
            "nftype": nftype,
            "kind": kind,
            "small": small,
            "blank_year": blank_year,
            "telig_base": telig_base,
            "role": "",
            "tla": "",
            "status": "",
        }
    )


def assign_cohorts_1_2(schools: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Pick the 35 schools of cohorts 1 (18) and 2 (17); TLA packages cross the cohorts.

    Only maintained, mid-sized mainstream schools are picked (no SUPP, no blanks). TLA: 10 of
    cohort 1 and 7 of cohort 2 (17 in all), so the TLA split is not the cohort split.
    """
    schools = schools.copy()
    eligible = np.flatnonzero(_ordinary(schools) & schools["nftype"].isin(["CY", "VC", "VA"]))
    picked = rng.choice(eligible, size=35, replace=False)
    schools.loc[picked[:18], "role"] = "c1"
    schools.loc[picked[18:], "role"] = "c2"
    schools.loc[picked, "status"] = "completed"
    schools.loc[picked, "tla"] = "no"
    return schools


def _ordinary(schools: pd.DataFrame) -> pd.Series:
    """Mainstream schools with no special features that could become project schools."""
    return (
        (schools["kind"] == "mainstream")
        & ~schools["small"]
        & (schools["blank_year"] == 0)
        & (schools["role"] == "")
        & (schools["telig_base"] >= 20)
    )


def _assign_tla(schools: pd.DataFrame, rng: np.random.Generator, baseline: pd.Series) -> None:
    """TLA packages in cohorts 1/2, more often to schools with a low baseline (as in life)."""
    for role, n_yes in (("c1", 10), ("c2", 7)):
        idx = schools.index[schools["role"] == role].to_numpy()
        rank = baseline.loc[idx].rank(method="first").to_numpy()
        weights = (len(idx) + 1 - rank) + len(idx) / 2
        yes = rng.choice(idx, size=n_yes, replace=False, p=weights / weights.sum())
        schools.loc[yes, "tla"] = "yes"


def select_cohort3(
    schools: pd.DataFrame, progress_2018: pd.Series, rng: np.random.Generator
) -> pd.DataFrame:
    """Pick cohort 3: 30 schools that applied after a weak 2018 (from the lower 40%).

    23 complete and 7 withdraw; 12 have a TLA package (10 completed, 2 withdrawn).
    """
    schools = schools.copy()
    eligible = schools.index[_ordinary(schools)]
    values = progress_2018.loc[eligible]
    low = values[values <= values.quantile(0.40)].index.to_numpy()
    picked = rng.choice(low, size=30, replace=False)
    completed, withdrawn = picked[:23], picked[23:]
    schools.loc[picked, "role"] = "c3"
    schools.loc[completed, "status"] = "completed"
    schools.loc[withdrawn, "status"] = "withdrawn"
    schools.loc[picked, "tla"] = "no"
    schools.loc[completed[:10], "tla"] = "yes"
    schools.loc[withdrawn[:2], "tla"] = "yes"
    return schools


# --- calibration ----------------------------------------------------------------------------
def nudge_to_total(
    values: np.ndarray, target: int, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Integer tenths summing exactly to ``target``, each within [lo, hi], close to ``values``.

    First a common shift, then steps of 1 (0.1) on random schools that have room: the simplest
    way to hit a published mean exactly while keeping each school plausible.
    """
    lo = np.broadcast_to(lo, values.shape).astype(np.int64)
    hi = np.broadcast_to(hi, values.shape).astype(np.int64)
    if not lo.sum() <= target <= hi.sum():
        raise ValueError(f"total {target} cannot be reached within the bounds")
    shifted = values + (target - values.sum()) / len(values)
    tenths = np.clip(np.rint(shifted), lo, hi).astype(np.int64)
    diff = target - int(tenths.sum())
    while diff:
        step = 1 if diff > 0 else -1
        room = np.flatnonzero(tenths < hi) if step > 0 else np.flatnonzero(tenths > lo)
        tenths[rng.choice(room)] += step
        diff -= step
    return tenths


def calibrate_to_targets(
    year: int,
    schools: pd.DataFrame,
    progress: pd.Series,
    attainment: pd.Series,
    rng: np.random.Generator,
    prog_lo: pd.Series,
    prog_hi: pd.Series,
    baseline: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Hit every published group mean of ``year`` (values in tenths; returns new series).

    Progress bounds ``prog_lo``/``prog_hi`` keep the count targets (11 schools below -2.0 ...).
    In 2018 cohorts 1/2 are split into cohort x TLA cells so that the cohort outcome totals and
    the TLA change total hold together (``baseline`` gives the 2017 values).
    """
    progress, attainment = progress.copy(), attainment.copy()
    groups = {
        role: schools.index[(schools["role"] == role) & (schools["status"] == "completed")]
        for role in ("c1", "c2", "c3")
    }
    if year == 2018 and baseline is not None:
        _calibrate_tla_cells(schools, progress, baseline, rng, prog_lo, prog_hi)
    for (role, y), total in PROGRESS_TOTALS.items():
        if y == year and not (year == 2018 and role in ("c1", "c2")):
            idx = groups[role]
            progress.loc[idx] = nudge_to_total(
                progress.loc[idx].to_numpy(float), total, prog_lo.loc[idx], prog_hi.loc[idx], rng
            )
    for (role, y), total in ATTAINMENT_TOTALS.items():
        if y == year:
            idx = groups[role]
            attainment.loc[idx] = nudge_to_total(
                attainment.loc[idx].to_numpy(float), total, np.int64(450), np.int64(985), rng
            )
    return progress, attainment


def _calibrate_tla_cells(
    schools: pd.DataFrame,
    progress: pd.Series,
    baseline: pd.Series,
    rng: np.random.Generator,
    lo: pd.Series,
    hi: pd.Series,
) -> None:
    """Cohort 1/2 outcomes: totals per cohort x TLA cell, closest to the raw values (in place).

    Unknown t = cell total of (c1, yes): then (c1, no) = c1 total - t, (c2, yes) = TLA outcome
    total - t, (c2, no) = c2 total - (c2, yes); t minimises the squared distance to the raw
    cell totals.
    """
    cells = {
        (role, tla): schools.index[(schools["role"] == role) & (schools["tla"] == tla)]
        for role in ("c1", "c2")
        for tla in ("yes", "no")
    }
    raw = {key: float(progress.loc[idx].sum()) for key, idx in cells.items()}
    c1, c2 = PROGRESS_TOTALS[("c1", 2018)], PROGRESS_TOTALS[("c2", 2018)]
    yes_total = TLA_CHANGE_TOTAL + int(
        baseline.loc[cells[("c1", "yes")]].sum() + baseline.loc[cells[("c2", "yes")]].sum()
    )
    t = round(
        (
            raw[("c1", "yes")]
            + (c1 - raw[("c1", "no")])
            + (yes_total - raw[("c2", "yes")])
            - (c2 - yes_total - raw[("c2", "no")])
        )
        / 4
    )
    targets = {
        ("c1", "yes"): t,
        ("c1", "no"): c1 - t,
        ("c2", "yes"): yes_total - t,
        ("c2", "no"): c2 - (yes_total - t),
    }
    for key, idx in cells.items():
        progress.loc[idx] = nudge_to_total(
            progress.loc[idx].to_numpy(float), targets[key], lo.loc[idx], hi.loc[idx], rng
        )


def la_weights(schools: pd.DataFrame, year_frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Weights of the LA row: TELIG*MATCOV/100 where MATPROG is numeric; TELIG for PTMAT_EXP."""
    has_prog = year_frame["prog_code"] == ""
    w_prog = (year_frame["TELIG"] * year_frame["MATCOV"] / 100).where(has_prog, 0.0)
    return w_prog, year_frame["TELIG"].astype(float)


def shift_la(
    values: pd.Series,
    weights: pd.Series,
    free: pd.Series,
    target: float,
    rng: np.random.Generator,
    lo: int,
    hi: int,
) -> pd.Series:
    """Shift the ``free`` schools (no published target) so the weighted mean hits ``target``.

    ``values`` are tenths; the weighted mean of value/10 ends within 0.004 of ``target``.
    """
    values = values.copy()
    total_w = weights.sum()
    free_w = weights[free].sum()
    shift = (target * 10 * total_w - (values * weights).sum()) / free_w
    values[free] = np.clip(np.rint(values[free] + shift), lo, hi)
    free_idx = values.index[free & (weights > 0)].to_numpy()
    for _ in range(10_000):
        mean = (values * weights).sum() / total_w / 10
        if abs(mean - target) <= 0.004:
            return values
        i = rng.choice(free_idx)
        values[i] = min(hi, max(lo, values[i] + (1 if mean < target else -1)))
    raise RuntimeError("could not reach the LA target")


# --- simulation -----------------------------------------------------------------------------
def _year_frame(schools: pd.DataFrame, year: int, rng: np.random.Generator) -> pd.DataFrame:
    """Cohort size, coverage and suppression codes of one year (measures filled later)."""
    n = len(schools)
    special = (schools["kind"] == "special").to_numpy()
    telig = np.clip(schools["telig_base"] + rng.integers(-5, 6, size=n), 10, 90)
    telig = np.where(schools["small"], rng.choice([10, 10, 10, 11, 12], size=n), telig)
    telig = np.where(special, np.clip(schools["telig_base"] + rng.integers(-2, 3, size=n), 3, 18),
                     telig)  # fmt: skip
    matcov = rng.integers(88, 101, size=n)
    code = np.where(schools["blank_year"] == year, "BLANK", "")
    code = np.where((schools["small"] & (telig <= 10)) | (special & (telig <= 5)), "SUPP", code)
    return pd.DataFrame(
        {
            "TELIG": telig,
            "MATCOV": matcov,
            "READCOV": np.minimum(100, matcov + rng.integers(-1, 2, size=n)),
            "WRITCOV": np.minimum(100, matcov + rng.integers(0, 3, size=n)),
            "prog_code": code,
        },
        index=schools.index,
    )


def _raw_attainment(progress: pd.Series, year: int, rng: np.random.Generator) -> pd.Series:
    """PTMAT_EXP in tenths of a percentage point, correlated with progress (r about 0.5)."""
    base = {2017: 76.0, 2018: 76.0, 2019: 77.5}[year]
    noise = rng.normal(0.0, 5.0, size=len(progress))
    return pd.Series(np.clip(np.rint((base + 2.5 * progress / 10 + noise) * 10), 450, 985),
                     index=progress.index)  # fmt: skip


def _baseline_bands(schools: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.Series, ...]:
    """2017 cohort 1/2 progress (tenths) and bounds that fix the published counts and range.

    Cohort 1: one school at -4.8, 7 below -2.0, 5 in [-1.9, -0.1], 5 at 0.0 or above; cohort 2:
    3 below -2.0, 6 in [-1.9, -0.1], 7 at 0.0 or above and one at +2.5. So 11 below -2.0 and 22
    negative of 35, range -4.8 to +2.5, whatever nudging then does within the bands.
    """
    bands = {"pin_low": (-48, -48), "deep": (-47, -21), "mild": (-19, -1), "pos": (0, 24),
             "pin_high": (25, 25)}  # fmt: skip
    plan = {"c1": ["pin_low"] + ["deep"] * 7 + ["mild"] * 5 + ["pos"] * 5,
            "c2": ["deep"] * 3 + ["mild"] * 6 + ["pos"] * 7 + ["pin_high"]}  # fmt: skip
    value = pd.Series(0.0, index=schools.index)
    lo = pd.Series(-60, index=schools.index)
    hi = pd.Series(40, index=schools.index)
    for role, labels in plan.items():
        idx = schools.index[schools["role"] == role].to_numpy()
        for i, label in zip(idx, rng.permutation(labels), strict=True):
            b_lo, b_hi = bands[str(label)]
            lo[i], hi[i] = b_lo, b_hi
            value[i] = rng.uniform(b_lo, b_hi) if b_lo < b_hi else b_lo
    return value, lo, hi


def simulate_years(seed: int = DEFAULT_SEED) -> SyntheticLA:
    """Simulate 2017-2019 for the whole LA, calibrated to every published target.

    Per year: AR(1) progress (tenths) for schools without a target, designed values for project
    schools, then :func:`calibrate_to_targets` and :func:`shift_la`; attainment follows progress.
    """
    rng = np.random.default_rng(seed)
    schools = assign_cohorts_1_2(make_la_schools(rng), rng)
    la = SyntheticLA(schools=schools)
    special = schools["kind"] == "special"
    wide_lo = pd.Series(-60, index=schools.index)
    wide_hi = pd.Series(45, index=schools.index)
    prev: pd.Series | None = None
    for year in YEARS:
        frame = _year_frame(schools, year, rng)
        noise = pd.Series(rng.normal(0.0, AR_NOISE_TENTHS, size=len(schools)), index=schools.index)
        if prev is not None:
            free_now = (schools["kind"] == "mainstream") & ~_targeted(schools, year)
            noise = _balanced_noise(noise, prev, la_weights(schools, frame)[0], free_now)
        if prev is None:
            progress = pd.Series(rng.normal(-3.0, 15.0, size=len(schools)), index=schools.index)
        else:
            progress = AR_SLOPE * prev + noise
        special_raw = pd.Series(rng.normal(-50.0, 15.0, size=len(schools)), index=schools.index)
        progress = progress.where(~special, special_raw.clip(-90, -15))
        lo, hi = wide_lo.copy(), wide_hi.copy()
        roles = schools["role"]
        if year == 2017:
            designed, b_lo, b_hi = _baseline_bands(schools, rng)
            in_c12 = roles.isin(["c1", "c2"])
            progress[in_c12], lo[in_c12], hi[in_c12] = designed, b_lo, b_hi
            _assign_tla(schools, rng, progress)
        elif year == 2018:
            in_c12 = roles.isin(["c1", "c2"])
            # the non-project line (about -0.2 - 0.4 * baseline) + a modest project effect
            effect = 3.0 + 3.5 * (schools["tla"] == "yes")
            change = -2.0 - 0.4 * prev + effect + rng.normal(0.0, 9.0, size=len(schools))
            progress[in_c12] = (prev + change)[in_c12]
            lowest5 = progress[in_c12].nsmallest(5).index
            lo[in_c12], hi[in_c12] = -20, 40
            lo[lowest5], hi[lowest5] = -60, -21
            progress = shift_la(progress, la_weights(schools, frame)[0], ~in_c12 & ~special,
                                LA_MATPROG_AIM[year], rng, -60, 45)  # fmt: skip
            schools = select_cohort3(schools, progress, rng)
            la.schools = schools
        else:
            in_c3 = schools["role"] == "c3"
            change = -0.6 - 0.4 * prev + 1.5 + rng.normal(0.0, 10.0, size=len(schools))
            progress[in_c3] = (prev + change)[in_c3]
        attainment = _raw_attainment(progress, year, rng)
        attainment = attainment.where(~special, np.rint(rng.uniform(0, 150, len(schools))))
        progress, attainment = calibrate_to_targets(
            year, schools, progress, attainment, rng, lo, hi, baseline=prev
        )
        targeted = _targeted(schools, year)
        free = ~targeted & ~special
        w_prog, w_att = la_weights(schools, frame)
        progress = shift_la(progress, w_prog, free, LA_MATPROG_AIM[year], rng, -60, 45)
        attainment = shift_la(attainment, w_att, free, LA_PTMAT[year], rng, 450, 985)
        frame["MATPROG"] = progress.astype(np.int64)
        frame["PTMAT_EXP"] = attainment.astype(np.int64)
        _other_measures(frame, special, rng)
        la.years[year] = frame
        prev = progress.astype(float)
    la.conversions = _conversions(la.schools, rng)
    return la


def _balanced_noise(
    noise: pd.Series, prev: pd.Series, weights: pd.Series, mask: pd.Series
) -> pd.Series:
    """AR(1) innovations made orthogonal (on ``mask``) to 1, last year's score and LA weight.

    So the realised regression-to-the-mean line of the non-project schools is the designed one
    (slope -0.4, intercept set by the LA's trend), not whatever a finite sample happens to give;
    otherwise the noise alone could hide or double the project's modest true effect.
    """
    design = np.column_stack([np.ones(int(mask.sum())), prev[mask], weights[mask]])
    coef, *_ = np.linalg.lstsq(design, noise[mask].to_numpy(), rcond=None)
    noise = noise.copy()
    noise[mask] = noise[mask] - design @ coef
    return noise


def _targeted(schools: pd.DataFrame, year: int) -> pd.Series:
    """Schools whose values in ``year`` are pinned by a published target (not LA-shiftable)."""
    if year in (2017, 2018):
        targeted = schools["role"].isin(["c1", "c2"])
    else:
        targeted = pd.Series(False, index=schools.index)
    if year in (2018, 2019):
        targeted |= schools["role"] == "c3"
    return targeted


def _other_measures(frame: pd.DataFrame, special: pd.Series, rng: np.random.Generator) -> None:
    """Reading, writing, higher standard, average score: plausible and correlated with maths."""
    n = len(frame)
    mat = frame["MATPROG"].to_numpy(float) / 10
    att = frame["PTMAT_EXP"].to_numpy(float) / 10
    frame["READPROG"] = np.rint((0.45 * mat + rng.normal(0.0, 1.6, n)) * 10).astype(np.int64)
    frame["WRITPROG"] = np.rint((0.4 * mat + rng.normal(0.3, 1.8, n)) * 10).astype(np.int64)
    read = np.clip(np.rint(att - 2 + 2.0 * frame["READPROG"] / 10 + rng.normal(0, 5, n)), 30, 100)
    writ = np.clip(np.rint(att + 1 + 2.0 * frame["WRITPROG"] / 10 + rng.normal(0, 5, n)), 30, 100)
    rwm = np.floor(np.minimum(np.minimum(read, writ), att) * rng.uniform(0.78, 0.92, n))
    high = np.clip(np.rint(24 + 2.5 * mat + (att - 76) * 0.6 + rng.normal(0, 5, n)), 2, 70)
    average = np.rint(104 + 0.3 * mat + (att - 76) / 8)
    special_np = special.to_numpy()
    frame["PTREAD_EXP"] = np.where(special_np, np.rint(rng.uniform(0, 15, n)), read).astype(int)
    frame["PTWRITTA_EXP"] = np.where(special_np, np.rint(rng.uniform(0, 10, n)), writ).astype(int)
    frame["PTRWM_EXP"] = np.where(special_np, 0, rwm).astype(int)
    frame["PTMAT_HIGH"] = np.where(special_np, 0, high).astype(int)
    frame["MAT_AVERAGE"] = np.where(special_np, rng.integers(85, 96, n), average).astype(int)
    frame.loc[special_np, "READPROG"] = np.rint(rng.normal(-50, 15, int(special_np.sum())))


# --- context columns: the year before, intake, unadjusted progress ---------------------------
def add_context(la: SyntheticLA, seed: int = DEFAULT_SEED) -> SyntheticLA:
    """``la`` plus what no published figure pins: 2016, intake and unadjusted progress.

    Adds the year 2016 (:func:`pre_year`), each year's % disadvantaged (``PTFSM6CLA1A``), the
    cohort's KS1 average point score (2017-2019) and, for 2018 and 2019, the progress scores
    before the 2018 capping (:func:`unadjusted_progress`). Every draw comes from
    ``default_rng([seed, CONTEXT_STREAM])``, a stream of its own, and only new columns are
    added, so every figure the first stream made stays as it was. ``la`` is not changed.
    """
    rng = np.random.default_rng([seed, CONTEXT_STREAM])
    schools = la.schools
    years = {year: frame.copy() for year, frame in la.years.items()}
    years[PRE_YEAR] = pre_year(schools, years[YEARS[0]], rng)
    years = dict(sorted(years.items()))
    rate = disadvantage_rates(schools, years, rng)
    for frame in years.values():
        frame["PTFSM6CLA1A"] = percent_disadvantaged(frame["TELIG"], rate, rng)
    special = (schools["kind"] == "special").to_numpy()
    school_effect = np.where(special, rng.uniform(1.5, 12.0, len(schools)),
                             rng.normal(0.0, 0.55, len(schools)))  # fmt: skip
    for year in YEARS:
        years[year]["TKS1AVERAGE"] = ks1_average(years[year], year, special, school_effect, rng)
    for year in UNADJUSTED_FILES:
        for subj in SUBJECTS:
            years[year][f"{subj}PROG_UNADJUSTED"] = unadjusted_progress(years[year], subj, rng)
    return SyntheticLA(schools=schools, years=years, conversions=la.conversions)


def pre_year(schools: pd.DataFrame, first: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """2016 (tenths): cohort sizes and coverage as in any year; progress the AR(1) run backwards.

    A stationary AR(1) reversed in time is the same AR(1), so ``x16 = mu + 0.6 * (x17 - mu) +
    N(0, 1.2)`` (mu: the mainstream mean of 2017) gives 2016 -> 2017 the joint law the model
    gives 2017 -> 2018. The innovations are made orthogonal to 1, x17 and the LA weight over
    the non-project schools (:func:`_balanced_noise`: the pool's line of change on level is the
    designed one) and centred within each project cell (cohort x TLA x status). So no project
    group changes from 2016 to 2017 other than pool schools at its 2017 level do: there is no
    pre-trend; the project effect appears only after the baseline. Special schools are drawn
    afresh, as every year in :func:`simulate_years`; reading and writing as in
    :func:`_other_measures`.
    """
    n = len(schools)
    frame = _year_frame(schools, PRE_YEAR, rng)
    mainstream = schools["kind"] == "mainstream"
    x17 = first["MATPROG"].astype(float)
    mu = float(x17[mainstream].mean())
    noise = pd.Series(rng.normal(0.0, AR_NOISE_TENTHS, size=n), index=schools.index)
    pool = mainstream & (schools["role"] == "")
    noise = _balanced_noise(noise, x17, la_weights(schools, frame)[0], pool)
    project = mainstream & (schools["role"] != "")
    cell = schools.loc[project, ["role", "tla", "status"]].astype(str).agg("/".join, axis=1)
    noise[project] = noise[project] - noise[project].groupby(cell).transform("mean")
    progress = np.clip(np.rint(mu + AR_SLOPE * (x17 - mu) + noise), -60, 45)
    special_raw = np.rint(np.clip(rng.normal(-50.0, 15.0, size=n), -90, -15))
    frame["MATPROG"] = progress.where(mainstream, special_raw).astype(np.int64)
    mat = frame["MATPROG"].to_numpy(float) / 10
    frame["READPROG"] = np.rint((0.45 * mat + rng.normal(0.0, 1.6, n)) * 10).astype(np.int64)
    frame["WRITPROG"] = np.rint((0.4 * mat + rng.normal(0.3, 1.8, n)) * 10).astype(np.int64)
    special = ~mainstream.to_numpy()
    frame.loc[special, "READPROG"] = np.rint(rng.normal(-50, 15, int(special.sum())))
    return frame


def disadvantage_rates(
    schools: pd.DataFrame, years: Mapping[int, pd.DataFrame], rng: np.random.Generator
) -> pd.Series:
    """Each school's underlying share of disadvantaged pupils (0-1).

    Mainstream: logit-normal around 20% (between-school sd about 12 points), a little higher
    where the school's mean maths progress over the years is lower (-0.2 on the logit per sd:
    a weak link, as in the real files, where the correlation is about -0.1); special schools
    around 45%.
    """
    mainstream = (schools["kind"] == "mainstream").to_numpy()
    level = pd.concat([frame["MATPROG"] for frame in years.values()], axis=1).mean(axis=1)
    z = ((level - level[mainstream].mean()) / level[mainstream].std()).to_numpy()
    spread = rng.normal(0.0, 1.0, len(schools))
    logit = np.where(mainstream, np.log(0.2 / 0.8) + 0.8 * spread - 0.2 * z,
                     np.log(0.45 / 0.55) + 0.6 * spread)  # fmt: skip
    return pd.Series(1 / (1 + np.exp(-logit)), index=schools.index)


def percent_disadvantaged(telig: pd.Series, rate: pd.Series, rng: np.random.Generator) -> pd.Series:
    """One year's ``PTFSM6CLA1A``: a binomial count of the cohort, as a whole percentage."""
    count = rng.binomial(telig.to_numpy(np.int64), rate.to_numpy())
    return pd.Series(np.floor(100 * count / telig.to_numpy() + 0.5).astype(np.int64),
                     index=telig.index)  # fmt: skip


def ks1_average(
    frame: pd.DataFrame,
    year: int,
    special: np.ndarray,
    school_effect: np.ndarray,
    rng: np.random.Generator,
) -> pd.Series:
    """The cohort's KS1 average point score (``TKS1AVERAGE``), in tenths.

    Mainstream: the year's base, 4.3 points lower per 100% disadvantaged (correlation about
    -0.6, as in the real files), a school effect (sd 0.55), -0.08 per point of maths progress
    (weak: progress is already measured from KS1) and cohort noise 3.5 / sqrt(TELIG). Special
    schools: a school level of 1.5-12 plus noise (sd 1).
    """
    telig = frame["TELIG"].to_numpy(float)
    share = frame["PTFSM6CLA1A"].to_numpy(float) / 100
    mat = frame["MATPROG"].to_numpy(float) / 10
    noise = rng.normal(0.0, 1.0, len(frame))
    mainstream = (KS1_APS_BASE[year] - 4.3 * (share - 0.2) + school_effect - 0.08 * mat
                  + noise * 3.5 / np.sqrt(telig))  # fmt: skip
    value = np.where(special, np.clip(school_effect + noise, 1.0, 14.0),
                     np.clip(mainstream, 10.0, 20.0))  # fmt: skip
    return pd.Series(np.rint(value * 10).astype(np.int64), index=frame.index)


def unadjusted_progress(frame: pd.DataFrame, subj: str, rng: np.random.Generator) -> pd.Series:
    """``{subj}PROG_UNADJUSTED`` in tenths: the score before extreme pupil scores were capped.

    Capped pupils ~ Poisson(pupils * rate), rate ``CAPPED_RATE * exp(-CAPPED_SLOPE * score)``;
    each lies ``CAPPED_EXCESS`` points (exponential) below the cap on average, so uncapping
    lowers the mean by their excess / pupils. The published score was itself rounded, so the
    unrounded one is drawn within +/-0.049 of it; the result, rounded half away from zero, is
    never above the published score (equal when no pupil was capped).
    """
    adjusted = frame[f"{subj}PROG"].to_numpy(float)
    cov = frame[f"{subj}COV"].to_numpy(float)
    pupils = np.maximum(1.0, np.floor(frame["TELIG"].to_numpy(float) * cov / 100 + 0.5))
    rate = np.minimum(CAPPED_RATE_MAX, CAPPED_RATE * np.exp(-CAPPED_SLOPE * adjusted / 10))
    capped = np.minimum(rng.poisson(pupils * rate), pupils)
    excess = rng.gamma(capped, CAPPED_EXCESS)
    exact = adjusted + rng.uniform(-0.49, 0.49, len(frame)) - 10 * excess / pupils
    tenths = np.where(exact >= 0, np.floor(exact + 0.5), -np.floor(0.5 - exact))
    return pd.Series(tenths.astype(np.int64), index=frame.index)


def _conversions(schools: pd.DataFrame, rng: np.random.Generator) -> dict[int, Conversion]:
    """Academy conversions: a cohort-1 school (2017 -> 2018), a completed cohort-3 school
    (during 2018-19), one ordinary school (2018 -> 2019) and a decoy link that never happens.
    """
    c1 = schools.index[schools["role"] == "c1"].to_numpy()
    c3 = schools.index[(schools["role"] == "c3") & (schools["status"] == "completed")].to_numpy()
    free = schools.index[_ordinary(schools) & schools["nftype"].isin(["CY", "VC"])].to_numpy()
    other, decoy = rng.choice(free, size=2, replace=False)
    return {
        int(rng.choice(c1)): Conversion(990001, "20171101", announced=2017, new_from=2018),
        int(rng.choice(c3)): Conversion(990002, "20181101", announced=2018, new_from=2019),
        int(other): Conversion(990003, "20190101", announced=2018, new_from=2019),
        int(decoy): Conversion(990004, "20190901", announced=2018, new_from=None),
    }


# --- DfE-format tables ----------------------------------------------------------------------
def _tenths(value: int) -> str:
    """A score held in tenths as DfE text: -15 -> '-1.5', 0 -> '0.0'."""
    return f"{value / 10:.1f}"


def _limit(score: float, sigma: float, telig: int, cov: int, sign: int) -> str:
    """One 95% limit: score +/- 1.96*sigma/sqrt(n), n = round(TELIG*COV/100), 1 dp."""
    n = max(1, int(round_half_away(telig * cov / 100, 0)))
    value = round_half_away(score + sign * Z95 * sigma / math.sqrt(n), 1)
    return f"{value + 0.0:.1f}"


def _progress_cells(m: pd.Series, subj: str) -> dict[str, str]:
    """One school's score, limits and coverage of ``subj`` in one year, as DfE text."""
    cov = int(m[f"{subj}COV"])
    score = int(m[f"{subj}PROG"])
    if m["prog_code"] in ("SUPP", "BLANK"):
        text = "SUPP" if m["prog_code"] == "SUPP" else ""
        return dict.fromkeys(("PROG", "PROG_LOWER", "PROG_UPPER", "COV"), text)
    return {
        "PROG": _tenths(score),
        "PROG_LOWER": _limit(score / 10, SIGMA[subj], int(m["TELIG"]), cov, -1),
        "PROG_UPPER": _limit(score / 10, SIGMA[subj], int(m["TELIG"]), cov, +1),
        "COV": f"{cov}%",
    }


def year_cells(la: SyntheticLA, year: int) -> pd.DataFrame:
    """Each school's own figures of ``year`` as DfE text (index: school, not URN).

    ``TELIG``, progress with limits and coverage, ``PTFSM6CLA1A`` and, where made,
    ``TKS1AVERAGE`` and ``*PROG_UNADJUSTED``. Both ``year``'s file and the previous-year
    columns of later files are written from these cells, so a later file's ``MATPROG_17`` is
    the 2016-17 file's ``MATPROG`` by construction, under the school's new URN after a
    conversion too (as the real files carry the predecessor's history).
    """
    frame = la.years[year]
    tiny = frame["TELIG"] <= 5  # as in the real files: intake figures of 5 pupils or fewer
    cells = pd.DataFrame(index=frame.index)
    cells["TELIG"] = frame["TELIG"].astype(int).astype(str)
    cells["PTFSM6CLA1A"] = (frame["PTFSM6CLA1A"].astype(str) + "%").where(~tiny, "SUPP")
    if "TKS1AVERAGE" in frame:
        ks1 = frame["TKS1AVERAGE"].map(lambda v: _tenths(int(v)))
        cells["TKS1AVERAGE"] = ks1.where(~tiny, "SUPP")
    for subj in SUBJECTS:
        progress = pd.DataFrame([_progress_cells(m, subj) for _, m in frame.iterrows()],
                                index=frame.index)  # fmt: skip
        for suffix in ("PROG", "PROG_LOWER", "PROG_UPPER", "COV"):
            cells[f"{subj}{suffix}"] = progress[suffix]
    for subj in SUBJECTS:
        column = f"{subj}PROG_UNADJUSTED"
        if column in frame:
            cells[column] = frame[column].map(lambda v: _tenths(int(v)))
            coded = frame["prog_code"] != ""
            cells.loc[coded, column] = cells.loc[coded, f"{subj}PROG"]
    return cells


def prior_names(prior: int, file_year: int) -> dict[str, str]:
    """How a year's own columns are named as previous-year columns of ``file_year``'s file
    (``MATPROG`` -> ``MATPROG_17``, ``MATPROG_LOWER`` -> ``MATPROG_LOWER_17``)."""
    yy = f"{prior % 100:02d}"
    names = {"TELIG": f"TELIG_{yy}"} if file_year in TELIG_HISTORY_FILES else {}
    names["PTFSM6CLA1A"] = f"PTFSM6CLA1A_{yy}"
    for subj in SUBJECTS:
        for suffix in ("PROG", "PROG_LOWER", "PROG_UPPER"):
            names[f"{subj}{suffix}"] = f"{subj}{suffix}_{yy}"
    return names


def school_rows(la: SyntheticLA, year: int) -> pd.DataFrame:
    """The RECTYPE 1 and 2 rows of ``year`` as DfE text, academy links applied."""
    frame = la.years[year]
    columns = ks2_columns(year)
    own = year_cells(la, year)
    own_columns = [c for c in own.columns if c in columns]
    priors = {prior: (year_cells(la, prior), prior_names(prior, year))
              for prior in PRIOR_YEARS[year]}  # fmt: skip
    rows = []
    for i, school in la.schools.iterrows():
        m = frame.loc[i]
        conv = la.conversions.get(int(i))
        urn, name, nftype = str(school["urn"]), str(school["name"]), str(school["nftype"])
        urn_ac, name_ac, open_ac = "0", "", ""
        academy_name = f"{school['place']} Primary Academy"
        if conv is not None and conv.new_from is not None and year >= conv.new_from:
            urn, name, nftype = str(conv.new_urn), academy_name, "ACC"
        elif conv is not None and year >= conv.announced:
            urn_ac, name_ac, open_ac = str(conv.new_urn), academy_name, conv.open_ac
        row = {
            "RECTYPE": "2" if school["kind"] == "special" else "1",
            "LEA": LA_CODE,
            "ESTAB": str(school["estab"]),
            "URN": urn,
            "SCHNAME": name,
            "TOWN": str(school["town"]),
            "URN_AC": urn_ac,
            "SCHNAME_AC": name_ac,
            "OPEN_AC": open_ac,
            "NFTYPE": nftype,
            "PTRWM_EXP": f"{int(m['PTRWM_EXP'])}%",
            "PTREAD_EXP": f"{int(m['PTREAD_EXP'])}%",
            "PTMAT_EXP": f"{_tenths(int(m['PTMAT_EXP']))}%",
            "PTMAT_HIGH": f"{int(m['PTMAT_HIGH'])}%",
            "MAT_AVERAGE": str(int(m["MAT_AVERAGE"])),
            "PTWRITTA_EXP": f"{int(m['PTWRITTA_EXP'])}%",
        }
        row.update(own.loc[i, own_columns].to_dict())
        for cells, names in priors.values():
            row.update({names[c]: cells.at[i, c] for c in names})
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(columns))
    order = table["RECTYPE"] + table["SCHNAME"].str.lower()
    return table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def _numbers(column: pd.Series) -> pd.Series:
    """DfE text to numbers: '77.0%' -> 77.0, codes and blanks -> NaN."""
    return pd.to_numeric(column.str.removesuffix("%"), errors="coerce")


def _weighted_score(score: pd.Series, weight: pd.Series) -> float:
    """Mean of ``score`` weighted by ``weight`` over the rows with a number."""
    ok = score.notna()
    return float((score[ok] * weight[ok]).sum() / weight[ok].sum())


def la_summary_row(schools_table: pd.DataFrame) -> dict[str, str]:
    """The LA row (RECTYPE 3) computed from the written school rows (RECTYPE 1 and 2).

    Progress (unadjusted too): mean weighted by TELIG*COV/100 over schools with a numeric
    score, rounded to 1 dp half away from zero; percentages and averages (``TKS1AVERAGE``,
    1 dp): weighted by TELIG. Works on a year's cells (:func:`year_cells`) too: only the
    columns present are computed.
    """
    telig = _numbers(schools_table["TELIG"])
    row = dict.fromkeys(schools_table.columns, "")
    row.update({"RECTYPE": "3", "LEA": LA_CODE, "SCHNAME": LA_NAME, "TELIG": str(int(telig.sum()))})
    for subj in SUBJECTS:
        score = _numbers(schools_table[f"{subj}PROG"])
        cov = _numbers(schools_table[f"{subj}COV"])
        ok = score.notna()
        weight = telig[ok] * cov[ok] / 100
        mean = float((score[ok] * weight).sum() / weight.sum())
        half = Z95 * SIGMA[subj] / math.sqrt(weight.sum())
        row[f"{subj}PROG"] = f"{round_half_away(mean, 1) + 0.0:.1f}"
        row[f"{subj}PROG_LOWER"] = f"{round_half_away(mean - half, 1) + 0.0:.1f}"
        row[f"{subj}PROG_UPPER"] = f"{round_half_away(mean + half, 1) + 0.0:.1f}"
        cov_mean = float((cov[ok] * telig[ok]).sum() / telig[ok].sum())
        row[f"{subj}COV"] = f"{int(round_half_away(cov_mean, 0))}%"
        unadjusted = f"{subj}PROG_UNADJUSTED"
        if unadjusted in schools_table:
            mean = _weighted_score(_numbers(schools_table[unadjusted]), telig * cov / 100)
            row[unadjusted] = f"{round_half_away(mean, 1) + 0.0:.1f}"
    for col in ("PTRWM_EXP", "PTREAD_EXP", "PTMAT_EXP", "PTMAT_HIGH", "MAT_AVERAGE",
                "PTWRITTA_EXP", "PTFSM6CLA1A", "TKS1AVERAGE"):  # fmt: skip
        if col not in schools_table:
            continue
        values = _numbers(schools_table[col])
        ok = values.notna()
        mean = float((values[ok] * telig[ok]).sum() / telig[ok].sum())
        if col == "PTMAT_EXP":
            row[col] = f"{round_half_away(mean, 1):.1f}%"
        elif col == "MAT_AVERAGE":
            row[col] = str(int(round_half_away(mean, 0)))
        elif col == "TKS1AVERAGE":
            row[col] = f"{round_half_away(mean, 1):.1f}"
        else:
            row[col] = f"{int(round_half_away(mean, 0))}%"
    return row


def la_rows_by_year(la: SyntheticLA) -> dict[int, dict[str, str]]:
    """Every year's LA row, 2016 included, each computed as that year's own file computes it
    (from its written school rows), so a later file's ``MATPROG_17`` on the LA row is the
    2016-17 file's LA ``MATPROG``. 2016 has no file: its row comes from its cells."""
    rows = {PRE_YEAR: la_summary_row(year_cells(la, PRE_YEAR))}
    for year in YEARS:
        rows[year] = la_summary_row(school_rows(la, year))
    return rows


def national_rows(year: int) -> list[dict[str, str]]:
    """The two national rows (RECTYPE 4 and 5): no LEA, no URN, progress blank.

    As in the real files, ``*PROG_UNADJUSTED`` is 0 there (the national mean by definition).
    """
    rows = []
    for rectype, delta in (("4", 0), ("5", -4800)):
        row = dict.fromkeys(ks2_columns(year), "")
        values = NATIONAL[year]
        row.update({key: str(value) for key, value in values.items()})
        row["RECTYPE"] = rectype
        row["TELIG"] = str(int(values["TELIG"]) + delta)
        row.update(NATIONAL_CONTEXT[year])
        for prior in PRIOR_YEARS[year]:
            names = prior_names(prior, year)
            row[names["PTFSM6CLA1A"]] = NATIONAL_CONTEXT[prior]["PTFSM6CLA1A"]
            if "TELIG" in names:
                row[names["TELIG"]] = str(int(NATIONAL[prior]["TELIG"]) + delta)
        if year in UNADJUSTED_FILES:
            row.update({f"{subj}PROG_UNADJUSTED": "0.0" for subj in SUBJECTS})
        rows.append(row)
    return rows


def build_year_table(
    la: SyntheticLA, year: int, la_rows: Mapping[int, Mapping[str, str]] | None = None
) -> pd.DataFrame:
    """One year's ``919_ks2final_synthetic.csv``: school rows, the LA row, the two national rows.

    ``la_rows`` (:func:`la_rows_by_year`, computed when not given) fill the LA row's
    previous-year columns.
    """
    la_rows = la_rows_by_year(la) if la_rows is None else la_rows
    columns = list(ks2_columns(year))
    schools = school_rows(la, year)
    la_row = la_summary_row(schools)
    for prior in PRIOR_YEARS[year]:
        names = prior_names(prior, year)
        la_row.update({new: la_rows[prior][old] for old, new in names.items()})
    extra = pd.DataFrame([la_row, *national_rows(year)])
    table = pd.concat([schools, extra[columns]], ignore_index=True)
    _check_la_row(table, year)
    return table


def _check_la_row(table: pd.DataFrame, year: int) -> None:
    """Fail loudly if the LA row does not show the published figures."""
    la_row = table[table["RECTYPE"] == "3"].iloc[0]
    expected = (f"{LA_MATPROG[year]:.1f}", f"{LA_PTMAT[year]:.1f}%")
    if (la_row["MATPROG"], la_row["PTMAT_EXP"]) != expected:
        raise RuntimeError(f"LA row {year}: {la_row['MATPROG']}, {la_row['PTMAT_EXP']}")


def make_rosters(la: SyntheticLA) -> dict[str, pd.DataFrame]:
    """The two project rosters (``urn,school_name,cohort,tla,visits,status``).

    Roster URNs are as a project office would have written them: the cohort-1 school that
    converted after joining is listed by its OLD URN; the cohort-3 school that converted during
    2018-19 by its NEW one (with its academy name).
    """
    schools = la.schools
    rows: dict[str, list[dict[str, object]]] = {"2017_18": [], "2018_19": []}
    for i, school in schools[schools["role"] != ""].iterrows():
        conv = la.conversions.get(int(i))
        urn, name = int(school["urn"]), str(school["name"])
        role = str(school["role"])
        if role == "c3" and conv is not None:
            urn, name = conv.new_urn, f"{school['place']} Primary Academy"
        if role == "c3":
            visits = 4 if school["status"] == "completed" else 1 + int(school["urn"]) % 2
        else:
            visits = 5 if role == "c1" else 3
        record = {"urn": urn, "school_name": name, "cohort": int(role[1]), "tla": school["tla"],
                  "visits": visits, "status": school["status"]}  # fmt: skip
        rows["2018_19" if role == "c3" else "2017_18"].append(record)
    out = {}
    for key, records in rows.items():
        frame = pd.DataFrame(records, columns=list(ROSTER_COLUMNS))
        out[key] = frame.sort_values(["cohort", "school_name"], kind="stable").reset_index(
            drop=True
        )
    return out


def make_example_data(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """All example files, keyed by path relative to the examples directory."""
    la = add_context(simulate_years(seed), seed)
    la_rows = la_rows_by_year(la)
    files = {
        f"data/{YEAR_FOLDERS[year]}/{LA_CODE}_ks2final_synthetic.csv": build_year_table(
            la, year, la_rows
        )
        for year in YEARS
    }
    rosters = make_rosters(la)
    files["rosters/ipm_2017_18_roster.csv"] = rosters["2017_18"]
    files["rosters/ipm_2018_19_roster.csv"] = rosters["2018_19"]
    return files


def write_tables(files: Mapping[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write the files deterministically: DfE tables as UTF-8 with BOM and CRLF (like the real
    ones), rosters as plain UTF-8 with LF. Returns the paths written.
    """
    out_dir = Path(out_dir)
    written = []
    for relative, frame in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative.startswith("data/"):
            frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        else:
            frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written.append(path)
    return written
