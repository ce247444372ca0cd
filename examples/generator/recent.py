"""Seeded generator of the SYNTHETIC examples for the years users have today (2022-23 on).

Not part of the installed package: ``python scripts/make_example_data.py`` runs it with the
older generators and rewrites the hash registry. Everything is invented: "Synthetic County"
(LA code 919, as in the 2016-19 examples, but other schools: URNs from 920001, academies from
996001), invented places, postcodes in ``ZZ99`` and telephone numbers in Ofcom's drama range.

The story: a programme ran in 2023-24 in 35 schools recruited after weak 2023 results
(baseline: KS2 of summer 2023, the 2022-23 file; outcome: summer 2025, the 2024-25 file).
2023 has progress scores (KS1 2019); the 2024 and 2025 cohorts had no KS1 (cancelled in 2020
and 2021), so those years have attainment, higher standard and scaled scores only.

How the data are made (one ``numpy.random.default_rng(seed)`` stream; same seed, same bytes):

1. :func:`make_schools` invents the LA's ~190 schools and a reference population of 500
   schools standing in for England (their pupils give the national rows and the national
   expectations that progress is measured against).
2. :func:`school_levels` walks each school's level (in scaled-score points) through 2019-2025:
   a persistent part plus an AR(1) part (``next = 0.5 * this + noise``), so results regress
   to the mean from one year to the next.
3. :func:`simulate_pupils` draws every pupil of a year (disadvantage, sex, EAL, SEN, KS1
   average point score where the cohort had KS1, reading, maths and GPS scaled scores, a
   writing teacher assessment); every school, LA and national figure is then an aggregate of
   those pupils, so % at the expected standard, % at the higher standard, the average scaled
   score, RWM combined and the disadvantaged figures are consistent with each other.
4. After 2023, :func:`recruit_project` picks 35 schools from the lowest 40% of 2023 maths
   attainment; completed schools get a modest true effect in 2024 (half) and 2025 (full).
5. :func:`figures` aggregates pupils to the DfE's measures; :func:`wide_table`,
   :func:`ees_school_performance`, :func:`ees_school_information` and
   :func:`ees_la_performance` write the same figures in both formats, so a school in a year
   reads the same from the wide file and from the EES files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ipm_analysis.core.constants import Z95

DEFAULT_SEED = 20230919
LA_CODE = "919"
LA_NAME = "Synthetic County"
#: An invented 9-character code for the LA (real E10 codes stop far below 999).
NEW_LA_CODE = "E10999919"
COUNTRY = ("E92000001", "England")
#: Summers whose pupils are drawn; 2020 and 2021 had no tests, 2022 was not published per school.
TESTED_YEARS = (2019, 2022, 2023, 2024, 2025)
#: Summers whose cohort had KS1 (2015, 2018, 2019), so progress exists.
PROGRESS_YEARS = (2019, 2022, 2023)
EES_YEARS = (2023, 2024, 2025)
BASELINE_YEAR, OUTCOME_YEAR = 2023, 2025
FILES = {
    2023: "data/2022-2023/919_ks2final_synthetic.csv",
    2025: "data/2024-2025/919_ks2revised_synthetic.csv",
}
EES_FILES = {
    "performance": "data/ees/ks2_school_performance_synthetic.csv",
    "information": "data/ees/ks2_school_information_synthetic.csv",
    "la_performance": "data/ees/ks2_la_performance_synthetic.csv",
}
ROSTER_FILE = "rosters/ipm_2023_24_roster.csv"
ROSTER_COLUMNS = ("urn", "school_name", "cohort", "tla", "visits", "status")
#: Prior-year blocks of each wide file, latest first (suffix = the summer's two digits).
PRIOR_BLOCKS = {2023: (2022, 2019), 2025: (2024, 2023)}
#: The DfE's version of each year's figures in the EES files (the wide 2024-25 file is the
#: December 2025 "revised" one, so the EES rows are of the same edition).
EES_VERSION = {2023: "Final", 2024: "Final", 2025: "Revised"}

#: The 2022-23 wide file's 306 columns, in order (facts from the reference column list).
WIDE_2023_COLUMNS = (
    "RECTYPE", "ALPHAIND", "LEA", "ESTAB", "URN", "SCHNAME", "ADDRESS1", "ADDRESS2", "ADDRESS3",
    "TOWN", "PCODE", "TELNUM", "PCON_CODE", "PCON_NAME", "URN_AC", "SCHNAME_AC", "OPEN_AC",
    "NFTYPE", "ICLOSE", "RELDENOM", "AGERANGE", "TAB15", "TAB1618", "TOTPUPS", "TPUPYEAR", "TELIG",
    "BELIG", "GELIG", "PBELIG", "PGELIG", "TKS1AVERAGE", "TKS1GROUP_L", "PTKS1GROUP_L",
    "TKS1GROUP_M", "PTKS1GROUP_M", "TKS1GROUP_H", "PTKS1GROUP_H", "TKS1GROUP_NA", "PTKS1GROUP_NA",
    "TFSM6CLA1A", "PTFSM6CLA1A", "TNOTFSM6CLA1A", "PTNOTFSM6CLA1A", "TEALGRP2", "PTEALGRP2",
    "TMOBN", "PTMOBN", "PTRWM_EXP", "PTRWM_HIGH", "READPROG", "READPROG_LOWER", "READPROG_UPPER",
    "READCOV", "WRITPROG", "WRITPROG_LOWER", "WRITPROG_UPPER", "WRITCOV", "MATPROG",
    "MATPROG_LOWER", "MATPROG_UPPER", "MATCOV", "PTREAD_EXP", "PTREAD_HIGH", "PTREAD_AT",
    "READ_AVERAGE", "PTGPS_EXP", "PTGPS_HIGH", "PTGPS_AT", "GPS_AVERAGE", "PTMAT_EXP",
    "PTMAT_HIGH", "PTMAT_AT", "MAT_AVERAGE", "PTWRITTA_EXP", "PTWRITTA_HIGH", "PTWRITTA_WTS",
    "PTWRITTA_AD", "PTSCITA_EXP", "PTSCITA_AD", "PTRWM_EXP_B", "PTRWM_EXP_G", "PTRWM_EXP_L",
    "PTRWM_EXP_M", "PTRWM_EXP_H", "PTRWM_EXP_FSM6CLA1A", "PTRWM_EXP_NotFSM6CLA1A", "DIFFN_RWM_EXP",
    "PTRWM_EXP_EAL", "PTRWM_EXP_MOBN", "PTRWM_HIGH_B", "PTRWM_HIGH_G", "PTRWM_HIGH_L",
    "PTRWM_HIGH_M", "PTRWM_HIGH_H", "PTRWM_HIGH_FSM6CLA1A", "PTRWM_HIGH_NotFSM6CLA1A",
    "DIFFN_RWM_HIGH", "PTRWM_HIGH_EAL", "PTRWM_HIGH_MOBN", "READPROG_B", "READPROG_B_LOWER",
    "READPROG_B_UPPER", "READPROG_G", "READPROG_G_LOWER", "READPROG_G_UPPER", "READPROG_L",
    "READPROG_L_LOWER", "READPROG_L_UPPER", "READPROG_M", "READPROG_M_LOWER", "READPROG_M_UPPER",
    "READPROG_H", "READPROG_H_LOWER", "READPROG_H_UPPER", "READPROG_FSM6CLA1A",
    "READPROG_FSM6CLA1A_LOWER", "READPROG_FSM6CLA1A_UPPER", "READPROG_NotFSM6CLA1A",
    "READPROG_NotFSM6CLA1A_LOWER", "READPROG_NotFSM6CLA1A_UPPER", "DIFFN_READPROG", "READPROG_EAL",
    "READPROG_EAL_LOWER", "READPROG_EAL_UPPER", "READPROG_MOBN", "READPROG_MOBN_LOWER",
    "READPROG_MOBN_UPPER", "WRITPROG_B", "WRITPROG_B_LOWER", "WRITPROG_B_UPPER", "WRITPROG_G",
    "WRITPROG_G_LOWER", "WRITPROG_G_UPPER", "WRITPROG_L", "WRITPROG_L_LOWER", "WRITPROG_L_UPPER",
    "WRITPROG_M", "WRITPROG_M_LOWER", "WRITPROG_M_UPPER", "WRITPROG_H", "WRITPROG_H_LOWER",
    "WRITPROG_H_UPPER", "WRITPROG_FSM6CLA1A", "WRITPROG_FSM6CLA1A_LOWER",
    "WRITPROG_FSM6CLA1A_UPPER", "WRITPROG_NotFSM6CLA1A", "WRITPROG_NotFSM6CLA1A_LOWER",
    "WRITPROG_NotFSM6CLA1A_UPPER", "DIFFN_WRITPROG", "WRITPROG_EAL", "WRITPROG_EAL_LOWER",
    "WRITPROG_EAL_UPPER", "WRITPROG_MOBN", "WRITPROG_MOBN_LOWER", "WRITPROG_MOBN_UPPER",
    "MATPROG_B", "MATPROG_B_LOWER", "MATPROG_B_UPPER", "MATPROG_G", "MATPROG_G_LOWER",
    "MATPROG_G_UPPER", "MATPROG_L", "MATPROG_L_LOWER", "MATPROG_L_UPPER", "MATPROG_M",
    "MATPROG_M_LOWER", "MATPROG_M_UPPER", "MATPROG_H", "MATPROG_H_LOWER", "MATPROG_H_UPPER",
    "MATPROG_FSM6CLA1A", "MATPROG_FSM6CLA1A_LOWER", "MATPROG_FSM6CLA1A_UPPER",
    "MATPROG_NotFSM6CLA1A", "MATPROG_NotFSM6CLA1A_LOWER", "MATPROG_NotFSM6CLA1A_UPPER",
    "DIFFN_MATPROG", "MATPROG_EAL", "MATPROG_EAL_LOWER", "MATPROG_EAL_UPPER", "MATPROG_MOBN",
    "MATPROG_MOBN_LOWER", "MATPROG_MOBN_UPPER", "READ_AVERAGE_B", "READ_AVERAGE_G",
    "READ_AVERAGE_L", "READ_AVERAGE_M", "READ_AVERAGE_H", "READ_AVERAGE_FSM6CLA1A",
    "READ_AVERAGE_NotFSM6CLA1A", "READ_AVERAGE_EAL", "READ_AVERAGE_MOBN", "MAT_AVERAGE_B",
    "MAT_AVERAGE_G", "MAT_AVERAGE_L", "MAT_AVERAGE_M", "MAT_AVERAGE_H", "MAT_AVERAGE_FSM6CLA1A",
    "MAT_AVERAGE_NotFSM6CLA1A", "MAT_AVERAGE_EAL", "MAT_AVERAGE_MOBN", "GPS_AVERAGE_B",
    "GPS_AVERAGE_G", "GPS_AVERAGE_L", "GPS_AVERAGE_M", "GPS_AVERAGE_H", "GPS_AVERAGE_FSM6CLA1A",
    "GPS_AVERAGE_NotFSM6CLA1A", "GPS_AVERAGE_EAL", "GPS_AVERAGE_MOBN", "PTREAD_EXP_L",
    "PTREAD_EXP_M", "PTREAD_EXP_H", "PTREAD_EXP_FSM6CLA1A", "PTREAD_EXP_NotFSM6CLA1A",
    "PTGPS_EXP_L", "PTGPS_EXP_M", "PTGPS_EXP_H", "PTGPS_EXP_FSM6CLA1A", "PTGPS_EXP_NotFSM6CLA1A",
    "PTMAT_EXP_L", "PTMAT_EXP_M", "PTMAT_EXP_H", "PTMAT_EXP_FSM6CLA1A", "PTMAT_EXP_NotFSM6CLA1A",
    "PTWRITTA_EXP_L", "PTWRITTA_EXP_M", "PTWRITTA_EXP_H", "PTWRITTA_EXP_FSM6CLA1A",
    "PTWRITTA_EXP_NotFSM6CLA1A", "PTREAD_HIGH_L", "PTREAD_HIGH_M", "PTREAD_HIGH_H",
    "PTREAD_HIGH_FSM6CLA1A", "PTREAD_HIGH_NotFSM6CLA1A", "PTGPS_HIGH_L", "PTGPS_HIGH_M",
    "PTGPS_HIGH_H", "PTGPS_HIGH_FSM6CLA1A", "PTGPS_HIGH_NotFSM6CLA1A", "PTMAT_HIGH_L",
    "PTMAT_HIGH_M", "PTMAT_HIGH_H", "PTMAT_HIGH_FSM6CLA1A", "PTMAT_HIGH_NotFSM6CLA1A",
    "PTWRITTA_HIGH_L", "PTWRITTA_HIGH_M", "PTWRITTA_HIGH_H", "PTWRITTA_HIGH_FSM6CLA1A",
    "PTWRITTA_HIGH_NotFSM6CLA1A", "TEALGRP1", "PTEALGRP1", "TEALGRP3", "PTEALGRP3", "TSENELE",
    "PSENELE", "TSENELK", "PSENELK", "TSENELEK", "PSENELEK", "TELIG_22", "PTFSM6CLA1A_22",
    "PTNOTFSM6CLA1A_22", "PTRWM_EXP_22", "PTRWM_HIGH_22", "PTRWM_EXP_FSM6CLA1A_22",
    "PTRWM_HIGH_FSM6CLA1A_22", "PTRWM_EXP_NotFSM6CLA1A_22", "PTRWM_HIGH_NotFSM6CLA1A_22",
    "READPROG_22", "READPROG_LOWER_22", "READPROG_UPPER_22", "WRITPROG_22", "WRITPROG_LOWER_22",
    "WRITPROG_UPPER_22", "MATPROG_22", "MATPROG_LOWER_22", "MATPROG_UPPER_22", "READ_AVERAGE_22",
    "MAT_AVERAGE_22", "TELIG_19", "PTFSM6CLA1A_19", "PTNOTFSM6CLA1A_19", "PTRWM_EXP_19",
    "PTRWM_HIGH_19", "PTRWM_EXP_FSM6CLA1A_19", "PTRWM_HIGH_FSM6CLA1A_19",
    "PTRWM_EXP_NotFSM6CLA1A_19", "PTRWM_HIGH_NotFSM6CLA1A_19", "READPROG_19", "READPROG_LOWER_19",
    "READPROG_UPPER_19", "WRITPROG_19", "WRITPROG_LOWER_19", "WRITPROG_UPPER_19", "MATPROG_19",
    "MATPROG_LOWER_19", "MATPROG_UPPER_19", "READ_AVERAGE_19", "MAT_AVERAGE_19",
    "READPROG_UNADJUSTED", "WRITPROG_UNADJUSTED", "MATPROG_UNADJUSTED", "READPROG_DESCR",
    "WRITPROG_DESCR", "MATPROG_DESCR",
)  # fmt: skip

TESTS = ("READ", "MAT", "GPS")  # scaled-score tests
SUBJECTS = ("READ", "WRIT", "MAT")  # progress subjects
#: Pupil groups: wide-file suffix -> EES breakdown (topic, breakdown) or None (wide only).
GROUPS: dict[str, tuple[str, str] | None] = {
    "": ("All pupils", "Total"),
    "_FSM6CLA1A": ("Disadvantaged status", "Disadvantaged"),
    "_NotFSM6CLA1A": ("Disadvantaged status", "Disadvantaged all other"),
    "_B": None,
    "_G": None,
    "_EAL": None,
    "_MOBN": None,
    "_L": None,
    "_M": None,
    "_H": None,
}
EES_SUBJECTS = ("Reading, writing and maths", "Reading", "Writing", "Maths",
                "Grammar, punctuation and spelling")  # fmt: skip
THREE_YEAR = ("Average (2023 to 2025)", "3 year average")
PROGRESS_BANDS = {1: "Well above average", 2: "Above average", 3: "Average",
                  4: "Below average", 5: "Well below average"}  # fmt: skip
#: A progress score this far from 0 (with its interval clear of 0) is "well" above/below.
WELL_BAND = 3.0

# --- the model (scaled-score points unless said) ------------------------------------------
PUPIL_SD = 6.3
ABILITY_LOADING = 0.85  # share of a pupil's score sd that is general ability (subjects correlate)
#: Mean score of a pupil of an average school with no disadvantage or SEN, by summer.
MU = {
    2019: {"READ": 106.0, "WRIT": 105.6, "MAT": 107.4, "GPS": 107.5},
    2022: {"READ": 106.9, "WRIT": 104.1, "MAT": 105.0, "GPS": 105.6},
    2023: {"READ": 106.2, "WRIT": 104.8, "MAT": 105.6, "GPS": 105.5},
    2024: {"READ": 106.5, "WRIT": 105.1, "MAT": 105.6, "GPS": 105.5},
    2025: {"READ": 106.9, "WRIT": 105.1, "MAT": 106.0, "GPS": 105.9},
}  # fmt: skip
DISADVANTAGE_GAP = -1.0  # on top of lower ability: disadvantaged pupils progress less
LA_SHIFT = -0.4  # Synthetic County sits a little below the reference population
SCHOOL_PERSISTENT_SD = 1.7
SCHOOL_AR = 0.5
SCHOOL_AR_SD = 1.1  # stationary sd of the AR(1) part
SUBJECT_SD = 0.8
PROGRESS_CAP = -15.0  # pupils' progress below this counts as the cap (the 2018 method)
#: The programme's true effect on completed schools' levels, 2025 (2024: half). TLA schools
#: get ``TLA_EXTRA`` more in maths; withdrawn schools get nothing.
EFFECT = {"READ": 0.4, "WRIT": 0.4, "MAT": 1.0, "GPS": 0.2}
TLA_EXTRA = 0.5
N_LA_MAINSTREAM, N_LA_SPECIAL = 185, 6
N_REFERENCE = 500

_HEADS = ("Alder", "Barrow", "Calder", "Dimmock", "Eskdale", "Foxley", "Gadsby", "Hollin",
          "Inchley", "Jessop", "Kilnsey", "Lowther", "Marbury", "Netherby", "Orrell",
          "Pennock", "Quarley", "Rudston", "Sandal", "Tadley", "Ulting", "Vowell", "Wharram",
          "Yeadon", "Bexwell", "Cawood", "Ditton", "Farleigh", "Grindle", "Huxley")  # fmt: skip
_TAILS = ("bank", "bury", "by", "cliffe", "dale", "end", "green", "ham", "hill", "lands",
          "ton", "vale", "wood")  # fmt: skip
_TOWNS = ("Aldermoor", "Barrowden Market", "Caldwick", "Foxleigh Parva", "Hollinsbury",
          "Marbury Cross", "Pennockstow", "Sandalford", "Wharramdale")  # fmt: skip
_STREETS = ("Church Lane", "School Road", "Mill Street", "Green Lane", "Station Road",
            "Orchard Way", "Meadow Rise", "Chapel Street")  # fmt: skip
_SAINTS = ("Aidan", "Bede", "Chad", "Cuthbert", "Hilda", "Oswald", "Wilfrid", "Anne", "Mary")


@dataclass
class RecentLA:
    """Everything drawn: the schools (LA and reference), each year's pupils, the project."""

    schools: pd.DataFrame
    pupils: dict[int, pd.DataFrame]
    sigma: dict[int, dict[str, float]]
    cache: dict = field(default_factory=dict)  # year_cells, computed once each


