"""Running a YSB streaming query while events are sent, and timing a Kappa replay of the log.

`send_while_running` starts a query, waits until it runs, sends the records paced (their event
times are the planned send times, as YSB's generator stamps them), waits until the query has
read every record, stops it, and returns what was sent, how fast, and the query's window rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.ysb.generator import warm_up_records
from benchmarks.ysb.job import WINDOW_FILES, YSB_WATERMARK, start_window_query, start_ysb_query
from core.errors import LkError
from core.settings import Settings
from streaming.options import StreamOptions
from streaming.source import kafka_source
from workloads.producer import send_records

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.streaming import StreamingQuery

    from streaming.progress import ProgressListener

START_SECONDS = 180.0
"""How long a query may take to finish its first micro-batch (a cold Spark is slow here)."""
CATCH_UP_SECONDS = 300.0
"""How long after the last send a query may take to read every record."""
LEAD_SECONDS = 1.0
"""Time between planning the events' times and sending the first, on top of the time to
generate them (GENERATED_PER_SECOND)."""
GENERATED_PER_SECOND = 10_000
"""YSB records the generator makes per second at least, on a loaded 2-core machine."""
WARM_UP_RECORDS = 50
"""Warm-up events (counted by no campaign) read before the measured events are sent."""


def start_reference_query(
    spark: SparkSession, settings: Settings, root: Path
) -> tuple[StreamingQuery, ProgressListener]:
    """The bare counting query: records per 10 s tumbling window of their Kafka append time
    (no parse, filter or join), under the same watermark, sink and trigger as the YSB query.
    Rows: window_start, window_end, records."""
    from pyspark.sql import functions as F

    source = kafka_source(spark, settings, StreamOptions(name="ysb-reference"))
    rows = (
        source.withWatermark("timestamp", YSB_WATERMARK)
        .groupBy(F.window("timestamp", "10 seconds").alias("window"))
        .agg(F.count("*").alias("records"))
        .select(
            F.col("window.start").alias("window_start"),
            F.col("window.end").alias("window_end"),
            "records",
        )
    )
    return start_window_query(spark, settings, rows, root, name="ysb-reference")


def send_while_running(
    settings: Settings,
    root: Path,
    start: Callable[[], tuple[StreamingQuery, ProgressListener]],
    make_records: Callable[[int], list],
    count: int,
) -> tuple[dict, list[dict]]:
    """Start the query (`start`), let it read WARM_UP_RECORDS warm-up events, send the `count`
    records of `make_records(start_ms)` paced from wall-clock `start_ms` (their times are
    planned ahead by the time generating them takes), wait until the query has read them all,
    stop it. Returns the send's figures (records, sent_events_per_second,
    processed_events_per_second, caught_up_after_send_s, span_ms: the first and last event
    time sent, send_started_late_s: how much later than its planned time the first event could
    go, which every latency then includes) and the query's window rows. LkError
    if the query fails or does not keep within the deadlines."""
    query, listener = start()
    try:
        _wait(query, listener, lambda batches: bool(batches), START_SECONDS, "start")
        warm_up = warm_up_records(WARM_UP_RECORDS, start_ms=int(time.time() * 1000))
        send_records(warm_up, settings.bootstrap, settings.topic, show_progress=False)
        _wait(
            query, listener, lambda batches: _read(batches) >= len(warm_up),
            START_SECONDS, "read the warm-up events",
        )  # fmt: skip
        lead = LEAD_SECONDS + count / GENERATED_PER_SECOND
        start_ms = int((time.time() + lead) * 1000)
        records = make_records(start_ms)
        started_late = max(0.0, time.time() - start_ms / 1000)
        time.sleep(max(0.0, start_ms / 1000 - time.time()))
        summary = send_records(
            records, settings.bootstrap, settings.topic, paced=True, show_progress=False
        )
        sent_end = time.time()
        batches = _wait(
            query, listener, lambda batches: _read(batches) >= len(warm_up) + summary.records,
            CATCH_UP_SECONDS, "read every record",
        )  # fmt: skip
    finally:
        query.stop()
        listener.ended.wait(30.0)  # its last events write progress files: not after cleanup
        listener.remove()
    total = len(warm_up) + summary.records
    caught_up = min(_end(b) for b in batches if _read(batches, upto=b["batch_id"]) >= total)
    sent = {
        "records": records,
        "span_ms": (records[0].event_time_ms, records[-1].event_time_ms),
        "sent_events_per_second": summary.records / summary.seconds,
        "processed_events_per_second": summary.records / (caught_up - start_ms / 1000),
        "caught_up_after_send_s": max(0.0, caught_up - sent_end),
        "send_started_late_s": started_late,
    }
    return sent, _rows(root / WINDOW_FILES)


def replay_seconds(
    spark: SparkSession, settings: Settings, root: Path, campaigns: list[tuple[str, str]]
) -> float:
    """Seconds a Kappa replay takes: the YSB query from offset 0 to the log's end, then stop."""
    started = time.perf_counter()
    query, listener = start_ysb_query(spark, settings, root, campaigns, available_now=True)
    try:
        query.awaitTermination(CATCH_UP_SECONDS)
        if query.isActive or query.exception() is not None:
            raise LkError(f"the YSB replay did not finish: {query.exception() or 'timed out'}")
    finally:
        query.stop()
        listener.ended.wait(30.0)  # its last events write progress files: not after cleanup
        listener.remove()
    return time.perf_counter() - started


def _wait(query, listener, done: Callable[[list[dict]], bool], seconds: float, what: str):
    """Poll the query's recorded micro-batches until `done(batches)`; they are returned.
    LkError if the query stops or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        with listener.recorder.lock:
            batches = list(listener.recorder.spark.values())
        if done(batches):
            return batches
        if not query.isActive:
            raise LkError(f"the YSB query stopped before it could {what}: {query.exception()}")
        if listener.failure:
            raise LkError(listener.failure)
        if time.monotonic() > deadline:
            raise LkError(f"the YSB query did not {what} within {seconds:g} s")
        time.sleep(0.1)


def _read(batches: list[dict], upto: int | None = None) -> int:
    """Records read by the micro-batches (up to batch id `upto`)."""
    return sum(b["input_rows"] for b in batches if upto is None or b["batch_id"] <= upto)


def _end(batch: dict) -> float:
    """When a micro-batch finished: its start plus its duration, in epoch seconds."""
    started = datetime.fromisoformat(batch["timestamp"].replace("Z", "+00:00"))
    return started.timestamp() + (batch["duration_ms"] or 0) / 1000


def _rows(folder: Path) -> list[dict]:
    """Every window row the query's sink wrote (all micro-batches)."""
    import pyarrow.parquet as pq

    rows: list[dict] = []
    for file in sorted(folder.glob("batch-*.parquet")):
        rows.extend(pq.read_table(file).to_pylist())
    return rows
