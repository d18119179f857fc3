"""50,000 events with duplicates and malformed records go through the real broker intact."""

import time
from collections import Counter

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.partitioner.default import murmur2

from core.kafka_client import end_offsets
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

LOG_APPEND_TIME = 1


def consume_all(bootstrap: str, topic: str, deadline_seconds: float = 120.0) -> list:
    """Every record of the topic, read from offset 0 to the end offsets."""
    ends = end_offsets(bootstrap, topic)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in ends]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    received = []
    deadline = time.monotonic() + deadline_seconds
    try:
        while any(consumer.position(tp) < ends[tp.partition] for tp in partitions):
            assert time.monotonic() < deadline, "did not read the topic back in time"
            for batch in consumer.poll(timeout_ms=500).values():
                received.extend(batch)
    finally:
        consumer.close()
    return received


def test_every_record_arrives_once_in_its_keys_partition_with_ingestion_time(kafka, topic):
    records = list(generate(SCENARIOS["dirty"], seed=11, events=50_000))
    kinds = Counter(r.kind for r in records)
    assert kinds["duplicate"] > 2_000 and kinds["malformed"] > 2_000

    before_ms = time.time() * 1000
    summary = send_records(records, kafka.bootstrap, topic, show_progress=False)
    after_ms = time.time() * 1000
    assert summary.records == len(records)

    received = consume_all(kafka.bootstrap, topic)
    assert sum(end_offsets(kafka.bootstrap, topic).values()) == len(records)
    # The same multiset of (key, value): nothing lost, nothing doubled by retries.
    assert Counter((m.key, m.value) for m in received) == Counter((r.key, r.value) for r in records)
    partitions = len(end_offsets(kafka.bootstrap, topic))
    for message in received:
        assert message.partition == (murmur2(message.key) & 0x7FFFFFFF) % partitions
        assert message.timestamp_type == LOG_APPEND_TIME
        assert before_ms - 1_000 <= message.timestamp <= after_ms + 1_000
