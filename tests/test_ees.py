"""Explore Education Statistics (EES) files read into the wide vocabulary.

The main test re-expresses the real 2016-17 to 2018-19 wide files (Hampshire 850, Surrey 936)
in the EES long format (school performance, school information, LA/national performance) with
a converter written here from the DfE's datamap, independently of the reader's table, and
asserts that every school's figures and the LA and national figures are the same read either
way.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.dfe_tables import (
    MISSING_CODES,
    SUBJECTS,
    area_figures,
    measure_history,
    progress_history,
    read_performance_table,
    school_figures,
)
from ipm_analysis.inputs.files import (
    EES_AREA,
    EES_INFORMATION,
    EES_PERFORMANCE,
    WIDE,
    check_performance_table_file,
    read_header,
    table_format,
)
from ipm_analysis.inputs.subjects import MEASURES

YEARS = (2017, 2018, 2019)
LAS = ("850", "936")

PERFORMANCE_HEADER = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "version",
    "school_urn",
    "school_laestab",
    "school_name",
    "breakdown_topic",
    "breakdown",
    "subject",
    "expected_standard_pupil_percent",
    "higher_standard_pupil_percent",
    "average_scaled_score",
    "progress_measure_score",
    "progress_measure_lower_conf_interval",
    "progress_measure_upper_conf_interval",
    "absent_or_not_able_to_access_percent",
    "working_towards_expected_standard_pupil_percent",
    "absent_or_disapplied_percent",
    "progress_measure_unadjusted",
    "progress_measure_description",
]
INFORMATION_HEADER = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "version",
    "old_la_code",
    "school_laestab",
    "school_urn",
    "school_name",
    "urn_ac",
    "nftype",
    "telig",
    "tks1average",
    "ptfsm6cla1a",
]
AREA_HEADER = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "old_la_code",
    "new_la_code",
    "la_name",
    "version",
    "establishment_type_group",
    "breakdown_topic",
    "breakdown",
    "subject",
    "expected_standard_pupil_percent",
    "higher_standard_pupil_percent",
    "average_scaled_score",
    "progress_measure_score",
    "progress_measure_lower_conf_interval",
    "progress_measure_upper_conf_interval",
    "absent_or_not_able_to_access_percent",
    "working_towards_expected_standard_pupil_percent",
    "absent_or_disapplied_percent",
    "progress_measure_unadjusted",
    "progress_measure_description",
]

#: The converter's own map, after the DfE datamap (dfe-datamap-ks2-rows.csv): EES subject ->
#: EES field -> wide column stem (the pupil group's suffix goes where the DfE puts it).
CONVERTER_FIELDS = {
    "Reading": {
        "progress_measure_score": "READPROG{g}",
        "progress_measure_lower_conf_interval": "READPROG{g}_LOWER",
        "progress_measure_upper_conf_interval": "READPROG{g}_UPPER",
        "expected_standard_pupil_percent": "PTREAD_EXP{g}",
        "higher_standard_pupil_percent": "PTREAD_HIGH{g}",
        "average_scaled_score": "READ_AVERAGE{g}",
    },
    "Writing": {
        "progress_measure_score": "WRITPROG{g}",
        "progress_measure_lower_conf_interval": "WRITPROG{g}_LOWER",
        "progress_measure_upper_conf_interval": "WRITPROG{g}_UPPER",
        "expected_standard_pupil_percent": "PTWRITTA_EXP{g}",
        "higher_standard_pupil_percent": "PTWRITTA_HIGH{g}",
    },
    "Maths": {
        "progress_measure_score": "MATPROG{g}",
        "progress_measure_lower_conf_interval": "MATPROG{g}_LOWER",
        "progress_measure_upper_conf_interval": "MATPROG{g}_UPPER",
        "expected_standard_pupil_percent": "PTMAT_EXP{g}",
        "higher_standard_pupil_percent": "PTMAT_HIGH{g}",
        "average_scaled_score": "MAT_AVERAGE{g}",
    },
    "Reading, writing and maths": {
        "expected_standard_pupil_percent": "PTRWM_EXP{g}",
        "higher_standard_pupil_percent": "PTRWM_HIGH{g}",
    },
}
UNADJUSTED = {"Reading": "READPROG", "Writing": "WRITPROG", "Maths": "MATPROG"}
GROUPS = {"": ("All pupils", "Total"), "_FSM6CLA1A": ("Disadvantaged status", "Disadvantaged")}
#: Wide code -> the EES symbol the converter writes: blank and not applicable -> z,
#: suppressed -> c, anything else withheld -> x.
SYMBOLS = {"": "z", "NA": "z", "NE": "z", "SUPP": "c", "NP": "x", "LOWCOV": "x", "NEW": "x"}


def _cell(text: str | None) -> str:
    """A wide cell as EES writes it: the figure without '%', or the symbol for a code (a
    school without results has a short row: its missing cells are blank)."""
    text = (text or "").strip()
    if text.upper() in SYMBOLS:
        return SYMBOLS[text.upper()]
    return text.removesuffix("%")


def _time_period(year: int) -> str:
    return f"{year - 1}{year % 100:02d}"


def _wide(dfe_data: Path, year: int, la: str) -> Path:
    return dfe_data / f"{year - 1}-{year}" / f"{la}_ks2final.csv"


def _read_wide(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: v or "" for k, v in row.items()} for row in csv.DictReader(handle)]


def _performance_rows(row: dict[str, str], period: str, suffix: str) -> list[dict[str, str]]:
    """One school's EES performance rows for one period from its wide row; ``suffix`` is the
    earlier-year suffix ('' for the file's own year, '_16' for its 2015-16 block)."""
    out = []
    for subject, fields in CONVERTER_FIELDS.items():
        for group, (topic, breakdown) in GROUPS.items():
            values = {f: row.get(stem.format(g=group) + suffix) for f, stem in fields.items()}
            values = {f: v for f, v in values.items() if v is not None}
            if not suffix and group == "" and subject in UNADJUSTED:
                unadjusted = row.get(UNADJUSTED[subject] + "_UNADJUSTED")
                if unadjusted is not None:
                    values["progress_measure_unadjusted"] = unadjusted
            if not values:
                continue
            record = dict.fromkeys(PERFORMANCE_HEADER, "z")
            record.update(
                time_period=period,
                time_identifier="Academic year",
                geographic_level="School",
                country_code="E92000001",
                country_name="England",
                version="Final",
                school_urn=row["URN"].strip(),
                school_laestab=row["LEA"].strip() + row["ESTAB"].strip(),
                school_name=row["SCHNAME"],
                breakdown_topic=topic,
                breakdown=breakdown,
                subject=subject,
            )
            record.update({f: _cell(v) for f, v in values.items()})
            out.append(record)
    return out


def convert_to_ees(dfe_data: Path, folder: Path) -> dict[str, Path]:
    """The real wide files of both LAs and three years as three EES files (each holding every
    year and both LAs): school performance (2015-16 from the 2016-17 file's ``_16`` block),
    school information and LA/national performance."""
    performance, information, area = [], [], []
    national_done: set[str] = set()
    for year in YEARS:
        period = _time_period(year)
        for la in LAS:
            for row in _read_wide(_wide(dfe_data, year, la)):
                rectype = row["RECTYPE"].strip()
                if rectype in ("1", "2"):
                    performance += _performance_rows(row, period, "")
                    if year == YEARS[0]:
                        performance += _performance_rows(row, _time_period(2016), "_16")
                    record = dict.fromkeys(INFORMATION_HEADER, "")
                    record.update(
                        time_period=period,
                        time_identifier="Academic year",
                        geographic_level="School",
                        country_code="E92000001",
                        country_name="England",
                        version="Final",
                        old_la_code=row["LEA"].strip(),
                        school_laestab=row["LEA"].strip() + row["ESTAB"].strip(),
                        school_urn=row["URN"].strip(),
                        school_name=row["SCHNAME"],
                        urn_ac=row["URN_AC"].strip(),
                        nftype=row["NFTYPE"].strip(),
                        telig=_cell(row["TELIG"]),
                        tks1average=_cell(row["TKS1AVERAGE"]),
                        ptfsm6cla1a=_cell(row["PTFSM6CLA1A"]),
                    )
                    information.append(record)
                elif rectype == "3" or (rectype == "5" and period not in national_done):
                    national_done.add(period) if rectype == "5" else None
                    level = "Local authority" if rectype == "3" else "National"
                    for school_row in _performance_rows(row | {"URN": "", "ESTAB": ""}, period, ""):
                        record = dict.fromkeys(AREA_HEADER, "z")
                        record.update({k: v for k, v in school_row.items() if k in AREA_HEADER})
                        record.update(
                            geographic_level=level,
                            old_la_code=row["LEA"].strip() if rectype == "3" else "",
                            new_la_code="",
                            la_name=row["SCHNAME"] if rectype == "3" else "",
                            establishment_type_group="All state funded",
                        )
                        area.append(record)
    files = {
        "performance": (folder / "ks2_school_performance.csv", PERFORMANCE_HEADER, performance),
        "information": (folder / "ks2_school_information.csv", INFORMATION_HEADER, information),
        "area": (folder / "ks2_la_performance.csv", AREA_HEADER, area),
    }
    for path, header, rows in files.values():
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
    return {name: path for name, (path, _, _) in files.items()}


@pytest.fixture(scope="module")
def ees_files(dfe_data, tmp_path_factory) -> dict[str, Path]:
    return convert_to_ees(dfe_data, tmp_path_factory.mktemp("ees"))


def _read_both(dfe_data, ees_files, year, la, *subject_names):
    """One year's table read from the wide file and from the EES files, with the columns
    of ``subject_names`` and their design columns (as the evaluation reads them)."""
    chosen = [SUBJECTS[name] for name in subject_names]
    columns = (*(c for s in chosen for c in s.columns), "TELIG")
    optional = tuple(c for s in chosen for c in s.design_columns(year))
    wide = read_performance_table(_wide(dfe_data, year, la), year, columns, optional)
    ees = read_performance_table(
        ees_files["performance"],
        year,
        columns,
        optional,
        information=ees_files["information"],
        area=ees_files["area"],
    )
    return wide, ees


def _expected_reason(wide_reason: str | None, wide_text: str) -> str | None:
    """The reason an EES figure gives where the wide file had a code: that of its symbol."""
    if pd.isna(wide_reason):
        return None
    return MISSING_CODES[SYMBOLS[wide_text.strip().upper()].upper()]


@pytest.mark.parametrize("subject_name", ["maths", "reading", "writing"])
@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("la", LAS)
def test_real_files_give_the_same_school_figures_in_either_format(
    dfe_data, ees_files, la, year, subject_name
):
    wide_table, ees_table = _read_both(dfe_data, ees_files, year, la, subject_name)
    wide = school_figures(wide_table, subject_name)
    ees = school_figures(ees_table, subject_name)
    ees = ees[ees["lea"] == la]
    assert len(wide) > 200  # 232 to 331 schools a year
    assert sorted(ees.index) == sorted(wide.index)
    ees = ees.loc[wide.index]
    # EES publishes no coverage: coverage, and pupils (TELIG x coverage), are missing
    assert ees["coverage"].isna().all() and ees["pupils"].isna().all()
    assert wide["coverage"].notna().any()
    same = [c for c in wide.columns if c not in ("line", "coverage", "pupils")]
    numbers = [c for c in same if wide[c].dtype == float]
    assert {"progress", "attainment", "telig", "disadvantaged", "ks1_average"} <= set(numbers)
    assert "prior_progress" in numbers and wide["prior_progress"].notna().sum() > 150
    pd.testing.assert_frame_equal(ees[numbers], wide[numbers], check_exact=True)
    for text in ("name", "lea", "rectype", "school_type"):
        assert ees[text].tolist() == wide[text].tolist(), text
    cols = SUBJECTS[subject_name]
    raw = wide_table.frame.drop_duplicates("URN").set_index("URN")
    for measure, column in cols.measure_columns.items():
        expected = [
            _expected_reason(reason, raw.loc[urn, column])
            for urn, reason in wide[f"{measure}_reason"].items()
        ]
        assert [None if pd.isna(r) else r for r in ees[f"{measure}_reason"]] == expected


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("la", LAS)
def test_real_files_give_the_same_progress_history_and_area_figures(dfe_data, ees_files, la, year):
    wide_table, ees_table = _read_both(dfe_data, ees_files, year, la, *SUBJECTS)
    wide_history = progress_history(wide_table, "maths")
    ees_history = progress_history(ees_table, "maths")
    # an EES file gives every earlier year it holds, the wide file two at most: 2015-16 is
    # in the EES file but not in the 2018-19 wide file
    assert set(ees_history["year"]) == {2016, 2017, 2018} - {year} - set(range(year, 2020))
    ees_history = ees_history[
        ees_history["urn"].isin(set(wide_history["urn"]))
        & ees_history["year"].isin(set(wide_history["year"]))
    ]
    key = ["year", "urn"]
    pd.testing.assert_frame_equal(
        ees_history.sort_values(key).reset_index(drop=True),
        wide_history.sort_values(key).reset_index(drop=True),
        check_exact=True,
    )
    # the other measures' earlier years too: the wide file carries the scaled score's
    # (MAT_AVERAGE_17...), the EES file every year it holds
    wide_scaled = measure_history(wide_table, "maths", "scaled_score")
    ees_scaled = measure_history(ees_table, "maths", "scaled_score")
    assert set(wide_scaled["year"]) == {y for y in (2016, 2017, 2018) if year - 2 <= y < year}
    assert wide_scaled["value"].notna().sum() > 200
    ees_scaled = ees_scaled[
        ees_scaled["urn"].isin(set(wide_scaled["urn"]))
        & ees_scaled["year"].isin(set(wide_scaled["year"]))
    ]
    pd.testing.assert_frame_equal(
        ees_scaled.sort_values(key).reset_index(drop=True),
        wide_scaled.sort_values(key).reset_index(drop=True),
        check_exact=True,
    )
    assert ees_table.has_area_rows and wide_table.has_area_rows
    for subject_name in SUBJECTS:
        ees_la = area_figures(ees_table, subject_name, ["3"], la)
        assert ees_la == area_figures(wide_table, subject_name, ["3"], la)
        # every measure the subject has (rwm has no progress score: NaN in both)
        for measure in MEASURES:
            published = measure in SUBJECTS[subject_name].measure_columns
            assert np.isnan(ees_la[measure]) != published, (subject_name, measure)
        ees_national = area_figures(ees_table, subject_name, ["5"])
        wide_national = area_figures(wide_table, subject_name, ["5"])
        # the wide national rows leave progress (0 by construction) blank, and writing
        # attainment too in some years: NaN in both; their name is blank (' ' in the file)
        assert ees_national.keys() == wide_national.keys()
        wide_national["name"] = wide_national["name"].strip()
        for key, value in wide_national.items():
            assert ees_national[key] == value or (pd.isna(value) and pd.isna(ees_national[key])), (
                key,
                ees_national,
                wide_national,
            )
        assert np.isnan(ees_national["progress"])
    # Hampshire's published maths figures (the wide file's LA row: MATPROG -0.6, PTMAT_EXP
    # 78%, PTMAT_HIGH 25%, MAT_AVERAGE 105)
    if (la, year) == ("850", 2018):
        assert area_figures(ees_table, "maths", ["3"], la) == {
            "name": "Hampshire",
            "progress": -0.6,
            "attainment": 78.0,
            "higher_standard": 25.0,
            "scaled_score": 105.0,
        }


# --- small made-up EES files, checked by hand ---------------------------------------------


def _ees_row(period: str, urn: str, subject: str, **fields: str) -> dict[str, str]:
    record = dict.fromkeys(PERFORMANCE_HEADER, "z")
    record.update(
        time_period=period,
        school_urn=urn,
        school_laestab="999" + urn[-4:],
        school_name=f"School {urn}",
        breakdown_topic=fields.pop("topic", "All pupils"),
        breakdown=fields.pop("breakdown", "Total"),
        subject=subject,
    )
    record.update(fields)
    return record


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def small_ees(tmp_path) -> dict[str, Path]:
    """Two schools over 2022-23 and 2023-24 (one file), an information file for 2023-24 and
    an LA/national file."""
    rows = [
        _ees_row("202223", "100001", "Maths", progress_measure_score="-1.5"),
        _ees_row("202223", "100002", "Maths", progress_measure_score="c"),
        _ees_row(
            "202324",
            "100001",
            "Maths",
            expected_standard_pupil_percent="70",
            higher_standard_pupil_percent="low",
            average_scaled_score="104",
            progress_measure_score="z",
        ),
        _ees_row(
            "202324",
            "100001",
            "Maths",
            topic="Disadvantaged status",
            breakdown="Disadvantaged",
            expected_standard_pupil_percent="55",
        ),
        _ees_row(
            "202324",
            "100002",
            "Maths",
            expected_standard_pupil_percent="x",
            higher_standard_pupil_percent="u",
            average_scaled_score="101",
        ),
        _ees_row(
            "202324", "100002", "Reading, writing and maths", expected_standard_pupil_percent="61"
        ),
    ]
    info = dict.fromkeys(INFORMATION_HEADER, "")
    information = [
        info | dict(time_period="202324", school_urn="100001", school_laestab="9990001",
                    telig="30", ptfsm6cla1a="20", nftype="CY", urn_ac="0"),
        info | dict(time_period="202324", school_urn="100002", school_laestab="9990002",
                    telig="12", ptfsm6cla1a="c", nftype="CYS", urn_ac="200002"),
    ]  # fmt: skip
    area = dict.fromkeys(AREA_HEADER, "z") | dict(
        time_period="202324", breakdown_topic="All pupils", breakdown="Total", subject="Maths"
    )
    areas = [
        area | dict(geographic_level="Local authority", old_la_code="999", la_name="Made-up",
                    establishment_type_group="All state funded",
                    expected_standard_pupil_percent="72"),
        area | dict(geographic_level="Local authority", old_la_code="998", la_name="Other",
                    establishment_type_group="All state funded",
                    expected_standard_pupil_percent="60"),
        area | dict(geographic_level="National", establishment_type_group="All state funded",
                    expected_standard_pupil_percent="73", progress_measure_score="0"),
        area | dict(geographic_level="National", establishment_type_group="Academies",
                    expected_standard_pupil_percent="99"),
    ]  # fmt: skip
    return {
        "performance": _write(tmp_path / "perf.csv", PERFORMANCE_HEADER, rows),
        "information": _write(tmp_path / "info.csv", INFORMATION_HEADER, information),
        "area": _write(tmp_path / "la.csv", AREA_HEADER, areas),
    }


def test_the_format_is_told_from_the_header(small_ees, dfe_data):
    assert table_format(read_header(small_ees["performance"])) == EES_PERFORMANCE
    assert table_format(read_header(small_ees["information"])) == EES_INFORMATION
    assert table_format(read_header(small_ees["area"])) == EES_AREA
    assert table_format(read_header(_wide(dfe_data, 2018, "850"))) == WIDE
    assert table_format(["urn", "cohort"]) is None


def test_one_year_of_a_multi_year_file_with_codes_kept_as_reasons(small_ees):
    maths = SUBJECTS["maths"]
    table = read_performance_table(
        small_ees["performance"],
        2024,
        maths.columns,
        ["PTMAT_HIGH", "MAT_AVERAGE", "PTMAT_EXP_FSM6CLA1A", "PTRWM_EXP", "MATPROG_23"],
    )
    assert table.format == EES_PERFORMANCE and not table.has_area_rows
    assert table.absent["MATCOV"] == "EES publishes no progress coverage"
    frame = table.frame.set_index("URN")
    assert frame["RECTYPE"].tolist() == ["1", "1"]  # no information file: mainstream
    assert frame["LEA"].tolist() == ["999", "999"]  # from school_laestab 9990001
    assert frame.loc["100001", "PTMAT_HIGH"] == "low"
    assert frame.loc["100001", "PTMAT_EXP_FSM6CLA1A"] == "55"
    assert frame.loc["100002", "PTMAT_EXP_FSM6CLA1A"] == ""  # no such row: blank
    assert frame.loc["100002", "PTRWM_EXP"] == "61"
    # 2022-23's progress, matched on LAESTAB, as the wide file's MATPROG_23
    assert frame["MATPROG_23"].tolist() == ["-1.5", "c"]
    assert frame["line"].tolist() == [4, 6]  # each school's first 2023-24 row
    figures = school_figures(table, "maths")
    assert figures.loc["100001", "attainment"] == 70.0
    assert figures.loc["100001", "progress_reason"] == "not applicable"  # z
    assert figures.loc["100002", "attainment_reason"] == "not available"  # x
    assert figures.loc["100001", "prior_progress"] == -1.5
    assert np.isnan(figures.loc["100002", "prior_progress"])
    assert figures["telig"].isna().all() and figures["disadvantaged"].isna().all()


def test_information_and_la_files_give_intake_rectype_and_area_rows(small_ees):
    table = read_performance_table(
        small_ees["performance"],
        2024,
        SUBJECTS["maths"].columns,
        SUBJECTS["maths"].design_columns(2024),
        information=small_ees["information"],
        area=small_ees["area"],
    )
    figures = school_figures(table, "maths")
    assert figures["rectype"].tolist() == ["1", "2"]  # CYS: community special
    assert figures["telig"].tolist() == [30.0, 12.0]
    assert figures.loc["100001", "disadvantaged"] == 20.0
    assert np.isnan(figures.loc["100002", "disadvantaged"])  # c
    assert table.successors == {"100002": "200002"}
    assert table.has_area_rows
    la = area_figures(table, "maths", ["3"], "999")
    assert (la["name"], la["attainment"]) == ("Made-up", 72.0) and np.isnan(la["progress"])
    assert area_figures(table, "maths", ["3"], "998")["attainment"] == 60.0
    national = area_figures(table, "maths", ["5"])
    assert (national["attainment"], national["progress"]) == (73.0, 0.0)  # not Academies' 99
    assert len(table.rows(["4"])) == 0
    assert [p.name for p in table.sources] == ["perf.csv", "info.csv", "la.csv"]


def test_a_year_the_file_does_not_hold_names_the_periods_it_has(small_ees):
    with pytest.raises(InputError) as err:
        read_performance_table(small_ees["performance"], 2025, SUBJECTS["maths"].columns)
    message = str(err.value)
    assert "perf.csv" in message and "202425" in message
    assert "it holds time_period 202223, 202324" in message
    with pytest.raises(InputError, match="202223, 202324"):
        check_performance_table_file(small_ees["performance"], 2025)
    assert check_performance_table_file(small_ees["performance"], 2024)


def test_an_information_file_given_as_performance_says_which_file_goes_where(small_ees):
    for read in (
        lambda: read_performance_table(small_ees["information"], 2024),
        lambda: check_performance_table_file(small_ees["information"], 2024),
    ):
        with pytest.raises(InputError) as err:
            read()
        message = str(err.value)
        assert "school information file" in message and "'school_information:'" in message
        assert "'performance:' takes the school performance file" in message
    with pytest.raises(InputError, match="'la_performance:'"):
        check_performance_table_file(small_ees["area"], 2024)


def test_text_that_is_no_figure_names_the_ees_file_line_and_field(tmp_path):
    rows = [
        _ees_row("202324", "100001", "Maths", expected_standard_pupil_percent="70"),
        _ees_row("202324", "100002", "Maths", expected_standard_pupil_percent="n/a"),
    ]
    path = _write(tmp_path / "perf.csv", PERFORMANCE_HEADER, rows)
    with pytest.raises(InputError) as err:
        read_performance_table(path, 2024, SUBJECTS["maths"].columns)
    assert "perf.csv, line 3, column 'expected_standard_pupil_percent'" in str(err.value)
    assert "'n/a'" in str(err.value)


def test_a_wide_file_refuses_ees_companions(dfe_data, small_ees):
    with pytest.raises(InputError, match="'school_information' is for Explore Education"):
        read_performance_table(
            _wide(dfe_data, 2018, "850"), 2018, information=small_ees["information"]
        )


def test_a_truncated_ees_file_is_refused(small_ees, tmp_path):
    text = small_ees["performance"].read_text(encoding="utf-8")
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: text.rstrip().rfind(",")], encoding="utf-8")
    with pytest.raises(InputError, match="looks truncated"):
        check_performance_table_file(cut, 2024)
