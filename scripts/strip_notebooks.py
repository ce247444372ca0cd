"""Strip outputs and execution counts from notebooks before committing them.

Usage: python scripts/strip_notebooks.py [NOTEBOOK ...]

With no arguments it strips the real files: the report notebooks in ``ipm_analysis/notebooks/``
and the notebooks in ``notebooks/`` that are not links to them. A link given as an argument
strips the file it points to, once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


def default_notebooks() -> list[Path]:
    """The notebook files themselves, not the links in ``notebooks/`` to the package's."""
    package = sorted((REPO / "ipm_analysis" / "notebooks").glob("*.ipynb"))
    lab = sorted(p for p in (REPO / "notebooks").glob("*.ipynb") if not p.is_symlink())
    return package + lab


def strip(path: str | Path) -> bool:
    """Remove outputs, execution counts and run metadata; True when the file changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            cell.outputs, cell.execution_count, changed = [], None, True
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    paths = [Path(name) for name in sys.argv[1:]] or default_notebooks()
    for path in dict.fromkeys(p.resolve() for p in paths):  # a link and its file: once
        if strip(path):
            print(f"stripped {path}")
