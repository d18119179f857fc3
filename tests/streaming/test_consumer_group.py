"""A streaming job commits its processed offsets to a consumer group of its own after each
micro-batch (visibility only): Kafka's own `kafka-consumer-groups --describe` sees the speed
layer's group `lk-speed` advance with it, at lag 0 once it has caught up."""

from __future__ import annotations

from dataclasses import replace

import pytest
from kafka import KafkaAdminClient, KafkaProducer

from architectures.lambda_architecture import run_speed
from core.consumer_groups import group_of
from core.kafka_client import end_offsets
from infra.java import run_kafka_tool
from speed_layer.job import speed_options
from tests.topics.logs import event, single_partition_topic

pytestmark = pytest.mark.slow

GROUPS_TOOL = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"


def _send(bootstrap: str, topic: str, first: int, count: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for n in range(first, first + count):
        producer.send(topic, value=event(f"cg-{n}", "view", f"10:{n // 60 % 60:02d}:{n % 60:02d}"))
    producer.flush()
    producer.close()


def _committed(bootstrap: str, group: str) -> dict[int, int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        found = admin.list_group_offsets(group)[group]
    finally:
        admin.close()
    return {tp.partition: meta.offset for tp, meta in found.items()}


def test_the_speed_layer_commits_its_offsets_to_its_own_group(kafka, spark, tmp_path):
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        group = group_of("speed")
        assert group == "lk-speed"

        _send(kafka.bootstrap, topic, 0, 5)
        run_speed(settings, speed_options(until_caught_up=True))
        assert _committed(kafka.bootstrap, group) == end_offsets(kafka.bootstrap, topic) == {0: 5}

        _send(kafka.bootstrap, topic, 5, 7)
        run_speed(settings, speed_options(until_caught_up=True))
        assert _committed(kafka.bootstrap, group) == {0: 12}  # advanced with the job

        described = run_kafka_tool(
            GROUPS_TOOL, "--bootstrap-server", kafka.bootstrap, "--describe", "--group", group,
            timeout=120,
        )  # fmt: skip
        row = next(line.split() for line in described.splitlines() if topic in line)
        header = next(line.split() for line in described.splitlines() if "LAG" in line)
        columns = dict(zip(header, row, strict=False))
        assert columns["CURRENT-OFFSET"] == "12" and columns["LAG"] == "0", described
