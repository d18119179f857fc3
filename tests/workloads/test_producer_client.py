"""The producer's client (confluent-kafka) on a real broker: keys land where kafka-python put
them, and every failure is one readable line."""

from __future__ import annotations

import itertools
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
from kafka.admin import NewTopic
from kafka.partitioner.default import murmur2

from core.errors import LkError
from core.kafka_client import (
    admin_client,
    delete_topic,
    end_offsets,
    ensure_topic,
    no_broker_message,
)
from core.net import free_port
from tests.processes import lk_env
from views.events import MAX_RECORD_BYTES
from workloads.generator import generate
from workloads.producer import send_records
from workloads.records import Record
from workloads.scenarios import scenario_named

from .test_kafka_roundtrip import consume_all


def kafka_python_partition(key: bytes, partitions: int) -> int:
    """Where kafka-python's DefaultPartitioner (the producer before confluent-kafka) puts a key."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def keys_of_every_shape(count: int) -> list[bytes]:
    """User ids as the generator makes them, non-ASCII ones, and random bytes of every length
    from 1 to 64 (each remainder of murmur2's 4-byte blocks, bytes above 0x7f)."""
    rng = random.Random(7)
    keys = [f"u{n:05d}".encode() for n in range(1, 1_001)]
    keys += [f"ユーザー-{n}-ü".encode() for n in range(200)]
    keys += [rng.randbytes(1 + n % 64) for n in range(count - len(keys))]
    return keys


@pytest.mark.slow
def test_keyed_records_land_on_kafka_pythons_murmur2_partition(kafka):
    partitions = 7  # a prime: a wrong hash cannot agree by luck of a power of two
    topic = f"test-{uuid.uuid4().hex[:12]}"
    ensure_topic(kafka.bootstrap, topic, partitions=partitions)
    try:
        keys = keys_of_every_shape(5_000)
        records = [Record(key, b'{"n":%d}' % n, "malformed") for n, key in enumerate(keys)]
        records += [Record(None, b'{"no":"key"}', "malformed")] * 50
        summary = send_records(records, kafka.bootstrap, topic, show_progress=False)
        assert summary.records == len(records)

        received = consume_all(kafka.bootstrap, topic)
        assert Counter((m.key, m.value) for m in received) == Counter(
            (r.key, r.value) for r in records
        )
        keyed = [m for m in received if m.key is not None]
        assert len(keyed) == len(keys)
        wrong = [
            (m.key, m.partition)
            for m in keyed
            if m.partition != kafka_python_partition(m.key, partitions)
        ]
        assert not wrong, f"{len(wrong)} keys on another partition than murmur2's: {wrong[:5]}"
        assert len({m.partition for m in keyed}) == partitions
    finally:
        delete_topic(kafka.bootstrap, topic)


def test_a_missing_broker_is_one_readable_error(capfd):
    bootstrap = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(LkError) as refused:
        send_records([Record(b"u1", b"{}", "event")], bootstrap, "any", show_progress=False)
    assert str(refused.value) == no_broker_message(bootstrap)
    assert time.monotonic() - started < 15
    assert capfd.readouterr().err == ""  # no librdkafka log line on the terminal


@pytest.mark.slow
def test_a_missing_topic_is_one_readable_error(kafka):
    with pytest.raises(LkError, match=r"^topic 'test-never-created' does not exist at "):
        send_records(
            [Record(b"u1", b"{}", "event")], kafka.bootstrap, "test-never-created", paced=False
        )


@pytest.mark.slow
def test_a_delivery_error_stops_the_run_with_the_brokers_reason(kafka):
    topic = f"test-{uuid.uuid4().hex[:12]}"
    with admin_client(kafka.bootstrap) as admin:
        admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"max.message.bytes": "2000"})])
    try:
        small = Record(b"u1", b"x" * 100, "malformed")
        records = [small] * 10 + [Record(b"u1", b"y" * 5_000, "malformed")] + [small] * 10
        with pytest.raises(LkError) as failed:
            send_records(records, kafka.bootstrap, topic, show_progress=False)
        assert str(failed.value).startswith(f"sending to {topic!r} failed after ")
        assert "Message size too large" in str(failed.value)
    finally:
        delete_topic(kafka.bootstrap, topic)


@pytest.mark.slow
def test_a_record_at_the_producers_cap_is_sent(kafka, topic):
    largest = Record(b"u1", b"x" * MAX_RECORD_BYTES, "malformed", reason="invalid_json")
    summary = send_records([largest], kafka.bootstrap, topic, show_progress=False)
    assert summary.records == 1 and summary.kinds["skipped"] == 0
    assert [m.value for m in consume_all(kafka.bootstrap, topic)] == [largest.value]


@pytest.mark.slow
def test_an_interrupt_delivers_what_was_handed_over_and_propagates(kafka, topic):
    def interrupted():
        for n in range(500):
            yield Record(f"u{n}".encode(), b'{"n":%d}' % n, "malformed")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        send_records(interrupted(), kafka.bootstrap, topic, show_progress=False)
    assert sum(end_offsets(kafka.bootstrap, topic).values()) == 500


@pytest.mark.slow
def test_ctrl_c_stops_lk_produce_with_one_line(kafka, topic):
    running = subprocess.Popen(
        [sys.executable, "-m", "lk.cli", "produce", "--duration", "120", "--rate", "200"]
        + ["--scenario", "dirty", "--no-progress", "--topic", topic],
        env=lk_env(kafka),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while sum(end_offsets(kafka.bootstrap, topic).values()) < 100:
            assert running.poll() is None, running.communicate()
            assert time.monotonic() < deadline, "lk produce sent nothing"
            time.sleep(0.5)
        running.send_signal(signal.SIGINT)
        stdout, stderr = running.communicate(timeout=30)
    finally:
        if running.poll() is None:
            running.kill()
            running.wait()
    assert running.returncode == 130, stderr
    assert stderr == "lk: interrupted\n" and stdout == ""
    # Everything handed over before the interrupt arrived, whole: a prefix of the run's records.
    received = consume_all(kafka.bootstrap, topic)
    run = generate(scenario_named("dirty").with_overrides(rate=200), seed=42, duration=120)
    sent = list(itertools.islice(run, len(received)))
    assert Counter((m.key, m.value) for m in received) == Counter((r.key, r.value) for r in sent)
