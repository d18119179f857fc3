"""Case 17 and its kind: record batches compressed by the producer (gzip, snappy, lz4, zstd), as
librdkafka, the Java client, Kafka Connect and MirrorMaker write them. Every path reads them,
the oracle (kafka-python) included, and serves the same windows."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from architectures.kappa_architecture import run_version
from architectures.lambda_architecture import run_batch, run_speed
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from speed_layer.job import speed_options
from tests.topics.logs import single_partition_topic
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

CODECS = {"gzip": "10:17", "snappy": "10:18", "lz4": "10:19", "zstd": "10:20"}
"""Each codec's five events sit in a minute of their own."""
RIGHT = {
    (minute, action): (events, Decimal(revenue))
    for minute in CODECS.values()
    for action, events, revenue in (("view", 3, "0.00"), ("click", 1, "0.00"), ("purchase", 1, "7.25"))
}  # fmt: skip


def _events(codec: str, minute: str) -> list[bytes]:
    """Case 17's five events by u-ted, in `minute`, with ids of this codec."""
    plan = (("view", "00", "0"), ("click", "10", "0"), ("view", "20", "0"),
            ("purchase", "30", "7.25"), ("view", "40", "0"))  # fmt: skip
    return [
        (
            f'{{"event_id":"c17-{codec}-{n}","user_id":"u-ted","action":"{action}",'
            f'"product_id":"p-170","amount":{amount},"event_time":"2026-03-02T{minute}:{second}.000Z"}}'
        ).encode()
        for n, (action, second, amount) in enumerate(plan)
    ]


def send_compressed(bootstrap: str, topic: str) -> int:
    """Each codec's events as one compressed record batch on partition 0; how many records."""
    from confluent_kafka import Producer

    sent = 0
    for codec, minute in CODECS.items():
        producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "acks": "all",
                "compression.type": codec,
                "linger.ms": 1000,  # queued together: one batch
            }
        )
        for value in _events(codec, minute):
            producer.produce(topic, key=b"u-ted", value=value, partition=0)
            sent += 1
        assert producer.flush(30) == 0, f"a {codec} record was not delivered"
    return sent


def test_every_path_reads_compressed_record_batches(kafka, spark, tmp_path):
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        sent = send_compressed(kafka.bootstrap, topic)

        truth = compute_truth(settings)
        assert truth["records_read"] == sent and truth["balanced"]
        run_batch(settings)
        run_speed(settings, speed_options(until_caught_up=True))
        run_version(settings, 1, KappaOptions(until_caught_up=True))

        for view in ("truth", "batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == RIGHT, view
