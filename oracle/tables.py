"""The oracle's two tables: accepted events (the relation its SQL reads) and rejected records."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from oracle.log import LogRecord
from oracle.validation import judge_record

EVENTS_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("user_id", pa.string()),
        ("action", pa.string()),
        ("product_id", pa.string()),
        ("amount", pa.decimal128(12, 2)),
        ("event_time", pa.timestamp("us")),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("kafka_timestamp", pa.timestamp("us")),
    ]
)
"""The `events` relation the oracle SQL reads: one row per accepted record, duplicates still
in; amount in currency units (cents), event_time as naive UTC with microseconds, and where the
record sits in the log: partition, offset and Kafka timestamp (its append time, naive UTC)."""

REJECTED_SCHEMA = pa.schema(
    [
        ("topic", pa.string()),
        ("partition", pa.int32()),
        ("offset", pa.int64()),
        ("ingestion_time", pa.timestamp("us")),
        ("value", pa.binary()),
        ("reason", pa.string()),
    ]
)
"""One row per rejected record: where it came from, its ingestion time (Kafka's LogAppendTime
as naive UTC), its raw bytes and the reason."""


def classify(records: Iterable[LogRecord], topic: str) -> tuple[pa.Table, pa.Table]:
    """Judge every record: the `events` table (EVENTS_SCHEMA, one row per accepted record) and
    the rejected table (REJECTED_SCHEMA, one row per rejected record), together one row per
    record read."""
    events: dict[str, list] = {name: [] for name in EVENTS_SCHEMA.names}
    rejected: dict[str, list] = {name: [] for name in REJECTED_SCHEMA.names}
    for record in records:
        verdict = judge_record(record.value, record.timestamp)
        event = verdict.event
        if event is not None:
            events["event_id"].append(event.event_id)
            events["user_id"].append(event.user_id)
            events["action"].append(event.action)
            events["product_id"].append(event.product_id)
            events["amount"].append(event.amount)
            events["event_time"].append(event.event_time.replace(tzinfo=None))  # naive UTC
            events["kafka_partition"].append(record.partition)
            events["kafka_offset"].append(record.offset)
            events["kafka_timestamp"].append(record.timestamp * 1000)  # ms -> us, naive UTC
        else:
            rejected["topic"].append(topic)
            rejected["partition"].append(record.partition)
            rejected["offset"].append(record.offset)
            rejected["ingestion_time"].append(record.timestamp * 1000)  # ms -> us, naive UTC
            rejected["value"].append(record.value)
            rejected["reason"].append(verdict.reason)
    return (
        pa.Table.from_pydict(events, schema=EVENTS_SCHEMA),
        pa.Table.from_pydict(rejected, schema=REJECTED_SCHEMA),
    )
