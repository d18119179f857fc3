"""What every event source yields: one Kafka record with what we know about it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Record:
    """One record to send: key and value bytes, plus its kind and pacing for the summary."""

    key: bytes | None
    value: bytes
    kind: str
    """"event", "duplicate" (an event_id sent before), "malformed" (sent so that the pipelines
    reject it) or "skipped" (not sent at all; `reason` says why)."""
    send_at: float = 0.0
    """Seconds after the start at which a paced run sends it."""
    late: bool = False
    """Its event time is well behind the newest event time sent before it."""
    event_time_ms: int | None = None
    """Event time in milliseconds since the epoch, for valid events only."""
    reason: str | None = None
    """For "malformed": the rejection reason the pipelines will give (None: not yet checked);
    for "skipped": why it was not sent, e.g. "too_large"."""


def encode_event(event: dict) -> bytes:
    """An event as compact UTF-8 JSON (RFC 8259): the bytes the topic carries.

    Raises ValueError (never writes the record) for what is not JSON: NaN or infinite numbers,
    and strings with lone surrogates (their escape would be rejected as invalid_json).
    """
    text = json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate


def user_key(user_id: object) -> bytes | None:
    """The Kafka key for a user_id: its UTF-8 bytes when it is a non-empty string that has them
    (no lone surrogates), otherwise None (no key: the record goes to any partition)."""
    if not isinstance(user_id, str) or not user_id:
        return None
    try:
        return user_id.encode("utf-8")
    except UnicodeEncodeError:
        return None


def format_event_time(epoch_ms: int) -> str:
    """Milliseconds since the epoch as ISO-8601 UTC with milliseconds, e.g. 2026-01-01T00:00:00.000Z."""
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)  # integer arithmetic: no float rounding
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"
