"""What a streaming job has done, micro-batch by micro-batch: offsets, lag, watermark, records
read, late events dropped, duplicates dropped. Written next to its output (`progress/`) for
`lk kappa status`, the serving status and the benchmarks.

Spark tells: a `StreamingQueryListener` registered before the query starts receives each
micro-batch's progress event (on Spark's listener bus, through the Py4J callback server, in
order: every progress event of a query before its termination event), so nothing here polls.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pyspark.sql.streaming import StreamingQueryListener

from core.atomic import write_json
from core.consumer_groups import GroupCommitter
from core.durations import parse_duration
from core.errors import first_line
from core.layout import StreamPaths
from streaming.gaps import offsets_never_read

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.streaming import StreamingQueryManager
    from pyspark.sql.streaming.listener import (
        QueryIdleEvent,
        QueryProgressEvent,
        QueryStartedEvent,
        QueryTerminatedEvent,
    )

    from streaming.options import StreamOptions

FIGURES = ("rejected", "late", "counted", "isolated", "duplicates")
"""Totals over the writer's per-micro-batch figures (`streaming.micro_batch.BatchFigures`)."""


class ProgressRecorder:
    """Writes each micro-batch's Spark progress once (`progress/query/<batch>.json`,
    idempotent by batch id) and a summary, `progress/latest.json`, that the serving status
    reads. Files of earlier runs are read once, when the recorder is made. Thread-safe: Spark's
    listener calls `add` on a callback thread while the job's thread calls `summary`."""

    def __init__(
        self, paths: StreamPaths, options: StreamOptions, committer: GroupCommitter | None = None
    ) -> None:
        self.paths = paths
        self.options = options
        self.committer = committer
        """Also commits each micro-batch's end offsets to the job's consumer group."""
        self.spark_ui: str | None = None
        """The job's Spark UI address (None: off), kept in the summary."""
        self.started = False
        """Spark has reported the query started (`ProgressListener.onQueryStarted`)."""
        self.lock = threading.Lock()
        self.spark: dict[int, dict] = {}
        self.figures: dict[str, dict] = {}
        for file in sorted((paths.progress / "query").glob("*.json")):
            batch = json.loads(file.read_text())
            self.spark[batch["batch_id"]] = batch

    def add(self, progress: dict) -> dict | None:
        """Record one progress event (StreamingQueryProgress as JSON data) and write the
        summary; the summary, or None for a trigger that ran no micro-batch (Spark reports
        the *next* batch id with no figures for it)."""
        if "addBatch" not in (progress.get("durationMs") or {}):
            return None
        batch = _batch_summary(progress)
        with self.lock:
            target = self.paths.progress / "query" / f"{batch['batch_id']:09d}.json"
            if not target.exists():
                write_json(target, batch)
            self.spark[batch["batch_id"]] = batch
        if self.committer is not None:
            self.committer.commit(batch["end_offsets"])
        return self.summary()

    def summary(self) -> dict:
        """The job's summary now (`summarize`), also written to `progress/latest.json`."""
        with self.lock:
            for file in self.paths.figures.glob("*.json"):
                if file.name not in self.figures:
                    self.figures[file.name] = json.loads(file.read_text())
            status = summarize(self.options, list(self.spark.values()), list(self.figures.values()))
            status["offsets_never_read"] = offsets_never_read(self.paths)
            status["spark_ui"] = self.spark_ui
            # `live`: the job's live query (warmed up, past any replay until caught up) runs
            status["live"] = self.started and not self.options.until_caught_up
            write_json(self.paths.progress / "latest.json", status)
        return status


