"""Which performance-table columns hold each KS2 subject and measure.

Kept apart from ``dfe_tables`` (which needs pandas) so that validating params, and deciding
whether a report is up to date, start fast without importing pandas.

A report reads one subject (``maths``, ``reading``, ``writing`` or ``rwm``: reading, writing
and maths combined) for one pupil group (``all`` or ``disadvantaged``: the wide file's
``_FSM6CLA1A`` columns). Each subject has up to four measures: ``progress`` (KS1 to KS2
value added), ``attainment`` (% at the expected standard), ``higher_standard`` (% at the
higher standard; greater depth in writing) and ``scaled_score`` (average scaled score: tests
only, so reading and maths). What a subject lacks is None here and absent from its reports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ipm_analysis.core.errors import InputError

#: Every measure a report can show, in the order it shows them.
MEASURES = ("progress", "attainment", "higher_standard", "scaled_score")
#: Pupil groups and the suffix of their columns in the wide file.
PUPIL_GROUPS = {"all": "", "disadvantaged": "_FSM6CLA1A"}


@dataclass(frozen=True)
class Subject:
    """The performance-table columns of one KS2 subject for one pupil group."""

    name: str
    attainment: str
    higher: str
    scaled: str | None = None
    #: the progress score (``MATPROG``); None for rwm, which has none
    progress: str | None = None
    #: % of pupils in the progress measure; not published for pupil groups
    coverage: str | None = None
    pupil_group: str = "all"

    @property
    def lower(self) -> str | None:
        return f"{self.progress}_LOWER" if self.progress else None

    @property
    def upper(self) -> str | None:
        return f"{self.progress}_UPPER" if self.progress else None

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns every file must have for this subject: attainment, and the progress
        score with its limits and coverage where the subject has them (a year without progress
        scores still has the columns, empty)."""
        names = (self.progress, self.lower, self.upper, self.coverage, self.attainment)
        return tuple(n for n in names if n)

    @property
    def measure_columns(self) -> dict[str, str]:
        """Measure -> its column, for the measures this subject has."""
        found = {
            "progress": self.progress,
            "attainment": self.attainment,
            "higher_standard": self.higher,
            "scaled_score": self.scaled,
        }
        return {measure: column for measure, column in found.items() if column}

    @property
    def unadjusted(self) -> str | None:
        """Progress before the 2018 capping of extreme pupil scores (2017-18 files on)."""
        return (
            f"{self.progress}_UNADJUSTED" if self.progress and self.pupil_group == "all" else None
        )

    def earlier(self, column: str, year: int) -> str:
        """A file's column for an earlier ``year``: the DfE suffixes the summer's two digits
        (``MATPROG_16`` in a 2017-18 file is the 2015-16 score, summer 2016)."""
        return f"{column}_{year % 100:02d}"

    def history_columns(self, measure: str, year: int) -> tuple[str, ...]:
        """``measure``'s columns for an earlier ``year`` (the figure first, then any limits)."""
        column = self.measure_columns.get(measure)
        if column is None:
            return ()
        if measure == "progress":
            return tuple(self.earlier(c, year) for c in (column, self.lower, self.upper))
        return (self.earlier(column, year),)

    def design_columns(self, year: int) -> tuple[str, ...]:
        """The optional columns a report reads from ``year``'s file when present: the higher
        standard and scaled score, intake, uncapped progress and every earlier year's figures
        (the files hold two earlier years at most, and not of every measure)."""
        earlier = [
            column
            for y in range(year - EARLIEST_HISTORY, year)
            for measure in self.measure_columns
            for column in self.history_columns(measure, y)
        ]
        extra = [self.higher, self.scaled, self.unadjusted]
        return tuple(c for c in (*extra, *INTAKE_COLUMNS, *earlier) if c)

    def for_pupil_group(self, group: str) -> Subject:
        """The same subject's columns for ``group`` (``MATPROG_FSM6CLA1A``...)."""
        suffix = PUPIL_GROUPS[group]
        if not suffix:
            return self

        def add(column: str | None) -> str | None:
            return f"{column}{suffix}" if column else None

        return replace(
            self,
            attainment=add(self.attainment),
            higher=add(self.higher),
            scaled=add(self.scaled),
            progress=add(self.progress),
            coverage=None,
            pupil_group=group,
        )


#: Intake columns of every KS2 file: % disadvantaged pupils and the cohort's KS1 average.
INTAKE_COLUMNS = ("PTFSM6CLA1A", "TKS1AVERAGE")
#: How many earlier years a file's ``_yy`` columns are looked for (the files hold two at most).
EARLIEST_HISTORY = 4


SUBJECTS: dict[str, Subject] = {
    "maths": Subject("maths", "PTMAT_EXP", "PTMAT_HIGH", "MAT_AVERAGE", "MATPROG", "MATCOV"),
    "reading": Subject(
        "reading", "PTREAD_EXP", "PTREAD_HIGH", "READ_AVERAGE", "READPROG", "READCOV"
    ),
    "writing": Subject("writing", "PTWRITTA_EXP", "PTWRITTA_HIGH", None, "WRITPROG", "WRITCOV"),
    "rwm": Subject("rwm", "PTRWM_EXP", "PTRWM_HIGH"),
}


def subject(name: str | Subject, pupil_group: str = "all") -> Subject:
    """The columns of subject ``name`` for ``pupil_group``; a clear error for an unknown one."""
    if isinstance(name, Subject):
        return name.for_pupil_group(pupil_group) if pupil_group != "all" else name
    try:
        found = SUBJECTS[name]
    except KeyError:
        known = ", ".join(SUBJECTS)
        raise InputError(f"unknown subject '{name}'; use one of: {known}.") from None
    if pupil_group not in PUPIL_GROUPS:
        known = ", ".join(PUPIL_GROUPS)
        raise InputError(f"unknown pupil_group '{pupil_group}'; use one of: {known}.")
    return found.for_pupil_group(pupil_group)
