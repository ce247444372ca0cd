"""ipm_analysis: impact reports for school-improvement programmes from DfE KS2 data.

All logic lives here; the notebooks only call it. The package is cut into layers, each
importing only from those before it: ``core`` <- ``inputs`` <- ``impact``, ``focus`` <-
``reporting`` <- ``pipeline`` <- ``cli`` (docs/architecture.md).

For analysts, the main entry points are importable from the package itself::

    from ipm_analysis import load_params, evaluate

    ev = evaluate(load_params("params/ipm_2017_18.yaml"))
    ev.summary        # every group figure
    ev.tidy()         # one row per school x year x measure
    ev.match_sets()   # each project school's comparison schools

They are imported on first use (a module ``__getattr__``), so ``import ipm_analysis`` and
``ipm --help`` stay fast and load neither pandas nor papermill.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported when the name is first used).
_EXPORTS = {
    "load_params": "ipm_analysis.inputs.params",
    "ReportParams": "ipm_analysis.inputs.params",
    "evaluate": "ipm_analysis.impact.evaluation",
    "Evaluation": "ipm_analysis.impact.evaluation",
    "load_focus_params": "ipm_analysis.focus.params",
    "build_focus_report": "ipm_analysis.focus.report",
    "load_programme_params": "ipm_analysis.focus.params",
    "build_programme_report": "ipm_analysis.focus.programme",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> object:
    """Import an exported name's module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
