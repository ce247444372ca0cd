"""Reading small user CSVs (rosters, pupil files, PAG tables) as text, with one set of
clear errors: missing file, not UTF-8 (with the line of the bad byte), not CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ipm_analysis.core.errors import InputError


def read_text_csv(path: str | Path, what: str) -> pd.DataFrame:
    """Every column as text (blanks as ''), header names stripped.

    ``what`` names the file for messages ("the roster", "the PAG table").
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} does not exist.", path=path)
    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
        )
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{what} is not UTF-8 text (byte {exc.object[exc.start : exc.start + 1]!r} cannot "
            "be decoded); save it as 'CSV UTF-8' and try again.",
            path=path,
            row=line,
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{what} is empty.", path=path) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{what} could not be read as CSV: {exc}", path=path) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (``-0.37``, ``1e3``, ``2``)."""
    try:
        float(text)
    except ValueError:
        return False
    return True
