"""The synthetic example KS2 files carry the columns real DfE files have for an evaluation
design: previous years' progress (``MATPROG_16``...), intake (``PTFSM6CLA1A``, ``TKS1AVERAGE``),
previous cohort sizes (``TELIG_yy``) and the 2018 uncapped scores (``*PROG_UNADJUSTED``).

Checked with plain pandas on the committed files, as tests/test_synthetic.py checks the
calibration: the previous years chain from file to file (a later file's ``MATPROG_17`` is the
2016-17 file's ``MATPROG``, under a converted school's new URN too), uncapped scores are never
above the published ones, and the project schools show no pre-trend beyond chance. Where
IPM_DFE_DATA is set, names, order and value formats are compared with the real files.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.inputs.files import stated_year

from conftest import REPO

EXAMPLES = REPO / "examples"
FOLDERS = {2017: "2016-2017", 2018: "2017-2018", 2019: "2018-2019"}
SUBJECTS = ("READ", "WRIT", "MAT")
SCHOOLS = ("1", "2")  # RECTYPE of mainstream and special schools


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.removesuffix("%"), errors="coerce")


def history(yy: str) -> list[str]:
    """One previous year's progress block as the DfE names it."""
    return [f"{s}PROG{part}_{yy}" for s in SUBJECTS for part in ("", "_LOWER", "_UPPER")]


UNADJUSTED = ["READPROG_UNADJUSTED", "WRITPROG_UNADJUSTED", "MATPROG_UNADJUSTED"]
#: The new columns of each file in the order the real files have them (written out by hand
#: from the headers of 850_ks2final.csv: 2016-17 columns 272-288, 2017-18 272-317, 2018-19
#: 262-309; intake columns 30 and 40, between TELIG and PTRWM_EXP, in every year).
NEW_TAIL = {
    2017: ["PTFSM6CLA1A_16", *history("16")],
    2018: ["PTFSM6CLA1A_17", *history("17"), "PTFSM6CLA1A_16", *history("16"), *UNADJUSTED],
    2019: ["TELIG_18", "PTFSM6CLA1A_18", *history("18"),
           "TELIG_17", "PTFSM6CLA1A_17", *history("17"), *UNADJUSTED],
}  # fmt: skip


@pytest.fixture(scope="module")
def tables() -> dict[int, pd.DataFrame]:
    return {
        year: read_csv(EXAMPLES / "data" / folder / "919_ks2final_synthetic.csv")
        for year, folder in FOLDERS.items()
    }


@pytest.fixture(scope="module")
def rosters() -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(EXAMPLES / "rosters" / f"ipm_{name}_roster.csv", dtype=str)
        for name in ("2017_18", "2018_19")
    }


def schools(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["RECTYPE"].isin(SCHOOLS)].set_index("URN")


def successor(tables: dict[int, pd.DataFrame]) -> dict[str, str]:
    """Old URN -> new URN for every conversion any file announces (``URN_AC``)."""
    links = {}
    for table in tables.values():
        rows = table[~table["URN_AC"].isin(["0", ""])]
        links.update(zip(rows["URN"], rows["URN_AC"], strict=True))
    return links


def linked(earlier: pd.DataFrame, later: pd.DataFrame, links: dict[str, str]) -> pd.DataFrame:
    """Pairs of rows of the same school: the same URN, or the later URN its old row names
    (a decoy ``URN_AC`` that never happens keeps the old URN, which is looked up first)."""
    pairs = []
    for urn in earlier.index:
        if urn in later.index:
            pairs.append((urn, urn))
        elif links.get(urn) in later.index:
            pairs.append((urn, links[urn]))
    return pd.DataFrame(pairs, columns=["earlier", "later"])


# --- the columns ------------------------------------------------------------------------------
@pytest.mark.parametrize("year", [2017, 2018, 2019])
def test_each_file_has_the_new_columns_where_the_real_files_have_them(tables, year) -> None:
    columns = list(tables[year].columns)
    # the 29 columns of before, unchanged and first; intake just before PTRWM_EXP
    assert columns[10:13] == ["TELIG", "TKS1AVERAGE", "PTFSM6CLA1A"]
    assert columns[13] == "PTRWM_EXP" and columns[30] == "PTWRITTA_EXP"
    assert columns[31:] == NEW_TAIL[year]
    assert len(columns) == 31 + {2017: 10, 2018: 23, 2019: 25}[year]
    # the previous-year columns name the file's own year, as the package's input check reads it
    assert stated_year(columns) == year


