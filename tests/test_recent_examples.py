"""The SYNTHETIC examples of the recent years (2022-23 to 2024-25): wide and EES formats.

Checked with plain csv/pandas parsing only (no ipm_analysis reader), so each check stands
on its own: the files have the reference column lists, a school in a year carries the same
figures in the wide file and in the EES files, the registry marks every file synthetic, the
generator writes the same bytes again, and the 2016-19 examples are untouched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.inputs.files import sha256_file
from ipm_analysis.inputs.synthetic_files import REGISTRY, all_synthetic

from conftest import REPO

if str(REPO) not in sys.path:  # the generators are imported from the checkout, as the script does
    sys.path.insert(0, str(REPO))

from examples.generator import recent  # noqa: E402

EXAMPLES = REPO / "examples"
WIDE = {2023: EXAMPLES / recent.FILES[2023], 2025: EXAMPLES / recent.FILES[2025]}
PERFORMANCE = EXAMPLES / recent.EES_FILES["performance"]
INFORMATION = EXAMPLES / recent.EES_FILES["information"]
LA_PERFORMANCE = EXAMPLES / recent.EES_FILES["la_performance"]
ROSTER = EXAMPLES / recent.ROSTER_FILE
NEW_FILES = [*recent.FILES.values(), *recent.EES_FILES.values(), recent.ROSTER_FILE]
OLD_FILES = [
    "data/2016-2017/919_ks2final_synthetic.csv",
    "data/2017-2018/919_ks2final_synthetic.csv",
    "data/2018-2019/919_ks2final_synthetic.csv",
    "rosters/ipm_2017_18_roster.csv",
    "rosters/ipm_2018_19_roster.csv",
]
PERIOD = {2023: "202223", 2024: "202324", 2025: "202425"}
#: How a wide code is written in EES (blank progress of a year without KS1 is 'z').
EES_OF_WIDE = {"SUPP": "c", "NE": "z", "": "z"}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.removesuffix("%"), errors="coerce")


@pytest.fixture(scope="module")
def wide() -> dict[int, pd.DataFrame]:
    return {year: read(path) for year, path in WIDE.items()}


@pytest.fixture(scope="module")
def performance() -> pd.DataFrame:
    return read(PERFORMANCE)


@pytest.fixture(scope="module")
def information() -> pd.DataFrame:
    return read(INFORMATION)


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    return read(ROSTER)


@pytest.fixture(scope="module")
def reference(dfe_data: Path) -> Path:
    """The public column lists (``reference/dfe-ks2-formats`` beside IPM_DFE_DATA)."""
    folder = dfe_data.parent / "reference" / "dfe-ks2-formats"
    if not folder.is_dir():
        folder = Path(os.environ.get("IPM_DFE_REFERENCE", "/work/shared/reference/dfe-ks2-formats"))
    assert (folder / "wide-2022-23-columns.txt").is_file(), folder
    return folder


# --- column lists ---------------------------------------------------------------------------
def test_wide_2022_23_has_the_reference_columns_in_order(wide, reference) -> None:
    expected = (reference / "wide-2022-23-columns.txt").read_text(encoding="utf-8").split()
    assert len(expected) == 306
    assert list(wide[2023].columns) == expected


def test_wide_2022_23_columns_are_the_generators_306(wide) -> None:
    columns = list(wide[2023].columns)
    assert columns == list(recent.WIDE_2023_COLUMNS)
    assert len(columns) == len(set(columns)) == 306
    assert columns[:5] == ["RECTYPE", "ALPHAIND", "LEA", "ESTAB", "URN"]
    assert columns[-3:] == ["READPROG_DESCR", "WRITPROG_DESCR", "MATPROG_DESCR"]


def _headers(reference: Path) -> dict[str, list[str]]:
    """``ees-headers.md``: '## file' then one comma-separated line of column names."""
    out, name = {}, None
    for line in (reference / "ees-headers.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
        elif name and line.strip():
            out[name] = [c.strip() for c in line.split(",")]
            name = None
    return out


def test_ees_files_have_the_reference_headers(performance, information, reference) -> None:
    headers = _headers(reference)
    assert list(performance.columns) == headers["manual_ks2_school_attainment_data.csv"]
    assert list(information.columns) == headers["manual_ks2_school_information_data_v101.csv"]
    assert list(read(LA_PERFORMANCE).columns) == headers["manual_ks2_la_nat_attainment_data.csv"]


def test_ees_headers_match_the_generator(performance, information) -> None:
    assert tuple(performance.columns) == recent.EES_PERFORMANCE_COLUMNS
    assert tuple(information.columns) == recent.EES_INFORMATION_COLUMNS
    assert len(performance.columns) == 23 and len(information.columns) == 68
    la_columns = list(read(LA_PERFORMANCE).columns)
    assert la_columns[5:10] == [
        "old_la_code", "new_la_code", "la_name", "version", "establishment_type_group",
    ]  # fmt: skip


def test_wide_2024_25_columns(wide) -> None:
    columns = set(wide[2025].columns)
    # prior-year blocks of 2024 (no progress: no KS1) and 2023 (with progress and band)
    assert {"PTRWM_EXP_24", "READ_AVERAGE_24", "MAT_AVERAGE_24", "TELIG_24"} <= columns
    block_23 = {"PTRWM_EXP_23", "READPROG_23", "READPROG_LOWER_23", "READPROG_UPPER_23",
                "READPROG_DESCR_23", "MATPROG_23", "READ_AVERAGE_23", "MAT_AVERAGE_23"}  # fmt: skip
    assert block_23 <= columns
    assert "MATPROG_24" not in columns
    assert {"TELIG_3YR", "PTRWM_EXP_3YR", "READ_AVERAGE_3YR", "MAT_AVERAGE_3YR"} <= columns
    assert not any(c.endswith(("_22", "_19")) for c in columns)
    assert not {"PTRWM_EXP_L", "MATPROG_H", "READ_AVERAGE_M", "PTMAT_EXP_L"} & columns
    # the current-year progress columns are there, and empty on every row
    progress = ["READPROG", "MATPROG_LOWER", "WRITPROG_UPPER", "MATCOV", "MATPROG_UNADJUSTED",
                "MATPROG_DESCR", "MATPROG_FSM6CLA1A", "DIFFN_MATPROG"]  # fmt: skip
    assert (wide[2025][progress] == "").all().all()


def test_files_are_dfe_shaped(wide) -> None:
    for year, path in WIDE.items():
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw, year
        table = wide[year]
        assert set(table["RECTYPE"]) == {"1", "2", "3", "4", "5"}
        assert (table["RECTYPE"] == "1").sum() == recent.N_LA_MAINSTREAM
        assert (table.loc[table["RECTYPE"].isin(["1", "2"]), "LEA"] == "919").all()
        assert (table["MATPROG"] == "SUPP").any() == (year == 2023)
        assert (table["PTMAT_EXP"] == "SUPP").any()  # special schools of 5 pupils or fewer
    assert not PERFORMANCE.read_bytes().startswith(b"\xef\xbb\xbf")


# --- the same figures in both formats -------------------------------------------------------
#: EES field -> wide column (for subject and pupil group), the pairs compared below.
PAIRS = {
    "Reading, writing and maths": {"expected_standard_pupil_percent": "PTRWM_EXP{g}",
                                   "higher_standard_pupil_percent": "PTRWM_HIGH{g}"},
    "Reading": {"expected_standard_pupil_percent": "PTREAD_EXP{g}",
                "higher_standard_pupil_percent": "PTREAD_HIGH{g}",
                "average_scaled_score": "READ_AVERAGE{g}",
                "progress_measure_score": "READPROG{g}",
                "progress_measure_lower_conf_interval": "READPROG{g}_LOWER",
                "progress_measure_upper_conf_interval": "READPROG{g}_UPPER"},
    "Writing": {"expected_standard_pupil_percent": "PTWRITTA_EXP{g}",
                "higher_standard_pupil_percent": "PTWRITTA_HIGH{g}",
                "progress_measure_score": "WRITPROG{g}"},
    "Maths": {"expected_standard_pupil_percent": "PTMAT_EXP{g}",
              "higher_standard_pupil_percent": "PTMAT_HIGH{g}",
              "average_scaled_score": "MAT_AVERAGE{g}",
              "progress_measure_score": "MATPROG{g}",
              "progress_measure_lower_conf_interval": "MATPROG{g}_LOWER",
              "progress_measure_upper_conf_interval": "MATPROG{g}_UPPER"},
    "Grammar, punctuation and spelling": {"expected_standard_pupil_percent": "PTGPS_EXP{g}",
                                          "average_scaled_score": "GPS_AVERAGE{g}"},
}  # fmt: skip
BREAKDOWNS = {
    "Total": "",
    "Disadvantaged": "_FSM6CLA1A",
    "Disadvantaged all other": "_NotFSM6CLA1A",
}
ALL_ONLY = {"Reading": {"absent_or_not_able_to_access_percent": "PTREAD_AT",
                        "progress_measure_unadjusted": "READPROG_UNADJUSTED"},
            "Writing": {"working_towards_expected_standard_pupil_percent": "PTWRITTA_WTS",
                        "absent_or_disapplied_percent": "PTWRITTA_AD"},
            "Maths": {"progress_measure_unadjusted": "MATPROG_UNADJUSTED"}}  # fmt: skip


def _same(wide_text: str, ees_text: str) -> bool:
    """The same figure: equal numbers ('76%' and '76'), or matching codes."""
    if wide_text in EES_OF_WIDE:
        return ees_text == EES_OF_WIDE[wide_text]
    return float(wide_text.removesuffix("%")) == float(ees_text)


@pytest.mark.parametrize("year", [2023, 2025])
def test_every_school_figure_is_the_same_in_wide_and_ees(wide, performance, year) -> None:
    schools = wide[year][wide[year]["RECTYPE"].isin(["1", "2"])].set_index("URN")
    rows = performance[performance["time_period"] == PERIOD[year]]
    assert set(rows["school_urn"]) == set(schools.index)
    compared = 0
    for (urn, breakdown, subject), row in rows.set_index(
        ["school_urn", "breakdown", "subject"]
    ).iterrows():
        if breakdown == "3 year average":
            continue
        g = BREAKDOWNS[breakdown]
        pairs = dict(PAIRS[subject])
        if g == "":
            pairs.update(ALL_ONLY.get(subject, {}))
        for field, column in pairs.items():
            w, e = schools.at[urn, column.format(g=g)], row[field]
            assert _same(w, e), (year, urn, breakdown, subject, field, w, e)
            compared += 1
    # 191 schools x 3 breakdowns x 5 subjects, 2 to 8 figures each
    assert compared > 191 * 3 * 10


def test_progress_bands_and_three_year_averages_agree(wide, performance) -> None:
    bands = {str(k): v for k, v in recent.PROGRESS_BANDS.items()}
    schools = wide[2023][wide[2023]["RECTYPE"].isin(["1", "2"])].set_index("URN")
    maths = performance[(performance["time_period"] == "202223")
                        & (performance["breakdown"] == "Total")
                        & (performance["subject"] == "Maths")].set_index("school_urn")  # fmt: skip
    for urn, band in schools["MATPROG_DESCR"].items():
        assert maths.at[urn, "progress_measure_description"] == bands.get(band, "c"), urn
    three = wide[2025][wide[2025]["RECTYPE"].isin(["1", "2"])].set_index("URN")
    rwm = performance[(performance["breakdown"] == "3 year average")
                      & (performance["subject"] == "Reading, writing and maths")]  # fmt: skip
    assert len(rwm) == len(three) and (rwm["time_period"] == "202425").all()
    for _, row in rwm.iterrows():
        assert _same(three.at[row["school_urn"], "PTRWM_EXP_3YR"],
                     row["expected_standard_pupil_percent"])  # fmt: skip


def test_school_information_is_the_wide_context(wide, information) -> None:
    for year in (2023, 2025):
        schools = wide[year][wide[year]["RECTYPE"].isin(["1", "2"])].set_index("URN")
        info = information[information["time_period"] == PERIOD[year]].set_index("school_urn")
        assert set(info.index) == set(schools.index)
        for column, name in (("urn_ac", "URN_AC"), ("nftype", "NFTYPE"), ("estab", "ESTAB"),
                             ("school_name_ac", "SCHNAME_AC")):  # text, as it is  # fmt: skip
            assert (info.loc[schools.index, column] == schools[name]).all(), column
        for column in ("telig", "ptfsm6cla1a", "tfsm6cla1a", "tks1average", "psenelk"):
            for urn in schools.index:
                w, e = schools.at[urn, column.upper()], info.at[urn, column]
                assert _same(w, e), (year, urn, column, w, e)
    # TELIG_3YR is the three cohorts together: e.g. 47 + 46 + 52 pupils
    info = information.set_index(["school_urn", "time_period"])["telig"]
    latest = information[information["time_period"] == "202425"]
    for _, row in latest.iterrows():
        urn = row["school_urn"]
        if urn == "996001":  # the converted academy: 2023 and 2024 under its old URN
            continue
        total = sum(int(info[(urn, p)]) for p in PERIOD.values())
        assert int(row["telig_3yr"]) == total, urn


def test_la_and_national_rows_agree(wide) -> None:
    la_file = read(LA_PERFORMANCE)
    for year in (2023, 2025):
        table = wide[year]
        # "All state funded" is the RECTYPE 5 row, as the reader and the report take it
        for rectype, level in (("3", "Local authority"), ("5", "National")):
            row = table[table["RECTYPE"] == rectype].iloc[0]
            ees = la_file[(la_file["time_period"] == PERIOD[year])
                          & (la_file["geographic_level"] == level)
                          & (la_file["breakdown"] == "Total")].set_index("subject")  # fmt: skip
            assert _same(row["PTRWM_EXP"], ees.at["Reading, writing and maths",
                                                   "expected_standard_pupil_percent"])  # fmt: skip
            assert _same(row["PTMAT_EXP"], ees.at["Maths", "expected_standard_pupil_percent"])
            assert _same(row["MAT_AVERAGE"], ees.at["Maths", "average_scaled_score"])
            expected_progress = row["MATPROG"] if rectype == "3" else ""
            assert _same(expected_progress, ees.at["Maths", "progress_measure_score"])
    assert set(la_file["old_la_code"]) == {"919", ""}


def test_symbols(performance) -> None:
    by_year = performance.groupby("time_period")["progress_measure_score"]
    assert set(by_year.get_group("202324")) == {"z"} == set(by_year.get_group("202425"))
    assert by_year.get_group("202223").str.fullmatch(r"-?\d+\.\d").any()
    assert (performance["expected_standard_pupil_percent"] == "c").any()
    rwm = performance[performance["subject"] == "Reading, writing and maths"]
    assert set(rwm["average_scaled_score"]) == {"z"}


# --- registry, regeneration, old files ------------------------------------------------------
def test_the_registry_lists_every_new_file_as_synthetic() -> None:
    listed = {}
    for line in REGISTRY.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            digest, name = line.split()
            listed[name] = digest
    for relative in NEW_FILES:
        assert listed[relative] == sha256_file(EXAMPLES / relative), relative
    assert all_synthetic([EXAMPLES / relative for relative in NEW_FILES])


def test_the_generator_writes_the_same_bytes_again(tmp_path: Path) -> None:
    written = recent.write_recent(recent.make_recent_data(), tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(NEW_FILES)
    for relative in NEW_FILES:
        assert (tmp_path / relative).read_bytes() == (EXAMPLES / relative).read_bytes(), relative


@pytest.mark.parametrize("relative", OLD_FILES)
def test_the_2016_19_examples_are_unchanged(relative: str) -> None:
    committed = subprocess.run(
        ["git", "show", f"HEAD:examples/{relative}"], cwd=REPO, capture_output=True, check=True
    ).stdout
    assert (EXAMPLES / relative).read_bytes() == committed


# --- the story ------------------------------------------------------------------------------
def _values(wide, year: int, column: str, urns: pd.Series) -> pd.Series:
    """A roster school's figure in ``year``, following the academy link (URN_AC, 2023)."""
    table = wide[year][wide[year]["RECTYPE"].isin(["1", "2"])].set_index("URN")
    links = wide[2023].set_index("URN")["URN_AC"]
    out = {}
    for urn in urns:
        key = urn if urn in table.index else links.get(urn, "")
        out[urn] = number(pd.Series([table[column].get(key, "")])).iloc[0]
    return pd.Series(out)


