"""``manifest.json`` beside each report: what it was built from, so a figure can be reproduced
a year later, and so an unchanged report is not rebuilt.

A manifest records the params as resolved, the SHA-256 of every input file (params file,
roster, each performance table read, the notebook), package versions, the workbook's git
commit (None outside a git checkout) and a fingerprint of its code, the start time and the
duration. A report is up to date when its params, inputs and code fingerprint all match.

Nothing here imports pandas: deciding that a batch has nothing to do must be fast.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ipm_analysis.inputs.files import sha256_file as sha256_file  # re-exported

MANIFEST = "manifest.json"
FORMAT = 1
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
#: The git checkout holding the package; for a wheel it is site-packages (no commit).
WORKBOOK_ROOT = PACKAGE_ROOT.parent
#: What a wheel ships besides the modules: pyproject.toml's package-data (a test keeps the two
#: equal), so an editable checkout and a wheel install hash the same files.
PACKAGE_DATA = ("reporting/templates/**/*", "data/*", "reporting/notebooks/*.ipynb")
#: Distributions whose versions a manifest records (``ipm-analysis`` is the workbook).
PACKAGES = (
    "pandas",
    "numpy",
    "matplotlib",
    "seaborn",
    "jinja2",
    "papermill",
    "nbconvert",
    "ipm-analysis",
)


def code_files(root: Path = PACKAGE_ROOT) -> list[Path]:
    """The files whose content decides a report's output: the package's Python modules and
    its package data (templates, reference data, report notebooks), exactly the files its
    wheel holds: no ``__pycache__``, no hidden files (setuptools' globs skip them too)."""
    found = set(root.rglob("*.py"))
    for pattern in PACKAGE_DATA:
        found.update(root.glob(pattern))
    return sorted(
        path
        for path in found
        if path.is_file()
        and not any(
            part == "__pycache__" or part.startswith(".") for part in path.relative_to(root).parts
        )
    )


@lru_cache(maxsize=4)
def code_fingerprint(root: Path = PACKAGE_ROOT) -> str:
    """SHA-256 over the package's code files (names relative to the package, and contents):
    a code change rebuilds reports even where there is no git checkout, and an editable
    checkout and a wheel of the same code agree (a Dask worker checks this)."""
    digest = hashlib.sha256()
    for path in code_files(root):
        name = path.relative_to(root).as_posix()
        digest.update(f"{name}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def git_commit(root: Path = WORKBOOK_ROOT) -> str | None:
    """The workbook's git commit, or None when it is not a git checkout (never fails)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        top, commit = done.stdout.split()
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return commit if Path(top).resolve() == root.resolve() else None


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str | None]:
    """Installed versions of the report's libraries (from metadata: nothing is imported)."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name.replace("-", "_")] = version(name)
        except PackageNotFoundError:
            out[name.replace("-", "_")] = None
    return out


def input_hashes(inputs: Mapping[str, Path]) -> dict[str, dict[str, Any]]:
    """Role -> {path, sha256, bytes} for each input file."""
    return {
        role: {"path": str(path), "sha256": sha256_file(path), "bytes": Path(path).stat().st_size}
        for role, path in inputs.items()
    }


def jsonable(value: Any) -> Any:
    """``value`` as it reads back from JSON (int keys become strings), for comparisons."""
    return json.loads(json.dumps(value, default=str))


def build_manifest(
    parameters: Mapping[str, Any],
    inputs: Mapping[str, dict[str, Any]],
    *,
    started: str,
    seconds: float,
) -> dict[str, Any]:
    """The manifest of a report built from ``parameters`` and hashed ``inputs``."""
    return {
        "format": FORMAT,
        "report_id": parameters.get("report_id"),
        "params": jsonable(dict(parameters)),
        "inputs": jsonable(dict(inputs)),
        "code_fingerprint": code_fingerprint(),
        "git_commit": git_commit(),
        "packages": package_versions(),
        "started": started,
        "seconds": round(seconds, 3),
    }


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> Path:
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest in ``folder``, or None when missing or unreadable."""
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def stale_reason(
    folder: Path, parameters: Mapping[str, Any], inputs: Mapping[str, Path]
) -> str | None:
    """Why the report in ``folder`` must be rebuilt, or None when it is up to date."""
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("format") != FORMAT:
        return "no manifest"
    if not (Path(folder) / "report.html").is_file():
        return "no report.html"
    if manifest.get("params") != jsonable(dict(parameters)):
        return "params changed"
    if manifest.get("code_fingerprint") != code_fingerprint():
        return "workbook code changed"
    recorded = manifest.get("inputs") or {}
    if set(recorded) != set(inputs):
        return "different input files"
    for role, path in inputs.items():
        try:
            if recorded[role].get("sha256") != sha256_file(path):
                return f"{role} changed"
        except OSError:
            return f"{role} unreadable"
    return None


def now_iso() -> str:
    """The current time, UTC, to the second (ISO 8601)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0).isoformat()
