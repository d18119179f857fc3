"""The reference of `lk bench latency`: how soon a bare Spark streaming query makes an event
visible, at the same rates, in the same run.

Why this reference: a window's latency is bounded below by what any Structured Streaming job
on this machine needs to get an event from Kafka into a file: the trigger, a micro-batch's
fixed cost (planning, offsets, commit), reading and parsing. The bare query pays exactly that
(the same Kafka source, the same parse as the pipelines, `views.parse`, the same trigger, one
Parquet file per micro-batch renamed into place, as the jobs write) and nothing of ours: no
dedup state, no views, no serving catalog. So `window latency / reference` says how many times
that floor our views and serving cost. The trigger interval alone would be a floor nobody
measures; Kafka's own tools have no notion of a visible result.

An event's reference latency is the moment its micro-batch's file was in place, minus its
Kafka append time (LogAppendTime), observed the way the experiment observes served rows: at the
next tick of the same sampling interval. It runs on a topic of its own with the same stepped
workload (warm-up, then each rate, pausing until the query has caught up), in this process.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa

from benchmarks.harness.kafka_reference import fresh_workspace
from benchmarks.latency.run import (
    COLD_START_S,
    SteppedPlan,
    catch_up_bound,
    pause_bound,
    stepped_records,
)
from benchmarks.latency.steps import COLD
from core.errors import LkError, first_line
from core.net import wait_until
from core.settings import DEFAULT_TRIGGER, Settings
from workloads.producer import send_records


def reference_latencies(settings: Settings, stepped: SteppedPlan) -> dict[float | str, np.ndarray]:
    """Per rate of `stepped` (its steps filled in as they are sent), and for its warm-up step
    under COLD: the latencies (s) of every event the bare query made visible. `stepped.steps`
    must be fresh (nothing sent yet)."""
    from core.spark import spark_session

    spark = spark_session(settings, "lk-bench-latency")
    with fresh_workspace(settings, "latency-reference") as bench:
        sink = _Sink(bench.data_dir / "reference", stepped.sample_interval)
        query = _bare_query(spark, bench, sink)
        try:
            wait_until(lambda: query.lastProgress is not None or not query.isActive, COLD_START_S)
            if not query.isActive:  # its first (empty) micro-batch failed
                raise LkError(f"the reference query stopped: {first_line(query.exception())}")
            sink.started = time.time()
            records = stepped_records(
                stepped,
                lambda step: wait_until(
                    lambda: sink.seen >= stepped.sent, pause_bound(stepped, step, COLD_START_S)
                ),
            )
            send_records(records, bench.bootstrap, bench.topic, paced=True, show_progress=False)
            wait_until(lambda: sink.seen >= stepped.sent, catch_up_bound(stepped.seconds) * 4)
        finally:
            query.stop()
    appends, latencies = sink.arrays()
    found: dict[float | str, np.ndarray] = {}
    for step in [*stepped.steps[:1], *stepped.measured()]:
        if step.started is None or step.ended is None:
            continue
        inside = (appends >= step.started) & (appends <= step.ended + 1.0)
        found[COLD if step.warmup else step.rate] = latencies[inside]
    return found


class _Sink:
    """The bare query's foreachBatch: each micro-batch's events as one Parquet file, then each
    event's append time and the tick at which its file was visible."""

    def __init__(self, folder: Path, sample_interval: float) -> None:
        self.folder, self.interval = folder, sample_interval
        self.started = time.time()
        self.lock = threading.Lock()
        self.appends: list[np.ndarray] = []
        self.visible: list[np.ndarray] = []
        self.seen = 0

    def __call__(self, batch, batch_id: int) -> None:
        import pyarrow.parquet as pq

        from core.atomic import write_atomically

        table = batch.toArrow()
        target = self.folder / f"batch-{batch_id:09d}.parquet"
        write_atomically(target, lambda temporary: pq.write_table(table, temporary))
        visible = time.time()
        appended = table["ingestion_time"].cast(pa.timestamp("us", "UTC")).cast(pa.int64())
        appended = appended.to_numpy(zero_copy_only=False) / 1e6
        tick = self.started + np.ceil((visible - self.started) / self.interval) * self.interval
        with self.lock:
            self.appends.append(appended)
            self.visible.append(np.full(len(appended), tick))
            self.seen += len(appended)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(append times, latencies) of every event seen, s."""
        with self.lock:
            appends = np.concatenate(self.appends) if self.appends else np.array([])
            visible = np.concatenate(self.visible) if self.visible else np.array([])
        return appends, visible - appends


def _bare_query(spark, settings: Settings, sink: _Sink):
    from pyspark.sql import functions as F

    from streaming.options import StreamOptions
    from streaming.source import kafka_source
    from views.parse import EVENT_COLUMNS, parse_events

    raw = kafka_source(spark, settings, StreamOptions(name="latency-reference"))
    events = parse_events(raw).where(F.col("reason").isNull())
    root = settings.data_dir / "reference"
    return (
        events.select(*EVENT_COLUMNS, "ingestion_time")
        .writeStream.queryName(f"latency-reference-{uuid.uuid4().hex[:6]}")
        .option("checkpointLocation", str(root / "checkpoint"))
        .trigger(processingTime=DEFAULT_TRIGGER)
        .foreachBatch(sink)
        .start()
    )
