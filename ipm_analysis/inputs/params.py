"""A report's parameters: the params YAML, resolved and validated in one place.

The same names are the papermill parameters of ``notebooks/impact_report.ipynb``; the runner
passes :meth:`ReportParams.to_papermill` and the notebook rebuilds the object with
:meth:`ReportParams.from_mapping`, so both read the same rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.files import (
    EES_AREA,
    EES_INFORMATION,
    WIDE,
    check_csv_file,
    check_ees_file,
    check_performance_table_file,
    file_format,
    same_content,
)
from ipm_analysis.inputs.ks2_years import unpublished_sentence
from ipm_analysis.inputs.params_file import (
    IMPACT,
    KIND_NAMES,
    ParamsFile,
    key_problems,
    problems_sentence,
    read_params_file,
)
from ipm_analysis.inputs.subjects import MEASURES, PUPIL_GROUPS, SUBJECTS
from ipm_analysis.inputs.synthetic_files import all_synthetic

WEIGHTINGS = ("schools", "pupils")
#: What the comparison matches on by default (see README "The comparison"): the baseline
#: score, the year before it (a dip or a steady level?) and the cohort's size (how much a
#: score swings by chance).
DEFAULT_MATCH_ON = ("baseline", "prior_progress", "cohort_size")
#: The default when the comparison is of attainment (years or subjects without progress
#: scores): baseline attainment, the baseline average scaled score (a finer reading of the
#: same tests) and the cohort's size.
DEFAULT_MATCH_ON_ATTAINMENT = ("baseline", "scaled_score", "cohort_size")
#: Every variable ``match_on`` may name (described in ``impact.matching.MATCH_VARIABLES``).
MATCH_ON_CHOICES = (
    "baseline",
    "prior_progress",
    "cohort_size",
    "disadvantaged",
    "ks1_average",
    "school_type",
    "scaled_score",
)
#: The question the report answers first, fixed before the results are seen. The measure,
#: when not written, is the report's comparison measure: progress, or attainment where the
#: years or the subject have no progress scores (``Evaluation.primary_question``).
DEFAULT_PRIMARY = {"measure": None, "group": "all", "estimate": "net_change"}
PRIMARY_CHOICES = {
    "measure": MEASURES,
    "estimate": ("net_change", "change", "did"),
}

REQUIRED = object()  # marks a parameter without a default

#: Every parameter a report takes, with its default.
DEFAULTS: dict[str, Any] = {
    "report_id": REQUIRED,
    "title": REQUIRED,
    "roster": REQUIRED,
    "performance": REQUIRED,
    "school_information": {},
    "la_performance": None,
    "baseline_year": REQUIRED,
    "outcome_year": REQUIRED,
    "subject": "maths",
    "pupil_group": "all",
    "threshold": -2.0,
    "cohorts": None,
    "comparators": [],
    "provisional_years": [],
    "synthetic": False,
    "la_code": None,
    "seed": 20180901,
    "n_placebo": 2000,
    "match_k": 5,
    "match_on": None,
    "caliper": None,
    "primary": dict(DEFAULT_PRIMARY),
    "exclude_from_pool": [],
    "weighting": "schools",
    "min_n": 3,
    "suppress": True,
    "notes": [],
}
PARAMETER_NAMES: tuple[str, ...] = tuple(DEFAULTS)
#: ``synthetic`` is a papermill parameter decided from the input files (see load_params);
#: a params YAML never sets it (``params_file.KEYS[IMPACT]`` is every other name).


@dataclass(frozen=True)
class Comparator:
    """An extra reference line, e.g. statistical neighbours: a value per year."""

    label: str
    values: dict[int, float]
    measure: str = "progress"


@dataclass(frozen=True)
class ReportParams:
    """Validated report parameters with absolute paths."""

    report_id: str
    title: str
    roster: Path
    performance: dict[int, Path]
    baseline_year: int
    outcome_year: int
    school_information: dict[int, Path] = field(default_factory=dict)
    la_performance: Path | None = None
    subject: str = "maths"
    pupil_group: str = "all"
    threshold: float = -2.0
    cohorts: list[str] | None = None
    comparators: list[Comparator] = field(default_factory=list)
    provisional_years: list[int] = field(default_factory=list)
    synthetic: bool = False
    la_code: str | None = None
    seed: int = 20180901
    n_placebo: int = 2000
    match_k: int = 5
    #: None: the default for the comparison's measure (``DEFAULT_MATCH_ON`` for progress,
    #: ``DEFAULT_MATCH_ON_ATTAINMENT`` otherwise)
    match_on: list[str] | None = None
    caliper: float | None = None
    primary: dict[str, str | None] = field(default_factory=lambda: dict(DEFAULT_PRIMARY))
    exclude_from_pool: list[str] = field(default_factory=list)
    weighting: str = "schools"
    min_n: int = 3
    suppress: bool = True
    notes: list[str] = field(default_factory=list)
    source: Path | None = None

    @classmethod
    def from_mapping(
        cls,
        mapping: dict[str, Any],
        *,
        base_dir: str | Path = ".",
        source: str | Path | None = None,
    ) -> ReportParams:
        """Validate a mapping of parameters; relative paths resolve against ``base_dir``."""
        return _validate(mapping, Path(base_dir), Path(source) if source else None)

    def to_papermill(self) -> dict[str, Any]:
        """Plain JSON-serialisable values (papermill rejects NumPy types and Paths)."""
        out = {name: getattr(self, name) for name in PARAMETER_NAMES}
        out["roster"] = str(self.roster)
        out["performance"] = {int(y): str(p) for y, p in self.performance.items()}
        out["school_information"] = {int(y): str(p) for y, p in self.school_information.items()}
        out["la_performance"] = None if self.la_performance is None else str(self.la_performance)
        out["comparators"] = [
            {
                "label": c.label,
                "measure": c.measure,
                "values": {int(y): float(v) for y, v in c.values.items()},
            }
            for c in self.comparators
        ]
        return out

    @property
    def years(self) -> tuple[int, int]:
        return (self.baseline_year, self.outcome_year)

    def input_files(self) -> list[Path]:
        """Every file this report reads (for manifests and change detection)."""
        ees = [self.school_information[y] for y in self.years if y in self.school_information]
        if self.la_performance is not None:
            ees.append(self.la_performance)
        performance = dict.fromkeys(self.performance[y] for y in self.years)  # EES: one file
        return [self.roster, *performance, *dict.fromkeys(ees), *self.pool_rosters]

    def table_files(self, year: int) -> dict[str, Path | None]:
        """The keyword arguments of ``read_performance_table`` for ``year``'s files beyond the
        performance table: ``information`` and ``area`` (EES only; None when not given)."""
        return {"information": self.school_information.get(year), "area": self.la_performance}

    @property
    def pool_rosters(self) -> list[Path]:
        """Roster files named under ``exclude_from_pool`` (earlier cohorts, other projects)."""
        return [Path(p) for p in self.exclude_from_pool if p.lower().endswith(".csv")]

    def describe(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in data.items()}


def load_params(path: str | Path) -> ReportParams:
    """Read a params YAML and validate it, and the files it names; errors name the file,
    the key and its line.

    Every input file is checked before anything reads it (see :mod:`ipm_analysis.inputs.files`)
    and the report is marked synthetic only when all of them are the shipped examples.
    """
    params_file = read_params_file(path)
    if params_file.kind != IMPACT:
        raise InputError(
            f"this is {KIND_NAMES[params_file.kind]}, not an impact report; "
            "build it with 'ipm report' (which reads every kind).",
            path=params_file.path,
        )
    params = _validate(
        params_file.mapping,
        params_file.folder,
        params_file.path,
        key_problems(params_file),
        params_file.lines,
    )
    params = replace(params, exclude_from_pool=_with_sibling_rosters(params, params_file))
    files = check_input_files(params, params_file)
    return replace(params, synthetic=all_synthetic(files))


def sibling_rosters(params_path: Path) -> list[Path]:
    """The rosters named by the other impact params files in ``params_path``'s folder: what
    ``ipm batch`` builds together. Files that cannot be read are left to their own build."""
    found = []
    folder = params_path.resolve().parent
    for other in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        if other.resolve() == params_path.resolve():
            continue
        try:
            sibling = read_params_file(other)
        except InputError:
            continue
        roster = sibling.mapping.get("roster")
        if sibling.kind == IMPACT and isinstance(roster, str) and roster.strip():
            found.append(_resolve(roster, sibling.folder))
    return found


def _with_sibling_rosters(params: ReportParams, params_file: ParamsFile) -> list[str]:
    """``exclude_from_pool`` plus every roster of the other impact params files beside this
    one (the default: a school another cohort of the programme worked with is no comparison
    for this one). ``exclude_from_pool: []`` written out keeps only the report's own roster
    out."""
    if "exclude_from_pool" in params_file.mapping:
        return params.exclude_from_pool
    own = params.roster.resolve()
    extra = [str(r) for r in sibling_rosters(params_file.path) if r.resolve() != own]
    return list(dict.fromkeys([*params.exclude_from_pool, *extra]))


def check_input_files(params: ReportParams, params_file: ParamsFile) -> list[Path]:
    """Check every file the report reads (see :mod:`ipm_analysis.inputs.files`); returns them.

    A problem names the file, and which key of which params file named it.
    """

    def named_by(key: str, check, *args) -> Path:
        try:
            return check(*args)
        except InputError as exc:
            exc.message += f" (It is named by {params_file.where(key)} in {params_file.path}.)"
            raise

    files = [named_by("roster", check_csv_file, params.roster, "the roster")]
    for year in params.years:
        what = f"the {year} KS2 performance table"
        named_by("performance", check_csv_file, params.performance[year], what)
    formats = {year: file_format(params.performance[year]) for year in params.years}
    # an EES file holds every year in one file: the same file for two years is expected
    wide = {str(y): params.performance[y] for y in params.years if formats[y] == WIDE}
    same = same_content(wide)
    if same:
        raise InputError(
            f"the files given for {same[0]} and {same[1]} have the same content, so every "
            "change would be 0; give each year its own KS2 performance table.",
            path=params_file.path,
            row=params_file.lines.get("performance"),
            column="performance",
        )
    for year in params.years:
        files.append(
            named_by("performance", check_performance_table_file, params.performance[year], year)
        )
    ees_years = [y for y in params.years if formats[y] != WIDE]
    for year, path in params.school_information.items():
        if year not in params.years:
            continue
        if year not in ees_years:
            raise InputError(
                f"{params_file.where('school_information')} names a file for {year}, but the "
                f"{year} performance table is a wide DfE file, which holds the school "
                "information itself; 'school_information' goes with Explore Education "
                "Statistics performance files only.",
                path=params_file.path,
            )
        what = f"the {year} KS2 school information file"
        named_by("school_information", check_csv_file, path, what)
        files.append(named_by("school_information", check_ees_file, path, EES_INFORMATION, [year]))
    if params.la_performance is not None:
        if not ees_years:
            raise InputError(
                f"{params_file.where('la_performance')} names an LA and national file, but "
                "both performance tables are wide DfE files, which hold the LA and national "
                "rows themselves; delete 'la_performance'.",
                path=params_file.path,
            )
        what = "the KS2 LA and national performance file"
        named_by("la_performance", check_csv_file, params.la_performance, what)
        files.append(
            named_by("la_performance", check_ees_file, params.la_performance, EES_AREA, ees_years)
        )
    for roster in params.pool_rosters:
        what = "a roster whose schools are kept out of the comparison"
        files.append(named_by("exclude_from_pool", check_csv_file, roster, what))
    return files


def _validate(
    mapping: dict[str, Any],
    base_dir: Path,
    source: Path | None,
    key_problems: list[str] | None = None,
    lines: dict[str, int] | None = None,
) -> ReportParams:
    problems: list[str] = list(key_problems or [])

    def fail(key: str, message: str) -> None:
        line = (lines or {}).get(key)  # the key's line in the params file, when read from one
        problems.append(f"'{key}' (line {line}) {message}" if line else f"'{key}' {message}")

    def unpublished(key: str, year: int) -> None:
        """A year without school-level data (2020, 2021, 2022): say why, at the key's line."""
        sentence = unpublished_sentence(year)
        if sentence:
            line = (lines or {}).get(key)
            where = f"'{key}' (line {line})" if line else f"'{key}'"
            problems.append(f"{where} asks for {year}, but {sentence}")

    values = {k: mapping.get(k, DEFAULTS[k]) for k in DEFAULTS}
    for key, value in list(values.items()):
        if value is REQUIRED or (DEFAULTS[key] is REQUIRED and value in (None, "")):
            fail(key, "is required")
            values[key] = None

    report_id = str(values["report_id"] or "")
    if report_id and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", report_id):
        fail("report_id", "may hold only letters, digits, '.', '_' and '-' (it names a folder)")

    def year(key: str) -> int | None:
        value = values[key]
        if value is None:
            return None
        try:
            return _as_year(value)
        except ValueError:
            fail(key, f"must be a year such as 2018 (got {value!r})")
            return None

    baseline_year, outcome_year = year("baseline_year"), year("outcome_year")
    for key, value in (("baseline_year", baseline_year), ("outcome_year", outcome_year)):
        if value:
            unpublished(key, value)
    if baseline_year and outcome_year and baseline_year >= outcome_year:
        fail(
            "baseline_year",
            f"is {baseline_year}, which must be before outcome_year ({outcome_year})",
        )

    performance: dict[int, Path] = {}
    if values["performance"] is not None:
        if not isinstance(values["performance"], dict):
            fail("performance", "must map each year to a KS2 performance table CSV")
        else:
            for y, p in values["performance"].items():
                try:
                    performance[_as_year(y)] = _resolve(p, base_dir)
                except ValueError:
                    fail("performance", f"has {y!r}, which is not a year such as 2018")
    for y in (baseline_year, outcome_year):
        if y and values["performance"] is not None and y not in performance:
            fail("performance", f"has no file for {y}; add '{y}: path/to/ks2final.csv'")
    for y in performance:
        if y not in (baseline_year, outcome_year):
            unpublished("performance", y)
    school_information: dict[int, Path] = {}
    if values["school_information"] not in (None, {}):
        if not isinstance(values["school_information"], dict):
            fail(
                "school_information",
                "must map each year to an Explore Education Statistics school information CSV",
            )
        else:
            for y, p in values["school_information"].items():
                try:
                    school_information[_as_year(y)] = _resolve(p, base_dir)
                except ValueError:
                    fail("school_information", f"has {y!r}, which is not a year such as 2023")
    la_performance = values["la_performance"]
    if la_performance is not None and not isinstance(la_performance, str):
        fail("la_performance", f"must be one CSV file's path (got {la_performance!r})")
        la_performance = None
    if values["subject"] not in SUBJECTS:
        fail("subject", f"must be one of {', '.join(SUBJECTS)} (got {values['subject']!r})")
    if values["pupil_group"] not in PUPIL_GROUPS:
        fail(
            "pupil_group",
            f"must be one of {', '.join(PUPIL_GROUPS)} (got {values['pupil_group']!r})",
        )
    elif values["pupil_group"] != "all" and values["weighting"] == "pupils":
        fail(
            "pupil_group",
            "cannot be used with 'weighting: pupils': the DfE publishes no progress coverage "
            "for a pupil group, so its pupils in the measure are unknown; use 'weighting: "
            "schools'",
        )
    threshold = _number(values["threshold"], "threshold", fail)
    if not isinstance(values["title"], str | None):
        fail("title", f"must be text (got {values['title']!r})")
    for key in ("suppress", "synthetic"):
        if not isinstance(values[key], bool):
            fail(key, f"must be true or false, without quotes (got {values[key]!r})")
    if values["weighting"] not in WEIGHTINGS:
        fail("weighting", f"must be one of {', '.join(WEIGHTINGS)}")
    for key in ("seed", "n_placebo", "match_k", "min_n"):
        if not isinstance(values[key], int) or isinstance(values[key], bool) or values[key] < 0:
            fail(key, "must be a whole number of 0 or more")
    if isinstance(values["match_k"], int) and values["match_k"] == 0:
        fail("match_k", "must be at least 1 (the comparison schools matched to each school)")
    if isinstance(values["n_placebo"], int) and 0 < values["n_placebo"] < 100:
        fail("n_placebo", "must be 0 (no placebo check) or at least 100")
    match_on = values["match_on"]
    if isinstance(match_on, str):  # "baseline, cohort_size" written without brackets
        match_on = [name.strip() for name in match_on.split(",") if name.strip()]
    if match_on is not None:
        if not isinstance(match_on, list) or not match_on:
            fail(
                "match_on",
                f"must be a list such as [baseline, prior_progress] (got {match_on!r})",
            )
            match_on = list(DEFAULT_MATCH_ON)
        unknown = [str(v) for v in match_on if v not in MATCH_ON_CHOICES]
        if unknown:
            choices = ", ".join(MATCH_ON_CHOICES)
            fail("match_on", f"has {', '.join(unknown)}; choose from {choices}")
        if "baseline" not in match_on:
            fail("match_on", "must include baseline (the comparison is about change from it)")
    caliper = values["caliper"]
    if caliper is not None:
        caliper = _number(caliper, "caliper", fail, example="0.5")
        if caliper == caliper and caliper <= 0:
            fail("caliper", "must be a positive distance in standard deviations, e.g. 0.5")
    primary = _primary(values["primary"], fail)
    exclude = values["exclude_from_pool"]
    if exclude is None:
        exclude = []
    if not isinstance(exclude, list):
        exclude = [exclude]
    exclude_from_pool = []
    for item in exclude:
        text = _label(item)
        if re.fullmatch(r"\d{6}", text):
            exclude_from_pool.append(text)
        elif text.lower().endswith(".csv"):
            exclude_from_pool.append(str(_resolve(text, base_dir)))
        else:
            fail("exclude_from_pool", f"has {item!r}: give 6-digit URNs or roster CSV files")
    cohorts = values["cohorts"]
    if cohorts is not None:
        if not isinstance(cohorts, list) or not cohorts:
            fail("cohorts", "must be a list of cohort labels, e.g. [1, 2]")
        else:
            cohorts = [_label(c) for c in cohorts]
    comparators = _comparators(values["comparators"], fail)
    for key in ("provisional_years", "notes", "comparators"):
        if values[key] is not None and not isinstance(values[key], list):
            fail(key, f"must be a list, such as [{values[key]!r}] (got {values[key]!r})")
            values[key] = []
    provisional: list[int] = []
    for y in values["provisional_years"] or []:
        try:
            provisional.append(_as_year(y))
        except ValueError:
            fail("provisional_years", f"has {y!r}, which is not a year")
    notes = values["notes"] or []
    if not isinstance(notes, list):
        fail("notes", "must be a list of sentences")

    if problems:
        where = f"file {source}: " if source else ""
        raise InputError(where + problems_sentence(problems))
    return ReportParams(
        report_id=report_id,
        title=str(values["title"]),
        roster=_resolve(values["roster"], base_dir),
        performance=performance,
        baseline_year=int(baseline_year),
        outcome_year=int(outcome_year),
        school_information=school_information,
        la_performance=None if la_performance in (None, "") else _resolve(la_performance, base_dir),
        subject=str(values["subject"]),
        pupil_group=str(values["pupil_group"]),
        threshold=float(threshold),
        cohorts=cohorts,
        comparators=comparators,
        provisional_years=provisional,
        synthetic=bool(values["synthetic"]),
        la_code=None if values["la_code"] in (None, "") else str(values["la_code"]),
        seed=int(values["seed"]),
        n_placebo=int(values["n_placebo"]),
        match_k=int(values["match_k"]),
        match_on=None if match_on is None else [str(v) for v in dict.fromkeys(match_on)],
        caliper=None if caliper is None else float(caliper),
        primary=primary,
        exclude_from_pool=exclude_from_pool,
        weighting=str(values["weighting"]),
        min_n=int(values["min_n"]),
        suppress=bool(values["suppress"]),
        notes=[str(n) for n in notes],
        source=source.resolve() if source else None,
    )


