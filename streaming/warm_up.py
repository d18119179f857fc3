"""A live job's warm-up: the work of a micro-batch, done on made-up events before the query
starts, so the first events of the log do not pay a cold JVM.

A streaming job's first micro-batches after a start run in a cold JVM: Spark compiles each
stage, and the JIT compiles the parser, the aggregations and the Arrow transfer only once they
have run for a while; the first micro-batches of a live job took tens of seconds here, and the
windows they served were that late. `warm_up` runs the job's own micro-batch work (the parse of
`views.parse`, the views, the one collected job of `streaming.collect`) a few times over
WARM_UP_RECORDS made-up records, writing nothing. It runs before the query starts, so a run
that waits for the query to start (the experiments) sends its first event to a warm job.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from core.errors import first_line

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from streaming.micro_batch import MicroBatchWriter

WARM_UP_RECORDS = 1_000
"""Made-up records per round: about a second of a live job's log at 1,000 events/s."""
WARM_UP_ROUNDS = 2
"""Rounds of the micro-batch's work: the first compiles, the next ones let the JIT work."""
WARM_UP_START = datetime(2000, 1, 1, tzinfo=UTC)
"""Event time of the made-up events: never in a real log's windows (and nothing is written)."""
ACTIONS = ("view", "view", "view", "click", "click", "purchase")


def warm_up(spark: SparkSession, writer: MicroBatchWriter) -> float:
    """Run `writer`'s micro-batch work WARM_UP_ROUNDS times over made-up records (a few rejected
    among them); the seconds it took. Never raises: a warm-up that fails is logged and the job
    starts cold."""
    from views.parse import parse_events

    started = time.monotonic()
    try:
        raw = spark.createDataFrame(_records(), KAFKA_RECORD_SCHEMA)
        for _ in range(WARM_UP_ROUNDS):
            writer.rehearse(parse_events(raw))
    except Exception as error:  # noqa: BLE001 (a warm-up must never stop a job)
        logging.getLogger(__name__).warning("warm-up failed: %s", first_line(error))
    return time.monotonic() - started


KAFKA_RECORD_SCHEMA = (
    "key binary, value binary, topic string, partition int, offset long, "
    "timestamp timestamp, timestampType int"
)
"""The columns of Spark's Kafka source."""


def _records() -> list[tuple]:
    """WARM_UP_RECORDS Kafka records: events of 100 users, a purchase every sixth, and one
    record in a hundred not JSON at all (so the rejected path runs too)."""
    records = []
    for n in range(WARM_UP_RECORDS):
        moment = WARM_UP_START + timedelta(seconds=n)
        action = ACTIONS[n % len(ACTIONS)]
        event = {
            "event_id": f"warm-up-{n}",
            "user_id": f"u{n % 100}",
            "action": action,
            "product_id": f"p{n % 37}",
            "amount": 12.34 if action == "purchase" else 0,
            "event_time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        # Compact, as producers write (views.canonical): most take the parse's fast path.
        value = b"not json" if n % 100 == 99 else json.dumps(event, separators=(",", ":")).encode()
        records.append((b"u", value, "warm-up", n % 4, n // 4, moment, 1))
    return records
