"""Send records to Kafka, paced or flat out, with a progress bar and a summary of what went."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError

from core.errors import LkError
from core.kafka_client import BOOTSTRAP_TIMEOUT_MS, no_broker_message
from views.events import MAX_RECORD_BYTES
from views.validation import check_record
from workloads.records import Record, format_event_time


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


def open_producer(bootstrap: str) -> KafkaProducer:
    """An idempotent, acks=all producer; a missing broker becomes one readable LkError."""
    try:
        return KafkaProducer(
            bootstrap_servers=bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            batch_size=256 * 1024,
            max_block_ms=10_000,
            bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
            client_id="lk-producer",
        )
    except KafkaError as error:
        raise LkError(no_broker_message(bootstrap)) from error


def send_records(
    records: Iterable[Record],
    bootstrap: str,
    topic: str,
    *,
    paced: bool = False,
    total: int | None = None,
    show_progress: bool | None = None,
) -> SendSummary:
    """Send every record (in order, keyed by user) and wait until the broker has acknowledged all.

    Paced runs send each record at its `send_at`; otherwise records go as fast as Kafka takes them.
    A record of kind "skipped", or with a value over MAX_RECORD_BYTES (or too big for Kafka), is
    counted in the summary with its reason and not sent: one oversized record never stops the run.
    """
    summary = SendSummary()
    failures: list[Exception] = []
    producer = open_producer(bootstrap)
    progress = _Progress(total, show_progress)
    started = time.perf_counter()
    try:
        for record in records:
            if paced:
                ahead = record.send_at - (time.perf_counter() - started)
                if ahead > 0.002:
                    time.sleep(ahead)
            if record.kind != "skipped" and len(record.value) > MAX_RECORD_BYTES:
                record = _skipped(record, f"too_large: {len(record.value)} bytes")
            if record.kind != "skipped":
                try:
                    future = producer.send(topic, key=record.key, value=record.value)
                except MessageSizeTooLargeError:  # bigger than this producer may send
                    record = _skipped(record, "too_large")
                else:
                    future.add_errback(failures.append)
            summary.add(record)
            progress.advance(summary.records)
            if failures:
                break
        producer.flush()
    except KafkaTimeoutError as error:
        raise LkError(f"Kafka at {bootstrap} stopped accepting records: {error}") from error
    except KafkaError as error:  # e.g. a record larger than the broker accepts
        raise LkError(f"Kafka refused record {summary.records + 1}: {error}") from error
    finally:
        producer.close(timeout=10)
        progress.close()
    summary.seconds = time.perf_counter() - started
    if failures:
        raise LkError(f"sending to {topic!r} failed after {summary.records} records: {failures[0]}")
    return summary


def _skipped(record: Record, reason: str) -> Record:
    """The record marked as not sent, with why."""
    return Record(None, b"", "skipped", record.send_at, reason=reason)


class _Progress:
    """A one-line progress bar on stderr, shown only on a terminal."""

    def __init__(self, total: int | None, show: bool | None) -> None:
        self.total = total
        self.show = sys.stderr.isatty() if show is None else show
        self.started = time.perf_counter()
        self.last_drawn = 0.0

    def advance(self, done: int) -> None:
        now = time.perf_counter()
        if not self.show or now - self.last_drawn < 0.2:
            return
        self.last_drawn = now
        rate = done / max(now - self.started, 1e-9)
        if self.total:
            filled = int(30 * min(done / self.total, 1.0))
            bar = "#" * filled + "-" * (30 - filled)
            sys.stderr.write(f"\r[{bar}] {done:,}/{self.total:,} records  {rate:,.0f}/s ")
        else:
            sys.stderr.write(f"\r{done:,} records  {rate:,.0f}/s ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.show:
            sys.stderr.write("\n")
            sys.stderr.flush()
