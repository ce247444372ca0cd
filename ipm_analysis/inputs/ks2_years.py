"""Which KS2 years exist, in which files, with which measures: one table, 2016 to 2026.

A year is the summer of the tests (2018 is the school year 2017-18). School-level data was not
published for 2020 and 2021 (no tests: COVID-19) nor 2022 (results to schools only), and the
cohorts of 2024 and 2025 have no progress scores: they had no KS1 assessments (cancelled in
2020 and 2021). Everything that depends on the year reads it here, so the facts are stated
once (sources: ``/work/shared/reference/dfe-ks2-formats/README.md``: the DfE's primary
accountability technical guide, Schools Week, the DfE's School Profiles code).

No pandas: params validation reads this before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipm_analysis.core.errors import InputError
from ipm_analysis.core.years import year_label

FIRST_YEAR = 2016
LAST_YEAR = 2026

#: The wide file's names for a single LA (``850_ks2final.csv``) and for England.
WIDE_FINAL = ("<LA>_ks2final.csv", "<year>_<LA>_ks2final.csv", "england_ks2final.csv")
#: Names of Explore Education Statistics files (any name works: the header decides).
EES_FILES = ("ks2_school_performance.csv", "ks2_school_information.csv", "ks2_la_performance.csv")


@dataclass(frozen=True)
class YearFacts:
    """What the DfE published for one KS2 year.

    ``published``: school-level data exists (else ``unpublished_reason`` says why, in words a
    reader understands). ``progress``: school progress scores exist (``ks1_year`` is the KS1
    baseline year; else ``no_progress_reason``). ``prior_years``: the earlier years whose
    ``_yy`` blocks the wide file holds (``None``: not known; the header says). ``file_names``:
    the names the downloads have had. ``ees``: the year is on Explore Education Statistics.
    """

    year: int
    published: bool
    progress: bool
    ks1_year: int | None
    prior_years: tuple[int, ...] | None
    file_names: tuple[str, ...]
    ees: bool
    unpublished_reason: str = ""
    no_progress_reason: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        """``2017-18`` for 2018."""
        return year_label(self.year)

    @property
    def time_period(self) -> str:
        """The EES ``time_period`` code: ``201718`` for 2018."""
        return ees_time_period(self.year)


_NO_TESTS = "no KS2 tests were taken (COVID-19)"
_NO_KS1 = "the cohort had no KS1 assessments (KS1 was cancelled in {ks1} because of COVID-19)"

#: Every KS2 year the workbook knows, oldest first.
KS2_YEARS: dict[int, YearFacts] = {
    facts.year: facts
    for facts in (
        YearFacts(
            2016, True, True, 2012, None, WIDE_FINAL, False,
            note="the first year of the new KS2 tests and of progress scores",
        ),
        YearFacts(2017, True, True, 2013, (2016,), WIDE_FINAL, False),
        YearFacts(2018, True, True, 2014, (2017, 2016), WIDE_FINAL, False),
        YearFacts(2019, True, True, 2015, (2018, 2017), WIDE_FINAL, False),
        YearFacts(
            2020, False, False, None, None, (), False,
            unpublished_reason=_NO_TESTS, no_progress_reason=_NO_TESTS,
        ),
        YearFacts(
            2021, False, False, None, None, (), False,
            unpublished_reason=_NO_TESTS, no_progress_reason=_NO_TESTS,
        ),
        YearFacts(
            2022, False, False, None, None, (), False,
            unpublished_reason="the tests were taken but results went to schools only; the "
            "DfE published no school's figures (national figures only)",
            no_progress_reason="no school-level data was published",
        ),
        YearFacts(
            2023, True, True, 2019, (2022, 2019), ("england_ks2revised.csv", *WIDE_FINAL), True,
            note="the 2021-22 (_22) prior-year columns hold no school's progress",
        ),
        YearFacts(
            2024, True, False, None, None, ("england_ks2revised.csv", *WIDE_FINAL), True,
            no_progress_reason=_NO_KS1.format(ks1=2020),
            note="progress columns are present but empty",
        ),
        YearFacts(
            2025, True, False, None, (2024, 2023), ("england_ks2revised.csv", *WIDE_FINAL), True,
            no_progress_reason=_NO_KS1.format(ks1=2021),
            note="revised data December 2025, final about April 2026; progress columns are "
            "present but empty and the file carries 2022-23 progress as READPROG_23",
        ),
        YearFacts(
            2026, True, True, 2022, None, ("england_ks2revised.csv", *WIDE_FINAL), True,
            note="provisional data to schools about September 2026, revised expected December "
            "2026; progress planned to return (KS1 2022)",
        ),
    )
}  # fmt: skip


def ees_time_period(year: int) -> str:
    """The EES ``time_period`` code of a KS2 year: 2023 -> ``202223``."""
    year = int(year)
    return f"{year - 1}{year % 100:02d}"


def year_of_time_period(code: str) -> int | None:
    """The KS2 year an EES ``time_period`` names (``202223`` -> 2023), or None if it names none."""
    text = str(code).strip()
    if len(text) != 6 or not text.isdigit():
        return None
    start, end = int(text[:4]), int(text[4:])
    return start + 1 if (start + 1) % 100 == end else None


def year_facts(year: int) -> YearFacts:
    """The facts of one KS2 year; an :class:`InputError` for a year outside 2016 to 2026."""
    try:
        return KS2_YEARS[int(year)]
    except (KeyError, TypeError, ValueError):
        raise InputError(
            f"the workbook knows the KS2 years {FIRST_YEAR} to {LAST_YEAR} (the summer of the "
            f"tests), not {year!r}: KS2 tests before 2016 gave levels, not scaled scores."
        ) from None


def has_progress(year: int) -> bool:
    """Whether school progress scores exist for ``year`` (False for unknown years)."""
    facts = KS2_YEARS.get(int(year))
    return bool(facts and facts.progress)


def no_progress_sentence(year: int) -> str:
    """Why ``year`` has no progress scores, as one sentence for readers ('' when it has them)."""
    facts = year_facts(year)
    if facts.progress:
        return ""
    return f"There are no KS2 progress scores for {facts.label}: {facts.no_progress_reason}."


def unpublished_sentence(year: int) -> str:
    """Why ``year`` has no school-level data ('' when it has): the message of
    :func:`check_published`."""
    facts = KS2_YEARS.get(int(year))
    if facts is None or facts.published:
        return ""
    return (
        f"there is no school-level KS2 data for {facts.label}: {facts.unpublished_reason}. "
        f"Choose years on either side of the gap: {year_label(2019)} or before, "
        f"{year_label(2023)} or after."
    )


def check_published(year: int) -> None:
    """Refuse a year without school-level data (2020, 2021, 2022) with an
    :class:`InputError` (exit 2) saying why; other years pass."""
    sentence = unpublished_sentence(year)
    if sentence:
        raise InputError(sentence)


def prior_years(year: int) -> tuple[int, ...] | None:
    """The earlier years whose ``_yy`` blocks ``year``'s wide file holds (None: not known)."""
    return year_facts(year).prior_years
