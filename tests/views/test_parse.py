"""Spark's parse and Python's check give the same verdict on every record."""

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.views.test_validation import value
from views.parse import accepted_events, parse_events, rejected_records
from views.validation import check_record
from workloads.generator import generate
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

EDGE_CASES = [
    value(),
    value(product_id=None),
    value(action="view", amount=0),
    value(event_time="2026-01-01T00:00:00Z"),
    value(event_time="2026-01-01T00:00:00.123+00:00"),
    value(user_id=...),
    value(event_id=None),
    value(event_id=""),
    value(amount="12.50"),
    value(amount=True),
    value(amount=1e12),
    value(amount=12.345),
    value(user_id=7),
    value(product_id=5),
    value(action="hover"),
    value(amount=-0.01),
    value(action="view", amount=3.0),
    value(event_time="2026-02-30T10:00:00.000Z"),
    value(event_time="2026-01-01T25:00:00.000Z"),
    value(event_time="1066-10-14T09:00:00.000Z"),
    value(event_time="2026-01-01T00:00:00.000"),
    value(event_time="2026-01-01T00:00:00.000+02:00"),
    value(event_time=20260101),
    b'{"event_id": "e-1", "user',
    b"\xff\xfe",
    b"[1, 2]",
    value().decode().encode("utf-16"),
    b"\xef\xbb\xbf" + value(),  # a UTF-8 byte-order mark
    b'"just a string"',
    b"",
    None,  # a tombstone: a record without a value
    value(action="view", amount=0.001),  # rounds to 0.00: no amount
    value(amount=-0.001),  # rounds to -0.00: not negative
    value(amount=9999999999.999),  # rounds out of decimal(12,2)
]


APPENDED = datetime(2101, 1, 1, tzinfo=UTC)
"""After every possible event time: only the value is judged here."""


def test_spark_and_python_agree_on_every_record(spark):
    values = EDGE_CASES + [r.value for r in generate(SCENARIOS["dirty"], seed=5, events=3_000)]
    raw = spark.createDataFrame(
        [("t", 0, offset, APPENDED, v) for offset, v in enumerate(values)],
        "topic string, partition int, offset long, timestamp timestamp, value binary",
    )
    parsed = {row.offset: row for row in parse_events(raw).collect()}
    assert len(parsed) == len(values)
    for offset, raw_value in enumerate(values):
        expected = check_record(raw_value)
        row = parsed[offset]
        assert row.reason == expected.reason, raw_value
        assert row.value == raw_value
        if expected.accepted:
            event = expected.event
            assert (row.event_id, row.user_id, row.action, row.product_id) == (
                event["event_id"],
                event["user_id"],
                event["action"],
                event["product_id"],
            )
            assert row.amount == Decimal(str(event["amount"])).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )  # as Spark rounds
            moment = datetime.fromisoformat(event["event_time"]).astimezone(UTC)
            assert row.event_time == moment.replace(tzinfo=None)


def test_accepted_plus_rejected_is_every_record(spark):
    values = EDGE_CASES * 3
    raw = spark.createDataFrame(
        [("t", 1, offset, APPENDED, v) for offset, v in enumerate(values)],
        "topic string, partition int, offset long, timestamp timestamp, value binary",
    )
    parsed = parse_events(raw)
    accepted, rejected = accepted_events(parsed).count(), rejected_records(parsed).count()
    assert accepted + rejected == len(values)
    assert accepted == 3 * sum(check_record(v).accepted for v in EDGE_CASES)
    assert set(rejected_records(parsed).columns) == {
        "topic",
        "partition",
        "offset",
        "ingestion_time",
        "value",
        "reason",
    }
    assert json.loads(EDGE_CASES[0])["event_id"] in {
        r.event_id for r in accepted_events(parsed).collect()
    }
