"""The terminal's progress bar for `parlq run`: documents done of the total discovery found."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from pipeline.model.records import DocumentResult

WIDTH = 30
_REDRAW_S = 0.1  # a cache hit takes microseconds: do not redraw thousands of times a second


class ProgressBar:
    """`documents  37/200 [#####.........]  18%  2 failed`, redrawn on one line of `stream`."""

    def __init__(self, stream: TextIO = sys.stderr, enabled: bool = True) -> None:
        self.stream = stream
        self.enabled = enabled
        self.total: int | None = None
        self.done = 0
        self.failed = 0
        self._shown = False  # a line is on the terminal that close() must end
        self._drawn_at = 0.0

    def begin(self, total: int) -> None:
        """Discovery is done: `total` documents will be processed or taken from the cache."""
        self.total = total
        self._draw(force=True)

    def advance(self, result: DocumentResult) -> None:
        """One more document finished (or failed)."""
        self.done += 1
        self.failed += result.document is None
        self._draw(force=self.done == self.total)

    def close(self) -> None:
        """End the bar's line, so what follows starts on a fresh one."""
        if self._shown:
            print(file=self.stream, flush=True)
            self._shown = False

    def render(self) -> str:
        """The bar as text (without the carriage return that redraws it)."""
        total = self.total or 0
        share = self.done / total if total else 1.0
        filled = round(WIDTH * share)
        failed = f"  {self.failed} failed" if self.failed else ""
        bar = "#" * filled + "." * (WIDTH - filled)
        return f"documents {self.done:>{len(str(total))}}/{total} [{bar}] {share:>4.0%}{failed}"

    def _draw(self, force: bool) -> None:
        now = time.monotonic()
        if not self.enabled or self.total is None or (not force and now - self._drawn_at < _REDRAW_S):
            return
        print(f"\r{self.render()}", end="", file=self.stream, flush=True)
        self._shown = True
        self._drawn_at = now
