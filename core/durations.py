"""Durations as users and Spark write them: '10 minutes', '500 milliseconds', '1 hour'."""

from __future__ import annotations

from datetime import timedelta

from core.errors import NotRetryable

UNITS = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_duration(text: str) -> timedelta:
    """'10 minutes', '1 hour', '30 seconds' as a timedelta (the form Spark's intervals take);
    NotRetryable for anything else."""
    amount, _, unit = text.strip().partition(" ")
    seconds = UNITS.get(unit.strip().lower().removesuffix("s"))
    try:
        value = float(amount)
    except ValueError:
        value = -1
    if seconds is None or value < 0:
        raise NotRetryable(
            f"{text!r} is not a duration like '10 minutes', '500 milliseconds' or '1 hour'"
        )
    return timedelta(seconds=value * seconds)


def checked_duration(text: str) -> str:
    """`text` itself once it reads as a duration (what jobs pass on to Spark); NotRetryable if not."""
    parse_duration(text)
    return text
