"""Records that break the event contract, one kind for each rejection rule in DESIGN.md."""

from __future__ import annotations

import random

from workloads.records import encode_event

MALFORMED_KINDS = (
    "invalid_json",
    "missing_field",
    "wrong_type",
    "unknown_action",
    "negative_amount",
    "impossible_timestamp",
)
"""Each kind is also the reason (before any colon) validation gives for it."""


def malformed_value(kind: str, event: dict, rng: random.Random) -> bytes:
    """A broken variant of a valid event, broken in the way `kind` names."""
    broken = dict(event)
    if kind == "invalid_json":
        text = encode_event(event)
        return text[: rng.randint(1, len(text) - 1)]  # a record cut short in transit
    if kind == "missing_field":
        del broken[rng.choice(["event_id", "user_id", "action", "amount", "event_time"])]
    elif kind == "wrong_type":
        field = rng.choice(["amount", "user_id"])
        broken[field] = str(event["amount"]) if field == "amount" else rng.randint(1, 10**6)
    elif kind == "unknown_action":
        broken["action"] = rng.choice(["hover", "scroll", "VIEW", ""])
    elif kind == "negative_amount":
        broken["action"] = "purchase"
        broken["amount"] = -round(rng.uniform(0.01, 100.0), 2)
    elif kind == "impossible_timestamp":
        broken["event_time"] = rng.choice(
            [
                "2026-02-30T10:00:00.000Z",
                "2026-01-01T25:61:00.000Z",
                "1066-10-14T09:00:00.000Z",
                "yesterday",
                "2026-01-01 10:00:00",
            ]
        )
    else:
        raise ValueError(f"unknown malformed kind {kind!r}")
    return encode_event(broken)
