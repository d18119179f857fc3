"""The progress bar of `lk produce`: records sent and the rate, on one line of stderr."""

from __future__ import annotations

import sys
import time


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal."""

    def __init__(self, total: int | None, show: bool | None) -> None:
        self.total = total
        self.show = sys.stderr.isatty() if show is None else show
        self.started = time.perf_counter()
        self.last_drawn = 0.0

    def advance(self, done: int) -> None:
        now = time.perf_counter()
        if not self.show or now - self.last_drawn < 0.2:
            return
        self.last_drawn = now
        rate = done / max(now - self.started, 1e-9)
        if self.total:
            filled = int(30 * min(done / self.total, 1.0))
            bar = "#" * filled + "-" * (30 - filled)
            sys.stderr.write(f"\r[{bar}] {done:,}/{self.total:,} records  {rate:,.0f}/s ")
        else:
            sys.stderr.write(f"\r{done:,} records  {rate:,.0f}/s ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.show:
            sys.stderr.write("\n")
            sys.stderr.flush()