def test_roster(roster) -> None:
    assert list(roster.columns) == list(recent.ROSTER_COLUMNS)
    assert roster["cohort"].value_counts().to_dict() == {"4": 19, "5": 16}
    assert roster["status"].value_counts().to_dict() == {"completed": 31, "withdrawn": 4}
    assert (roster["tla"] == "yes").sum() == 15
    assert roster["urn"].astype(int).between(920001, 920999).all()


def test_the_converted_academy_is_linked(wide, roster) -> None:
    old = wide[2023][wide[2023]["URN_AC"] == "996001"]
    assert len(old) == 1 and old["URN"].iloc[0] in set(roster["urn"])
    assert "996001" in set(wide[2025]["URN"])
    assert old["URN"].iloc[0] not in set(wide[2025]["URN"])


def test_group_means_2023_to_2025(wide, roster) -> None:
    """Simple means over the 31 completed schools (measured on the shipped files)."""
    done = roster.loc[roster["status"] == "completed", "urn"]
    base, out = _values(wide, 2023, "PTMAT_EXP", done), _values(wide, 2025, "PTMAT_EXP", done)
    assert len(base.dropna()) == len(out.dropna()) == 31
    assert round(base.mean(), 2) == 60.35 and round(out.mean(), 2) == 72.00  # 1871/31, 2232/31
    rwm = (_values(wide, 2023, "PTRWM_EXP", done), _values(wide, 2025, "PTRWM_EXP", done))
    assert (round(rwm[0].mean(), 2), round(rwm[1].mean(), 2)) == (43.58, 50.61)
    # 2023 has progress (KS1 2019): the recruits were weak; 2025 has none
    assert round(_values(wide, 2023, "MATPROG", done).mean(), 2) == -2.17
    assert _values(wide, 2025, "MATPROG", done).isna().all()


def test_regression_to_the_mean_explains_part_of_the_gain(wide, roster) -> None:
    """Non-project schools' 2023 -> 2025 change falls with their 2023 level; the completed
    schools beat that line (the true effect), but the line explains over half their gain."""
    t23, t25 = (wide[y][wide[y]["RECTYPE"] == "1"].set_index("URN") for y in (2023, 2025))
    pool = t23.index.difference(roster["urn"]).intersection(t25.index)
    x, y = number(t23.loc[pool, "PTMAT_EXP"]), number(t25.loc[pool, "PTMAT_EXP"])
    ok = x.notna() & y.notna()
    slope, intercept = np.polyfit(x[ok], (y - x)[ok], 1)
    assert -0.6 <= slope <= -0.3
    done = roster.loc[roster["status"] == "completed", "urn"]
    base, out = _values(wide, 2023, "PTMAT_EXP", done), _values(wide, 2025, "PTMAT_EXP", done)
    gain, predicted = (out - base).mean(), (intercept + slope * base).mean()
    assert 2.0 <= gain - predicted <= 8.0
    assert predicted > gain / 2
