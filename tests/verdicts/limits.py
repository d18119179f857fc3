"""Records on both sides of each limit of the contract (views/events.py for the pipelines,
oracle/ for the oracle, each its own copy): the verdict every validator gives."""

from __future__ import annotations

from dataclasses import dataclass

from tests.oracle.oracle_cases import raw_event

ACCEPTED, INVALID = None, "invalid_json"


@dataclass(frozen=True)
class Limit:
    """One record at a limit and its `reason` by every validator (None: accepted)."""

    label: str
    value: bytes
    reason: str | None


def _with_key(key: str) -> bytes:
    return raw_event(x="1").replace(b'"x"', b'"' + key.encode() + b'"')


def _nested_objects(depth: int) -> bytes:
    return b'{"a":' * (depth - 1) + raw_event() + b"}" * (depth - 1)


LIMITS: tuple[Limit, ...] = (
    Limit("record of 1,000,000 bytes", raw_event(x='"' + "y" * 999_868 + '"'), ACCEPTED),
    Limit("record of 1,000,001 bytes", raw_event(x='"' + "y" * 999_869 + '"'), INVALID),
    Limit("objects 1000 deep", _nested_objects(1000), "missing_field: event_id"),
    Limit("objects 1001 deep", _nested_objects(1001), INVALID),
    Limit("arrays 1000 deep, alone", b"[" * 1000 + b"]" * 1000, "not_an_object"),
    Limit("arrays 1000 deep, then ]", b"[" * 1000 + b"]" * 1001, INVALID),
    Limit("key of 50,000", _with_key("k" * 50_000), ACCEPTED),
    Limit("key of 50,001", _with_key("k" * 50_001), INVALID),
    Limit("key of 50,000 escapes", _with_key("\\u0061" * 50_000), ACCEPTED),
    Limit("key of 50,001 escapes", _with_key("\\u0061" * 50_001), INVALID),
    Limit("key of 25,000 emoji (50,000 units)", _with_key("😀" * 25_000), ACCEPTED),
    Limit("key of 25,001 emoji (50,002 units)", _with_key("😀" * 25_001), INVALID),
    Limit("nested key of 50,001", raw_event(x='{"' + "k" * 50_001 + '":1}'), INVALID),
    Limit("integer of 1000 digits", raw_event(x="1" * 1000), ACCEPTED),
    Limit("integer of 1001 digits", raw_event(x="-" + "1" * 1001), INVALID),
    Limit("0. and 1000 digits", raw_event(x="0." + "1" * 1000), ACCEPTED),
    Limit("0. and 1001 digits", raw_event(x="0." + "1" * 1001), INVALID),
    Limit("1. and 999 digits", raw_event(x="1." + "1" * 999), ACCEPTED),
    Limit("1. and 1000 digits", raw_event(x="1." + "1" * 1000), INVALID),
    Limit("0e and 1000 digits", raw_event(x="0e" + "1" * 1000), ACCEPTED),
    Limit("1e+ and 999 digits", raw_event(x="1e+" + "1" * 999), ACCEPTED),
    Limit("1e and 1000 digits", raw_event(x="1e" + "1" * 1000), INVALID),
    Limit("0.1e and 998 digits", raw_event(x="0.1e" + "1" * 998), ACCEPTED),
    Limit("0.1e and 999 digits", raw_event(x="0.1e-" + "1" * 999), INVALID),
    Limit("amount of 1000 digits", raw_event(amount="0." + "0" * 999 + "5"), ACCEPTED),
    Limit("amount of 1001 digits", raw_event(amount="0." + "0" * 1000 + "5"), INVALID),
    Limit("amount 10^900 x 10^-900", raw_event(amount="1" + "0" * 900 + "e-900"), ACCEPTED),
)
"""Both sides of every limit."""
