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