def _as_year(value: Any) -> int:
    text = str(value).strip()
    if not re.fullmatch(r"(19|20)\d\d", text):
        raise ValueError(text)
    return int(text)


def _label(value: Any) -> str:
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def _resolve(value: Any, base_dir: Path) -> Path:
    path = Path(str(value)).expanduser()
    return (path if path.is_absolute() else base_dir / path).resolve()


def _number(value: Any, key: str, fail, example: str = "-2.0") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        fail(key, f"must be a number such as {example} (got {value!r})")
        return math.nan
    return float(value)


def _primary(raw: Any, fail) -> dict[str, str]:
    """The primary question: defaults for what is not given, each value checked."""
    if raw is None:
        return dict(DEFAULT_PRIMARY)
    if not isinstance(raw, dict):
        fail("primary", "must be a mapping such as {measure: progress, group: all}")
        return dict(DEFAULT_PRIMARY)
    primary = dict(DEFAULT_PRIMARY)
    for key, value in raw.items():
        if key not in DEFAULT_PRIMARY:
            fail("primary", f"has '{key}'; it takes {', '.join(DEFAULT_PRIMARY)}")
            continue
        if value is None and DEFAULT_PRIMARY[key] is None:  # left to the report's data
            continue
        text = _label(value)
        if key in PRIMARY_CHOICES and text not in PRIMARY_CHOICES[key]:
            fail("primary", f"{key} must be one of {', '.join(PRIMARY_CHOICES[key])}")
            continue
        primary[key] = text
    return primary


def _comparators(raw: Any, fail) -> list[Comparator]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list):
        fail("comparators", "must be a list of {label, values: {year: value}}")
        return []
    out = []
    for item in raw:
        if (
            not isinstance(item, dict)
            or "label" not in item
            or not isinstance(item.get("values"), dict)
        ):
            fail("comparators", "entries need a 'label' and 'values' mapping year -> value")
            continue
        values: dict[int, float] = {}
        for y, v in item["values"].items():
            try:
                values[_as_year(y)] = float(v)
            except (TypeError, ValueError):
                fail("comparators", f"'{item['label']}' has a bad year or value: {y!r}: {v!r}")
        measure = item.get("measure", "progress")
        if measure not in MEASURES:
            fail("comparators", f"'{item['label']}' measure must be one of {', '.join(MEASURES)}")
        out.append(Comparator(label=str(item["label"]), values=values, measure=measure))
    return out