def test_the_2016_17_file_has_no_uncapped_scores(tables) -> None:
    # capping began in 2018, so the 2016-17 file has nothing "before capping" (as the real one)
    assert not [c for c in tables[2017].columns if c.endswith("_UNADJUSTED")]


# --- previous years chain from file to file ---------------------------------------------------
CHAINS = [
    # (earlier file, its column, later file, the later file's column)
    *[(2017, c, 2018, f"{c}_17") for c in ("MATPROG", "MATPROG_LOWER", "MATPROG_UPPER",
                                          "READPROG", "WRITPROG_UPPER", "PTFSM6CLA1A")],
    *[(2018, c, 2019, f"{c}_18") for c in ("MATPROG", "MATPROG_LOWER", "MATPROG_UPPER",
                                          "READPROG_LOWER", "WRITPROG", "PTFSM6CLA1A", "TELIG")],
    (2017, "MATPROG", 2019, "MATPROG_17"),
    (2017, "TELIG", 2019, "TELIG_17"),
    (2017, "MATPROG_16", 2018, "MATPROG_16"),
    (2017, "READPROG_UPPER_16", 2018, "READPROG_UPPER_16"),
    (2017, "PTFSM6CLA1A_16", 2018, "PTFSM6CLA1A_16"),
    (2018, "MATPROG_17", 2019, "MATPROG_17"),
]  # fmt: skip


@pytest.mark.parametrize(("early", "column", "late", "later_column"), CHAINS)
def test_a_later_file_repeats_the_earlier_files_figures(
    tables, early, column, late, later_column
) -> None:
    earlier, later = schools(tables[early]), schools(tables[late])
    pairs = linked(earlier, later, successor(tables))
    # every one of the 310 schools (300 mainstream, 10 special) is in every year
    assert len(pairs) == len(earlier) == len(later) == 310
    before = earlier.loc[pairs["earlier"], column].to_numpy()
    after = later.loc[pairs["later"], later_column].to_numpy()
    assert (before == after).all()  # the same text: numbers, SUPP and blanks alike
    # the LA row too
    la = {y: tables[y][tables[y]["RECTYPE"] == "3"].iloc[0] for y in (early, late)}
    assert la[early][column] == la[late][later_column]


def test_a_converted_school_keeps_its_history_under_its_new_urn(tables) -> None:
    """As Gomer Junior School (116181 in the real 2016-17 file, 144093 in 2017-18, whose
    ``MATPROG_17`` is 116181's 2017 ``MATPROG``): the cohort-1 school 910166 is 990001 from
    2018 on, and its 2017 score goes with it."""
    t17, t18, t19 = (schools(tables[y]) for y in (2017, 2018, 2019))
    assert t17.loc["910166", "URN_AC"] == "990001" and "910166" not in t18.index
    score_2017 = t17.loc["910166", "MATPROG"]
    assert re.fullmatch(r"-?\d+\.\d", score_2017)
    assert t18.loc["990001", "MATPROG_17"] == score_2017 == t19.loc["990001", "MATPROG_17"]
    assert t18.loc["990001", "MATPROG_16"] == t17.loc["910166", "MATPROG_16"]
    # the decoy link (910278 -> 990004) never happens: 910278 keeps its URN and history
    assert t18.loc["910278", "MATPROG_17"] == t17.loc["910278", "MATPROG"]


def test_prior_limits_follow_the_sigma_rule_with_that_years_pupils(tables) -> None:
    # MATPROG_16 -/+ 1.96 * 5.39 / sqrt(n), n = TELIG x coverage of 2016: the width is
    # 2 * 1.96 * 5.39 / sqrt(n) = 21.13 / sqrt(n), within 0.1 after rounding each limit to
    # 1 dp. The largest cohort (90 pupils, 100%) gives 2.23; the smallest shown (special
    # schools, 6 pupils at 88% = 5) gives 9.45, below the 12.2 of 3 pupils.
    t17 = schools(tables[2017])
    score, lower, upper = (number(t17[c]) for c in history("16")[6:9])
    ok = score.notna()
    assert ok.sum() >= 300
    assert ((lower[ok] < score[ok]) & (score[ok] < upper[ok])).all()
    width = (upper - lower)[ok]
    assert width.between(2.23 - 0.1, 2 * 1.96 * 5.39 / np.sqrt(3) + 0.1).all()
    # symmetric around the score up to the rounding of each limit to 1 dp
    assert ((upper + lower - 2 * score)[ok].abs() <= 0.1 + 1e-9).all()