# --- rounding and text ----------------------------------------------------------------------
def round_half_away(values: np.ndarray | pd.Series, places: int = 0) -> np.ndarray:
    """Round half away from zero, vectorised (as the DfE rounds; 12.5 -> 13, -0.25 -> -0.3).

    Values are first snapped to 9 decimals so a true half stored as 12.4999999 is a half.
    """
    x = np.round(np.asarray(values, dtype=float), 9) * 10.0**places
    return np.sign(x) * np.floor(np.abs(x) + 0.5) / 10.0**places


# --- schools --------------------------------------------------------------------------------
def make_schools(rng: np.random.Generator) -> pd.DataFrame:
    """The LA's schools (``la`` True) and the reference population standing in for England.

    One row per school: identity (URN, ESTAB, name, type, address), size, pupil mix rates,
    and the persistent level (``g``) with per-subject offsets.
    """
    n_la = N_LA_MAINSTREAM + N_LA_SPECIAL
    n = n_la + N_REFERENCE
    la = np.arange(n) < n_la
    special = (np.arange(n) >= N_LA_MAINSTREAM) & la
    special |= ~la & (rng.random(n) < 0.03)
    places = rng.choice(np.array([h + t for h in _HEADS for t in _TAILS]), size=n_la, replace=False)
    nftype = np.where(special, "CYS",
                      rng.choice(np.array(["CY", "VC", "VA", "FD", "AC", "ACC"]), size=n,
                                 p=[0.50, 0.18, 0.10, 0.02, 0.10, 0.10]))  # fmt: skip
    names, estabs, agerange = [], [], []
    counters = {"CY": 2000, "VC": 3000, "VA": 3400, "FD": 5200, "AC": 2600, "ACC": 2400,
                "CYS": 7000}  # fmt: skip
    junior = rng.random(n) < 0.12
    saints = rng.choice(np.array(_SAINTS), size=n)
    for i in range(n):
        ftype = str(nftype[i])
        counters[ftype] += int(rng.integers(1, 6))
        estabs.append(counters[ftype])
        place = str(places[i]) if i < n_la else f"Reference {i - n_la + 1:03d}"
        if ftype == "CYS":
            names.append(f"{place} Special School")
            agerange.append("2-19")
        elif ftype == "VC":
            names.append(f"{place} Church of England Primary School")
        elif ftype == "VA":
            names.append(f"St {saints[i]}'s Catholic Primary School, {place}")
        elif ftype in ("AC", "ACC"):
            names.append(f"{place} Primary Academy")
        else:
            names.append(f"{place} {'Junior' if junior[i] else 'Primary'} School")
        if ftype != "CYS":
            agerange.append("7-11" if junior[i] and ftype == "CY" else "4-11")
    size = np.where(special, rng.integers(3, 15, size=n), rng.integers(14, 90, size=n))
    disadvantage = np.clip(rng.beta(2.2, 6.0, size=n), 0.02, 0.85)
    g = rng.normal(0.0, SCHOOL_PERSISTENT_SD, size=n) - 3.0 * (disadvantage - 0.27)
    g = np.where(special, g - 14.0, g) + np.where(la, LA_SHIFT, 0.0)
    offsets = rng.normal(0.0, SUBJECT_SD, size=(n, 4))
    schools = pd.DataFrame(
        {
            "la": la,
            "special": special,
            "urn": np.where(la, 920001 + rng.permutation(n), 0),
            "estab": estabs,
            "name": names,
            "place": np.where(la, np.resize(places, n), ""),
            "town": rng.choice(np.array(_TOWNS), size=n),
            "street": rng.choice(np.array(_STREETS), size=n),
            "house": rng.integers(1, 120, size=n),
            "pcode": [
                f"ZZ99 {d}{a}{b}"
                for d, a, b in zip(
                    rng.integers(1, 10, size=n),
                    rng.choice(list("ABDEFGHJLNPQRSTUWXYZ"), size=n),
                    rng.choice(list("ABDEFGHJLNPQRSTUWXYZ"), size=n),
                    strict=True,
                )
            ],  # fmt: skip
            "telnum": [f"01632960{k:03d}" for k in rng.integers(0, 1000, size=n)],
            "pcon": np.where(rng.random(n) < 0.5, "North", "South"),
            "alphaind": rng.integers(10000, 99999, size=n),
            "nftype": nftype,
            "agerange": agerange,
            "size": size,
            "disadvantage": disadvantage,
            "eal": np.clip(rng.beta(1.2, 8.0, size=n), 0.0, 0.9),
            "g": g,
            "u_READ": offsets[:, 0],
            "u_WRIT": offsets[:, 1],
            "u_MAT": offsets[:, 2],
            "u_GPS": offsets[:, 3],
            "cohort": "",
            "tla": "",
            "status": "",
            "new_urn": 0,
        }
    )
    return schools


