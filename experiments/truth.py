"""`lk truth`: the oracle's views, computed from the raw log without Spark.

The whole topic is read from offset 0 up to the end offsets taken at the start, each record is
checked with the Python validator (`views.validation`), and the views are computed by the
DuckDB SQL of `experiments.oracle_sql`. Outputs go to `truth/` under the data directory, each
file published with an atomic rename, so a concurrent reader sees the old file or the new one.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from core.atomic import write_json
from core.errors import LkError
from core.kafka_client import BOOTSTRAP_TIMEOUT_MS, CONNECT_TIMEOUT_MS, end_offsets
from core.kafka_client import no_broker_message as _no_broker_message
from core.layout import Layout
from core.locks import exclusive_lock
from core.settings import Settings
from experiments.oracle_sql import view_sql
from views.catalog import views_at
from views.validation import check_record, parse_event_time

MEMORY_LIMIT = "1GB"
READ_DEADLINE_SECONDS = 600.0
"""Reading the log gives up after this long instead of hanging on a broker that stopped."""
CENT = Decimal("0.01")

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
    ]
)
"""The `events` relation the oracle SQL reads: accepted events, duplicates still in."""

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
"""A rejected record: where it came from (ingestion time as naive UTC), its raw bytes, why."""


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One record of the topic: where it sits, its ingestion time (epoch ms) and raw value."""

    partition: int
    offset: int
    timestamp: int
    value: bytes | None


def read_log(
    settings: Settings,
    *,
    end: dict[int, int] | None = None,
    deadline_seconds: float = READ_DEADLINE_SECONDS,
) -> list[LogRecord]:
    """Every record of `settings.topic` from offset 0 up to `end` (default: the end offsets now),
    in (partition, offset) order; one row is one Kafka record."""
    bootstrap, topic = settings.bootstrap, settings.topic
    if end is None:
        end = end_offsets(bootstrap, topic)
    wanted = {p: stop for p, stop in end.items() if stop > 0}
    if not wanted:
        return []
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            client_id="lk-truth",
            request_timeout_ms=CONNECT_TIMEOUT_MS + 1,
            bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
            max_partition_fetch_bytes=8 * 1024 * 1024,
            fetch_max_bytes=64 * 1024 * 1024,
        )
    except KafkaError as error:
        raise LkError(_no_broker_message(bootstrap)) from error
    partitions = [TopicPartition(topic, p) for p in sorted(wanted)]
    by_partition: dict[int, list[LogRecord]] = {p: [] for p in wanted}
    deadline = time.monotonic() + deadline_seconds
    try:
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        remaining = set(partitions)
        while remaining:
            if time.monotonic() > deadline:
                raise LkError(
                    f"reading topic {topic!r} at {bootstrap} took longer than "
                    f"{deadline_seconds:.0f} s; {_progress(consumer, remaining, wanted)}"
                )
            for tp, messages in consumer.poll(timeout_ms=500).items():
                stop = wanted[tp.partition]
                kept = by_partition[tp.partition]
                for message in messages:
                    if message.offset < stop:  # records appended after the start wait for next time
                        kept.append(
                            LogRecord(
                                message.partition, message.offset, message.timestamp, message.value
                            )
                        )
            for tp in list(remaining):
                if consumer.position(tp) >= wanted[tp.partition]:
                    remaining.discard(tp)
                    consumer.pause(tp)
    except KafkaError as error:
        raise LkError(f"reading topic {topic!r} at {bootstrap} failed: {error}") from error
    finally:
        consumer.close()
    return [record for p in sorted(by_partition) for record in by_partition[p]]


def _progress(consumer: KafkaConsumer, remaining: set[TopicPartition], end: dict[int, int]) -> str:
    parts = []
    for tp in sorted(remaining, key=lambda tp: tp.partition):
        try:
            position = consumer.position(tp)
        except KafkaError:
            position = "?"
        parts.append(f"partition {tp.partition} at offset {position} of {end[tp.partition]}")
    return "still missing: " + ", ".join(parts)