# --- uncapped scores --------------------------------------------------------------------------
@pytest.mark.parametrize("year", [2018, 2019])
@pytest.mark.parametrize("subj", SUBJECTS)
def test_uncapped_scores_are_at_most_the_published_ones(tables, year, subj) -> None:
    rows = tables[year][tables[year]["RECTYPE"].isin([*SCHOOLS, "3"])]
    adjusted, unadjusted = rows[f"{subj}PROG"], rows[f"{subj}PROG_UNADJUSTED"]
    # a code or a blank is the same in both (SUPP stays SUPP)
    coded = number(adjusted).isna()
    assert (adjusted[coded] == unadjusted[coded]).all()
    a, u = number(adjusted[~coded]), number(unadjusted[~coded])
    assert u.notna().all()
    # capping only raised the lowest pupils' scores: uncapped <= published (+0.05: rounding)
    assert (u <= a + 0.05).all()
    mainstream = rows.loc[~coded, "RECTYPE"] == "1"
    diff = (u - a)[mainstream]
    # small on average: Hampshire's mainstream schools average -0.02 (maths 2018) to -0.05
    # (maths 2019), most schools 0; the largest one-school drop there was -0.6 (2018) and -2.3
    # (writing 2019)
    assert -0.1 < diff.mean() < 0.0
    assert (diff == 0).mean() > 0.6
    assert diff.min() >= -2.5
    # most below for the lowest-scoring schools: the bottom quarter's drop is larger
    low = a[mainstream] <= a[mainstream].quantile(0.25)
    high = a[mainstream] >= a[mainstream].quantile(0.75)
    assert diff[low].mean() < diff[high].mean()


# --- intake -----------------------------------------------------------------------------------
@pytest.mark.parametrize("year", [2017, 2018, 2019])
def test_intake_is_plausible_and_weakly_tied_to_progress(tables, year) -> None:
    mainstream = tables[year][tables[year]["RECTYPE"] == "1"]
    fsm, ks1 = number(mainstream["PTFSM6CLA1A"]), number(mainstream["TKS1AVERAGE"])
    progress = number(mainstream["MATPROG"])
    assert fsm.between(0, 100).all() and ks1.between(10, 20).all()
    # Hampshire 2017-18 mainstream: % disadvantaged mean 20.9 (sd 14.9), KS1 APS 16.7 (sd 1.0)
    assert 15 <= fsm.mean() <= 28 and 8 <= fsm.std() <= 20
    assert 16.0 <= ks1.mean() <= 17.0 and 0.6 <= ks1.std() <= 1.4
    # real correlations: KS1 APS with % disadvantaged -0.58 (Hampshire), -0.62 (Surrey);
    # maths progress with % disadvantaged -0.13 and +0.04: weak
    assert -0.8 <= ks1.corr(fsm) <= -0.4
    assert -0.35 <= progress.corr(fsm) <= 0.0


def test_intake_is_suppressed_for_five_pupils_or_fewer(tables) -> None:
    # as in every real file: PTFSM6CLA1A and TKS1AVERAGE are SUPP at TELIG <= 5, shown from 6
    for year, table in tables.items():
        rows = table[table["RECTYPE"].isin(SCHOOLS)]
        tiny = number(rows["TELIG"]) <= 5
        for column in ("PTFSM6CLA1A", "TKS1AVERAGE"):
            assert (rows.loc[tiny, column] == "SUPP").all(), (year, column)
            assert (rows.loc[~tiny, column] != "SUPP").all(), (year, column)
        assert tiny.any()


def test_disadvantage_persists_from_year_to_year(tables) -> None:
    # the same school's cohorts: real 2017 -> 2018 correlation 0.77 (Hampshire), 0.75 (Surrey)
    mainstream = tables[2018][tables[2018]["RECTYPE"] == "1"]
    this, last = number(mainstream["PTFSM6CLA1A"]), number(mainstream["PTFSM6CLA1A_17"])
    assert 0.6 <= this.corr(last) <= 0.9


