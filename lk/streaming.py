"""A Structured Streaming job over the view functions: what the speed layer and Kappa both run.

One streaming query per view (Spark allows one aggregation per query), each reading the topic,
parsing with `views.parse`, setting the event-time watermark and applying the view. Every
micro-batch's output becomes one immutable Parquet file, `batch-<id>.parquet`, written under a
temporary name and renamed into place: a replayed micro-batch (after a crash) rewrites the same
file with the same rows, so the output is exactly once. The checkpoint keeps offsets and state.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lk.atomic import write_json
from lk.errors import LkError, first_line
from lk.paths import StreamPaths
from lk.stream_progress import REJECTED, ProgressRecorder

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.streaming import StreamingQuery

    from lk.settings import Settings
    from views.catalog import View

STREAM_SHUFFLE_PARTITIONS = os.environ.get("LK_STREAM_SHUFFLE_PARTITIONS", "1")
"""State partitions of a new streaming query (an existing checkpoint keeps its own)."""


@dataclass(frozen=True)
class StreamOptions:
    """How a streaming job reads, what it computes and how often it emits."""

    name: str
    logic_version: str = "v1"
    watermark: str = "10 minutes"
    trigger: str = "250 milliseconds"
    until_caught_up: bool = False
    starting_offsets: str = "earliest"
    max_offsets_per_trigger: int | None = None
    min_partitions: int | None = None
    keep_rejected: bool = False


def start_queries(
    spark: SparkSession, settings: Settings, paths: StreamPaths, options: StreamOptions
) -> list[StreamingQuery]:
    """Start one query per view (and one for rejected records if asked); checkpoints resume."""
    from views.catalog import views_at

    views = views_at(options.logic_version)
    _check_same_job(paths, options, settings.topic)
    queries = []
    batch_partitions = spark.conf.get("spark.sql.shuffle.partitions")
    # Each query clones the session's settings when it starts, and its checkpoint keeps the
    # number of state partitions for good: several small stateful queries on few cores are
    # faster with one partition each (p50 1.2 s against 1.7 s with two, `lk bench lambda`).
    spark.conf.set("spark.sql.shuffle.partitions", STREAM_SHUFFLE_PARTITIONS)
    try:
        for view in views:
            queries.append(_start_view_query(spark, settings, paths, options, view))
        if options.keep_rejected:
            queries.append(_start_rejected_query(spark, settings, paths, options))
    except Exception:
        for query in queries:
            query.stop()
        raise
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", batch_partitions)
    return queries


def _check_same_job(paths: StreamPaths, options: StreamOptions, topic: str) -> None:
    """A checkpoint belongs to one topic, logic and watermark: refuse to resume it with others."""
    from lk.atomic import read_json

    recorded = read_json(paths.state_file)
    wanted = {
        "topic": topic,
        "logic_version": options.logic_version,
        "watermark": options.watermark,
    }
    if recorded and {key: recorded.get(key) for key in wanted} != wanted:
        raise LkError(
            f"{paths.root} reads topic {recorded.get('topic')!r} with logic "
            f"{recorded.get('logic_version')} and watermark {recorded.get('watermark')!r}; "
            "start a new version (or another --data-dir) to change them"
        )
    if not recorded:
        write_json(
            paths.state_file,
            {**asdict(options), "topic": topic, "started_at": datetime.now(UTC).isoformat()},
        )


def _source(spark: SparkSession, settings: Settings, options: StreamOptions) -> DataFrame:
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap)
        .option("subscribe", settings.topic)
        .option("startingOffsets", options.starting_offsets)
    )
    if options.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(options.max_offsets_per_trigger))
    if options.min_partitions:  # split Kafka partitions into more Spark tasks
        reader = reader.option("minPartitions", str(options.min_partitions))
    return reader.load()


def _start_view_query(
    spark: SparkSession,
    settings: Settings,
    paths: StreamPaths,
    options: StreamOptions,
    view: View,
) -> StreamingQuery:
    from views.parse import accepted_events, parse_events

    events = accepted_events(parse_events(_source(spark, settings, options)))
    output = view.apply(events.withWatermark("event_time", options.watermark))
    folder = paths.view_files(view.name)
    write_seed(spark, output, folder)
    return _write(
        output.writeStream.outputMode(view.streaming_output_mode),
        paths,
        options,
        view.name,
        MicroBatchFiles(folder),
    )


def _start_rejected_query(
    spark: SparkSession, settings: Settings, paths: StreamPaths, options: StreamOptions
) -> StreamingQuery:
    from views.parse import parse_events, rejected_records

    rejected = rejected_records(parse_events(_source(spark, settings, options)))
    return _write(
        rejected.writeStream.outputMode("append"),
        paths,
        options,
        REJECTED,
        MicroBatchFiles(paths.rejected, processing_time=False),
    )


def _write(writer, paths: StreamPaths, options: StreamOptions, name: str, sink) -> StreamingQuery:
    trigger = (
        {"availableNow": True} if options.until_caught_up else {"processingTime": options.trigger}
    )
    return (
        writer.queryName(f"{options.name}-{name}-{uuid.uuid4().hex[:6]}")
        .option("checkpointLocation", str(paths.checkpoints / name))
        .trigger(**trigger)
        .foreachBatch(sink)
        .start()
    )


class MicroBatchFiles:
    """foreachBatch sink: one Parquet file per micro-batch, replaced whole on a replay."""

    def __init__(self, folder: Path, *, processing_time: bool = True) -> None:
        self.folder = folder
        self.processing_time = processing_time

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        import pyarrow.parquet as pq
        from pyspark.sql import functions as F

        if self.processing_time:
            batch = batch.withColumn("processed_at", F.current_timestamp())
        table = batch.withColumn("batch_id", F.lit(batch_id).cast("long")).toArrow()
        if table.num_rows == 0:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"batch-{batch_id:09d}.parquet"
        temporary = self.folder / f".{final.name}.{uuid.uuid4().hex}.tmp"
        pq.write_table(table, temporary)
        os.replace(temporary, final)


def write_seed(spark: SparkSession, output: DataFrame, folder: Path) -> None:
    """An empty file with the output's columns, so readers find the schema before batch 0."""
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F

    seed = folder / "batch-seed.parquet"
    if seed.exists():
        return
    empty = spark.createDataFrame([], output.schema)
    empty = empty.withColumn("processed_at", F.current_timestamp())
    table = empty.withColumn("batch_id", F.lit(-1).cast("long")).toArrow()
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".seed.{uuid.uuid4().hex}.tmp"
    pq.write_table(table, temporary)
    os.replace(temporary, seed)


