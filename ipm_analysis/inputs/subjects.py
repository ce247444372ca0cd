"""Which performance-table columns hold each KS2 subject.

Kept apart from ``dfe_tables`` (which needs pandas) so that validating params, and deciding
whether a report is up to date, start fast without importing pandas.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipm_analysis.core.errors import InputError


@dataclass(frozen=True)
class Subject:
    """The performance-table columns of one KS2 subject."""

    name: str
    progress: str
    lower: str
    upper: str
    coverage: str
    attainment: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.progress, self.lower, self.upper, self.coverage, self.attainment)

    @property
    def unadjusted(self) -> str:
        """Progress before the 2018 capping of extreme pupil scores (2017-18 files on)."""
        return f"{self.progress}_UNADJUSTED"

    def earlier(self, column: str, year: int) -> str:
        """A file's column for an earlier ``year``: the DfE suffixes the summer's two digits
        (``MATPROG_16`` in a 2017-18 file is the 2015-16 score, summer 2016)."""
        return f"{column}_{year % 100:02d}"

    def design_columns(self, year: int) -> tuple[str, ...]:
        """The optional columns an evaluation design reads from ``year``'s file when present:
        intake, uncapped progress and every earlier year's progress with its limits."""
        earlier = [
            self.earlier(column, y)
            for y in range(year - EARLIEST_HISTORY, year)
            for column in (self.progress, self.lower, self.upper)
        ]
        return (*INTAKE_COLUMNS, self.unadjusted, *earlier)


#: Intake columns of every KS2 file: % disadvantaged pupils and the cohort's KS1 average.
INTAKE_COLUMNS = ("PTFSM6CLA1A", "TKS1AVERAGE")
#: How many earlier years a file's ``_yy`` columns are looked for (the files hold two at most).
EARLIEST_HISTORY = 4


SUBJECTS: dict[str, Subject] = {
    "maths": Subject("maths", "MATPROG", "MATPROG_LOWER", "MATPROG_UPPER", "MATCOV", "PTMAT_EXP"),
    "reading": Subject(
        "reading", "READPROG", "READPROG_LOWER", "READPROG_UPPER", "READCOV", "PTREAD_EXP"
    ),
    "writing": Subject(
        "writing", "WRITPROG", "WRITPROG_LOWER", "WRITPROG_UPPER", "WRITCOV", "PTWRITTA_EXP"
    ),
}


def subject(name: str) -> Subject:
    """The columns of subject ``name``; a clear error for an unknown one."""
    try:
        return SUBJECTS[name]
    except KeyError:
        known = ", ".join(SUBJECTS)
        raise InputError(f"unknown subject '{name}'; use one of: {known}.") from None