# --- the year before the baseline -------------------------------------------------------------
def project_urns(rosters, tables, cohort: str | None = None, tla: str | None = None,
                 status: str | None = None) -> set[str]:  # fmt: skip
    """Roster URNs of a group, with every URN a linked school has in any file."""
    roster = pd.concat(rosters.values(), ignore_index=True)
    keep = pd.Series(True, index=roster.index)
    for column, value in (("cohort", cohort), ("tla", tla), ("status", status)):
        if value is not None:
            keep &= roster[column] == value
    urns = set(roster.loc[keep, "urn"])
    links = successor(tables)
    urns |= {links[u] for u in urns if u in links}
    urns |= {old for old, new in links.items() if new in urns}
    return urns


def pool_line(rows: pd.DataFrame, before: str, after: str, level: str, project: set[str]):
    """Change ``before`` -> ``after`` regressed on ``level`` over the comparison pool
    (mainstream schools of no roster, with both numbers); returns each school's residual and
    the pool's residual sd."""
    x0, x1, at = number(rows[before]), number(rows[after]), number(rows[level])
    change = x1 - x0
    ok = x0.notna() & x1.notna()
    pool = ok & (rows["RECTYPE"] == "1") & ~rows.index.isin(project)
    slope, intercept = np.polyfit(at[pool], change[pool], 1)
    residual = (change - (intercept + slope * at))[ok]
    return residual, float(residual[pool[ok]].std(ddof=2)), int(pool.sum())


GROUPS_1718 = {
    "cohort 1": {"cohort": "1"},
    "cohort 2": {"cohort": "2"},
    "cohorts 1-2": {"cohort": None},
    "TLA": {"cohort": None, "tla": "yes"},
    "no TLA": {"cohort": None, "tla": "no"},
}


@pytest.mark.parametrize("group", list(GROUPS_1718))
def test_no_pre_trend_before_the_2017_baseline(tables, rosters, group) -> None:
    """Cohorts 1-2: change 2016 -> 2017 (the 2016-17 file alone) against pool schools at the
    same 2017 level, as the comparison matches on the baseline.

    Tolerance: chance alone gives a group mean residual with SE = s / sqrt(n) (s: the pool's
    residual sd, about 1.2; n 17-35: SE 0.20-0.30), so "no pre-trend beyond chance" is
    |gap| < 1.96 SE. The generator goes further and centres the 2016 innovations within every
    project cell (cohort x TLA x status), so what remains is rounding to 0.1 (sd 0.029 per
    value, under 0.01 for a group mean) and the test's pool (schools with both numbers)
    differing a little from the generator's: |gap| < 0.1, a third of a chance SE. The project
    effect is still there after the baseline (last assertion): the check can see one.
    """
    table = schools(tables[2017])
    everyone = project_urns(rosters, tables)
    spec = GROUPS_1718[group]
    urns = project_urns({"1718": rosters["2017_18"]}, tables, **spec)
    residual, sd, n_pool = pool_line(table, "MATPROG_16", "MATPROG", "MATPROG", everyone)
    assert n_pool >= 220
    gap = residual[residual.index.isin(urns)]
    n = {"cohort 1": 18, "cohort 2": 17, "cohorts 1-2": 35, "TLA": 17, "no TLA": 18}[group]
    assert len(gap) == n
    assert 1.0 <= sd <= 1.4  # the AR(1) noise, sd 1.2
    assert abs(gap.mean()) < 1.96 * sd / np.sqrt(n)
    assert abs(gap.mean()) < 0.1
    # after the baseline (2017 -> 2018, the 2017-18 file alone, on the same 2017 level): the
    # project effect, +0.49 for cohorts 1-2 as designed (README); at least +0.3 in each group
    after = schools(tables[2018])
    post, _, _ = pool_line(after, "MATPROG_17", "MATPROG", "MATPROG_17", everyone)
    assert post[post.index.isin(urns)].mean() > 0.3


def test_no_pre_trend_before_the_2018_baseline(tables, rosters) -> None:
    """Cohort 3 (23 completed schools): two years before its 2018 baseline.

    2017 -> 2018 (the 2018-19 file's own ``_17`` and ``_18`` columns) comes from the first
    stream, as it always did: measured +0.26 against pool schools at the same 2018 level, SE
    0.25, within chance (|gap| < 1.96 SE). 2016 -> 2017 (the 2017-18 file) is new and designed
    to be 0 as for cohorts 1-2: |gap| < 0.1 (see the test above for why).
    """
    everyone = project_urns(rosters, tables)
    completed = project_urns({"1819": rosters["2018_19"]}, tables, status="completed")
    t19 = schools(tables[2019])
    residual, sd, _ = pool_line(t19, "MATPROG_17", "MATPROG_18", "MATPROG_18", everyone)
    gap = residual[residual.index.isin(completed)]
    assert len(gap) == 23
    assert abs(gap.mean()) < 1.96 * sd / np.sqrt(23)
    t18 = schools(tables[2018])
    residual, sd, _ = pool_line(t18, "MATPROG_16", "MATPROG_17", "MATPROG_17", everyone)
    gap = residual[residual.index.isin(completed)]
    assert len(gap) == 23
    assert abs(gap.mean()) < 0.1


