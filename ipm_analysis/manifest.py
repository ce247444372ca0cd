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

MANIFEST = "manifest.json"
FORMAT = 1
PACKAGE_ROOT = Path(__file__).resolve().parent
WORKBOOK_ROOT = PACKAGE_ROOT.parent
#: Distributions whose versions a manifest records (``ipm-analysis`` is the workbook).
PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert", "ipm-analysis")

_hash_cache: dict[tuple[str, int, int, int], str] = {}


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes (cached per process by path, size, mtime and inode)."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _hash_cache:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _hash_cache[key] = digest.hexdigest()
    return _hash_cache[key]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_files(root: Path = PACKAGE_ROOT, notebooks: Path | None = None) -> list[Path]:
    """The files whose content decides a report's output: the package's Python modules,
    its templates, and the report notebooks."""
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    files += sorted(p for p in (root / "templates").rglob("*") if p.is_file())
    notebooks = notebooks or WORKBOOK_ROOT / "notebooks"
    if notebooks.is_dir():
        files += sorted(notebooks.glob("*.ipynb"))
    return files


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the workbook's code files (relative names and contents): a code change
    rebuilds reports even where there is no git checkout."""
    digest = hashlib.sha256()
    for path in code_files():
        name = path.relative_to(WORKBOOK_ROOT).as_posix()
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
