"""Read the raw Kafka log for the oracle, with kafka-python directly (no shared Kafka helpers).

`end_offsets` asks the broker where each partition ends now; `read_log` reads every record from
the start of each partition up to given end offsets, so a topic that keeps growing is read up
to a fixed point. Both read committed (DESIGN.md: topics written by transactional producers are
read committed): records of aborted transactions are skipped, and the end of a partition is its
last stable offset.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from core.errors import LkError
from core.settings import Settings

READ_DEADLINE_SECONDS = 600.0
"""Reading the log gives up after this long instead of hanging on a broker that stopped."""
REQUEST_TIMEOUT_MS = 10_001
BOOTSTRAP_TIMEOUT_MS = 5_000
"""How long a missing broker takes to be reported (ms)."""
POLL_TIMEOUT_MS = 500
ISOLATION_LEVEL = "read_committed"

# kafka-python logs every failed connection attempt at ERROR; our error says it once.
logging.getLogger("kafka").setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One record of the topic: its partition and offset, its Kafka timestamp (the ingestion
    time, LogAppendTime, in ms since the epoch) and its raw value (None for a tombstone)."""

    partition: int
    offset: int
    timestamp: int
    value: bytes | None


def no_broker_message(bootstrap: str) -> str:
    """The one line shown when no broker answers at `bootstrap`."""
    return f"no Kafka broker answers at {bootstrap} (start the local one with `lk kafka up`)"


@contextmanager
def _consumer(bootstrap: str, client_id: str, **config: object) -> Iterator[KafkaConsumer]:
    """A read-committed consumer in no group, closed afterwards; Kafka errors become LkError."""
    settings = {
        "bootstrap_servers": bootstrap,
        "group_id": None,
        "enable_auto_commit": False,
        "allow_auto_create_topics": False,
        "isolation_level": ISOLATION_LEVEL,
        # An offset deleted while it is read (retention): on from the log start, never the end.
        "auto_offset_reset": "earliest",
        "client_id": client_id,
        "request_timeout_ms": REQUEST_TIMEOUT_MS,
        "bootstrap_timeout_ms": BOOTSTRAP_TIMEOUT_MS,
    }
    try:
        consumer = KafkaConsumer(**settings, **config)
    except KafkaError as error:
        raise LkError(no_broker_message(bootstrap)) from error
    with closing(consumer):
        try:
            yield consumer
        except KafkaError as error:
            raise LkError(f"reading from Kafka at {bootstrap} failed: {error}") from error


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Per partition of `topic`, its end offset now (the offset the next committed record gets;
    the last stable offset while a transaction is open). LkError if the topic does not exist."""
    with _consumer(bootstrap, "lk-truth-offsets") as consumer:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise LkError(f"topic {topic!r} does not exist at {bootstrap}")
        found = consumer.end_offsets([TopicPartition(topic, p) for p in sorted(partitions)])
        return {tp.partition: offset for tp, offset in sorted(found.items())}


def start_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Per partition of `topic`, the first offset the log still holds (0 until retention or
    DeleteRecords removes its head). LkError if the topic does not exist."""
    with _consumer(bootstrap, "lk-truth-offsets") as consumer:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise LkError(f"topic {topic!r} does not exist at {bootstrap}")
        found = consumer.beginning_offsets([TopicPartition(topic, p) for p in sorted(partitions)])
        return {tp.partition: offset for tp, offset in sorted(found.items())}


def topic_id(bootstrap: str, topic: str) -> str:
    """The id of `topic` now (a UUID string; a topic deleted and created again gets a new one;
    "" from a broker without ids). LkError if the topic or the broker is missing."""
    ids = [
        str(entry.get("topic_id") or "")
        for entry in _described(bootstrap, topic)
        if entry.get("name") == topic and entry.get("error_code") == 0
    ]
    if not ids:
        raise LkError(f"topic {topic!r} does not exist at {bootstrap}")
    return ids[0] if ids[0].strip("0-") else ""  # the all-zero id means "no id"


def _described(bootstrap: str, topic: str) -> list[dict]:
    """The broker's description of `topic` (kafka-python's describe_topics entries)."""
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="lk-truth-admin",
            request_timeout_ms=REQUEST_TIMEOUT_MS,
            bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        )
    except KafkaError as error:
        raise LkError(no_broker_message(bootstrap)) from error
    with closing(admin):
        try:
            return admin.describe_topics([topic])
        except KafkaError as error:
            raise LkError(f"reading from Kafka at {bootstrap} failed: {error}") from error


def read_log(
    settings: Settings,
    *,
    end: dict[int, int] | None = None,
    deadline_seconds: float = READ_DEADLINE_SECONDS,
) -> list[LogRecord]:
    """Every committed record of `settings.topic` from the start of each partition up to `end`
    (partition -> end offset, exclusive; default: the end offsets now), in (partition, offset)
    order. One item is one Kafka record. LkError when the broker is missing or too slow."""
    bootstrap, topic = settings.bootstrap, settings.topic
    if end is None:
        end = end_offsets(bootstrap, topic)
    wanted = {partition: stop for partition, stop in end.items() if stop > 0}
    if not wanted:
        return []
    by_partition: dict[int, list[LogRecord]] = {partition: [] for partition in wanted}
    with _consumer(
        bootstrap,
        "lk-truth",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    ) as consumer:
        partitions = [TopicPartition(topic, partition) for partition in sorted(wanted)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        remaining = set(partitions)
        deadline = time.monotonic() + deadline_seconds
        while remaining:
            if time.monotonic() > deadline:
                raise LkError(
                    f"reading topic {topic!r} at {bootstrap} took longer than "
                    f"{deadline_seconds:.0f} s; {_progress(consumer, remaining, wanted)}"
                )
            for tp, messages in consumer.poll(timeout_ms=POLL_TIMEOUT_MS).items():
                stop, kept = wanted[tp.partition], by_partition[tp.partition]
                for message in messages:
                    if message.offset < stop:  # later records wait for the next run
                        kept.append(
                            LogRecord(
                                tp.partition, message.offset, message.timestamp, message.value
                            )
                        )
            for tp in list(remaining):
                if consumer.position(tp) >= wanted[tp.partition]:
                    remaining.discard(tp)
                    consumer.pause(tp)
    return [record for partition in sorted(by_partition) for record in by_partition[partition]]


def _progress(consumer: KafkaConsumer, remaining: set[TopicPartition], end: dict[int, int]) -> str:
    """Where each unfinished partition stands, for the error message."""
    parts = []
    for tp in sorted(remaining, key=lambda tp: tp.partition):
        try:
            position: int | str = consumer.position(tp)
        except KafkaError:
            position = "?"
        parts.append(f"partition {tp.partition} at offset {position} of {end[tp.partition]}")
    return "still missing: " + ", ".join(parts)
