"""Where a streaming job keeps what judging in append order carries between micro-batches
(`streaming.append_order.OrderState`), one set of files per micro-batch under `order/`:

- `state-<id>.json`: the frontier per partition (µs), the newest append time read per partition
  (ms) and the
  partitions that micro-batch found not read to their end (so a micro-batch run again after a
  crash judges the same way, whatever the broker holds by then);
- `remembered-<id>.parquet`: the ids still remembered (event_id, first event time in µs);
- `held-<id>.parquet/`: the rows of the events held back (the parsed records' columns), read
  again by the next micro-batch.

Micro-batch N reads N-1's files and writes its own, each under a temporary name renamed into
place; files older than N-1 are removed once N's are written. Spark's checkpoint keeps only the
offsets: a micro-batch run again reads the same offsets and the same N-1 files and writes the
same files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from core.atomic import write_atomically, write_json
from streaming.append_order import OrderState, remembered_schema

if TYPE_CHECKING:
    import pyarrow as pa

KEEP = 2
"""Micro-batches whose files are kept: the newest, and the one before (what it was judged on)."""


class OrderStore:
    """The files of one job's `order/` folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def state(self, batch_id: int) -> OrderState:
        """The state after micro-batch `batch_id` (an empty state before the first; the held
        rows are read by Spark from `held_rows`, so `held` is None)."""
        import pyarrow.parquet as pq

        file = self._file("state", batch_id, ".json")
        if batch_id < 0 or not file.exists():
            return OrderState()
        saved = json.loads(file.read_text())
        remembered = self._file("remembered", batch_id, ".parquet")
        return OrderState(
            frontier_us={int(p): moment for p, moment in saved["frontier_us"].items()},
            read_ms={int(p): moment for p, moment in saved["read_ms"].items()},
            held=None,
            remembered=pq.read_table(remembered).cast(remembered_schema())
            if remembered.exists()
            else None,
        )

    def unfinished(self, batch_id: int) -> set[int] | None:
        """The partitions micro-batch `batch_id` found not read to their end, if it recorded
        them (None: it did not run before)."""
        file = self._file("state", batch_id, ".json")
        if not file.exists():
            return None
        return {int(p) for p in json.loads(file.read_text())["unfinished"]}

    def held_rows(self, batch_id: int) -> Path | None:
        """The folder of the rows micro-batch `batch_id` held back, or None (none held)."""
        folder = self._file("held", batch_id, ".parquet")
        return folder if batch_id >= 0 and folder.exists() else None

    def held_target(self, batch_id: int) -> Path:
        """Where micro-batch `batch_id` writes the rows it holds back (Spark writes a folder)."""
        return self._file("held", batch_id, ".parquet")

    def save(self, batch_id: int, state: OrderState, unfinished: set[int]) -> None:
        """Write the state after micro-batch `batch_id`, then remove files older than KEEP."""
        import pyarrow.parquet as pq

        self.folder.mkdir(parents=True, exist_ok=True)
        remembered: pa.Table | None = state.remembered
        target = self._file("remembered", batch_id, ".parquet")
        if remembered is not None and remembered.num_rows:
            write_atomically(target, lambda tmp: pq.write_table(remembered, tmp))
        else:
            target.unlink(missing_ok=True)
        write_json(
            self._file("state", batch_id, ".json"),
            {
                "frontier_us": {str(p): t for p, t in sorted(state.frontier_us.items())},
                "read_ms": {str(p): moment for p, moment in sorted(state.read_ms.items())},
                "unfinished": sorted(unfinished),
            },
        )
        self._remove_before(batch_id - KEEP + 1)

    def _remove_before(self, oldest_kept: int) -> None:
        for path in self.folder.glob("*-*"):
            stem = path.name.split(".")[0]
            kind, _, number = stem.rpartition("-")
            old = number.isdigit() and int(number) < oldest_kept
            if kind in ("state", "remembered", "held") and old:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)

    def _file(self, kind: str, batch_id: int, suffix: str) -> Path:
        return self.folder / f"{kind}-{batch_id:09d}{suffix}"
