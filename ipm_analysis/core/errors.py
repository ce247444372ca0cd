"""The exceptions a user sees: problems they can fix (exit 2) and a failed report (exit 1)."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input: names the file, row and column so the user can fix it (exit code 2).

    ``row`` is the 1-based line number in the file as a spreadsheet shows it (the header is
    line 1), so the first data row is line 2.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(f"file {self.path}")
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ReportError(Exception):
    """A report failed while running (exit code 1); the executed notebook is kept."""

    exit_code = 1


class MissingToolError(InputError):
    """A program the requested output needs is not installed; the message says how to get it.
    Like bad input, it is the user's to fix and is found before anything is built (exit
    code 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (a batch's table of results shows only that)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)
