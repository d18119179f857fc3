"""What a streaming job has done, micro-batch by micro-batch: offsets, lag, watermark, records
read, late events dropped, duplicates dropped. Written next to its output (`progress/`) for
`lk kappa status`, the serving status and the benchmarks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from core.atomic import write_json
from core.layout import StreamPaths

if TYPE_CHECKING:
    from pyspark.sql.streaming import StreamingQuery

    from streaming.options import StreamOptions

FIGURES = ("rejected", "late", "counted", "isolated")
"""Totals over the writer's per-micro-batch figures (`streaming.micro_batch.BatchFigures`)."""


class ProgressRecorder:
    """Writes each micro-batch's Spark progress once (`progress/query/<batch>.json`,
    idempotent by batch id) and a summary, `progress/latest.json`, that the serving status
    reads. Files of earlier runs are read once, when the recorder first reports."""

    def __init__(self, paths: StreamPaths, options: StreamOptions) -> None:
        self.paths = paths
        self.options = options
        self.spark: dict[int, dict] | None = None
        self.figures: dict[str, dict] = {}

    def record(self, queries: list[StreamingQuery]) -> dict:
        folder = self.paths.progress / "query"
        if self.spark is None:
            self.spark = {}
            for file in sorted(folder.glob("*.json")):
                batch = json.loads(file.read_text())
                self.spark[batch["batch_id"]] = batch
        for query in queries:
            executed = [_as_dict(p) for p in query.recentProgress]
            # A trigger that ran no micro-batch reports the *next* batch id with no figures.
            executed = [p for p in executed if "addBatch" in (p.get("durationMs") or {})]
            for batch in map(_batch_summary, executed):
                target = folder / f"{batch['batch_id']:09d}.json"
                if not target.exists():
                    write_json(target, batch)
                self.spark[batch["batch_id"]] = batch
        for file in self.paths.figures.glob("*.json"):
            if file.name not in self.figures:
                self.figures[file.name] = json.loads(file.read_text())
        status = summarize(self.options, list(self.spark.values()), list(self.figures.values()))
        write_json(self.paths.progress / "latest.json", status)
        return status


def _batch_summary(progress: dict) -> dict:
    """The figures of one micro-batch the experiments use."""
    source = (progress.get("sources") or [{}])[0]
    end = _partition_offsets(source.get("endOffset"))
    latest = _partition_offsets(source.get("latestOffset"))
    operators = progress.get("stateOperators", [])
    return {
        "batch_id": progress["batchId"],
        "timestamp": progress["timestamp"],
        "input_rows": progress.get("numInputRows", 0),
        "rows_per_second": progress.get("processedRowsPerSecond"),
        "duration_ms": progress.get("durationMs", {}).get("triggerExecution"),
        "spark_watermark": (progress.get("eventTime") or {}).get("watermark"),
        "dropped_beyond_horizon": sum(op.get("numRowsDroppedByWatermark", 0) for op in operators),
        "duplicates_dropped": sum(
            (op.get("customMetrics") or {}).get("numDroppedDuplicateRows", 0) for op in operators
        ),
        "state_rows": sum(op.get("numRowsTotal", 0) for op in operators),
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


def view_watermark(options: StreamOptions, spark_watermark: str | None) -> str | None:
    """The job's event-time watermark (ISO-8601, UTC) from Spark's, which runs behind by the
    dedup horizon: Spark's plus (horizon - watermark). None before Spark has one (the epoch)."""
    if not spark_watermark:
        return None
    moment = datetime.fromisoformat(spark_watermark.replace("Z", "+00:00"))
    if moment.timestamp() <= 0:
        return None
    return (moment + options.horizon_lead).isoformat()


def summarize(options: StreamOptions, batches: list[dict], figures: list[dict]) -> dict:
    """One job's state after its newest micro-batch: the offsets it has reached, lag,
    watermark, micro-batches run, and totals of records read, rejected, late events dropped,
    duplicates dropped, events counted and records isolated."""
    newest = max(batches, key=lambda batch: batch["batch_id"], default=None)
    totals = {name: sum(item.get(name, 0) for item in figures) for name in FIGURES}
    beyond = sum(batch.get("dropped_beyond_horizon", 0) for batch in batches)
    return {
        "job": options.name,
        "logic_version": options.logic_version,
        "watermark_delay": options.watermark,
        "dedup_horizon": options.dedup_horizon,
        "watermark": view_watermark(options, newest and newest.get("spark_watermark")),
        # Nothing read yet: no offsets, so a job that has not finished a micro-batch never
        # looks caught up.
        "offsets": dict(sorted((newest or {}).get("end_offsets", {}).items(), key=_by_int)),
        "lag": newest["lag"] if newest else None,
        "batches": len(figures),
        "records": sum(batch.get("input_rows", 0) for batch in batches),
        "rejected": totals["rejected"],
        "counted": totals["counted"],
        "isolated": totals["isolated"],
        "dropped_late": totals["late"] + beyond,
        "duplicates_dropped": sum(batch.get("duplicates_dropped", 0) for batch in batches),
        "state_rows": newest.get("state_rows") if newest else None,
        "updated_at": datetime.now(UTC).isoformat(),
    }


def _by_int(item: tuple[str, int]) -> int:
    return int(item[0])


def _as_dict(progress: object) -> dict:
    """A StreamingQueryProgress as plain JSON data."""
    text = progress.json if isinstance(getattr(progress, "json", None), str) else None
    return json.loads(text) if text else json.loads(json.dumps(dict(progress), default=str))
