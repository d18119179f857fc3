"""Topics `lk` did not make: a topic that keeps its producers' timestamps (CreateTime), and
partitions added between runs. Each path handles them (the same windows as the oracle) or
refuses in one line that says what to do; nothing waits forever."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewPartitions, NewTopic

from architectures.kappa_architecture import run_version
from architectures.lambda_architecture import run_batch, run_speed
from core.errors import LkError
from core.kafka_client import delete_topic
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from speed_layer.job import speed_options
from tests.topics.logs import event
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

ZERO = Decimal("0.00")
PATHS = ("truth", "batch", "speed", "lambda", "kappa")


def _topic(bootstrap: str, partitions: int, **config: str) -> str:
    name = f"foreign-{uuid.uuid4().hex[:12]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, partitions, 1, topic_configs=config)])
    finally:
        admin.close()
    return name


def _run_every_path(settings) -> None:
    run_batch(settings)
    run_speed(settings, speed_options(until_caught_up=True))
    run_version(settings, 1, KappaOptions(until_caught_up=True))
    compute_truth(settings)


def test_a_create_time_topic_is_read_and_a_time_cut_refused(kafka, spark, tmp_path):
    topic = _topic(kafka.bootstrap, 1, **{"message.timestamp.type": "CreateTime"})
    try:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap)
        now_ms = int(time.time() * 1000)
        stamps = [now_ms + 30 * 60_000, now_ms - 60_000, now_ms]  # the first producer runs ahead
        for n, stamp in enumerate(stamps):
            value = event(f"ct-{n}", "view", f"10:3{n}:00")
            producer.send(topic, value, partition=0, timestamp_ms=stamp)
        producer.flush()
        producer.close()

        with pytest.raises(LkError) as refused:
            run_batch(settings, until=datetime.now(UTC))
        line = str(refused.value)
        assert "\n" not in line and "CreateTime" in line and "without --until" in line
        _run_every_path(settings)
        right = {(f"10:3{n}", "view"): (1, ZERO) for n in range(3)}
        for path in PATHS:
            assert action_counts(settings, f"{path}_action_counts") == right, path
    finally:
        delete_topic(kafka.bootstrap, topic)


def test_partitions_added_between_runs_are_read_by_every_path(kafka, spark, tmp_path):
    topic = _topic(kafka.bootstrap, 1, **{"message.timestamp.type": "LogAppendTime"})
    try:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap)
        producer.send(topic, event("pa-0", "view", "10:40:00"), partition=0)
        producer.flush()
        producer.close()
        _run_every_path(settings)

        admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
        try:
            admin.create_partitions({topic: NewPartitions(total_count=3)})
        finally:
            admin.close()
        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap)  # sees the new partitions
        for partition, minute in ((1, "41"), (2, "42"), (0, "43")):
            value = event(f"pa-{partition}-{minute}", "click", f"10:{minute}:00")
            producer.send(topic, value, partition=partition)
        producer.flush()
        producer.close()
        _run_every_path(settings)
        right = {("10:40", "view"): (1, ZERO)} | {
            (f"10:{minute}", "click"): (1, ZERO) for minute in ("41", "42", "43")
        }
        for path in PATHS:
            assert action_counts(settings, f"{path}_action_counts") == right, path
    finally:
        delete_topic(kafka.bootstrap, topic)
