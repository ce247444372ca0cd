"""Which input files are the workbook's own synthetic examples, decided from their bytes.

A report carries the SYNTHETIC banner only when every file it reads is one of the example
files shipped in ``examples/`` (made by the seeded generators), so a params file copied from
an example and pointed at real data can never be labelled synthetic, and real data renamed
``*_synthetic.csv`` is not either. The package keeps the SHA-256 of each example file in
``data/synthetic_inputs.txt``; the generators rewrite that list when they write the files,
and a test checks it against ``examples/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ipm_analysis.inputs.files import sha256_file

REGISTRY = Path(__file__).resolve().parents[1] / "data" / "synthetic_inputs.txt"
_HEADER = (
    "# SHA-256 of every synthetic example input shipped in examples/ (written by the example\n"
    "# generators; a report is labelled SYNTHETIC only when all its inputs are listed here).\n"
)


@lru_cache(maxsize=1)
def shipped_hashes() -> frozenset[str]:
    """The SHA-256 of every shipped synthetic example file."""
    if not REGISTRY.is_file():
        return frozenset()
    lines = REGISTRY.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0] for line in lines if line.strip() and line[0] != "#")


def all_synthetic(files: Iterable[str | Path]) -> bool:
    """Whether every one of ``files`` is a shipped synthetic example (False for none)."""
    files = list(files)
    return bool(files) and all(sha256_file(f) in shipped_hashes() for f in files)


def registry_text(examples: str | Path) -> str:
    """The registry listing every CSV under ``examples`` (sorted by path)."""
    root = Path(examples)
    lines = [
        f"{sha256_file(path)}  {path.relative_to(root).as_posix()}"
        for path in sorted(root.rglob("*.csv"))
    ]
    return _HEADER + "\n".join(lines) + "\n"


def write_registry(examples: str | Path, registry: Path = REGISTRY) -> Path:
    """Rewrite the registry from the files now in ``examples``."""
    registry.write_text(registry_text(examples), encoding="utf-8")
    shipped_hashes.cache_clear()
    return registry
