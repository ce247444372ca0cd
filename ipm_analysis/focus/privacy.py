"""The privacy scan: does any output put a pupil's id next to their other input values?

Reports may show the pseudonymous ``pupil_id`` and the figures computed from a pupil's score,
never their flags (disadvantaged, SEND, EAL) or KS1 outcome codes at pupil level. The scan
splits every output file into records (CSV lines, table rows) and cells, and reports a record
that holds a pupil's id together with one of that pupil's non-numeric input values, and any
CSV header naming a pupil-level input column that should not be output. For a programme
report, which holds no pupil rows, any pupil id or pupil-level column at all is a finding.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ipm_analysis.focus import report as focus_report
from ipm_analysis.focus.pupils import KS2_COLUMNS

#: Input columns an output may carry (identifiers of the row, or its modelled figures). Every
#: other column of a pupil file (KS1 outcomes, flags, and any column added later) is private.
SHOWN_INPUT_COLUMNS = ("pupil_id", "urn", "window", "ks1_aps", *KS2_COLUMNS)


def pupil_level_columns() -> tuple[str, ...]:
    """Output columns that only a pupil row has (a programme output must have none of them):
    the columns a school report writes per pupil (``focus.report.PUPIL_COLUMNS``) that are not
    also school-level figures (``focus.report.SCHOOL_COLUMNS``, e.g. ``progress``)."""
    school = set(focus_report.SCHOOL_COLUMNS)
    return tuple(c for c in focus_report.PUPIL_COLUMNS if c not in school)


_TAG = re.compile(r"<[^>]+>")
_CELL_SPLIT = re.compile(r"[|,\t\"]+")


#: Embedded images: pixels, not text, whose base64 would match short ids by chance.
_EMBEDDED_IMAGE = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def _output_text(path: Path) -> str:
    """The text of an output file; images (files or embedded) hold pixels, so none."""
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        parts = []
        for cell in nb.get("cells", []):
            for out in cell.get("outputs", []):
                parts.append("".join(out.get("text", [])))
                for mime, value in out.get("data", {}).items():
                    if not mime.startswith("image/"):
                        text = "".join(value) if isinstance(value, list) else str(value)
                        parts.append(_EMBEDDED_IMAGE.sub("", text))
        return "\n".join(parts)
    return _EMBEDDED_IMAGE.sub("", path.read_bytes().decode("utf-8", errors="replace"))


def _records(text: str) -> list[list[str]]:
    text = text.replace("</tr>", "\n")
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in _CELL_SPLIT.split(_TAG.sub("|", line))]
        cells = [c for c in cells if c]
        if cells:
            rows.append(cells)
    return rows


def scan_outputs(
    output_dir: str | Path, pupil_files: list[str | Path], *, pupil_rows: bool = True
) -> list[str]:
    """Findings (empty when clean) for every file under ``output_dir``.

    With ``pupil_rows=False`` (a programme report) no pupil id may appear at all, and no CSV
    may have a pupil-level column (:func:`pupil_level_columns`).
    """
    inputs = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in pupil_files],
        ignore_index=True,
    )
    private_columns = [c for c in inputs.columns if c not in SHOWN_INPUT_COLUMNS]
    private: dict[str, set[str]] = {}
    for _, row in inputs.iterrows():
        values = {str(row[c]).strip().lower() for c in private_columns}
        values = {v for v in values if v and not re.fullmatch(r"[-+.\d]+", v)}
        private.setdefault(str(row["pupil_id"]), set()).update(values)
    pupil_level = pupil_level_columns()
    findings = []
    for path in sorted(Path(output_dir).rglob("*")):
        if not path.is_file():
            continue
        text = _output_text(path)
        records = _records(text)
        if path.suffix == ".csv" and records:
            leaked = [c for c in records[0] if c in private_columns]
            findings += [f"{path.name}: column '{c}' is pupil-level input" for c in leaked]
            if not pupil_rows:
                rows = [c for c in records[0] if c in pupil_level]
                findings += [f"{path.name}: column '{c}' is pupil-level" for c in rows]
        if not pupil_rows:
            for pupil_id in sorted(private):
                if re.search(rf"(?<![\w-]){re.escape(pupil_id)}(?![\w-])", text):
                    findings.append(f"{path.name}: pupil id {pupil_id} appears")
        for record in records:
            lowered = {c.lower() for c in record}
            for pupil_id in set(record) & private.keys():
                for value in sorted(private[pupil_id] & lowered):
                    findings.append(f"{path.name}: '{value}' next to pupil {pupil_id}")
    return findings
