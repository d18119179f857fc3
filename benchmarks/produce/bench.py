"""`lk bench produce`: our producer's records/s as a ratio to Kafka's own tools on the same broker.

The records are generated before the clock starts (generation is timed on its own), so the
ratio compares the clients: `send_records`, which `lk produce` runs, against ProducerPerformance
with the same producer settings, record count and mean record size, each on a fresh topic.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid

from benchmarks.harness.kafka_reference import consumer_performance
from core.errors import LkError
from core.kafka_client import delete_topic, ensure_topic
from core.settings import Settings
from experiments.figures import spread
from infra.java import kafka_version, run_kafka_tool
from workloads.generator import generate
from workloads.producer import PRODUCER_CONFIG, producer_library, send_records
from workloads.scenarios import scenario_named

PRODUCER_SETTINGS = tuple(
    f"{name}={str(PRODUCER_CONFIG[name]).lower()}"
    for name in ("acks", "enable.idempotence", "linger.ms", "batch.size")
)
"""ProducerPerformance runs with the settings our producer uses, so the ratio compares clients
(acks=all, enable.idempotence=true, linger.ms=5, batch.size=262144)."""


def run_bench_produce(
    settings: Settings, *, events: int, partitions: int = 4, repeat: int = 1
) -> dict:
    """Figures of `repeat` runs, each `lk produce`'s sending then ProducerPerformance on fresh
    topics: records/s and their ratio as the median with min and max (one run: that run's
    figures); generation alone; ConsumerPerformance reading the last run's topic."""
    scenario = scenario_named("dirty")
    started = time.perf_counter()
    records = list(generate(scenario, seed=1, events=events))
    generate_seconds = time.perf_counter() - started
    mean_size = round(sum(len(r.value) for r in records) / len(records))

    ours: list[float] = []
    reference: list[float] = []
    for run in range(repeat):
        run_id = uuid.uuid4().hex[:8]
        ours_topic, reference_topic = f"bench-lk-{run_id}", f"bench-reference-{run_id}"
        ensure_topic(settings.bootstrap, ours_topic, partitions=partitions)
        ensure_topic(settings.bootstrap, reference_topic, partitions=partitions)
        try:
            summary = send_records(records, settings.bootstrap, ours_topic, show_progress=False)
            ours.append(summary.records / summary.seconds)
            reference.append(
                _producer_performance(settings.bootstrap, reference_topic, len(records), mean_size)
            )
            if run == repeat - 1:
                consumer = consumer_performance(settings.bootstrap, ours_topic, len(records))
        finally:
            for topic in (ours_topic, reference_topic):
                delete_topic(settings.bootstrap, topic)

    ratios = [mine / theirs for mine, theirs in zip(ours, reference, strict=True)]
    lk_produce = statistics.median(ours)
    return {
        "kafka_version": kafka_version(),
        "producer_library": producer_library(),
        "records": len(records),
        "mean_record_bytes": mean_size,
        "partitions": partitions,
        "repeat": repeat,
        "generate_seconds": round(generate_seconds, 3),
        "generator_records_per_second": round(len(records) / generate_seconds),
        **spread("lk_produce_records_per_second", ours),
        **spread("producer_performance_records_per_second", reference),
        **spread("ratio_lk_produce_to_producer_performance", ratios, digits=3),
        "consumer_performance_records_per_second": round(consumer["total"]),
        "consumer_performance_fetch_records_per_second": round(consumer["fetch"]),
        "ratio_lk_produce_to_consumer_performance": round(lk_produce / consumer["total"], 3),
    }


def _producer_performance(bootstrap: str, topic: str, records: int, size: int) -> float:
    output = run_kafka_tool(
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(records),
        "--record-size",
        str(size),
        "--throughput",
        "-1",
        "--command-property",
        f"bootstrap.servers={bootstrap}",
        *PRODUCER_SETTINGS,
    )
    found = re.findall(r"([\d.]+) records/sec", output)
    if not found:
        raise LkError(f"could not read ProducerPerformance's result from: {output[-300:]}")
    return float(found[-1])  # the last line is the whole run's average
