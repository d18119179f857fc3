"""`lk bench produce`: our producer's events/s as a ratio to Kafka's own tools on the same broker."""

from __future__ import annotations

import re
import time
import uuid

from core.errors import LkError
from core.kafka_client import delete_topic, ensure_topic
from core.settings import Settings
from experiments.kafka_reference import consumer_performance
from infra.java import kafka_version, run_kafka_tool
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import scenario_named

PRODUCER_SETTINGS = (
    "acks=all",
    "enable.idempotence=true",
    "linger.ms=5",
    f"batch.size={256 * 1024}",
)
"""ProducerPerformance runs with the settings our producer uses, so the ratio compares clients."""


def run_bench_produce(settings: Settings, *, events: int, partitions: int = 4) -> dict:
    """Figures for one run: generator alone, `lk produce`, ProducerPerformance, ConsumerPerformance."""
    scenario = scenario_named("dirty")
    run_id = uuid.uuid4().hex[:8]
    ours_topic, reference_topic = f"bench-lk-{run_id}", f"bench-reference-{run_id}"

    started = time.perf_counter()
    records = list(generate(scenario, seed=1, events=events))
    generate_seconds = time.perf_counter() - started
    mean_size = round(sum(len(r.value) for r in records) / len(records))

    ensure_topic(settings.bootstrap, ours_topic, partitions=partitions)
    ensure_topic(settings.bootstrap, reference_topic, partitions=partitions)
    try:
        summary = send_records(
            generate(scenario, seed=1, events=events),
            settings.bootstrap,
            ours_topic,
            show_progress=False,
        )
        reference = _producer_performance(
            settings.bootstrap, reference_topic, len(records), mean_size
        )
        consumer = consumer_performance(settings.bootstrap, ours_topic, len(records))
    finally:
        for topic in (ours_topic, reference_topic):
            delete_topic(settings.bootstrap, topic)

    ours = summary.records / summary.seconds
    return {
        "kafka_version": kafka_version(),
        "records": len(records),
        "mean_record_bytes": mean_size,
        "partitions": partitions,
        "generator_records_per_second": round(len(records) / generate_seconds),
        "lk_produce_records_per_second": round(ours),
        "producer_performance_records_per_second": round(reference),
        "consumer_performance_records_per_second": round(consumer["total"]),
        "consumer_performance_fetch_records_per_second": round(consumer["fetch"]),
        "ratio_lk_produce_to_producer_performance": round(ours / reference, 3),
        "ratio_lk_produce_to_consumer_performance": round(ours / consumer["total"], 3),
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
