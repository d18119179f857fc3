"""Check one raw record against the event contract: an accepted event, or a rejection reason."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from views.events import ACTIONS, EARLIEST_EVENT_YEAR, EVENT_FIELDS, LATEST_EVENT_YEAR, MAX_AMOUNT

ISO_UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]00:00)$"
"""An event time must look like this (Python's `re` and Spark's Java regex both read it)."""
_ISO_UTC = re.compile(ISO_UTC_PATTERN)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Checked:
    """The verdict on one record: `event` when accepted, otherwise `reason` says why not."""

    event: dict | None
    reason: str | None

    @property
    def accepted(self) -> bool:
        return self.reason is None


def check_record(value: bytes | None) -> Checked:
    """Validate a Kafka record value (UTF-8 JSON) against the event contract."""
    if value is None:
        return Checked(None, "invalid_json")  # a tombstone: no JSON at all
    try:
        # Decode as UTF-8 ourselves: json.loads(bytes) would also take UTF-16 and UTF-32.
        document = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Checked(None, "invalid_json")
    if not isinstance(document, dict):
        return Checked(None, "not_an_object")
    for field in EVENT_FIELDS:
        if field.name not in document or (document[field.name] is None and not field.nullable):
            return Checked(None, f"missing_field: {field.name}")
        item = document[field.name]
        if item is None:
            continue
        if field.json_type == "string" and not isinstance(item, str):
            return Checked(None, f"wrong_type: {field.name}")
        if field.json_type == "number" and (
            isinstance(item, bool) or not isinstance(item, int | float)
        ):
            return Checked(None, f"wrong_type: {field.name}")
    reason = _check_values(document)
    if reason:
        return Checked(None, reason)
    return Checked({name: document[name] for name in (f.name for f in EVENT_FIELDS)}, None)


def _check_values(document: dict) -> str | None:
    """The first rule a well-typed event breaks, or None."""
    if not document["event_id"] or not document["user_id"]:
        return "missing_field: event_id" if not document["event_id"] else "missing_field: user_id"
    if document["action"] not in ACTIONS:
        return "unknown_action"
    try:
        amount = Decimal(str(document["amount"]))
    except InvalidOperation:
        return "wrong_type: amount"
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        return "wrong_type: amount"
    amount = amount.quantize(CENT, ROUND_HALF_UP)  # decimal(12,2), as Spark reads it
    if abs(amount) >= MAX_AMOUNT:  # 9999999999.999 rounds up out of decimal(12,2)
        return "wrong_type: amount"
    if amount < 0:
        return "negative_amount"
    if amount > 0 and document["action"] != "purchase":
        return "amount_without_purchase"
    if parse_event_time(document["event_time"]) is None:
        return "impossible_timestamp"
    return None


def parse_event_time(text: str) -> datetime | None:
    """An ISO-8601 UTC timestamp as an aware datetime, or None if it is not a possible one."""
    if not _ISO_UTC.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not EARLIEST_EVENT_YEAR <= moment.year <= LATEST_EVENT_YEAR:
        return None
    return moment.astimezone(UTC)
