"""Small Kafka client helpers every layer shares: topics, end offsets, readable connection errors."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError

from core.errors import LkError, NotRetryable

TOPIC_CONFIG = {
    "message.timestamp.type": "LogAppendTime",  # the record timestamp is the ingestion time
    "retention.ms": "-1",  # the log is the source of truth: keep it forever
    "retention.bytes": "-1",
}
ISOLATION_LEVEL = "read_committed"
"""How every offset and record of the pipelines is read (DESIGN.md): records of aborted
transactions never count, and a partition ends at its last stable offset."""
SPARK_POLL_TIMEOUT_MS = 30_000
"""Spark's Kafka reader polls this long for the next record of a range (default 120 s). A range
that ends in transaction markers has no record to return, so each such poll waits this out; a
fetch slower than this fails the task, so it stays well above a busy broker's fetch time."""
SPARK_FETCH_MAX_WAIT_MS = 20
"""How long the broker may hold a fetch of Spark's consumer that has too little to return.
Kafka's default (500 ms) was paid by most tasks of a live micro-batch here: a task's second
poll, for the records up to its end offset, waited the full 500 ms (Spark's KafkaDataConsumer
logged 510 ms of polling for 200-400 records; 28 ms with 20)."""
SPARK_READ_OPTIONS = {
    "kafka.isolation.level": ISOLATION_LEVEL,
    "kafkaConsumer.pollTimeoutMs": str(SPARK_POLL_TIMEOUT_MS),
    "kafka.fetch.max.wait.ms": str(SPARK_FETCH_MAX_WAIT_MS),
}
"""Options of every Spark read of the topic (batch and streaming): read committed, no
two-minute wait on a range that ends in markers, no half-second wait per fetch."""
CONNECT_TIMEOUT_MS = 10_000
BOOTSTRAP_TIMEOUT_MS = 5_000  # how long a missing broker takes to be reported
CONNECT_ATTEMPTS = 5
"""Tries of an admin client's first request, each to another broker if one refuses."""

T = TypeVar("T", KafkaAdminClient, KafkaConsumer)

# kafka-python logs every failed connection attempt at ERROR; our error message says it once.
logging.getLogger("kafka").setLevel(logging.CRITICAL)


def no_broker_message(bootstrap: str) -> str:
    return f"no Kafka broker answers at {bootstrap} (start the local one with `lk kafka up`)"


@contextlib.contextmanager
def _connected(bootstrap: str, connect: Callable[[], T]) -> Iterator[T]:
    """A client from `connect()`, closed afterwards: a missing broker, or a request it refuses,
    becomes one readable LkError."""
    try:
        client = connect()
    except KafkaError as error:
        raise LkError(no_broker_message(bootstrap)) from error
    try:
        yield client
    except KafkaError as error:
        raise LkError(f"Kafka at {bootstrap} refused the request: {error}") from error
    finally:
        client.close()


def admin_client(
    bootstrap: str, *, bootstrap_timeout_ms: int = BOOTSTRAP_TIMEOUT_MS
) -> contextlib.AbstractContextManager[KafkaAdminClient]:
    """An admin client, closed afterwards; a missing broker becomes one readable LkError."""
    return _connected(
        bootstrap,
        lambda: _with_a_live_connection(
            bootstrap,
            KafkaAdminClient(
                bootstrap_servers=bootstrap,
                request_timeout_ms=CONNECT_TIMEOUT_MS,
                bootstrap_timeout_ms=bootstrap_timeout_ms,
                client_id="lk-admin",
            )
        ),
    )


def _with_a_live_connection(bootstrap: str, admin: KafkaAdminClient) -> KafkaAdminClient:
    """The admin client once one request has gone through. kafka-python sends a request to a
    random broker of the metadata and fails if it is down (a cluster still lists a dead broker
    until it is fenced, or forever without a controller quorum); after a refused connection
    it keeps to a broker it is connected to, so a few tries make every later request safe.
    With one bootstrap address (the single broker) there is nothing to choose: no probe."""
    if "," not in bootstrap:
        return admin
    try:
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                admin.describe_cluster()
                return admin
            except KafkaConnectionError:
                if attempt == CONNECT_ATTEMPTS - 1:
                    raise
    except BaseException:
        admin.close()
        raise
    return admin


MAX_REPLICATION_FACTOR = 3
"""Replicas of a topic the project creates on a cluster of 3 brokers or more."""
CLUSTER_MIN_INSYNC_REPLICAS = "2"
"""`min.insync.replicas` of a topic with 3 replicas or more: a write with acks=all needs 2 copies,
so it survives one broker down and is refused, not kept on one copy, with two down."""


def ensure_topic(
    bootstrap: str,
    topic: str,
    *,
    partitions: int = 4,
    replication_factor: int | None = None,
    configs: dict[str, str] | None = None,
) -> bool:
    """Create the topic with LogAppendTime and infinite retention; return False if it existed.

    Replicas: `replication_factor`, or min(3, the brokers the cluster reports, a fenced one
    included: a broker down for now still gets its replicas, which catch up when it returns);
    with 3 or more, the topic also gets min.insync.replicas=2. `configs`: topic settings on top
    of those (e.g. an experiment's `segment.ms`); a topic that exists keeps its own. LkError
    (one line) if Kafka refuses, e.g. more replicas than brokers."""
    with admin_client(bootstrap) as admin:
        if topic in admin.list_topics():
            return False
        if replication_factor is None:
            brokers = len(admin.describe_cluster()["brokers"])
            replication_factor = max(1, min(MAX_REPLICATION_FACTOR, brokers))
        settings = dict(TOPIC_CONFIG)
        if replication_factor >= MAX_REPLICATION_FACTOR:
            settings["min.insync.replicas"] = CLUSTER_MIN_INSYNC_REPLICAS
        settings.update(configs or {})
        try:
            admin.create_topics(
                {
                    topic: {
                        "num_partitions": partitions,
                        "replication_factor": replication_factor,
                        "configs": settings,
                    }
                },
                wait_for_metadata=True,
            )
        except TopicAlreadyExistsError:
            return False
        return True