def test_2016_follows_the_same_ar1_as_the_later_years(tables, rosters) -> None:
    # pool schools 2016 -> 2017: 2017 = a + 0.6 * 2016 + noise (sd 1.2). The slope's SE is
    # 1.2 / (1.5 * sqrt(~228)) = 0.053 (2016 sd 1.5), so +/-0.1 is about 2 SE; the residual
    # sd's SE is 1.2 / sqrt(2 * 228) = 0.056, so +/-0.15 is under 3 SE
    table = schools(tables[2017])
    everyone = project_urns(rosters, tables)
    x16, x17 = number(table["MATPROG_16"]), number(table["MATPROG"])
    pool = x16.notna() & x17.notna() & (table["RECTYPE"] == "1") & ~table.index.isin(everyone)
    slope, intercept = np.polyfit(x16[pool], x17[pool], 1)
    residual_sd = (x17 - intercept - slope * x16)[pool].std(ddof=2)
    assert abs(slope - 0.6) < 0.1
    assert abs(residual_sd - 1.2) < 0.15


# --- formats ----------------------------------------------------------------------------------
def kind(value: str) -> str:
    """What sort of text a cell holds, as the real files write them."""
    if re.fullmatch(r"-?\d+\.\d", value):
        return "decimal"
    if re.fullmatch(r"-?\d+", value):
        return "whole"
    if re.fullmatch(r"\d+%", value):
        return "percent"
    return value.strip() or "blank"  # SUPP, NA, LOWCOV...


NEW_COLUMNS = {year: ["TKS1AVERAGE", "PTFSM6CLA1A", *NEW_TAIL[year]] for year in FOLDERS}


@pytest.mark.parametrize("year", [2017, 2018, 2019])
def test_values_are_written_as_the_files_write_them(tables, year) -> None:
    table = tables[year]
    rows = table[table["RECTYPE"].isin([*SCHOOLS, "3"])]
    for column in NEW_COLUMNS[year]:
        kinds = set(rows[column].map(kind))
        if column.startswith("PTFSM6CLA1A"):
            expected = {"percent", "SUPP"}  # whole percentages: '23%'
        elif column.startswith("TELIG_"):
            expected = {"whole"}
        else:  # progress, limits, TKS1AVERAGE: 1 decimal like the files' own MATPROG
            expected = {"decimal", "SUPP", "blank"}
        assert kinds <= expected, (column, kinds - expected)
    national = table[table["RECTYPE"].isin(["4", "5"])]
    assert set(national["PTFSM6CLA1A"]) == {"31%"}
    assert (national[[c for c in NEW_TAIL[year] if "PROG_" in c and "UNADJ" not in c]] == "").all(
        axis=None
    )
    if year in (2018, 2019):  # the real national rows have blank progress but uncapped 0
        assert (national[UNADJUSTED] == "0.0").all(axis=None)


@pytest.mark.parametrize("year", [2017, 2018, 2019])
def test_names_order_and_formats_match_the_real_files(tables, dfe_data, year) -> None:
    synthetic = tables[year]
    for la in ("850", "936"):
        real = read_csv(dfe_data / FOLDERS[year] / f"{la}_ks2final.csv")
        # every synthetic column is a real column, and in the real file's relative order
        assert set(synthetic.columns) <= set(real.columns)
        assert [c for c in real.columns if c in synthetic.columns] == list(synthetic.columns)
        real_rows = real[real["RECTYPE"].isin([*SCHOOLS, "3"])]
        rows = synthetic[synthetic["RECTYPE"].isin([*SCHOOLS, "3"])]
        for column in NEW_COLUMNS[year]:
            real_kinds = set(real_rows[column].map(kind))
            if "whole" in real_kinds:  # the 2017-18 and 2018-19 files drop a trailing .0
                real_kinds.add("decimal")
            assert set(rows[column].map(kind)) <= real_kinds, column