class ProgressListener(StreamingQueryListener):
    """Spark's progress events of one query (by its unique name) into a ProgressRecorder.

    `ended` is set once the query has terminated: by then every progress event of it has been
    received. `failure`: why recording an event failed, in one line (an exception in a
    listener is only logged by Spark, so it is kept here for the job to raise)."""

    def __init__(self, recorder: ProgressRecorder, query_name: str) -> None:
        self.recorder = recorder
        self.query_name = query_name
        self.query_ids: set[str] = set()
        self.ended = threading.Event()
        self.failure: str | None = None
        self.streams: StreamingQueryManager | None = None
        """Where it is registered (`listen`)."""

    def remove(self) -> None:
        """Stop receiving events (nothing if never registered or removed already)."""
        if self.streams is not None:
            self.streams.removeListener(self)
            self.streams = None
        if self.recorder.committer is not None:
            self.recorder.committer.close()

    def onQueryStarted(self, event: QueryStartedEvent) -> None:
        if event.name == self.query_name:
            self.query_ids.add(str(event.id))
            self.recorder.started = True
            try:
                self.recorder.summary()  # `live` in latest.json from now on
            except Exception as error:  # noqa: BLE001 (Spark would only log it)
                self.failure = f"recording the query's start failed: {first_line(error)}"

    def onQueryProgress(self, event: QueryProgressEvent) -> None:
        if event.progress.name != self.query_name:
            return
        try:
            self.recorder.add(json.loads(event.progress.json))
        except Exception as error:  # noqa: BLE001 (Spark would only log it)
            self.failure = f"recording progress failed: {first_line(error)}"

    def onQueryIdle(self, event: QueryIdleEvent) -> None:
        """An idle trigger ran no micro-batch: nothing to record."""

    def onQueryTerminated(self, event: QueryTerminatedEvent) -> None:
        if str(event.id) in self.query_ids:
            self.ended.set()


def listen(
    spark: SparkSession,
    paths: StreamPaths,
    options: StreamOptions,
    query_name: str,
    committer: GroupCommitter | None = None,
) -> ProgressListener:
    """A ProgressListener for the query to be started as `query_name` in `spark`, registered
    now (before the query starts, so no event is missed); with `committer`, each micro-batch's
    offsets also go to the job's consumer group. `follow` removes it."""
    recorder = ProgressRecorder(paths, options, committer)
    recorder.spark_ui = spark.sparkContext.uiWebUrl
    # Written now, so a catalog rebuilt before the first micro-batch ends reads the job's
    # progress from the start (`serving_status` reads latest.json at query time).
    recorder.summary()
    listener = ProgressListener(recorder, query_name)
    spark.streams.addListener(listener)
    listener.streams = spark.streams
    return listener


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


def view_watermark(options: StreamOptions, frontier_us: int | None) -> str | None:
    """The job's event-time watermark (ISO-8601, UTC): the oldest of its partitions' frontiers
    (`frontier_us`, µs since the epoch) less its watermark delay; None before the first."""
    if frontier_us is None:
        return None
    frontier = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=frontier_us)
    return (frontier - parse_duration(options.watermark)).isoformat()


def summarize(options: StreamOptions, batches: list[dict], figures: list[dict]) -> dict:
    """One job's state after its newest micro-batch: the offsets it has reached, lag,
    watermark, micro-batches run, totals of records read, rejected, late events dropped,
    duplicates dropped, events counted and records isolated, the events held back now and the
    ids remembered (`state_rows`)."""
    newest = max(batches, key=lambda batch: batch["batch_id"], default=None)
    totals = {name: sum(item.get(name, 0) for item in figures) for name in FIGURES}
    last = max(figures, key=lambda item: item["batch_id"], default={})
    return {
        "job": options.name,
        "logic_version": options.logic_version,
        "watermark_delay": options.watermark,
        "dedup_horizon": options.dedup_horizon,
        "watermark": view_watermark(options, last.get("frontier_us")),
        # Nothing read yet: no offsets, so a job that has not finished a micro-batch never
        # looks caught up.
        "offsets": dict(sorted((newest or {}).get("end_offsets", {}).items(), key=_by_int)),
        "lag": newest["lag"] if newest else None,
        "batches": len(figures),
        "records": sum(batch.get("input_rows", 0) for batch in batches),
        "rejected": totals["rejected"],
        "counted": totals["counted"],
        "isolated": totals["isolated"],
        "dropped_late": totals["late"],
        "duplicates_dropped": totals["duplicates"],
        "held": last.get("held", 0),
        "state_rows": last.get("remembered"),
        "updated_at": datetime.now(UTC).isoformat(),
    }


def _by_int(item: tuple[str, int]) -> int:
    return int(item[0])
