"""CSV files for people: text cells that a spreadsheet would run as a formula are neutralised.

A report's CSVs carry text from users' files (school names from the roster, notes), and a
spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
("CSV injection"). As OWASP recommends, such a cell is written with a single quote in front, so
it is shown as text; a leading tab or carriage return is treated the same way. Numbers such as
``-0.37`` or ``+1.2`` are written unchanged.
"""

from __future__ import annotations

import pandas as pd

from ipm_analysis.inputs.csv_files import is_number

#: A text cell starting with one of these is run by spreadsheets (or hides a formula).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` with ``'`` in front when it is text a spreadsheet would run as a formula.

    Text starting with ``+`` or ``-`` that parses as a float (``-0.37``, ``+1.2``, ``-1e-3``)
    is a number and is returned unchanged, and so is a dash alone (the focus CSVs' "no
    figure", which no spreadsheet runs); anything that is not text is returned unchanged.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or value == "-":
        return value
    if value[0] in "+-" and is_number(value):
        return value
    return "'" + value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) passed through :func:`safe_cell`.

    Only text columns (object, string or categorical dtype) are touched; numeric columns and
    missing values (NaN, None, NA) are left as they are, so figures are written unchanged.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        elif not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        out.isetitem(position, column.map(safe_cell, na_action="ignore"))
    names = [safe_cell(name) for name in out.columns]
    if any(new is not old for new, old in zip(names, out.columns, strict=True)):
        out.columns = names
    return out