def follow(
    queries: list[StreamingQuery],
    paths: StreamPaths,
    options: StreamOptions,
    *,
    poll_seconds: float = 1.0,
    stop: threading.Event | None = None,
) -> dict:
    """Record progress until every query ends (caught up) or `stop` is set; then stop the
    queries. Without a `stop` of the caller's, SIGTERM and SIGINT set one here (a caller that
    passes its own handles signals itself: `stop_on_signals`). A failed query raises LkError."""
    restore = (lambda: None) if stop else None
    stop = stop or threading.Event()
    restore = restore or stop_on_signals(stop)
    recorder = ProgressRecorder(paths, options)
    try:
        while not stop.is_set() and any(query.isActive for query in queries):
            recorder.record(queries)
            _raise_failure(queries)
            stop.wait(poll_seconds)
    finally:
        stop_between_batches(queries)
        restore()
    _raise_failure(queries)
    return recorder.record(queries)


def stop_between_batches(queries: list[StreamingQuery], deadline_seconds: float = 10.0) -> None:
    """Stop each query the moment it is between micro-batches, and the rest at the deadline.
    (Interrupting a micro-batch makes Spark's stream thread die noisily; the checkpoint and
    the idempotent batch files make the output right either way.)"""
    deadline = time.monotonic() + deadline_seconds
    waiting = [query for query in queries if query.isActive]
    while waiting and time.monotonic() < deadline:
        for query in list(waiting):
            if not query.isActive or not query.status.get("isTriggerActive"):
                query.stop()
                waiting.remove(query)
        time.sleep(0.005)
    for query in waiting:
        query.stop()


def _raise_failure(queries: list[StreamingQuery]) -> None:
    for query in queries:
        error = query.exception()
        if error is not None:
            raise LkError(f"streaming query {query.name} failed: {first_line(error)}")


def stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """Make SIGTERM and SIGINT set `stop` (in the main thread); returns what undoes it."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
