"""What every event source yields: one Kafka record with what we know about it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Record:
    """One record to send: key and value bytes, plus its kind and pacing for the summary."""

    key: bytes | None
    value: bytes
    kind: str  # "event", "duplicate" (an event_id sent before) or "malformed"
    send_at: float = 0.0  # seconds after the start at which a paced run sends it
    late: bool = False
    event_time_ms: int | None = None


def encode_event(event: dict) -> bytes:
    """An event as the compact UTF-8 JSON the topic carries."""
    return json.dumps(event, separators=(",", ":")).encode()


def format_event_time(epoch_ms: int) -> str:
    """Milliseconds since the epoch as ISO-8601 UTC with milliseconds, e.g. 2026-01-01T00:00:00.000Z."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"