def school_levels(schools: pd.DataFrame, rng: np.random.Generator) -> dict[int, pd.DataFrame]:
    """Each school's level per subject for every summer 2019-2025 (untested years too).

    ``level = g + v + u_subject + yearly noise``, ``v`` an AR(1) (``v' = 0.5 v + e``), so a
    school's results correlate about 0.6 from one year to the next and regress to the mean.
    """
    n = len(schools)
    v = rng.normal(0.0, SCHOOL_AR_SD, size=n)
    innovation = SCHOOL_AR_SD * np.sqrt(1 - SCHOOL_AR**2)
    levels = {}
    for year in range(2019, 2026):
        if year > 2019:
            v = SCHOOL_AR * v + rng.normal(0.0, innovation, size=n)
        noise = rng.normal(0.0, 0.5, size=(n, 4))
        levels[year] = pd.DataFrame(
            {
                s: schools["g"] + v + schools[f"u_{s}"] + noise[:, k]
                for k, s in enumerate(("READ", "WRIT", "MAT", "GPS"))
            }  # fmt: skip
        )
    return levels


# --- pupils ---------------------------------------------------------------------------------
def simulate_pupils(
    schools: pd.DataFrame, level: pd.DataFrame, year: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Every pupil of ``year``'s KS2 cohort in every school (LA and reference).

    Columns: ``school`` (row of ``schools``), flags (``disadvantaged``, ``boy``, ``eal``,
    ``eal_unknown``, ``non_mobile``, ``ehc``, ``sen_support``), ``ks1`` (average point score,
    NaN when the cohort or the pupil has none), scaled scores ``READ``, ``MAT``, ``GPS`` (NaN:
    absent or not able to access) and ``WRIT`` (the teacher assessment's latent score; NaN:
    absent or disapplied).
    """
    special = schools["special"].to_numpy()
    telig = np.maximum(1, schools["size"].to_numpy() + rng.integers(-5, 6, size=len(schools)))
    telig = np.where(special, np.maximum(1, schools["size"] + rng.integers(-2, 3, len(schools))),
                     telig)  # fmt: skip
    school = np.repeat(np.arange(len(schools)), telig)
    n = len(school)
    is_special = special[school]
    disadvantaged = rng.random(n) < schools["disadvantage"].to_numpy()[school]
    eal_draw = rng.random(n)
    eal_rate = schools["eal"].to_numpy()[school]
    ehc = rng.random(n) < np.where(is_special, 0.92, 0.025)
    sen_support = ~ehc & (rng.random(n) < 0.14)
    ability = rng.normal(-0.45 * disadvantaged - 1.3 * ehc - 0.6 * sen_support, 1.0)
    pupils = pd.DataFrame(
        {
            "school": school,
            "disadvantaged": disadvantaged,
            "boy": rng.random(n) < 0.51,
            "eal": eal_draw < eal_rate,
            "eal_unknown": eal_draw > 0.995,
            "non_mobile": rng.random(n) < 0.9,
            "ehc": ehc,
            "sen_support": sen_support,
        }
    )
    ks1_noise = rng.normal(0.0, 1.0, size=n)
    has_ks1 = rng.random(n) < np.where(is_special, 0.85, 0.95)
    ks1 = np.clip(np.round(15.9 + 3.6 * (0.85 * ability + 0.53 * ks1_noise), 1), 3.0, 21.0)
    pupils["ks1"] = np.where(has_ks1 & (year in PROGRESS_YEARS), ks1, np.nan)
    absent = np.where(is_special, 0.35, 0.012)
    for subject in ("READ", "WRIT", "MAT", "GPS"):
        own = rng.normal(0.0, 1.0, size=n)
        latent = (MU[year][subject] + level[subject].to_numpy()[school]
                  + DISADVANTAGE_GAP * disadvantaged
                  + PUPIL_SD * (ABILITY_LOADING * ability
                                + np.sqrt(1 - ABILITY_LOADING**2) * own))  # fmt: skip
        score = np.clip(round_half_away(latent), 80, 120)
        sat = rng.random(n) >= (absent / 3 if subject == "WRIT" else absent)
        pupils[subject] = np.where(sat, score, np.nan)
    return pupils


def add_progress(pupils: pd.DataFrame, schools: pd.DataFrame, year: int) -> dict[str, float]:
    """Each included pupil's progress (``*_res``; capped: ``*_cap``) in place; returns the
    national pupil-level sd of each subject's capped progress (the sigma of the intervals).

    The expected score of a pupil is the mean score of the reference population's pupils
    with the same KS1 average point score (in whole points: the prior attainment groups), so
    national progress is 0 and the LA's is whatever its schools add.
    """
    group = np.floor(pupils["ks1"]).clip(3, 20)
    reference = ~schools["la"].to_numpy()[pupils["school"].to_numpy()]
    sigma = {}
    for subject in SUBJECTS:
        if year not in PROGRESS_YEARS:
            pupils[f"{subject}_res"] = np.nan
            pupils[f"{subject}_cap"] = np.nan
            continue
        included = pupils[subject].notna() & group.notna()
        expected = pupils.loc[included & reference, subject].groupby(group).mean()
        res = (pupils[subject] - group.map(expected)).where(included)
        pupils[f"{subject}_res"] = res
        pupils[f"{subject}_cap"] = res.clip(lower=PROGRESS_CAP)
        sigma[subject] = float(np.round(pupils.loc[reference, f"{subject}_cap"].std(), 2))
    return sigma


# --- the project ----------------------------------------------------------------------------
def recruit_project(
    schools: pd.DataFrame, baseline: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """35 schools recruited after a weak 2023: from the lowest 40% of LA mainstream schools
    by 2023 maths attainment (``baseline``: :func:`figures` of 2023), cohort 4 (19 schools,
    6 visits) and cohort 5 (16, 4 visits); 2 of each withdraw; 15 have a TLA package.
    One completed cohort-4 school converts to an academy in September 2024 (new URN 996001).
    """
    schools = schools.copy()
    eligible = schools.index[schools["la"] & ~schools["special"] & (schools["size"] >= 20)]
    attainment = baseline.loc[eligible, "PTMAT_EXP"]
    low = attainment[attainment <= attainment.quantile(0.40)].index.to_numpy()
    picked = rng.choice(low, size=35, replace=False)
    schools.loc[picked[:19], "cohort"] = "4"
    schools.loc[picked[19:], "cohort"] = "5"
    schools.loc[picked, "status"] = "completed"
    schools.loc[np.r_[picked[17:19], picked[33:35]], "status"] = "withdrawn"
    schools.loc[picked, "tla"] = "no"
    schools.loc[np.r_[picked[:8], picked[19:25], picked[17]], "tla"] = "yes"
    converter = picked[0]
    schools.loc[converter, "new_urn"] = 996001
    return schools


def programme_effect(schools: pd.DataFrame, year: int) -> pd.DataFrame:
    """The true effect added to each school's level in ``year`` (0 outside the project)."""
    share = {2024: 0.5, 2025: 1.0}.get(year, 0.0)
    completed = (schools["status"] == "completed").to_numpy(float)
    tla = (schools["tla"] == "yes").to_numpy(float)
    effect = {s: share * completed * EFFECT[s] for s in EFFECT}
    effect["MAT"] = effect["MAT"] + share * completed * tla * TLA_EXTRA
    return pd.DataFrame(effect, index=schools.index)


def simulate(seed: int = DEFAULT_SEED) -> RecentLA:
    """Draw the schools, their levels and every tested year's pupils; recruit the project
    after 2023 (one RNG stream, in a fixed order)."""
    rng = np.random.default_rng(seed)
    schools = make_schools(rng)
    levels = school_levels(schools, rng)
    pupils, sigma = {}, {}
    for year in TESTED_YEARS:
        if year == 2024:
            baseline = figures(pupils[2023], schools, "")
            schools = recruit_project(schools, baseline, rng)
        level = levels[year] + programme_effect(schools, year)
        pupils[year] = simulate_pupils(schools, level, year, rng)
        sigma[year] = add_progress(pupils[year], schools, year)
    return RecentLA(schools, pupils, sigma)


# --- figures --------------------------------------------------------------------------------
def group_mask(pupils: pd.DataFrame, suffix: str) -> pd.Series:
    """Which pupils a wide-file group suffix covers (``_L``/``_M``/``_H``: KS1 APS below 12,
    12 to below 18, 18 or more)."""
    ks1 = pupils["ks1"]
    masks = {
        "": pd.Series(True, index=pupils.index),
        "_FSM6CLA1A": pupils["disadvantaged"],
        "_NotFSM6CLA1A": ~pupils["disadvantaged"],
        "_B": pupils["boy"],
        "_G": ~pupils["boy"],
        "_EAL": pupils["eal"],
        "_MOBN": pupils["non_mobile"],
        "_L": ks1 < 12,
        "_M": (ks1 >= 12) & (ks1 < 18),
        "_H": ks1 >= 18,
    }
    return masks[suffix]


def figures(pupils: pd.DataFrame, schools: pd.DataFrame, suffix: str, by: str = "school"):
    """Unrounded figures of one pupil group per school (``by='school'``) or per area.

    Columns use the wide file's names without the group suffix: ``n``, ``PTREAD_EXP``
    (0-100), ``PTREAD_HIGH``, ``PTREAD_AT``, ``READ_AVERAGE``, likewise MAT and GPS;
    ``PTWRITTA_EXP``/``_HIGH``/``_WTS``/``_AD``; ``PTRWM_EXP``/``_HIGH``; ``READPROG``
    (capped mean), ``READPROG_UNADJUSTED``, ``READ_INCL`` (pupils in the measure), WRIT, MAT.
    """
    p = pupils[group_mask(pupils, suffix).to_numpy()]
    key = p["school"] if by == "school" else pd.Series(by, index=p.index)
    frame = pd.DataFrame(index=p.index)
    for t in TESTS:
        frame[f"PT{t}_EXP"] = 100.0 * (p[t] >= 100)
        frame[f"PT{t}_HIGH"] = 100.0 * (p[t] >= 110)
        frame[f"PT{t}_AT"] = 100.0 * p[t].isna()
        frame[f"{t}_AVERAGE"] = p[t]
    frame["PTWRITTA_EXP"] = 100.0 * (p["WRIT"] >= 100)
    frame["PTWRITTA_HIGH"] = 100.0 * (p["WRIT"] >= 110)
    frame["PTWRITTA_AD"] = 100.0 * p["WRIT"].isna()
    frame["PTWRITTA_WTS"] = 100.0 - frame["PTWRITTA_EXP"] - frame["PTWRITTA_AD"]
    meets = (p["READ"] >= 100) & (p["WRIT"] >= 100) & (p["MAT"] >= 100)
    frame["PTRWM_EXP"] = 100.0 * meets
    frame["PTRWM_HIGH"] = 100.0 * ((p["READ"] >= 110) & (p["WRIT"] >= 110) & (p["MAT"] >= 110))
    for s in SUBJECTS:
        frame[f"{s}PROG"] = p[f"{s}_cap"]
        frame[f"{s}PROG_UNADJUSTED"] = p[f"{s}_res"]
        frame[f"{s}_INCL"] = p[f"{s}_res"].notna().astype(float)
    grouped = frame.groupby(key)
    out = grouped.mean()
    for s in SUBJECTS:
        out[f"{s}_INCL"] = grouped[f"{s}_INCL"].sum()
    out["n"] = grouped.size()
    if by == "school":
        out = out.reindex(schools.index)
        out["n"] = out["n"].fillna(0)
    return out


def context(pupils: pd.DataFrame, by: str = "school") -> pd.DataFrame:
    """Intake figures (counts and percentages, wide names): TELIG, BELIG, TKS1AVERAGE,
    TKS1GROUP_*, TFSM6CLA1A, TEALGRP*, TMOBN, TSENEL*; percentages 0-100."""
    key = pupils["school"] if by == "school" else pd.Series(by, index=pupils.index)
    ks1 = pupils["ks1"]
    flags = pd.DataFrame(
        {
            "TELIG": 1,
            "BELIG": pupils["boy"],
            "GELIG": ~pupils["boy"],
            "TKS1GROUP_L": ks1 < 12,
            "TKS1GROUP_M": (ks1 >= 12) & (ks1 < 18),
            "TKS1GROUP_H": ks1 >= 18,
            "TKS1GROUP_NA": ks1.isna(),
            "TFSM6CLA1A": pupils["disadvantaged"],
            "TNOTFSM6CLA1A": ~pupils["disadvantaged"],
            "TEALGRP1": ~pupils["eal"] & ~pupils["eal_unknown"],
            "TEALGRP2": pupils["eal"] & ~pupils["eal_unknown"],
            "TEALGRP3": pupils["eal_unknown"],
            "TMOBN": pupils["non_mobile"],
            "TSENELE": pupils["ehc"],
            "TSENELK": pupils["sen_support"],
            "TSENELEK": pupils["ehc"] | pupils["sen_support"],
        }
    ).astype(int)
    counts = flags.groupby(key).sum()
    telig = counts["TELIG"]
    out = counts.copy()
    out["TKS1AVERAGE"] = ks1.groupby(key).mean()
    percent_names = {"BELIG": "PBELIG", "GELIG": "PGELIG", "TSENELE": "PSENELE",
                     "TSENELK": "PSENELK", "TSENELEK": "PSENELEK"}  # fmt: skip
    for column in counts.columns.drop("TELIG"):
        out[percent_names.get(column, "P" + column)] = 100.0 * counts[column] / telig
    return out


# --- one year's cells (canonical text: numbers, or a code) --------------------------------
_PERCENT_NAMES = ("PBELIG", "PGELIG", "PSENELE", "PSENELK", "PSENELEK")


def _kind(name: str) -> str:
    """How a column is written: 'pct' (whole %), 'dp1' (1 decimal), 'whole'."""
    if name.startswith("PT") or name.startswith(_PERCENT_NAMES) or name.endswith("COV"):
        return "pct"
    if "PROG" in name or name.startswith("TKS1AVERAGE"):
        return "dp1"
    return "whole"


def _format(values: pd.Series | np.ndarray, kind: str) -> np.ndarray:
    """Numbers as the files write them (``76``, ``-0.3``; 'pct' without its ``%``); NaN
    becomes '' (the caller decides the code)."""
    x = np.asarray(values, dtype=float)
    places = 1 if kind == "dp1" else 0
    rounded = round_half_away(np.nan_to_num(x), places) + 0.0
    text = [f"{v:.1f}" if places else f"{int(v)}" for v in rounded]
    return np.where(np.isnan(x), "", np.array(text, dtype=object))


def _band(score: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The DfE's progress band: 1 well above, 2 above, 3 average, 4 below, 5 well below
    (above/below: the interval is clear of 0; well: and the score is ``WELL_BAND`` away)."""
    band = np.full(len(score), 3)
    band = np.where(lower > 0, np.where(score >= WELL_BAND, 1, 2), band)
    return np.where(upper < 0, np.where(score <= -WELL_BAND, 5, 4), band)


#: Measures of every pupil group (wide names without the group suffix), and those of all
#: pupils only (absence, working towards).
GROUP_MEASURES = (*[f"PT{t}_{m}" for t in TESTS for m in ("EXP", "HIGH")],
                  *[f"{t}_AVERAGE" for t in TESTS], "PTWRITTA_EXP", "PTWRITTA_HIGH",
                  "PTRWM_EXP", "PTRWM_HIGH")  # fmt: skip
ALL_PUPIL_MEASURES = (*[f"PT{t}_AT" for t in TESTS], "PTWRITTA_WTS", "PTWRITTA_AD")


def _grouped(measure: str, suffix: str) -> str:
    """A measure's column for a pupil group: ``MAT_AVERAGE`` -> ``MAT_AVERAGE_B``,
    ``PTMAT_EXP`` -> ``PTMAT_EXP_B``."""
    return measure + suffix


def _subset(la: RecentLA, pupils: pd.DataFrame, subset: str) -> pd.DataFrame:
    """The pupils of one population: 'school' (all, figures per school), 'la' (the LA's
    schools), 'national' (the reference population) or 'national_mainstream'."""
    schools = la.schools
    row = pupils["school"].to_numpy()
    if subset == "la":
        return pupils[schools["la"].to_numpy()[row]]
    if subset == "national":
        return pupils[~schools["la"].to_numpy()[row]]
    if subset == "national_mainstream":
        return pupils[~(schools["la"] | schools["special"]).to_numpy()[row]]
    return pupils


def year_cells(la: RecentLA, year: int, subset: str = "school") -> pd.DataFrame:
    """Every figure of ``year`` per school (``subset='school'``) or for one population
    (:func:`_subset`; one row) as canonical text. Cached on ``la``.

    Columns: wide names with group suffixes. Values are numbers as the files write them,
    without ``%`` (``76``, ``104``, ``-0.3``), or a code: ``SUPP`` (1-5 pupils), ``NE`` (no
    pupil in the group), ``NOKS1`` (no progress or KS1 figure: the cohort had no KS1).
    Percentages are of all eligible pupils; averages of the pupils who sat the test.
    """
    key = (year, subset)
    if key in la.cache:
        return la.cache[key]
    pupils = _subset(la, la.pupils[year], subset)
    by = "school" if subset == "school" else subset
    ctx = context(pupils, by)
    if by == "school":
        ctx = ctx.reindex(la.schools.index)
    columns: dict[str, np.ndarray] = {}
    tiny = ctx["TELIG"].fillna(0).to_numpy() <= 5
    for column in ctx.columns:
        text = _format(ctx[column], "dp1" if column == "TKS1AVERAGE" else _kind(column))
        if column != "TELIG":
            text = np.where(tiny, "SUPP", text)
        if column.startswith(("TKS1", "PTKS1")) and year not in PROGRESS_YEARS:
            text = np.full(len(text), "NOKS1", dtype=object)
        columns[column] = text
    for suffix in GROUPS:
        fig = figures(pupils, la.schools, suffix, by)
        if by != "school":
            fig = fig.reindex(ctx.index)
        n = fig["n"].fillna(0).to_numpy()
        code = np.where(n == 0, "NE", np.where(n <= 5, "SUPP", ""))
        if suffix in ("_L", "_M", "_H") and year not in PROGRESS_YEARS:
            code = np.full(len(n), "NOKS1")
        measures = GROUP_MEASURES + (ALL_PUPIL_MEASURES if suffix == "" else ())
        for m in measures:
            text = _format(fig[m], _kind(m))
            columns[_grouped(m, suffix)] = np.where(code != "", code,
                                                    np.where(text == "", "NE", text))  # fmt: skip
        for s in SUBJECTS:
            columns.update(_progress_cells(fig, s, suffix, code, la.sigma[year].get(s), year))
    cells = pd.DataFrame(columns, index=ctx.index)
    la.cache[key] = cells
    return cells


def _progress_cells(fig, s, suffix, code, sigma, year) -> dict[str, np.ndarray]:
    """One subject's progress score and 95% limits (score -/+ 1.96 sigma / sqrt(pupils in
    the measure)) of one pupil group; for all pupils also coverage, the uncapped score and
    the band. ``SUPP`` when 5 or fewer pupils are in the measure."""
    names = [f"{s}PROG{suffix}", f"{s}PROG{suffix}_LOWER", f"{s}PROG{suffix}_UPPER"]
    if suffix == "":
        names += [f"{s}COV", f"{s}PROG_UNADJUSTED", f"{s}PROG_DESCR"]
    if year not in PROGRESS_YEARS:
        return {name: np.full(len(code), "NOKS1", dtype=object) for name in names}
    incl = fig[f"{s}_INCL"].fillna(0).to_numpy()
    score = fig[f"{s}PROG"].to_numpy(float)
    half = Z95 * sigma / np.sqrt(np.maximum(incl, 1))
    texts = [_format(score, "dp1"), _format(score - half, "dp1"), _format(score + half, "dp1")]
    if suffix == "":
        n = fig["n"].fillna(0).to_numpy()
        rounded = [np.array([float(t) if t else np.nan for t in text]) for text in texts]
        texts += [
            _format(100.0 * incl / np.maximum(n, 1), "pct"),
            _format(fig[f"{s}PROG_UNADJUSTED"], "dp1"),
            np.array([str(b) for b in _band(*rounded)], dtype=object),
        ]
    blocked = np.where(code != "", code, np.where(incl <= 5, "SUPP", ""))
    return {name: np.where(blocked != "", blocked, text)
            for name, text in zip(names, texts, strict=True)}  # fmt: skip


# --- the wide files ------------------------------------------------------------------------
def wide_columns(year: int) -> list[str]:
    """The wide file's columns: 2022-23 as the reference list; 2024-25 derived from it.

    2024-25 (medium confidence, from the reference README): the ``_L``/``_M``/``_H``
    prior-attainment splits are gone; ``TELIG_3YR``, ``PTRWM_EXP_3YR``, ``PTRWM_HIGH_3YR``,
    ``READ_AVERAGE_3YR``, ``MAT_AVERAGE_3YR`` come back (after ``PSENELEK``); the prior-year
    blocks are ``_24`` (no progress: that cohort had no KS1) and ``_23`` (with progress and
    its band, ``READPROG_DESCR_23``); current-year progress columns stay, empty.
    """
    if year == 2023:
        return list(WIDE_2023_COLUMNS)
    split = ("_L", "_M", "_H")
    keep = []
    for c in WIDE_2023_COLUMNS:
        if c.endswith(("_22", "_19")):
            continue
        parts = c.split("_")
        if any(f"_{p}" in split for p in parts[1:]) and not c.startswith(("TKS1", "PTKS1")):
            continue
        keep.append(c)
    at = keep.index("PSENELEK") + 1
    three = ["TELIG_3YR", "PTRWM_EXP_3YR", "PTRWM_HIGH_3YR", "READ_AVERAGE_3YR", "MAT_AVERAGE_3YR"]
    blocks = []
    for prior in PRIOR_BLOCKS[2025]:
        yy = f"{prior % 100:02d}"
        block = [f"TELIG_{yy}", f"PTFSM6CLA1A_{yy}", f"PTNOTFSM6CLA1A_{yy}", f"PTRWM_EXP_{yy}",
                 f"PTRWM_HIGH_{yy}", f"PTRWM_EXP_FSM6CLA1A_{yy}", f"PTRWM_HIGH_FSM6CLA1A_{yy}",
                 f"PTRWM_EXP_NotFSM6CLA1A_{yy}", f"PTRWM_HIGH_NotFSM6CLA1A_{yy}"]  # fmt: skip
        if prior in PROGRESS_YEARS:
            for s in SUBJECTS:
                block += [f"{s}PROG_{yy}", f"{s}PROG_LOWER_{yy}", f"{s}PROG_UPPER_{yy}",
                          f"{s}PROG_DESCR_{yy}"]  # fmt: skip
        blocks += block + [f"READ_AVERAGE_{yy}", f"MAT_AVERAGE_{yy}"]
    return keep[:at] + three + blocks + keep[at:]


def identity_cells(la: RecentLA, year: int) -> pd.DataFrame:
    """Names, codes and addresses of the LA's schools as ``year``'s files show them (an
    academy conversion: the old URN with ``URN_AC`` until the new URN's first year, 2025)."""
    s = la.schools[la.schools["la"]]
    converted = (s["new_urn"] > 0) & (year >= 2025)
    announced = (s["new_urn"] > 0) & (year < 2025)
    academy_name = s["place"] + " Primary Academy"
    reldenom = s["nftype"].map({"VC": "Church of England", "VA": "Roman Catholic"})
    cells = pd.DataFrame(
        {
            "RECTYPE": np.where(s["special"], "2", "1"),
            "ALPHAIND": s["alphaind"].astype(str),
            "LEA": LA_CODE,
            "ESTAB": s["estab"].astype(str),
            "URN": np.where(converted, s["new_urn"], s["urn"]).astype(str),
            "SCHNAME": np.where(converted, academy_name, s["name"]),
            "ADDRESS1": s["house"].astype(str) + " " + s["street"],
            "ADDRESS2": "",
            "ADDRESS3": "",
            "TOWN": s["town"],
            "PCODE": s["pcode"],
            "TELNUM": s["telnum"],
            "PCON_CODE": np.where(s["pcon"] == "North", "E14999901", "E14999902"),
            "PCON_NAME": "Synthetic County " + s["pcon"],
            "URN_AC": np.where(announced, s["new_urn"], 0).astype(str),
            "SCHNAME_AC": np.where(announced, academy_name, ""),
            "OPEN_AC": np.where(announced, "20240901", ""),
            "NFTYPE": np.where(converted, "ACC", s["nftype"]),
            "ICLOSE": "0",
            "RELDENOM": reldenom.fillna("Does not apply"),
            "AGERANGE": s["agerange"],
            "TAB15": "0",
            "TAB1618": "0",
        },
        index=s.index,
    )
    return cells


def _school_part(la: RecentLA, year: int) -> pd.DataFrame:
    """The LA schools' own cells of ``year`` (identity and figures), index: school row."""
    own = year_cells(la, year)
    own = own.loc[la.schools.index[la.schools["la"]]]
    ident = identity_cells(la, year)
    telig = pd.to_numeric(own["TELIG"], errors="coerce").fillna(0)
    ident["TOTPUPS"] = (telig * 7 + la.schools.loc[own.index, "size"] % 9).astype(int).astype(str)
    ident["TPUPYEAR"] = telig.astype(int).astype(str)
    return pd.concat([ident, own], axis=1)


def la_cells(la: RecentLA, year: int) -> dict[str, str]:
    """The LA row (RECTYPE 3): the same figures computed from all the LA's pupils."""
    row = year_cells(la, year, "la").iloc[0].to_dict()
    row.update({"RECTYPE": "3", "LEA": LA_CODE, "SCHNAME": LA_NAME})
    return row


def national_cells(la: RecentLA, year: int, mainstream_only: bool) -> dict[str, str]:
    """A national row (RECTYPE 4: all state-funded; 5: mainstream) from the reference
    population standing in for England; progress is 0 there by definition, so blank."""
    subset = "national_mainstream" if mainstream_only else "national"
    row = year_cells(la, year, subset).iloc[0].to_dict()
    for key in row:
        if "PROG" in key or key.endswith("COV"):
            row[key] = "NATIONAL"
    row["RECTYPE"] = "5" if mainstream_only else "4"
    return row


def _three_year(la: RecentLA) -> pd.DataFrame:
    """2023-2025 pooled figures per LA school (the ``*_3YR`` columns, as canonical text)."""
    pooled = pd.concat([la.pupils[y] for y in EES_YEARS], ignore_index=True)
    fig = figures(pooled, la.schools, "")
    telig = fig["n"]
    out = pd.DataFrame(index=fig.index)
    out["TELIG_3YR"] = telig.astype(int).astype(str)
    for m in ("PTRWM_EXP", "PTRWM_HIGH", "READ_AVERAGE", "MAT_AVERAGE"):
        text = _format(fig[m], "whole")
        out[f"{m}_3YR"] = np.where(telig == 0, "NE", np.where(telig <= 5, "SUPP", text))
    return out


def _prior(cells: Mapping[str, str], columns: list[str], yy: str) -> dict[str, str]:
    """A previous year's own cells under the names of a later file's block (``MATPROG`` ->
    ``MATPROG_23``)."""
    return {c: cells.get(c[: -len(yy) - 1], "") for c in columns if c.endswith(f"_{yy}")}


#: How a canonical code is written in each format.
WIDE_CODES = {"SUPP": "SUPP", "NE": "NE", "NOKS1": "", "NATIONAL": "", "NA": "NA", "": ""}
EES_CODES = {"SUPP": "c", "NE": "z", "NOKS1": "z", "NATIONAL": "z", "NA": "x", "": "z"}


def _wide_text(value: str, column: str) -> str:
    if value in WIDE_CODES:
        return WIDE_CODES[value]
    return f"{value}%" if _kind(column) == "pct" else value


def wide_table(la: RecentLA, year: int) -> pd.DataFrame:
    """``year``'s wide file: school rows (by name), the LA row, the two national rows."""
    columns = wide_columns(year)
    schools = _school_part(la, year)
    rows = schools.to_dict("index")
    la_row = la_cells(la, year)
    national = [national_cells(la, year, False), national_cells(la, year, True)]
    for prior in PRIOR_BLOCKS[year]:
        yy = f"{prior % 100:02d}"
        if prior == 2022:  # 2022 results went to schools only: no school-level figures
            for row in rows.values():
                row.update(dict.fromkeys([c for c in columns if c.endswith("_22")], "NA"))
        else:
            prior_cells = year_cells(la, prior).to_dict("index")
            for i, row in rows.items():
                row.update(_prior(prior_cells[i], columns, yy))
        la_row.update(_prior(la_cells(la, prior), columns, yy))
        for row, mainstream in zip(national, (False, True), strict=True):
            row.update(_prior(national_cells(la, prior, mainstream), columns, yy))
    if year == 2025:
        three = _three_year(la).to_dict("index")
        for i, row in rows.items():
            row.update(three[i])
    diffs = {"PTRWM_EXP": "RWM_EXP", "PTRWM_HIGH": "RWM_HIGH", "READPROG": "READPROG",
             "WRITPROG": "WRITPROG", "MATPROG": "MATPROG"}  # fmt: skip
    for row in [*rows.values(), la_row]:
        for measure, tail in diffs.items():
            mine = row.get(f"{measure}_FSM6CLA1A", "")
            other = national[0].get(f"{measure}_NotFSM6CLA1A", "")
            try:
                gap = float(mine) - float(other)
                row[f"DIFFN_{tail}"] = _format([gap], "dp1" if "PROG" in tail else "whole")[0]
            except ValueError:
                row[f"DIFFN_{tail}"] = mine if mine in ("SUPP", "NE", "NOKS1") else ""
    table = pd.DataFrame(list(rows.values()))
    table = table.iloc[np.argsort((table["RECTYPE"] + table["SCHNAME"].str.lower()).to_numpy(),
                                  kind="stable")]  # fmt: skip
    extra = pd.DataFrame([la_row, *national])
    table = pd.concat([table, extra], ignore_index=True).reindex(columns=columns)
    table = table.astype(object).fillna("")
    for column in columns:
        table[column] = [_wide_text(v, column) for v in table[column]]
    return table.reset_index(drop=True)


# --- the EES files --------------------------------------------------------------------------
EES_PERFORMANCE_COLUMNS = (
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "version", "school_urn", "school_laestab", "school_name", "breakdown_topic", "breakdown",
    "subject", "expected_standard_pupil_percent", "higher_standard_pupil_percent",
    "average_scaled_score", "progress_measure_score", "progress_measure_lower_conf_interval",
    "progress_measure_upper_conf_interval", "absent_or_not_able_to_access_percent",
    "working_towards_expected_standard_pupil_percent", "absent_or_disapplied_percent",
    "progress_measure_unadjusted", "progress_measure_description",
)  # fmt: skip
EES_LA_COLUMNS = (
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "old_la_code", "new_la_code", "la_name", "version", "establishment_type_group",
    "breakdown_topic", "breakdown", "subject", *EES_PERFORMANCE_COLUMNS[12:],
)  # fmt: skip
EES_INFORMATION_COLUMNS = (
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "alphaind", "version", "old_la_code", "new_la_code", "la_name", "school_laestab", "estab",
    "school_urn", "school_name", "full_address", "address1", "address2", "address3", "telnum",
    "pcon_code", "pcon_name", "urn_ac", "school_name_ac", "open_ac", "nftype", "iclose",
    "reldenom", "agerange", "tab15", "tab1618", "totpups", "tpupyear", "telig", "belig",
    "gelig", "pbelig", "pgelig", "tks1average", "tks1group_l", "ptks1group_l", "tks1group_m",
    "ptks1group_m", "tks1group_h", "ptks1group_h", "tks1group_na", "ptks1group_na",
    "tfsm6cla1a", "ptfsm6cla1a", "tnotfsm6cla1a", "ptnotfsm6cla1a", "tealgrp2", "ptealgrp2",
    "tmobn", "ptmobn", "tealgrp1", "ptealgrp1", "tealgrp3", "ptealgrp3", "tsenele", "psenele",
    "tsenelk", "psenelk", "tsenelek", "psenelek", "telig_3yr", "telig_23", "ptfsm6cla1a_23",
    "ptnotfsm6cla1a_23",
)  # fmt: skip

#: EES subject -> (wide measure of each EES field, group suffix inserted): the same figures.
_SUBJECT_FIELDS = {
    "Reading, writing and maths": {"expected_standard_pupil_percent": "PTRWM_EXP",
                                   "higher_standard_pupil_percent": "PTRWM_HIGH"},
    "Reading": {"expected_standard_pupil_percent": "PTREAD_EXP",
                "higher_standard_pupil_percent": "PTREAD_HIGH",
                "average_scaled_score": "READ_AVERAGE", "progress": "READ",
                "absent_or_not_able_to_access_percent": "PTREAD_AT"},
    "Writing": {"expected_standard_pupil_percent": "PTWRITTA_EXP",
                "higher_standard_pupil_percent": "PTWRITTA_HIGH", "progress": "WRIT",
                "working_towards_expected_standard_pupil_percent": "PTWRITTA_WTS",
                "absent_or_disapplied_percent": "PTWRITTA_AD"},
    "Maths": {"expected_standard_pupil_percent": "PTMAT_EXP",
              "higher_standard_pupil_percent": "PTMAT_HIGH",
              "average_scaled_score": "MAT_AVERAGE", "progress": "MAT",
              "absent_or_not_able_to_access_percent": "PTMAT_AT"},
    "Grammar, punctuation and spelling": {"expected_standard_pupil_percent": "PTGPS_EXP",
                                          "higher_standard_pupil_percent": "PTGPS_HIGH",
                                          "average_scaled_score": "GPS_AVERAGE",
                                          "absent_or_not_able_to_access_percent": "PTGPS_AT"},
}  # fmt: skip


def _ees(value: str) -> str:
    return EES_CODES.get(value, value)


def ees_measures(cells: Mapping[str, str], suffix: str, subject: str) -> dict[str, str]:
    """One EES row's measures (from one school's, LA's or nation's canonical cells)."""
    out = dict.fromkeys(EES_PERFORMANCE_COLUMNS[12:], "z")
    for field_name, measure in _SUBJECT_FIELDS[subject].items():
        if field_name == "progress":
            s = measure
            out["progress_measure_score"] = _ees(cells.get(f"{s}PROG{suffix}", ""))
            out["progress_measure_lower_conf_interval"] = _ees(
                cells.get(f"{s}PROG{suffix}_LOWER", ""))  # fmt: skip
            out["progress_measure_upper_conf_interval"] = _ees(
                cells.get(f"{s}PROG{suffix}_UPPER", ""))  # fmt: skip
            if suffix == "":
                out["progress_measure_unadjusted"] = _ees(cells.get(f"{s}PROG_UNADJUSTED", ""))
                band = cells.get(f"{s}PROG_DESCR", "")
                out["progress_measure_description"] = PROGRESS_BANDS.get(
                    int(band), band) if band.isdigit() else _ees(band)  # fmt: skip
        elif suffix == "" or field_name.endswith(("pupil_percent", "scaled_score")):
            out[field_name] = _ees(cells.get(_grouped(measure, suffix), ""))
    return out


def _school_identity(la: RecentLA, year: int) -> pd.DataFrame:
    ident = identity_cells(la, year)
    ident["school_laestab"] = LA_CODE + ident["ESTAB"]
    return ident


def ees_school_performance(la: RecentLA) -> pd.DataFrame:
    """Long format: one row per school x year x breakdown x subject (2022-23 to 2024-25),
    plus the 2024-25 three-year averages (RWM, reading and maths)."""
    rows = []
    for year in EES_YEARS:
        cells = _school_part(la, year).to_dict("index")
        three = _three_year(la).to_dict("index") if year == 2025 else None
        ident = _school_identity(la, year)
        order = np.argsort(ident["URN"].to_numpy(), kind="stable")
        for i in ident.index[order]:
            head = [f"{year - 1}{year % 100:02d}", "Academic year", "School", *COUNTRY,
                    EES_VERSION[year], ident.at[i, "URN"], ident.at[i, "school_laestab"],
                    ident.at[i, "SCHNAME"]]  # fmt: skip
            own = cells[i]
            for suffix, breakdown in GROUPS.items():
                if breakdown is None:
                    continue
                for subject in EES_SUBJECTS:
                    measures = ees_measures(own, suffix, subject)
                    rows.append([*head, *breakdown, subject, *measures.values()])
            if three is not None:
                t = three[i]
                for subject, pairs in (
                    ("Reading, writing and maths",
                     {"expected_standard_pupil_percent": t["PTRWM_EXP_3YR"],
                      "higher_standard_pupil_percent": t["PTRWM_HIGH_3YR"]}),
                    ("Reading", {"average_scaled_score": t["READ_AVERAGE_3YR"]}),
                    ("Maths", {"average_scaled_score": t["MAT_AVERAGE_3YR"]}),
                ):  # fmt: skip
                    measures = dict.fromkeys(EES_PERFORMANCE_COLUMNS[12:], "z")
                    measures.update({k: _ees(v) for k, v in pairs.items()})
                    rows.append([*head, *THREE_YEAR, subject, *measures.values()])
    return pd.DataFrame(rows, columns=list(EES_PERFORMANCE_COLUMNS))


def ees_school_information(la: RecentLA) -> pd.DataFrame:
    """One row per school x year: the wide file's context columns in lower case."""
    rows = []
    three = _three_year(la)
    prior = year_cells(la, 2023)
    for year in EES_YEARS:
        cells = _school_part(la, year).to_dict("index")
        ident = _school_identity(la, year)
        order = np.argsort(ident["URN"].to_numpy(), kind="stable")
        for i in ident.index[order]:
            c = cells[i]
            row = {name: _ees(str(c[name.upper()])) if name.upper() in c else "z"
                   for name in EES_INFORMATION_COLUMNS}  # fmt: skip
            row.update({
                "time_period": f"{year - 1}{year % 100:02d}", "time_identifier": "Academic year",
                "geographic_level": "School", "country_code": COUNTRY[0],
                "country_name": COUNTRY[1], "version": EES_VERSION[year],
                "old_la_code": LA_CODE, "new_la_code": NEW_LA_CODE, "la_name": LA_NAME,
                "school_laestab": ident.at[i, "school_laestab"], "school_urn": c["URN"],
                "school_name": c["SCHNAME"], "school_name_ac": c["SCHNAME_AC"],
                "open_ac": c["OPEN_AC"], "address2": "", "address3": "",
                "full_address": f"{c['ADDRESS1']}, {c['TOWN']}, {c['PCODE']}",
            })  # fmt: skip
            if year == 2025:
                row["telig_3yr"] = _ees(three.at[i, "TELIG_3YR"])
                row["telig_23"] = _ees(prior.at[i, "TELIG"])
                row["ptfsm6cla1a_23"] = _ees(prior.at[i, "PTFSM6CLA1A"])
                row["ptnotfsm6cla1a_23"] = _ees(prior.at[i, "PTNOTFSM6CLA1A"])
            rows.append(row)
    return pd.DataFrame(rows, columns=list(EES_INFORMATION_COLUMNS))


def ees_la_performance(la: RecentLA) -> pd.DataFrame:
    """The LA (919) and national rows, all state-funded schools, 2022-23 to 2024-25."""
    rows = []
    for year in EES_YEARS:
        period = f"{year - 1}{year % 100:02d}"
        areas = [
            # the reader takes "All state funded" as the wide file's RECTYPE 5 row
            ("National", "", "", "", national_cells(la, year, True)),
            ("Local authority", LA_CODE, NEW_LA_CODE, LA_NAME, la_cells(la, year)),
        ]
        for level, old, new, name, cells in areas:
            head = [period, "Academic year", level, *COUNTRY, old, new, name,
                    EES_VERSION[year], "All state funded"]  # fmt: skip
            for suffix, breakdown in GROUPS.items():
                if breakdown is None:
                    continue
                for subject in EES_SUBJECTS:
                    measures = ees_measures(cells, suffix, subject)
                    rows.append([*head, *breakdown, subject, *measures.values()])
    return pd.DataFrame(rows, columns=list(EES_LA_COLUMNS))


# --- roster and everything ------------------------------------------------------------------
def make_roster(la: RecentLA) -> pd.DataFrame:
    """The programme roster, as the project office wrote it in autumn 2023 (old URNs)."""
    s = la.schools[la.schools["cohort"] != ""]
    visits = np.where(s["status"] == "withdrawn", 1 + s["urn"] % 2,
                      np.where(s["cohort"] == "4", 6, 4))  # fmt: skip
    roster = pd.DataFrame({"urn": s["urn"], "school_name": s["name"], "cohort": s["cohort"],
                           "tla": s["tla"], "visits": visits, "status": s["status"]})  # fmt: skip
    return roster.sort_values(["cohort", "school_name"], kind="stable").reset_index(drop=True)


def make_recent_data(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """All the recent example files, keyed by path relative to the examples directory."""
    la = simulate(seed)
    files = {FILES[year]: wide_table(la, year) for year in FILES}
    files[EES_FILES["performance"]] = ees_school_performance(la)
    files[EES_FILES["information"]] = ees_school_information(la)
    files[EES_FILES["la_performance"]] = ees_la_performance(la)
    files[ROSTER_FILE] = make_roster(la)
    return files


def write_recent(files: Mapping[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write deterministically: wide files as the DfE's (UTF-8 with BOM, CRLF), EES files and
    the roster as plain UTF-8 with LF. Returns the paths written."""
    out_dir = Path(out_dir)
    written = []
    for relative, frame in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative in FILES.values():
            frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        else:
            frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written.append(path)
    return written
