"""Helpers for the topic tests: a one-partition topic of our own, raw records sent byte for byte
(as the cases were), a topic deleted and created again, and transactions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kafka import KafkaProducer

from core.kafka_client import delete_topic, ensure_topic, list_topics, topic_id
from core.net import wait_until
from workloads.records import user_key

CASES = Path(__file__).parent.parent / "cases"
"""Copies of the case inputs (tests never read /work/shared)."""


@contextmanager
def single_partition_topic(bootstrap: str) -> Iterator[str]:
    """A fresh one-partition topic (the cases use one), deleted afterwards."""
    name = f"topics-{uuid.uuid4().hex[:12]}"
    ensure_topic(bootstrap, name, partitions=1)
    try:
        yield name
    finally:
        if name in list_topics(bootstrap):
            delete_topic(bootstrap, name)


def _key(value: bytes) -> bytes | None:
    """The record key: the `user_id` of the line, when it has one."""
    try:
        document = json.loads(value)
    except ValueError:
        return None
    return user_key(document.get("user_id")) if isinstance(document, dict) else None


def send_lines(bootstrap: str, topic: str, path: Path) -> int:
    """Send each line of the file as one record value, byte for byte; how many were sent."""
    lines = [line for line in path.read_bytes().splitlines() if line]
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        for line in lines:
            producer.send(topic, value=line, key=_key(line))
        producer.flush()
    finally:
        producer.close()
    return len(lines)


def recreate_topic(bootstrap: str, topic: str, timeout: float = 60.0) -> tuple[str, str]:
    """Delete the topic, wait until the broker no longer lists it, create it again (one
    partition); (old id, new id)."""
    old = topic_id(bootstrap, topic)
    delete_topic(bootstrap, topic)
    gone = wait_until(lambda: topic not in list_topics(bootstrap), timeout, interval_s=0.2)
    assert gone, f"{topic} still exists after {timeout} s"
    assert ensure_topic(bootstrap, topic, partitions=1)
    return old, topic_id(bootstrap, topic)


def event(event_id: str, action: str, time_of_day: str, amount: str = "0") -> bytes:
    """One valid event of u-jon on 2026-03-02 at `time_of_day` (HH:MM:SS) as JSON bytes."""
    return (
        f'{{"event_id":"{event_id}","user_id":"u-jon","action":"{action}",'
        f'"product_id":"p-1","amount":{amount},'
        f'"event_time":"2026-03-02T{time_of_day}.000Z"}}'
    ).encode()


def send_transactional_case(bootstrap: str, topic: str) -> None:
    """The transactional case: a committed view (10:10:00), an aborted purchase of 25.00
    (10:10:10), a plain click (10:10:20), a committed view (10:10:30) and purchase of 9.99
    (10:10:40). Offsets 0..7: 5 data records and 3 markers; the log ends at 8."""
    key = b"u-jon"
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, transactional_id=f"lk-test-{uuid.uuid4().hex[:8]}"
    )
    plain = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        producer.init_transactions()
        producer.begin_transaction()
        producer.send(topic, event("tx-view-1", "view", "10:10:00"), key=key)
        producer.commit_transaction()
        producer.begin_transaction()
        producer.send(topic, event("tx-buy-aborted", "purchase", "10:10:10", "25.00"), key=key)
        producer.flush()  # the record is in the log before the abort marker
        producer.abort_transaction()
        plain.send(topic, event("tx-click", "click", "10:10:20"), key=key).get(timeout=30)
        producer.begin_transaction()
        producer.send(topic, event("tx-view-2", "view", "10:10:30"), key=key)
        producer.send(topic, event("tx-buy", "purchase", "10:10:40", "9.99"), key=key)
        producer.commit_transaction()
    finally:
        producer.close()
        plain.close()
