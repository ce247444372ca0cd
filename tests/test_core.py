"""The core rules every report shares, each defined once: constants, year labels, yes/no."""

from __future__ import annotations

import ast

import pandas as pd
import pytest

from ipm_analysis.core import constants
from ipm_analysis.core.years import WINDOWS, year_label
from ipm_analysis.core.yesno import parse_yes_no
from ipm_analysis.focus import termly
from ipm_analysis.impact import disclosure
from ipm_analysis.pipeline import manifest


def test_constants_values():
    assert constants.Z95 == 1.96
    assert constants.SUPPRESSED == "c"


def test_the_old_names_are_the_core_constants():
    assert disclosure.SYMBOL is constants.SUPPRESSED
    assert termly.SUPPRESSED is constants.SUPPRESSED
    assert termly.WINDOWS is WINDOWS


def _module_constants(value: object) -> list[str]:
    """``module: NAME`` for every module-level assignment of ``value`` outside core."""
    found = []
    for path in sorted(manifest.PACKAGE_ROOT.rglob("*.py")):
        if path.parent.name == "core":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.Assign | ast.AnnAssign):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            constant = node.value
            if (
                isinstance(constant, ast.Constant)
                and type(constant.value) is type(value)
                and constant.value == value
            ):
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                found += [f"{path.relative_to(manifest.PACKAGE_ROOT)}: {n}" for n in names]
    return found


@pytest.mark.parametrize("value", [1.96, 0.84, "c"])
def test_no_module_defines_its_own_copy_of_a_core_constant(value):
    assert _module_constants(value) == []


@pytest.mark.parametrize(
    ("year", "label"), [(2016, "2015-16"), (2018, "2017-18"), (2019, "2018-19"), (2000, "1999-00")]
)
def test_year_label_is_the_dfe_academic_year(year, label):
    assert year_label(year) == label


def test_windows_in_school_year_order():
    assert list(WINDOWS) == ["october", "december-january", "march-april", "july"]
    assert WINDOWS["december-january"] == "December/January"


def test_yes_no_accepts_every_documented_spelling_any_case():
    values = ["yes", "Y", "TRUE", "t", "1", "no", "N", "False", "F", "0", " yes "]
    flags, bad = parse_yes_no(pd.Series(values))
    assert bad is None
    assert flags.dtype == "boolean"
    assert flags.tolist() == [True] * 5 + [False] * 5 + [True]


def test_yes_no_blank_is_missing_and_index_is_kept():
    flags, bad = parse_yes_no(pd.Series(["", None, "yes"], index=[7, 8, 9], dtype=object))
    assert bad is None
    assert list(flags.index) == [7, 8, 9]
    assert flags.isna().tolist() == [True, True, False]


def test_yes_no_reports_the_first_bad_position():
    flags, bad = parse_yes_no(pd.Series(["yes", "maybe", "2", "no"], index=[10, 11, 12, 13]))
    assert bad == 1  # a position (iloc), not the index label
    assert flags.isna().tolist() == [False, True, True, False]
    assert parse_yes_no(pd.Series([], dtype=object))[1] is None
