"""The generator's canonical shape of an event, read without a JSON parser.

Almost every record a pipeline sees was written by `workloads.records.encode_event`: compact
JSON with the contract's keys in order. A record in exactly that shape (`CANONICAL_PATTERN`) is
one JSON object whose fields have their contract types, so `views.parse` reads it by splitting
the text at its quotes and skips the strict path's checks; only the value rules still apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from views.events import MAX_RECORD_BYTES

if TYPE_CHECKING:
    from pyspark.sql import Column

EVENT_TIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-]00:00)\z"
)
"""An event time's shape, as a Java regex (`\\z`: the very end, not before a line terminator)."""
AMOUNT_TYPE = "decimal(12,2)"
_STRING = r'"[^"\\\x00-\x1f]*"'
CANONICAL_PATTERN = (
    rf'^\{{"event_id":{_STRING},"user_id":{_STRING},"action":{_STRING},'
    rf'"product_id":({_STRING}|null),"amount":-?(0|[1-9][0-9]{{0,9}})(\.[0-9]{{1,2}})?,'
    rf'"event_time":"{EVENT_TIME_PATTERN[1:-2]}"\}}\z'
)
"""The generator's shape of an event (`workloads.records.encode_event`), as a Java regex: the
contract's keys in order, compact, strings without escapes or control characters, a plain amount
with at most two decimals that fits decimal(12,2). Such a text is one JSON object whose fields
have their contract types, read by splitting it at its quotes (`canonical_field`)."""


def is_canonical(value: Column, text: Column) -> Column:
    """True (never NULL) when a record's `value` bytes, read as `text`, are in the canonical
    shape: valid UTF-8, within the size limit, matching `CANONICAL_PATTERN`."""
    return F.coalesce(
        (F.octet_length(value) <= MAX_RECORD_BYTES)
        & F.regexp_like(text, F.lit(CANONICAL_PATTERN))
        & F.is_valid_utf8(text),
        F.lit(False),
    )


def canonical_pieces(text: Column) -> Column:
    """A canonical record's text split at every `"` (array<string>), for `canonical_field`."""
    return F.split(text, '"', -1)


def canonical_field(pieces: Column, name: str) -> Column:
    """A field of a canonical record from its text split at every `"` (its strings hold none):
    `{|event_id|:|E|,|user_id|:|U|,|action|:|A|,|product_id|:|P|,|amount|:N,|event_time|:|T|}`,
    where a null product_id is the one piece `:null,` instead of `:|P|,`."""
    if name == "product_id":
        return F.when(pieces.getItem(14) == ":", pieces.getItem(15))
    if name == "amount":  # `:N,`
        token = F.element_at(pieces, -5)
        return token.substr(F.lit(2), F.length(token) - 2).try_cast(AMOUNT_TYPE)
    if name == "event_time":
        return F.element_at(pieces, -2)
    return pieces.getItem({"event_id": 3, "user_id": 7, "action": 11}[name])