def classify(records: list[LogRecord], topic: str) -> tuple[pa.Table, pa.Table]:
    """Split records into the `events` table (accepted, duplicates in) and the rejected table;
    a row of the first is one accepted record, of the second one rejected record."""
    events: dict[str, list] = {name: [] for name in EVENTS_SCHEMA.names}
    rejected: dict[str, list] = {name: [] for name in REJECTED_SCHEMA.names}
    for record in records:
        checked = check_record(record.value)
        if checked.accepted:
            event = checked.event
            events["event_id"].append(event["event_id"])
            events["user_id"].append(event["user_id"])
            events["action"].append(event["action"])
            events["product_id"].append(event["product_id"])
            amount = Decimal(str(event["amount"])).quantize(CENT, rounding=ROUND_HALF_UP)
            events["amount"].append(amount)
            moment = parse_event_time(event["event_time"])
            events["event_time"].append(moment.replace(tzinfo=None))  # naive UTC
            events["kafka_partition"].append(record.partition)
            events["kafka_offset"].append(record.offset)
        else:
            rejected["topic"].append(topic)
            rejected["partition"].append(record.partition)
            rejected["offset"].append(record.offset)
            rejected["ingestion_time"].append(record.timestamp * 1000)  # ms -> us, naive UTC
            rejected["value"].append(record.value)
            rejected["reason"].append(checked.reason)
    return (
        pa.Table.from_pydict(events, schema=EVENTS_SCHEMA),
        pa.Table.from_pydict(rejected, schema=REJECTED_SCHEMA),
    )


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the project's memory limit, in UTC."""
    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def compute_truth(settings: Settings, version: str = "v1") -> dict:
    """Read the whole log, compute every view of `version` with DuckDB, publish them under
    `truth/` with `rejected.parquet` and `summary.json`; return the summary (one run)."""
    views = views_at(version)
    started = time.monotonic()
    end = end_offsets(settings.bootstrap, settings.topic)
    records = read_log(settings, end=end)
    records_read = len(records)
    read_seconds = time.monotonic() - started
    events, rejected = classify(records, settings.topic)
    del records

    folder = Layout(settings.data_dir).truth
    folder.mkdir(parents=True, exist_ok=True)
    connection = connect()
    try:
        connection.register("events", events)
        connection.register("rejected", rejected)
        summary = _summarise(connection, settings, version, end, records_read)
        if not summary["balanced"]:
            raise LkError(
                f"the oracle read {summary['records_read']} records but classified "
                f"{summary['accepted'] + summary['rejected']}: nothing published"
            )
        with exclusive_lock(folder / ".lock"):
            rows = {}
            for view in views:
                sql = view_sql(view.name, view.params)
                rows[view.name] = _publish(connection, sql, folder / f"{view.name}.parquet")
            _publish(
                connection,
                'SELECT * FROM rejected ORDER BY partition, "offset"',
                folder / "rejected.parquet",
            )
            summary["view_rows"] = rows
            summary["seconds"] = {
                "read": round(read_seconds, 3),
                "total": round(time.monotonic() - started, 3),
            }
            summary["computed_at"] = datetime.now(UTC).isoformat()
            summary["folder"] = str(folder)
            write_json(folder / "summary.json", summary)
    finally:
        connection.close()
    return summary


def _summarise(
    connection: duckdb.DuckDBPyConnection,
    settings: Settings,
    version: str,
    end: dict[int, int],
    records_read: int,
) -> dict:
    accepted, distinct, first, last = connection.execute(
        "SELECT count(*), count(DISTINCT event_id), min(event_time), max(event_time) FROM events"
    ).fetchone()
    reasons = dict(
        connection.execute(
            "SELECT reason, count(*) FROM rejected GROUP BY reason ORDER BY reason"
        ).fetchall()
    )
    rejected = sum(reasons.values())
    return {
        "topic": settings.topic,
        "bootstrap": settings.bootstrap,
        "logic_version": version,
        "end_offsets": {str(p): offset for p, offset in sorted(end.items())},
        # Offsets run 0 .. end - 1 without gaps unless a transactional producer wrote markers.
        "records_in_log": sum(end.values()),
        "records_read": records_read,
        "accepted": accepted,
        "distinct_events": distinct,
        "duplicates": accepted - distinct,
        "rejected": rejected,
        "rejected_by_reason": reasons,
        "balanced": records_read == accepted + rejected,
        "first_event_time": _iso(first),
        "last_event_time": _iso(last),
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat()


def _publish(connection: duckdb.DuckDBPyConnection, sql: str, path: Path) -> int:
    """Write the rows of `sql` to a Parquet file at `path` atomically; return how many rows."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        copied = connection.execute(
            f"COPY ({sql}) TO {_literal(str(temporary))} (FORMAT parquet)"
        ).fetchone()
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return int(copied[0])


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def format_summary(summary: dict) -> str:
    """A few readable lines for the terminal: one line per fact about the oracle run."""
    check = "ok" if summary["balanced"] else "MISMATCH"
    lines = [
        f"truth of topic {summary['topic']!r} with logic {summary['logic_version']}: "
        f"{summary['records_read']:,} records read = {summary['accepted']:,} accepted + "
        f"{summary['rejected']:,} rejected ({check})",
        f"distinct events {summary['distinct_events']:,} "
        f"({summary['duplicates']:,} duplicates counted once), event time "
        f"{summary['first_event_time'] or '-'} .. {summary['last_event_time'] or '-'}",
    ]
    if summary["records_read"] != summary["records_in_log"]:
        lines.append(
            f"note: the end offsets span {summary['records_in_log']:,} offsets but "
            f"{summary['records_read']:,} records were read"
        )
    if summary["rejected_by_reason"]:
        reasons = ", ".join(f"{r} {n:,}" for r, n in summary["rejected_by_reason"].items())
        lines.append(f"rejected by reason: {reasons}")
    if summary.get("view_rows"):
        rows = ", ".join(f"{name} {n:,}" for name, n in summary["view_rows"].items())
        lines.append(f"view rows: {rows}")
    if summary.get("folder"):
        seconds = summary.get("seconds", {}).get("total")
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        lines.append(f"written to {summary['folder']}{took}")
    return "\n".join(lines)
