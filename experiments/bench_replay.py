"""`lk bench replay`: how fast a Kappa version replays the log, as a ratio to Kafka's own
ConsumerPerformance reading the same topic in the same run (and to a bare Spark read of it).

A replay reads the log once per view query (Spark runs one aggregation per query) plus once
for the rejected records, so the records/s here is log records per second of wall time.
"""

from __future__ import annotations

import time

from core.settings import DEFAULT_REPLAY_MAX_OFFSETS, Settings
from experiments.kafka_reference import (
    consumer_performance,
    fresh_workspace,
    kafka_batch,
    spark_read_rate,
)
from kappa.job import KappaOptions, run_kappa
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import scenario_named


def run_bench_replay(
    settings: Settings, *, events: int, replay_max_offsets: int = DEFAULT_REPLAY_MAX_OFFSETS
) -> dict:
    """Figures for one replay of `events` generated events on a fresh topic (removed after)."""
    with fresh_workspace(settings, "replay") as bench:
        started = time.perf_counter()
        sent = send_records(
            generate(scenario_named("late-data"), seed=7, events=events),
            bench.bootstrap, bench.topic, show_progress=False,
        )  # fmt: skip
        produce_seconds = time.perf_counter() - started
        reference = consumer_performance(bench.bootstrap, bench.topic, sent.records)
        spark_read = spark_read_rate(bench, sent.records)
        spark_views = spark_views_rate(bench, sent.records)
        started = time.perf_counter()
        status = run_kappa(
            bench, 1, KappaOptions(until_caught_up=True, replay_max_offsets=replay_max_offsets)
        )
        replay_seconds = time.perf_counter() - started
    replay = sent.records / replay_seconds
    return {
        "events": events,
        "records": sent.records,
        "produce_seconds": round(produce_seconds, 1),
        "replay_max_offsets_per_trigger": replay_max_offsets,
        "replay_seconds": round(replay_seconds, 1),
        "replay_records_per_second": round(replay),
        "replay_micro_batches": status["batches"],
        "replay_dropped_late": status["dropped_late"],
        "consumer_performance_records_per_second": round(reference["total"]),
        "spark_read_count_records_per_second": round(spark_read),
        "spark_batch_views_records_per_second": round(spark_views),
        "ratio_replay_to_consumer_performance": round(replay / reference["total"], 4),
        "ratio_replay_to_spark_read": round(replay / spark_read, 4),
        "ratio_replay_to_spark_batch_views": round(replay / spark_views, 4),
    }


def spark_views_rate(settings: Settings, records: int) -> float:
    """Records/s of a Spark batch job computing the same views from the same offsets: the
    whole topic read at once, parsed, each event_id once (its first copy), every view of v1
    computed and collected. What a replay costs without streaming."""
    from pyspark.sql import functions as F

    from core.spark import spark_session
    from views.catalog import views_at
    from views.definitions import LOG_POSITION, distinct_events
    from views.parse import EVENT_COLUMNS, parse_events

    spark = spark_session(settings, "lk-bench")
    started = time.perf_counter()
    parsed = parse_events(kafka_batch(spark, settings)).where(F.col("reason").isNull())
    events = distinct_events(parsed.select(*EVENT_COLUMNS, *LOG_POSITION)).persist()
    try:
        for view in views_at("v1"):
            view.apply(events, deduplicated=True).toArrow()
    finally:
        events.unpersist()
    return records / (time.perf_counter() - started)
