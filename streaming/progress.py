"""What a streaming job has done, micro-batch by micro-batch: offsets, lag, watermark, late
events dropped. Written next to its output (`progress/`) for `lk kappa status`, the serving
status and the benchmarks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from core.atomic import write_json
from core.layout import StreamPaths

if TYPE_CHECKING:
    from pyspark.sql.streaming import StreamingQuery

    from streaming.options import StreamOptions

NOTHING_READ = {"batch_id": -1, "end_offsets": {}, "watermark": None, "lag": None}
REJECTED = "rejected"
"""The name of the query that keeps rejected records (its rows are not views)."""


class ProgressRecorder:
    """Writes each micro-batch's progress once (`progress/<query>/<batch>.json`, idempotent by
    batch id) and a summary, `progress/latest.json`, that the serving status reads. Totals are
    kept in memory; the files of earlier runs are read once, when a query first reports."""

    def __init__(self, paths: StreamPaths, options: StreamOptions) -> None:
        self.paths = paths
        self.options = options
        self.dropped: dict[str, dict[int, int]] = {}
        self.newest: dict[str, dict] = {}

    def record(self, queries: list[StreamingQuery]) -> dict:
        for query in queries:
            name = query.name.removeprefix(f"{self.options.name}-").rsplit("-", 1)[0]
            self._load(name)
            executed = [_as_dict(p) for p in query.recentProgress]
            # A trigger that ran no micro-batch reports the *next* batch id with no figures.
            executed = [p for p in executed if "addBatch" in (p.get("durationMs") or {})]
            for batch in map(_batch_summary, executed):
                target = self.paths.progress / name / f"{batch['batch_id']:09d}.json"
                if not target.exists():
                    write_json(target, batch)
                self._remember(name, batch)
        # A query that has not finished a micro-batch yet has read nothing: it holds the
        # job's offsets at zero, so a half-started job never looks caught up.
        newest = {name: self.newest.get(name, NOTHING_READ) for name in self.dropped}
        status = summarize(self.options, newest, self.dropped)
        write_json(self.paths.progress / "latest.json", status)
        return status

    def _load(self, name: str) -> None:
        if name in self.dropped:
            return
        self.dropped[name] = {}
        for file in sorted((self.paths.progress / name).glob("*.json")):
            self._remember(name, json.loads(file.read_text()))

    def _remember(self, name: str, batch: dict) -> None:
        self.dropped[name][batch["batch_id"]] = batch["dropped_late"]
        if batch["batch_id"] >= self.newest.get(name, {}).get("batch_id", -1):
            self.newest[name] = batch


def _batch_summary(progress: dict) -> dict:
    """The figures of one micro-batch the experiments use."""
    source = (progress.get("sources") or [{}])[0]
    end = _partition_offsets(source.get("endOffset"))
    latest = _partition_offsets(source.get("latestOffset"))
    return {
        "batch_id": progress["batchId"],
        "timestamp": progress["timestamp"],
        "input_rows": progress.get("numInputRows", 0),
        "rows_per_second": progress.get("processedRowsPerSecond"),
        "duration_ms": progress.get("durationMs", {}).get("triggerExecution"),
        "watermark": (progress.get("eventTime") or {}).get("watermark"),
        "dropped_late": sum(
            op.get("numRowsDroppedByWatermark", 0) for op in progress.get("stateOperators", [])
        ),
        "end_offsets": end,
        "lag": sum(max(latest.get(p, 0) - offset, 0) for p, offset in end.items()),
    }


def _partition_offsets(offsets: object) -> dict[str, int]:
    if isinstance(offsets, str):
        offsets = json.loads(offsets)
    if not isinstance(offsets, dict):
        return {}
    merged: dict[str, int] = {}
    for partitions in offsets.values():
        merged.update({str(p): int(o) for p, o in partitions.items()})
    return merged


def summarize(
    options: StreamOptions, latest: dict[str, dict], dropped: dict[str, dict[int, int]]
) -> dict:
    """One job's state from each query's newest micro-batch: the offsets every query has
    reached, lag, watermark, micro-batches, and late events dropped per query."""
    batches = {name: len(per_batch) for name, per_batch in dropped.items()}
    dropped = {name: sum(per_batch.values()) for name, per_batch in dropped.items()}
    views = {name: batch for name, batch in latest.items() if name != REJECTED}
    partitions = (
        set().union(*(batch["end_offsets"] for batch in latest.values())) if latest else set()
    )
    offsets = {
        p: min(batch["end_offsets"].get(p, 0) for batch in latest.values())
        for p in sorted(partitions, key=int)
    }
    watermarks = [batch["watermark"] for batch in views.values() if batch.get("watermark")]
    return {
        "job": options.name,
        "logic_version": options.logic_version,
        "watermark_delay": options.watermark,
        "watermark": min(watermarks) if watermarks else None,
        "offsets": offsets,
        "lag": max((b["lag"] for b in latest.values() if b["lag"] is not None), default=None),
        "dropped_late": dropped,
        "batches": batches,
        "updated_at": datetime.now(UTC).isoformat(),
    }


def _as_dict(progress: object) -> dict:
    """A StreamingQueryProgress as plain JSON data."""
    text = progress.json if isinstance(getattr(progress, "json", None), str) else None
    return json.loads(text) if text else json.loads(json.dumps(dict(progress), default=str))
