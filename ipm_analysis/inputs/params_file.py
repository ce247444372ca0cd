"""A params YAML of any kind: read once, its kind decided, its keys checked.

Every params file is one of three kinds, decided here and only here from the file's keys:
a focus report for one school lists ``pupils``, a focus report for the programme lists
``schools``, and anything else is an impact report. Each kind's loader (``params`` for impact,
``focus.params`` for focus) reads the file through :func:`read_params_file` and checks its
keys with :func:`key_problems`, so every kind gives the same messages for the same mistakes:
one line per unknown key, with the closest known key.

Nothing here imports pandas: a batch decides what to build from params files alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipm_analysis.core.errors import InputError
from ipm_analysis.inputs.files import nearby_hint

IMPACT = "impact"
FOCUS = "focus"
FOCUS_PROGRAMME = "focus_programme"
KINDS = (IMPACT, FOCUS, FOCUS_PROGRAMME)

#: What each kind is called in messages.
KIND_NAMES = {
    IMPACT: "an impact report",
    FOCUS: "a focus report for one school",
    FOCUS_PROGRAMME: "a focus report for the programme",
}

#: The keys each kind of params file takes (its loader checks types, ranges and which are
#: required).
KEYS: dict[str, tuple[str, ...]] = {
    IMPACT: (
        "report_id",
        "title",
        "roster",
        "performance",
        "school_information",
        "la_performance",
        "baseline_year",
        "outcome_year",
        "subject",
        "pupil_group",
        "threshold",
        "cohorts",
        "comparators",
        "provisional_years",
        "la_code",
        "seed",
        "n_placebo",
        "match_k",
        "match_on",
        "caliper",
        "primary",
        "exclude_from_pool",
        "weighting",
        "min_n",
        "suppress",
        "notes",
    ),
    FOCUS: (
        "report_id",
        "title",
        "pupils",
        "pag_table",
        "ks2_year",
        "window",
        "subject",
        "urn",
        "min_n",
        "performance_table",
    ),
    FOCUS_PROGRAMME: (
        "report_id",
        "title",
        "schools",
        "pag_table",
        "ks2_year",
        "window",
        "subject",
        "min_n",
        "performance_table",
    ),
}

#: Keys a user may reasonably write that are not parameters, with what to do instead.
NOT_PARAMETERS = {
    "synthetic": "whether a report is built from synthetic data is decided from its input "
    "files (only the workbook's own example files count), not from the params file; delete "
    "this line",
    "output_dir": "the output folder is chosen on the command line (--output-dir, default "
    "outputs/); delete this line",
    "n_resamples": "intervals are no longer bootstrapped (they are t intervals, exact for "
    "normal school figures); delete this line, or use 'n_placebo' for the number of "
    "pseudo-projects in the placebo check",
}


@dataclass(frozen=True)
class ParamsFile:
    """A params file as read: its absolute path, its mapping, its kind and each top-level
    key's line (for messages)."""

    path: Path
    mapping: dict[str, Any]
    kind: str
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        """Relative paths in a params file are read from its folder."""
        return self.path.parent

    def where(self, key: str) -> str:
        """``'key' (line N)`` for messages."""
        line = self.lines.get(key)
        return f"'{key}' (line {line})" if line else f"'{key}'"


def kind_of_mapping(mapping: Mapping[str, Any]) -> str:
    """The kind of report a params mapping asks for, from its keys."""
    if "schools" in mapping:
        return FOCUS_PROGRAMME
    if "pupils" in mapping:
        return FOCUS
    return IMPACT


