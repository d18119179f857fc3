"""`lk bench replay`: how fast a Kappa version replays the log, as ratios to references measured
in the same run on the same topic: Kafka's own ConsumerPerformance, a bare Spark read of it
(`count()`), and a Spark batch job computing the same views from the same offsets.

A replay is one streaming query (one read, one parse, one dedup of the log); records/s here is
log records per second of wall time, from the query's start to its stop once caught up. With
`repeat` > 1, each run has its own fresh topic and data directory, and every rate and ratio is
reported as the median with min and max over the runs (`experiments.figures.spread`).
"""

from __future__ import annotations

import time

from benchmarks.harness.kafka_reference import (
    consumer_performance,
    fresh_workspace,
    kafka_batch,
    spark_read_rate,
)
from core.settings import DEFAULT_REPLAY_MAX_OFFSETS, Settings
from experiments.figures import environment, spread
from kappa.job import KappaOptions, run_kappa
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import scenario_named

RATES = (
    "replay_records_per_second",
    "consumer_performance_records_per_second",
    "spark_read_count_records_per_second",
    "spark_batch_views_records_per_second",
)
"""Records/s of one run: the replay and its three references."""
RATIOS = {
    "ratio_replay_to_consumer_performance": "consumer_performance_records_per_second",
    "ratio_replay_to_spark_read": "spark_read_count_records_per_second",
    "ratio_replay_to_spark_batch_views": "spark_batch_views_records_per_second",
}
"""Each ratio of a run: the replay's records/s over the reference named."""


def run_bench_replay(
    settings: Settings,
    *,
    events: int,
    replay_max_offsets: int = DEFAULT_REPLAY_MAX_OFFSETS,
    repeat: int = 1,
) -> dict:
    """Figures of `repeat` runs, each replaying `events` generated events (scenario late-data,
    seed 7) on a fresh topic that is removed after: records/s of the replay and its references
    and the ratios (median, min, max), seconds, micro-batches, then the environment."""
    runs = [_one_run(settings, events, replay_max_offsets) for _ in range(repeat)]
    figures: dict = {
        "events": events,
        "records": runs[0]["records"],
        "repeat": repeat,
        "replay_max_offsets_per_trigger": replay_max_offsets,
        **spread("produce_seconds", [run["produce_seconds"] for run in runs], digits=1),
        **spread("replay_seconds", [run["replay_seconds"] for run in runs], digits=1),
        "replay_micro_batches": runs[0]["replay_micro_batches"],
        "replay_dropped_late": runs[0]["replay_dropped_late"],
    }
    for name in RATES:
        figures.update(spread(name, [run[name] for run in runs]))
    for ratio, reference in RATIOS.items():
        values = [run["replay_records_per_second"] / run[reference] for run in runs]
        figures.update(spread(ratio, values, digits=4))
    figures.update({f"environment_{key}": value for key, value in environment().items()})
    figures["spark_master"] = settings.spark_master
    figures["stream_shuffle_partitions"] = settings.stream_shuffle_partitions
    return figures


def _one_run(settings: Settings, events: int, replay_max_offsets: int) -> dict:
    """One run's raw figures (records/s unrounded) on its own fresh topic and data directory."""
    with fresh_workspace(settings, "replay") as bench:
        records, produce_seconds = load_topic(bench, events)
        reference = consumer_performance(bench.bootstrap, bench.topic, records)
        spark_read = spark_read_rate(bench, records)
        spark_views = spark_views_rate(bench, records)
        replay_seconds, status = timed_replay(bench, 1, replay_max_offsets)
    return {
        "records": records,
        "produce_seconds": produce_seconds,
        "replay_seconds": replay_seconds,
        "replay_micro_batches": status["batches"],
        "replay_dropped_late": status["dropped_late"],
        "replay_records_per_second": records / replay_seconds,
        "consumer_performance_records_per_second": reference["total"],
        "spark_read_count_records_per_second": spark_read,
        "spark_batch_views_records_per_second": spark_views,
    }


def load_topic(settings: Settings, events: int, seed: int = 7) -> tuple[int, float]:
    """Send `events` generated events (scenario late-data, duplicates and malformed records on
    top) to `settings.topic`: (records sent, seconds generating and sending)."""
    started = time.perf_counter()
    sent = send_records(
        generate(scenario_named("late-data"), seed=seed, events=events),
        settings.bootstrap, settings.topic, show_progress=False,
    )  # fmt: skip
    return sent.records, time.perf_counter() - started


def timed_replay(settings: Settings, number: int, replay_max_offsets: int) -> tuple[float, dict]:
    """(seconds, final status) of Kappa version `number` replaying `settings.topic` from offset 0
    until caught up, then stopping: the clock runs from the call, after the Spark session is
    started (a replay measures the job, not a JVM start)."""
    from core.spark import spark_session

    spark_session(settings, "lk-bench")
    started = time.perf_counter()
    status = run_kappa(
        settings, number, KappaOptions(until_caught_up=True, replay_max_offsets=replay_max_offsets)
    )
    return time.perf_counter() - started, status


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
