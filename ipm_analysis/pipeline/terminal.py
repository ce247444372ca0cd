"""Batch progress on a terminal: each report's state as it changes.

On a TTY, finished reports print one line each above a live status line (a bar, counts and
the reports running now); elsewhere (CI logs, pipes) every change is one plain line. No
dependency: a few ANSI codes are enough.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import Any, TextIO

BAR_WIDTH = 24


class Progress:
    """Shows state changes of batch items (anything with params_path, status, message)."""

    def __init__(self, items: Sequence[Any], stream: TextIO) -> None:
        self.stream = stream
        self.states = {str(i.params_path): i.status for i in items}
        self.total = len(items)
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._live = False
        for item in items:  # queued ones say why they are rebuilt
            self._line(item)
        self._draw()

    def update(self, item: Any) -> None:
        """Record ``item``'s new state and show it."""
        self.states[str(item.params_path)] = item.status
        if item.status != "running" or not self.tty:
            self._line(item)
        self._draw()

    def close(self) -> None:
        if self.tty and self._live:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._live = False

    def _done(self) -> int:
        return sum(s in ("built", "failed", "skipped") for s in self.states.values())

    def _line(self, item: Any) -> None:
        detail = {
            "built": f"({item.seconds:.1f} s)",
            "failed": item.message,
            "skipped": "(up to date)",
            "running": "",
            "queued": f"({item.message})" if item.message else "",
        }.get(item.status, "")
        text = f"[{self._done()}/{self.total}] {item.status:<7} {item.params_path} {detail}"
        if self.tty:
            self.stream.write("\r\x1b[2K")
        self.stream.write(text.rstrip() + "\n")
        self.stream.flush()

    def _draw(self) -> None:
        if not self.tty or not self.total:
            return
        done = self._done()
        running = [p for p, s in self.states.items() if s == "running"]
        filled = BAR_WIDTH * done // self.total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        text = f"[{bar}] {done}/{self.total} done, running: {', '.join(running) or '-'}"
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.stream.write("\r\x1b[2K" + text[:width])
        self.stream.flush()
        self._live = True
