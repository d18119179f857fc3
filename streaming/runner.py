"""Runs a streaming job: starts its query, follows it until caught up or stopped, stops it.

One streaming query per job: it reads the topic once (`streaming.source`) and parses each
record once (`views.parse`); each micro-batch's events are judged in append order and every
view, the rejected records and the counted ids come from it (`streaming.micro_batch`), in
exactly-once files. Spark's checkpoint keeps the offsets, `order/` what judging carries;
progress is recorded per micro-batch from Spark's own progress events (`streaming.progress`).
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
from core.durations import parse_duration
from core.errors import LkError, first_line
from core.kafka_client import check_topic_id, end_offsets, topic_id
from core.layout import StreamPaths
from streaming.gaps import record_gaps
from streaming.judging import Judging
from streaming.micro_batch import MicroBatchWriter
from streaming.options import StreamOptions
from streaming.progress import ProgressListener, listen
from streaming.source import kafka_source
from streaming.warm_up import warm_up

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.streaming import StreamingQuery

    from core.settings import Settings
    from views.catalog import View


ENGINE = 3
"""The layout of a job's checkpoint and output: 3 judges events in append order with its own
state (`order/`); 2 deduplicated in Spark's state store; 1 was one query per view. A job.json
of another engine is refused."""


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
            f"{paths.root} was written by an older streaming engine; "
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
    """Read and parse the log once; each micro-batch goes to MicroBatchWriter, which judges its
    events in the order the log appended them (`streaming.append_order`: duplicates within the
    dedup horizon and late events dropped, the same verdicts however the log is cut)."""
    from views.parse import parse_events

    # Offsets deleted before this job read them are recorded, then Spark must read on past them.
    gaps = record_gaps(settings, paths, options.starting_offsets)
    records = parse_events(kafka_source(spark, settings, options, fail_on_data_loss=not gaps))
    writer = MicroBatchWriter(paths, views, _judging(settings, options))
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
            records.writeStream.queryName(name)
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


def _judging(settings: Settings, options: StreamOptions) -> Judging:
    """How the job judges its events: its watermark and dedup horizon; with a limit per
    micro-batch, the partitions a micro-batch left unread are those whose planned end is short
    of the log's end (the last stable offset, as Spark reads committed) when it runs."""
    unfinished = None
    if options.max_offsets_per_trigger:

        def unfinished(planned: dict[int, int]) -> set[int]:
            ends = end_offsets(settings.bootstrap, settings.topic)
            return {p for p, end in ends.items() if planned.get(p, 0) < end}

    return Judging(
        watermark_us=parse_duration(options.watermark) // timedelta(microseconds=1),
        horizon_us=parse_duration(options.dedup_horizon) // timedelta(microseconds=1),
        unfinished=unfinished,
    )


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
