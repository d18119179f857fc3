"""Runs a streaming job: starts its query, follows it until caught up or stopped, stops it.

One streaming query per job: it reads the topic once (`streaming.source`), parses each record
once (`views.parse`) and deduplicates once; every view, the rejected records and the counted
ids come from each micro-batch (`streaming.micro_batch`), in exactly-once files. The checkpoint
keeps offsets and the deduplication state; progress is recorded per micro-batch from Spark's
own progress events (`streaming.progress`).
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from core.atomic import read_json, write_json
from core.consumer_groups import GroupCommitter
from core.errors import LkError, first_line
from core.kafka_client import check_topic_id, topic_id
from core.layout import StreamPaths
from streaming.gaps import record_gaps
from streaming.micro_batch import MicroBatchWriter, batch_watermark_ms
from streaming.options import SPARK_TIME_SHIFT, StreamOptions
from streaming.progress import ProgressListener, listen
from streaming.source import kafka_source
from streaming.warm_up import warm_up

if TYPE_CHECKING:
    from pyspark.sql import Column, SparkSession
    from pyspark.sql.streaming import StreamingQuery

    from core.settings import Settings
    from views.catalog import View


ENGINE = 2
"""The layout of a job's checkpoint and output: 2 is one query per job with partial rows
(1 was one query per view); a job.json of another engine is refused."""


def start_queries(
    spark: SparkSession,
    settings: Settings,
    paths: StreamPaths,
    options: StreamOptions,
    *,
    start_over: str | None = None,
) -> list[StreamingQuery]:
    """Start the job's one query (a list, for `follow`); its checkpoint resumes.
    TopicRecreated (one line, ending with `start_over`) if the checkpoint read a topic of the
    same name that was deleted since: Spark would resume the old offsets on the new log."""
    from views.catalog import views_at

    views = views_at(options.logic_version)
    check_same_job(settings, paths, options, start_over=start_over)
    batch_partitions = spark.conf.get("spark.sql.shuffle.partitions")
    # The query clones the session's settings when it starts, and its checkpoint keeps the
    # number of state partitions for good.
    spark.conf.set("spark.sql.shuffle.partitions", settings.stream_shuffle_partitions)
    try:
        return [_start_query(spark, settings, paths, options, views)]
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", batch_partitions)


def check_same_job(
    settings: Settings,
    paths: StreamPaths,
    options: StreamOptions,
    *,
    start_over: str | None = None,
) -> None:
    """A checkpoint belongs to one topic (by name and id), logic and watermark: refuse to resume
    it with others. The first start records them in job.json; a job.json from before topic ids
    were recorded gets the id now. `start_over`: what the refusal tells the user to do."""
    topic = settings.topic
    current_id = topic_id(settings.bootstrap, topic)
    recorded = read_json(paths.state_file)
    wanted = {
        "topic": topic,
        "logic_version": options.logic_version,
        "watermark": options.watermark,
        "dedup_horizon": options.dedup_horizon,
        "engine": ENGINE,
    }
    if recorded and recorded.get("engine") != ENGINE:
        raise LkError(
            f"{paths.root} was written by an older streaming engine (one query per view); "
            "start a new version (or another --data-dir) to read the log with this one"
        )
    if recorded and {key: recorded.get(key) for key in wanted} != wanted:
        raise LkError(
            f"{paths.root} reads topic {recorded.get('topic')!r} with logic "
            f"{recorded.get('logic_version')}, watermark {recorded.get('watermark')!r} and "
            f"dedup horizon {recorded.get('dedup_horizon')!r}; start a new version (or "
            "another --data-dir) to change them"
        )
    if recorded:
        check_topic_id(
            topic,
            recorded.get("topic_id"),
            current_id,
            state=paths.root,
            start_over=start_over
            or f"remove {paths.root} (or use a new --data-dir) to read the new log from offset 0",
        )
        if not recorded.get("topic_id") and current_id:
            write_json(paths.state_file, {**recorded, "topic_id": current_id})
        return
    write_json(
        paths.state_file,
        {
            **asdict(options),
            "engine": ENGINE,
            "dedup_horizon": options.dedup_horizon,
            "topic": topic,
            "topic_id": current_id,
            "started_at": datetime.now(UTC).isoformat(),
        },
    )


def _start_query(
    spark: SparkSession,
    settings: Settings,
    paths: StreamPaths,
    options: StreamOptions,
    views: tuple[View, ...],
) -> StreamingQuery:
    """Read, parse and deduplicate the log once; each micro-batch goes to MicroBatchWriter.

    Deduplication is Spark's `dropDuplicatesWithinWatermark` on event_id over a watermark of
    `options.dedup_horizon`: an id is remembered until that watermark passes its first copy's
    event time plus the horizon; a copy arriving later counts again (`counted/` shows it).
    Spark also drops events later than the horizon there; the writer drops those later than
    the (shorter or equal) view watermark. Rejected records pass through, each its own key."""
    from pyspark.sql import functions as F

    from views.parse import parse_events

    # Offsets deleted before this job read them are recorded, then Spark must read on past them.
    gaps = record_gaps(settings, paths, options.starting_offsets)
    records = parse_events(kafka_source(spark, settings, options, fail_on_data_loss=not gaps))
    # An event's key is its id; a rejected record's, where it sits (never an event's key).
    own_key = F.format_string("rejected:%d:%d", F.col("partition"), F.col("offset"))
    event_key = F.concat(F.lit("event:"), F.col("event_id"))
    keyed = records.select(
        "*",
        F.when(F.col("reason").isNull(), event_key).otherwise(own_key).alias("dedup_key"),
        _spark_time(F.col("event_time")).alias("spark_time"),
    )
    deduplicated = (
        keyed.withWatermark("spark_time", options.dedup_horizon)
        .dropDuplicatesWithinWatermark(["dedup_key"])
        .drop("dedup_key", "spark_time")
    )
    writer = MicroBatchWriter(paths, views, late_after=_late_after(paths, options))
    if not options.until_caught_up:  # a live job: its first events find it warm
        warm_up(spark, writer)
    trigger = (
        {"availableNow": True} if options.until_caught_up else {"processingTime": options.trigger}
    )
    name = f"{options.name}-{uuid.uuid4().hex[:6]}"
    # Kafka's tools see the job's progress in its own consumer group (visibility only).
    committer = GroupCommitter(settings.bootstrap, settings.topic, options.name)
    listener = listen(spark, paths, options, name, committer)
    try:
        query = (
            deduplicated.writeStream.queryName(name)
            .option("checkpointLocation", str(paths.checkpoint))
            .trigger(**trigger)
            .foreachBatch(writer)
            .start()
        )
    except Exception:
        listener.remove()
        raise
    query.writer = writer  # its `failure` says in one line why a micro-batch failed
    query.progress = listener  # `follow` records its progress events, then removes it
    return query


def _spark_time(event_time: Column) -> Column:
    """The time Spark's watermark runs on: the event time plus SPARK_TIME_SHIFT (a constant: no
    value of a micro-batch enters the generated code)."""
    from pyspark.sql import functions as F

    shift_us = SPARK_TIME_SHIFT // timedelta(microseconds=1)
    return F.timestamp_micros(F.unix_micros(event_time) + shift_us)


def _late_after(paths: StreamPaths, options: StreamOptions) -> Callable[[int], int | None]:
    """For micro-batch N: the event time (ms) at or before which its events are late, by the
    view watermark: Spark's watermark of micro-batch N-1 (by the dedup horizon) plus the
    difference between the horizon and the watermark, less SPARK_TIME_SHIFT; None while there
    is no watermark."""
    shift_ms = options.view_lead // timedelta(milliseconds=1)

    def late_after(batch_id: int) -> int | None:
        previous = batch_watermark_ms(paths.checkpoint, batch_id - 1) if batch_id else None
        return None if previous is None else previous + shift_ms

    return late_after


def follow(
    queries: list[StreamingQuery],
    paths: StreamPaths,
    options: StreamOptions,
    *,
    stop: threading.Event | None = None,
    terminated_seconds: float = 30.0,
    on_first_rows: Callable[[], None] | None = None,
) -> dict:
    """Wait until every query ends (caught up or failed) or `stop` is set, then stop the
    queries; the job's summary. Progress is recorded as Spark reports it, by each query's
    ProgressListener (`query.progress`, from `start_queries` or `streaming.progress.listen`);
    after the queries stop, their last events are awaited (up to `terminated_seconds`) and the
    listeners removed. Without a `stop` of the caller's, SIGTERM and SIGINT set one here (a
    caller that passes its own handles signals itself: `stop_on_signals`). A failed query
    raises LkError. `on_first_rows` is called once when the job's first view rows are written
    (if it had none when `follow` began): the serving catalog built before then serves no rows
    of this job, and must be built again to read them."""
    restore = (lambda: None) if stop else None
    stop = stop or threading.Event()
    restore = restore or stop_on_signals(stop)
    listeners: list[ProgressListener] = [query.progress for query in queries]
    waiting_for_rows = on_first_rows is not None and not _has_rows(paths)
    try:
        while not stop.is_set() and not all(done.ended.is_set() for done in listeners):
            # Waits on the first query's end; `stop` is looked at between waits.
            next(done for done in listeners if not done.ended.is_set()).ended.wait(0.2)
            if waiting_for_rows and _has_rows(paths):
                waiting_for_rows = False
                on_first_rows()
    finally:
        stop_between_batches(queries)
        restore()
        for listener in listeners:  # every progress event comes before the termination event
            listener.ended.wait(terminated_seconds)
            listener.remove()
    _raise_failure(queries)
    for listener in listeners:
        if listener.failure:
            raise LkError(f"{paths.root}: {listener.failure}")
    return listeners[0].recorder.summary()


def _has_rows(paths: StreamPaths) -> bool:
    """Whether any view of the job has a file of rows yet."""
    return any(paths.views.glob("*/*.parquet"))


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
            writer = getattr(query, "writer", None)
            reason = (writer and writer.failure) or first_line(error)
            raise LkError(f"streaming query {query.name} failed: {reason}")


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
