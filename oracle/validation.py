"""The oracle's own verdict on one Kafka record: an accepted event, or why it is rejected.

Written from the event contract of DESIGN.md, not from the pipelines' code. A record is
accepted when its value is one strict JSON text in UTF-8 (see `json_text`) holding an object
whose fields have the contract's types and values. The first rule broken gives the reason,
checked in this order:

1. `invalid_json`: no value (a tombstone), not UTF-8, or not one strict JSON text;
2. `not_an_object`: valid JSON but not an object;
3. per field in contract order (event_id, user_id, action, product_id, amount, event_time):
   `missing_field: <field>` when absent, or null where null is not allowed (only product_id
   may be null), then `wrong_type: <field>` when not a string (a number for amount);
4. `missing_field: event_id` / `missing_field: user_id` when that string is empty;
5. `unknown_action` unless the action is view, click or purchase;
6. `wrong_type: amount` when |amount| >= 10^10, before or after rounding to cents
   (half-up; the value must fit decimal(12,2));
7. `negative_amount` when the rounded amount is below zero;
8. `amount_without_purchase` when it is above zero and the action is not purchase;
9. `impossible_timestamp` unless event_time is an ISO-8601 UTC time
   `YYYY-MM-DDThh:mm:ss[.f{1,6}](Z|+00:00|-00:00)` of a real calendar moment in 1970..2100;
10. `future_event_time` when the record's Kafka timestamp is known and the event time is more
   than CLOCK_SKEW after it (a wrong clock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal

from oracle.json_text import JsonError, Number, parse_json

ACTIONS = frozenset({"view", "click", "purchase"})
STRING_FIELDS = ("event_id", "user_id", "action", "product_id")
FIELD_ORDER = ("event_id", "user_id", "action", "product_id", "amount", "event_time")
NULLABLE = frozenset({"product_id"})
AMOUNT_LIMIT_DIGITS = 10
MAX_RECORD_BYTES = 1_000_000
"""The largest record value the contract admits, in bytes (Kafka's default message size)."""
"""An amount's integer part may have at most 10 digits: |amount| < 10^10 after rounding."""
FIRST_YEAR, LAST_YEAR = 1970, 2100
CLOCK_SKEW = timedelta(hours=1)
"""An event time later than its record's Kafka timestamp plus this is a wrong clock:
`future_event_time`. Kafka's own bound on a producer's clock, the topic setting
`message.timestamp.after.max.ms` (default 3,600,000 ms in Kafka 4.x)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CENTS = Decimal("0.01")
_DECIMALS = Context(prec=40, rounding=ROUND_HALF_UP)
"""Our own arithmetic context: whatever context the caller set, rounding is exact and half-up."""

_NUMBER_PARTS = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?)([0-9]+))?")
_UTC_TIME = re.compile(
    r"(?P<whole>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,6}))?(?:Z|[+-]00:00)"
)


@dataclass(frozen=True, slots=True)
class OracleEvent:
    """An accepted event: ids and action as sent, `amount` in currency units rounded to cents,
    `event_time` as an aware UTC datetime (microsecond precision)."""

    event_id: str
    user_id: str
    action: str
    product_id: str | None
    amount: Decimal
    event_time: datetime


@dataclass(frozen=True, slots=True)
class Verdict:
    """The verdict on one record: `event` when accepted, else `reason` (e.g. `unknown_action`
    or `missing_field: user_id`)."""

    reason: str | None  # None: accepted
    event: OracleEvent | None = None  # set when accepted
    accepted = property(lambda self: self.reason is None, doc="Is it an event of the contract?")


def judge_record(value: bytes | None, timestamp_ms: int | None = None) -> Verdict:
    """Accept or reject one Kafka record value (raw bytes; None for a tombstone).
    `timestamp_ms`: the record's Kafka timestamp (ms since the epoch), if known; an event time
    more than CLOCK_SKEW after it is rejected as `future_event_time`."""
    if value is None or len(value) > MAX_RECORD_BYTES:
        return Verdict("invalid_json")
    try:
        document = parse_json(value.decode("utf-8"))
    except (UnicodeDecodeError, JsonError):
        return Verdict("invalid_json")
    if not isinstance(document, dict):
        return Verdict("not_an_object")
    for name in FIELD_ORDER:
        item = document.get(name)
        if name not in document or (item is None and name not in NULLABLE):
            return Verdict(f"missing_field: {name}")
        wanted = Number if name == "amount" else str
        if item is not None and not isinstance(item, wanted):
            return Verdict(f"wrong_type: {name}")
    for name in ("event_id", "user_id"):
        if document[name] == "":
            return Verdict(f"missing_field: {name}")
    if document["action"] not in ACTIONS:
        return Verdict("unknown_action")
    amount = amount_in_cents(document["amount"].token)
    if amount is None:
        return Verdict("wrong_type: amount")
    if amount < 0:
        return Verdict("negative_amount")
    if amount > 0 and document["action"] != "purchase":
        return Verdict("amount_without_purchase")
    moment = parse_utc_time(document["event_time"])
    if moment is None:
        return Verdict("impossible_timestamp")
    if timestamp_ms is not None:
        appended = _EPOCH + timedelta(milliseconds=timestamp_ms)
        if moment > appended + CLOCK_SKEW:
            return Verdict("future_event_time")
    event = OracleEvent(
        document["event_id"],
        document["user_id"],
        document["action"],
        document["product_id"],
        amount,
        moment,
    )
    return Verdict(None, event)


def amount_in_cents(token: str) -> Decimal | None:
    """The exact value of a JSON number token rounded half-up (away from zero) to cents, or
    None when its magnitude is 10^10 or more before or after rounding. Zero is never negative."""
    parts = _NUMBER_PARTS.fullmatch(token)
    if parts is None:
        raise ValueError(f"not a JSON number: {token!r}")
    sign, whole, fraction, exponent_sign, exponent_digits = parts.groups()
    fraction = fraction or ""
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return Decimal("0.00")
    exponent_digits = (exponent_digits or "0").lstrip("0") or "0"
    if len(exponent_digits) > 18:  # beyond any length of digits a record could hold
        return None if exponent_sign != "-" else Decimal("0.00")
    exponent = int(exponent_digits) * (-1 if exponent_sign == "-" else 1) - len(fraction)
    # The value is int(digits) * 10^exponent, so 10^(magnitude - 1) <= |value| < 10^magnitude.
    magnitude = len(digits) + exponent
    if magnitude > AMOUNT_LIMIT_DIGITS:
        return None
    if magnitude < -2:  # below 0.001: rounds to zero
        return Decimal("0.00")
    rounded = Decimal(f"{sign}{digits}E{exponent}").quantize(CENTS, context=_DECIMALS)
    if rounded.adjusted() >= AMOUNT_LIMIT_DIGITS:  # e.g. 9999999999.995 rounds up to 10^10
        return None
    return rounded if rounded else Decimal("0.00")


def parse_utc_time(text: str) -> datetime | None:
    """An ISO-8601 UTC time such as `2026-01-01T00:00:00.250Z` as an aware UTC datetime, or
    None when the text has another shape (no offset, a non-zero offset, a 7th fractional digit,
    surrounding whitespace...), names no real moment (Feb 30, 24:00, a leap second) or falls
    outside the years 1970..2100."""
    shape = _UTC_TIME.fullmatch(text)
    if shape is None:
        return None
    try:  # strptime refuses Feb 30, hour 24 and (through datetime) second 60
        moment = datetime.strptime(shape["whole"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    if moment.year < FIRST_YEAR or moment.year > LAST_YEAR:
        return None
    return moment + timedelta(microseconds=int((shape["fraction"] or "0").ljust(6, "0")))
