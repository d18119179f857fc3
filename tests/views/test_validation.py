"""The event contract: what is accepted, and the reason for each kind of rejection."""

import json

import pytest

from views.events import EVENT_FIELDS, REJECTION_REASONS
from views.validation import check_record, parse_event_time

GOOD = {
    "event_id": "e-1",
    "user_id": "u00001",
    "action": "purchase",
    "product_id": "p00001",
    "amount": 12.5,
    "event_time": "2026-01-01T00:00:00.000Z",
}


def value(**changes) -> bytes:
    event = {**GOOD, **changes}
    return json.dumps({k: v for k, v in event.items() if v is not ...}).encode()


def test_a_valid_event_is_accepted_with_its_fields_in_schema_order():
    checked = check_record(value())
    assert checked.accepted
    assert list(checked.event) == [field.name for field in EVENT_FIELDS]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"product_id": None}, None),
        ({"action": "view", "amount": 0}, None),
        ({"event_time": "2026-01-01T00:00:00Z"}, None),
        ({"event_time": "2026-01-01T00:00:00.123+00:00"}, None),
        ({"user_id": ...}, "missing_field: user_id"),
        ({"event_id": None}, "missing_field: event_id"),
        ({"event_id": ""}, "missing_field: event_id"),
        ({"amount": "12.50"}, "wrong_type: amount"),
        ({"amount": True}, "wrong_type: amount"),
        ({"user_id": 7}, "wrong_type: user_id"),
        ({"action": "hover"}, "unknown_action"),
        ({"amount": -0.01}, "negative_amount"),
        ({"action": "view", "amount": 3.0}, "amount_without_purchase"),
        ({"event_time": "2026-02-30T10:00:00.000Z"}, "impossible_timestamp"),
        ({"event_time": "2026-01-01T25:00:00.000Z"}, "impossible_timestamp"),
        ({"event_time": "1066-10-14T09:00:00.000Z"}, "impossible_timestamp"),
        ({"event_time": "2026-01-01T00:00:00.000"}, "impossible_timestamp"),  # no time zone
        ({"event_time": "2026-01-01T00:00:00.000+02:00"}, "impossible_timestamp"),  # not UTC
    ],
)
def test_each_rule(changes, reason):
    assert check_record(value(**changes)).reason == reason


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"event_id": "e-1", "user', "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b"[" * 100_000, "invalid_json"),  # too deep to parse: rejected, not a crash
        (value().decode().encode("utf-16"), "invalid_json"),  # the contract says UTF-8
        (b"[1, 2]", "not_an_object"),
        (None, "invalid_json"),
    ],
)
def test_records_that_are_not_event_objects(raw, reason):
    assert check_record(raw).reason == reason


def test_every_reason_is_a_documented_one():
    samples = [
        value(user_id=...),
        value(amount="x"),
        value(action="x"),
        value(amount=-1),
        value(action="click", amount=1),
        value(event_time="x"),
        b"{",
        b"1",
    ]
    for sample in samples:
        assert check_record(sample).reason.split(":")[0] in REJECTION_REASONS


def test_event_time_parses_to_aware_utc():
    moment = parse_event_time("2026-01-01T00:00:00.250Z")
    assert moment.utcoffset().total_seconds() == 0
    assert moment.microsecond == 250_000
