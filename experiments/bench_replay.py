"""`lk bench replay`: how fast a Kappa version replays the log, as a ratio to Kafka's own
ConsumerPerformance reading the same topic in the same run (and to a bare Spark read of it).

A replay reads the log once per view query (Spark runs one aggregation per query) plus once
for the rejected records, so the records/s here is log records per second of wall time.
"""

from __future__ import annotations

import time

from core.settings import DEFAULT_REPLAY_MAX_OFFSETS, Settings
from experiments.kafka_reference import consumer_performance, fresh_workspace, spark_read_rate
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
        "ratio_replay_to_consumer_performance": round(replay / reference["total"], 4),
        "ratio_replay_to_spark_read": round(replay / spark_read, 4),
    }