class TopicRecreated(NotRetryable):
    """State that recorded offsets of one topic meets a topic of the same name with another id:
    the topic was deleted and created again, and the old offsets mean nothing on the new log."""


def topic_id(bootstrap: str, topic: str) -> str:
    """The topic's id, a UUID string that changes when the topic is deleted and created again
    ("" from a broker older than 2.8, which has no ids). LkError if the topic does not exist."""
    with admin_client(bootstrap) as admin:
        described = admin.describe_topics([topic])
    for entry in described:
        if entry.get("name") == topic and entry.get("error_code") == 0:
            found = str(entry.get("topic_id") or "")
            return "" if found.strip("0-") == "" else found
    raise LkError(f"topic {topic!r} does not exist at {bootstrap}")


def check_topic_id(
    topic: str, recorded: str | None, current: str, *, state: object, start_over: str
) -> None:
    """Refuse (TopicRecreated, one line) when `state` (a folder, named in the message) recorded
    another id of `topic` than the `current` one; `start_over` says what to do instead. Nothing
    to compare (no id recorded yet, or a broker without ids) passes."""
    if recorded and current and recorded != current:
        raise TopicRecreated(
            f"topic {topic!r} was deleted and created again (id {recorded} in {state}, "
            f"{current} now): its offsets belong to the old log and are not resumed; {start_over}"
        )


def delete_topic(bootstrap: str, topic: str) -> None:
    """Delete a topic (benchmarks and tests clean up their own)."""
    with admin_client(bootstrap) as admin:
        admin.delete_topics([topic])


def list_topics(bootstrap: str) -> list[str]:
    """User topics on the cluster, sorted, without Kafka's internal ones."""
    with admin_client(bootstrap) as admin:
        return sorted(name for name in admin.list_topics() if not name.startswith("__"))


def _offsets_consumer(bootstrap: str) -> contextlib.AbstractContextManager[KafkaConsumer]:
    return _connected(
        bootstrap,
        lambda: KafkaConsumer(
            bootstrap_servers=bootstrap,
            request_timeout_ms=CONNECT_TIMEOUT_MS + 1,
            bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
            isolation_level=ISOLATION_LEVEL,
            client_id="lk-offsets",
        ),
    )


def _partitions(consumer: KafkaConsumer, bootstrap: str, topic: str) -> list[TopicPartition]:
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise LkError(f"topic {topic!r} does not exist at {bootstrap}")
    return [TopicPartition(topic, p) for p in sorted(partitions)]


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Per partition, where a read-committed reader stops now: the end offset, or the last
    stable offset while a transaction is open. Offsets may have gaps (transaction markers,
    aborted records): the number of records read up to it is at most, not exactly, the sum."""
    with _offsets_consumer(bootstrap) as consumer:
        offsets = consumer.end_offsets(_partitions(consumer, bootstrap, topic))
        return {tp.partition: offset for tp, offset in sorted(offsets.items())}


def start_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Per partition, the first offset the log still holds (its log start offset): 0 until
    retention or DeleteRecords removes the head of the log."""
    with _offsets_consumer(bootstrap) as consumer:
        offsets = consumer.beginning_offsets(_partitions(consumer, bootstrap, topic))
        return {tp.partition: offset for tp, offset in sorted(offsets.items())}


def deleted_unread(resume: dict[int, int], log_start: dict[int, int]) -> dict[int, list[int]]:
    """Per partition whose next offset to read (`resume`; a partition missing from it starts at
    0) is below the log start: [first, last] of the offsets deleted before they were read."""
    return {
        partition: [resume.get(partition, 0), start - 1]
        for partition, start in sorted(log_start.items())
        if resume.get(partition, 0) < start
    }


def describe_gaps(gaps: dict[int, list[int]]) -> str:
    """`partition 0, offsets 4-5` for each gap, joined with `; `."""
    return "; ".join(
        f"partition {p}, offset{'s' if a != b else ''} {a}{f'-{b}' if a != b else ''}"
        for p, (a, b) in sorted(gaps.items())
    )


def offsets_before(bootstrap: str, topic: str, timestamp_ms: int) -> dict[int, int]:
    """Per partition, the first offset whose ingestion time is at or after `timestamp_ms`
    (the end offset when every record is older): reading up to it takes exactly the records
    ingested before that moment, however often it is asked; never past the last stable offset."""
    with _offsets_consumer(bootstrap) as consumer:
        partitions = _partitions(consumer, bootstrap, topic)
        ends = consumer.end_offsets(partitions)
        found = consumer.offsets_for_times({tp: timestamp_ms for tp in partitions})
        return {
            tp.partition: min(found[tp].offset, ends[tp]) if found.get(tp) is not None else ends[tp]
            for tp in partitions
        }


def topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    """The topic's effective configuration, inherited broker defaults included."""
    from kafka.admin import ConfigResource, ConfigResourceType

    with admin_client(bootstrap) as admin:
        result = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter="all"
        )
    entries = result.get("topic", {}).get(topic, {})
    return {name: str(entry.get("value")) for name, entry in entries.items()}
