"""Where the package's own files are: the report notebooks and the HTML template.

They are package data (``ipm_analysis/reporting/notebooks/`` and ``.../templates/``), found
with ``importlib.resources`` so that ``pip install ipm-analysis`` (a wheel in site-packages, on a
Dask worker say) finds them as an editable checkout does. The top-level ``notebooks/`` folder
holds links to the same notebooks for analysts in JupyterLab.
"""

from __future__ import annotations

import atexit
import contextlib
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path

_extracted = contextlib.ExitStack()  # copies made by as_file, deleted at exit
atexit.register(_extracted.close)


@cache
def _path(*parts: str) -> Path:
    """A real filesystem path to a file or folder of the package. Installed from a wheel or
    editable it already is one; from a zip, ``as_file`` extracts it for papermill."""
    resource = files("ipm_analysis")
    for part in parts:
        resource = resource / part
    if isinstance(resource, Path):
        return resource.resolve()
    return _extracted.enter_context(as_file(resource))


def report_notebook(name: str) -> Path:
    """The report notebook ``name`` (e.g. ``impact_report.ipynb``) that papermill runs."""
    return _path("reporting", "notebooks", name)


def templates_dir() -> Path:
    """The folder of nbconvert templates (``ipm/`` is the house template)."""
    return _path("reporting", "templates")