def read_params_file(path: str | Path) -> ParamsFile:
    """Read a params YAML: a mapping of names to values, with its kind.

    Raises :class:`InputError` naming the file (and line and column for YAML mistakes) when
    it is missing, a folder, unreadable, not UTF-8 text, not YAML or not a mapping.
    """
    import yaml

    path = Path(path).expanduser()
    if path.is_dir():
        raise InputError(
            "this is a folder, not a params file; name a .yaml file (ipm batch takes folders).",
            path=path,
        )
    if not path.is_file():
        raise InputError(
            "the params file does not exist." + nearby_hint(path, relative=False), path=path
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"the params file cannot be read ({exc.strerror}).", path=path) from None
    except UnicodeDecodeError:
        raise InputError(
            "the params file is not UTF-8 text; save it as plain text (UTF-8).", path=path
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        mapping = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        at = f" at column {mark.column + 1}" if mark else ""
        began = getattr(exc, "context_mark", None)
        if began is not None and mark is not None and began.line != mark.line:
            problem += f"; it began on line {began.line + 1}"
        raise InputError(
            f"the params file is not valid YAML{at} ({problem}); {_yaml_hint(problem)}",
            path=path,
            row=mark.line + 1 if mark else None,
        ) from None
    if isinstance(node, yaml.MappingNode):
        _refuse_repeated_keys(node, path)
    if not isinstance(mapping, dict) or not mapping:
        raise InputError(
            "the params file must be a mapping of names to values, such as 'report_id: x' "
            "(copy one of the examples in params/).",
            path=path,
        )
    lines = {}
    if isinstance(node, yaml.MappingNode):
        lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    mapping = {str(k): v for k, v in mapping.items()}
    return ParamsFile(path.resolve(), mapping, kind_of_mapping(mapping), lines)


def problems_sentence(problems: list[str]) -> str:
    """Every problem of a params file in one sentence (one paragraph for the user)."""
    text = "; ".join(p.rstrip(".") for p in problems)
    return f"the report parameters have problems: {text}" + ("" if text.endswith("?") else ".")


def _yaml_hint(problem: str) -> str:
    """What to do about a YAML mistake, in the words of the commonest causes."""
    if "escape" in problem:
        return (
            "a Windows path in double quotes reads \\ as an escape: put it in single quotes "
            "('C:\\data\\roster.csv') or use forward slashes."
        )
    if "mapping values are not allowed" in problem:
        return "a value holding ': ' (such as a title) must be in quotes: title: 'IPM: 2018'."
    return "check the indentation and that each line reads 'name: value'."


def _refuse_repeated_keys(node, path: Path) -> None:
    """A key given twice in one mapping: YAML keeps the last silently, so refuse it."""
    import yaml

    seen: dict[str, int] = {}
    for key, value in node.value:
        name, line = str(key.value), key.start_mark.line + 1
        if name in seen:
            raise InputError(
                f"'{name}' is given twice (also on line {seen[name]}); keep one.",
                path=path,
                row=line,
            )
        seen[name] = line
        if isinstance(value, yaml.MappingNode):
            _refuse_repeated_keys(value, path)


def key_problems(params: ParamsFile) -> list[str]:
    """One sentence per key the file's kind does not take: a retired key says what to do
    instead, a key of another kind says so, anything else gets the closest known key."""
    known = KEYS[params.kind]
    problems = []
    for key in params.mapping:
        if key in known:
            continue
        where = params.where(key)
        if key in NOT_PARAMETERS:
            problems.append(f"{where} is not a parameter: {NOT_PARAMETERS[key]}")
            continue
        other = next((k for k in KINDS if k != params.kind and key in KEYS[k]), None)
        if other is not None:
            problems.append(
                f"{where} belongs to {KIND_NAMES[other]}, but this file is "
                f"{KIND_NAMES[params.kind]} ({_kind_reason(params.kind)})"
            )
            continue
        guess = closest(key, known)
        hint = f"did you mean '{guess}'?" if guess else "it is not a parameter of this kind"
        problems.append(f"{where} is not a known parameter: {hint}")
    return problems


def _kind_reason(kind: str) -> str:
    return {
        IMPACT: "it has neither 'pupils' nor 'schools'",
        FOCUS: "it has 'pupils'",
        FOCUS_PROGRAMME: "it has 'schools'",
    }[kind]


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name a mistyped one most likely meant, or None."""
    known = list(known)
    normal = name.strip().lower().replace(" ", "_").replace("-", "_")
    if normal in known:
        return normal
    found = difflib.get_close_matches(normal, known, n=1, cutoff=0.7)
    if found:
        return found[0]
    contained = [k for k in known if len(k) >= 3 and (k in normal or normal in k)]
    return max(contained, key=len) if contained else None
