"""The table of KS2 years: what was published, with progress or not, and why."""

from __future__ import annotations

import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.ks2_years import (
    KS2_YEARS,
    check_published,
    ees_time_period,
    has_progress,
    no_progress_sentence,
    year_facts,
    year_of_time_period,
)


def test_the_table_covers_2016_to_2026_in_order():
    assert list(KS2_YEARS) == list(range(2016, 2027))


@pytest.mark.parametrize("year", [2020, 2021, 2022])
def test_years_without_school_level_data_are_refused_saying_why(year):
    assert not year_facts(year).published
    with pytest.raises(InputError) as err:
        check_published(year)
    label = f"{year - 1}-{year % 100:02d}"
    assert str(err.value).startswith(f"there is no school-level KS2 data for {label}: ")
    assert "2018-19 or before, 2022-23 or after" in str(err.value)


def test_the_covid_years_name_the_cancelled_tests_and_2022_the_results_kept_to_schools():
    with pytest.raises(InputError, match=r"2020-21: no KS2 tests were taken \(COVID-19\)"):
        check_published(2021)
    with pytest.raises(InputError, match="results went to schools only"):
        check_published(2022)


@pytest.mark.parametrize("year", [2016, 2017, 2018, 2019, 2023, 2024, 2025, 2026])
def test_published_years_pass(year):
    assert check_published(year) is None


def test_progress_and_its_ks1_baseline():
    # KS1 four years before KS2: 2019 <- 2015, 2023 <- 2019, 2026 <- 2022
    assert [(y, year_facts(y).ks1_year) for y in (2017, 2018, 2019, 2023, 2026)] == [
        (2017, 2013),
        (2018, 2014),
        (2019, 2015),
        (2023, 2019),
        (2026, 2022),
    ]
    assert [y for y in KS2_YEARS if has_progress(y)] == [2016, 2017, 2018, 2019, 2023, 2026]
    assert no_progress_sentence(2018) == ""
    assert no_progress_sentence(2024) == (
        "There are no KS2 progress scores for 2023-24: the cohort had no KS1 assessments "
        "(KS1 was cancelled in 2020 because of COVID-19)."
    )
    assert "cancelled in 2021" in no_progress_sentence(2025)


def test_prior_year_blocks_and_file_names():
    assert year_facts(2018).prior_years == (2017, 2016)
    assert year_facts(2023).prior_years == (2022, 2019)
    assert year_facts(2025).prior_years == (2024, 2023)
    assert year_facts(2024).prior_years is None  # not known: the header says
    assert "england_ks2revised.csv" in year_facts(2025).file_names
    assert "<LA>_ks2final.csv" in year_facts(2017).file_names
    assert year_facts(2021).file_names == ()


def test_ees_time_periods():
    assert ees_time_period(2023) == "202223" == year_facts(2023).time_period
    assert ees_time_period(2000) == "199900"
    assert year_of_time_period("202425") == 2025
    assert year_of_time_period(" 201819 ") == 2019
    assert year_of_time_period("202325") is None  # not consecutive years
    assert year_of_time_period("2023") is None


def test_unknown_years_are_refused():
    with pytest.raises(InputError, match="2016 to 2026"):
        year_facts(2015)
    assert not has_progress(2030)
    assert check_published(2030) is None  # only the gap years are refused by name
