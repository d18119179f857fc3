"""Send records to Kafka, paced or flat out, with a progress bar and a summary of what went.

The client is confluent-kafka (librdkafka, in C). kafka-python's producer is pure Python: it
reached a tenth of Kafka's own ProducerPerformance (`lk bench produce`), and with the C `crc32c`
package 10k-15k records/s, against librdkafka's 85k-130k on the same machine and records.
librdkafka is configured to place a keyed record on the same partition as the Java client and
kafka-python do (murmur2 of the key bytes), so the log is laid out as before.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException, Producer, libversion, version

from core.errors import LkError
from core.kafka_client import BOOTSTRAP_TIMEOUT_MS, no_broker_message
from core.settings import DEFAULT_DELIVERY_TIMEOUT
from views.events import MAX_RECORD_BYTES
from views.validation import check_record
from workloads.progress import Progress
from workloads.records import Record, format_event_time

PRODUCER_CONFIG = {
    "acks": "all",
    "enable.idempotence": True,
    "linger.ms": 5,
    "batch.size": 256 * 1024,
    # murmur2 of the key bytes, as the Java client and kafka-python partition a keyed record
    # (librdkafka's default, consistent_random, is CRC32 and would place keys elsewhere); a
    # record without a key goes to any partition, as before.
    "partitioner": "murmur2_random",
    "message.max.bytes": 1_048_576,  # kafka-python's max_request_size: the same records fit
    "delivery.report.only.error": True,  # the delivery callback runs for failures only
    "client.id": "lk-producer",
    "log_level": 0,  # no librdkafka lines on the terminal: a failure is reported once, by us
}
"""librdkafka settings of every producer (the first four are also ProducerPerformance's in
`lk bench produce`)."""
DELIVERY_TIMEOUT_SECONDS = DEFAULT_DELIVERY_TIMEOUT
"""How long a record may wait for its acknowledgement (librdkafka's message.timeout.ms) before
the run fails: with acks=all, until enough in-sync replicas hold it."""
UNACKNOWLEDGED = {
    KafkaError._MSG_TIMED_OUT,
    KafkaError.NOT_ENOUGH_REPLICAS,
    KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    KafkaError.REQUEST_TIMED_OUT,
}
"""Delivery errors that mean: too few in-sync replicas took the record in time (brokers down)."""
MAX_BLOCK_SECONDS = 10.0
"""How long a full local queue may wait for the broker before the run fails."""
CLOSE_SECONDS = 10.0
"""How long an interrupted or failed run waits for records already handed to the producer."""
POLL_EVERY = 1_000
"""An unpaced run polls for delivery errors every this many records (a paced run, every record)."""


@dataclass
class SendSummary:
    """What one `lk produce` run sent: records by kind, lateness, time span and rate, and how
    many records were sent to be rejected (by reason) or skipped (by reason)."""

    records: int = 0
    """Records sent to the topic (skipped ones are not)."""
    kinds: Counter = field(default_factory=Counter)
    """Records by kind: event, duplicate, malformed, skipped."""
    rejected_reasons: Counter = field(default_factory=Counter)
    """Malformed records sent, by the reason the pipelines will reject them for."""
    skipped_reasons: Counter = field(default_factory=Counter)
    """Records not sent, by why (e.g. too_large: 2000000 bytes, blank_line)."""
    late: int = 0
    first_event_ms: int | None = None
    last_event_ms: int | None = None
    seconds: float = 0.0

    def add(self, record: Record) -> None:
        """Count one record; a skipped record is counted but not as sent."""
        self.kinds[record.kind] += 1
        if record.kind == "skipped":
            self.skipped_reasons[_reason_kind(record.reason or "unknown")] += 1
            return
        self.records += 1
        if record.kind == "malformed":
            reason = (
                record.reason or check_record(record.value).reason or "not_rejected_by_validation"
            )
            self.rejected_reasons[reason] += 1
        self.late += record.late
        moment = record.event_time_ms
        if moment is not None:
            self.first_event_ms = (
                moment if self.first_event_ms is None else min(self.first_event_ms, moment)
            )
            self.last_event_ms = (
                moment if self.last_event_ms is None else max(self.last_event_ms, moment)
            )

    def as_dict(self) -> dict:
        """The summary as ordered figures; reasons as {reason: count}, most frequent first."""
        return {
            "records": self.records,
            "events": self.kinds["event"],
            "duplicates": self.kinds["duplicate"],
            "malformed": self.kinds["malformed"],
            "malformed_reasons": dict(self.rejected_reasons.most_common()),
            "skipped": self.kinds["skipped"],
            "skipped_reasons": dict(self.skipped_reasons.most_common()),
            "late": self.late,
            "first_event_time": _maybe_time(self.first_event_ms),
            "last_event_time": _maybe_time(self.last_event_ms),
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records / self.seconds) if self.seconds else None,
        }


def _reason_kind(reason: str) -> str:
    """A skip reason without its detail, so that sizes do not make a reason each."""
    return reason.split(":")[0]


def _maybe_time(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else format_event_time(epoch_ms)


def producer_library() -> str:
    """The client that sends, e.g. "confluent-kafka 2.16.1 (librdkafka 2.16.0)"."""
    return f"confluent-kafka {version()} (librdkafka {libversion()[0]})"


def open_producer(
    bootstrap: str,
    topic: str,
    failures: list[KafkaError],
    *,
    delivery_timeout: float = DELIVERY_TIMEOUT_SECONDS,
) -> Producer:
    """An idempotent, acks=all producer, connected and with `topic` known to the broker; every
    delivery error (and a fatal producer error) is appended to `failures` when the producer is
    polled; a record not acknowledged within `delivery_timeout` s is one. A missing broker, or
    a missing topic, becomes one readable LkError."""
    timeout_ms = round(delivery_timeout * 1000)
    config = {
        **PRODUCER_CONFIG,
        "message.timeout.ms": timeout_ms,  # a record not acknowledged by then is a delivery error
        "request.timeout.ms": min(30_000, timeout_ms),
        "bootstrap.servers": bootstrap,
        "on_delivery": lambda error, _message: error and failures.append(error),
        "error_cb": lambda error: failures.append(error) if error.fatal() else None,
    }
    deadline = time.monotonic() + BOOTSTRAP_TIMEOUT_MS / 1000
    try:
        producer = Producer(config)
        while not _knows_topic(producer, topic):  # a topic just created may not be known yet
            if time.monotonic() > deadline:
                producer.close()
                raise LkError(f"topic {topic!r} does not exist at {bootstrap}")
            time.sleep(0.2)
    except KafkaException as error:
        raise LkError(no_broker_message(bootstrap)) from error
    return producer


def _knows_topic(producer: Producer, topic: str) -> bool:
    """Whether the broker's metadata has the topic (KafkaException when no broker answers)."""
    found = producer.list_topics(topic, timeout=BOOTSTRAP_TIMEOUT_MS / 1000).topics.get(topic)
    return found is not None and not (
        found.error and found.error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    )


def send_records(
    records: Iterable[Record],
    bootstrap: str,
    topic: str,
    *,
    paced: bool = False,
    total: int | None = None,
    show_progress: bool | None = None,
    delivery_timeout: float = DELIVERY_TIMEOUT_SECONDS,
) -> SendSummary:
    """Send every record (in order, keyed by user) and wait until the broker has acknowledged all.

    Paced runs send each record at its `send_at`; otherwise records go as fast as Kafka takes them.
    A record of kind "skipped", or with a value over MAX_RECORD_BYTES (or too big for Kafka), is
    counted in the summary with its reason and not sent: one oversized record never stops the run.
    The first delivery error stops the run (LkError): a record Kafka did not acknowledge within
    `delivery_timeout` s (acks=all: too few in-sync replicas, e.g. brokers down) is refused,
    never counted as sent. Ctrl-C stops it after waiting up to CLOSE_SECONDS for the records
    already handed to the producer.
    """
    summary = SendSummary()
    failures: list[KafkaError] = []
    producer = open_producer(bootstrap, topic, failures, delivery_timeout=delivery_timeout)
    progress = Progress(total, show_progress)
    produce, count = producer.produce, summary.add
    started = time.perf_counter()
    try:
        for index, record in enumerate(records):
            if paced:
                ahead = record.send_at - (time.perf_counter() - started)
                if ahead > 0.002:
                    time.sleep(ahead)
            if record.kind != "skipped":
                if len(record.value) > MAX_RECORD_BYTES:
                    record = _skipped(record, f"too_large: {len(record.value)} bytes")
                else:
                    try:
                        produce(topic, record.value, record.key)
                    except BufferError:  # the local queue is full: wait for deliveries
                        _produce_when_room(producer, topic, record, bootstrap)
                    except KafkaException as error:
                        if error.args[0].code() != KafkaError.MSG_SIZE_TOO_LARGE:
                            raise
                        record = _skipped(record, "too_large")  # bigger than this producer sends
            count(record)
            progress.advance(summary.records)
            if paced or index % POLL_EVERY == 0:
                producer.poll(0)  # serves the delivery-error callback
                if failures:
                    break
        producer.flush()
    except KafkaException as error:
        raise LkError(
            f"Kafka refused record {summary.records + 1}: {_describe(error.args[0])}"
        ) from error
    finally:
        _close(producer)
        progress.close()
    summary.seconds = time.perf_counter() - started
    if failures:
        hint = ""
        if failures[0].code() in UNACKNOWLEDGED:
            hint = (
                f": not acknowledged by enough in-sync replicas within {delivery_timeout:g} s "
                "(acks=all); are brokers down? see `lk kafka status`"
            )
        raise LkError(
            f"sending to {topic!r} failed after {summary.records} records: "
            f"{_describe(failures[0])}{hint}"
        )
    return summary


def _produce_when_room(producer: Producer, topic: str, record: Record, bootstrap: str) -> None:
    """Hand the record to the producer once its queue has room; LkError if none comes within
    MAX_BLOCK_SECONDS (the broker stopped taking records)."""
    deadline = time.monotonic() + MAX_BLOCK_SECONDS
    while True:
        producer.poll(0.05)
        try:
            producer.produce(topic, record.value, record.key)
            return
        except BufferError:
            if time.monotonic() > deadline:
                raise LkError(
                    f"Kafka at {bootstrap} stopped accepting records: "
                    f"{len(producer):,} records still waiting after {MAX_BLOCK_SECONDS:g} s"
                ) from None


def _close(producer: Producer) -> None:
    """Wait up to CLOSE_SECONDS for what is still queued (all of it after a normal run), drop
    the rest (after Ctrl-C or an error), and close the producer."""
    if len(producer) and producer.flush(CLOSE_SECONDS):
        producer.purge()
        producer.flush(0)
    producer.close()


def _describe(error: KafkaError) -> str:
    """librdkafka's error as one line, e.g. "Broker: Message size too large (MSG_SIZE_TOO_LARGE)"."""
    return f"{error.str()} ({error.name()})"


def _skipped(record: Record, reason: str) -> Record:
    """The record marked as not sent, with why."""
    return Record(None, b"", "skipped", record.send_at, reason=reason)
