"""Check one raw record against the event contract: an accepted event, or a rejection reason.

The pipelines' Python validator (the generator's checks, file replay). A record is valid when its
value is one JSON text (RFC 8259) in UTF-8: a single object and nothing after it but JSON
whitespace, no repeated keys (compared after unescaping, at any depth), no NaN/Infinity tokens,
no escape leaving a lone UTF-16 surrogate, within the limits of `views.events` (record bytes,
nesting depth, number-token digits, key length). Numbers are read as exact decimals, never
through a float. `views.parse` implements the same rules in Spark SQL, written apart from this.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from itertools import accumulate

from views.events import (
    ACTIONS,
    EARLIEST_EVENT_YEAR,
    EVENT_FIELDS,
    LATEST_EVENT_YEAR,
    MAX_CLOCK_SKEW_MS,
    MAX_DEPTH,
    MAX_KEY_LENGTH,
    MAX_NUMBER_DIGITS,
    MAX_RECORD_BYTES,
)

AMOUNT_DIGITS = 10
"""|amount| must stay below 10^10, before and after rounding to cents (it must fit decimal(12,2))."""
CENT = Decimal("0.01")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)
"""Enough digits for any amount below 10^10 with cents: rounding never depends on the caller."""

_ISO_UTC = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,6}))?(?:Z|[+-]00:00)"
)
"""An event time's shape (used with fullmatch: nothing before or after, ASCII digits only)."""
_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidJson(ValueError):
    """The text is not one JSON text of the contract (within its limits)."""


@dataclass(frozen=True, slots=True)
class JsonNumber:
    """A JSON number as written (its token, e.g. `12.50` or `1e-3`), never converted to a float."""

    token: str


@dataclass(frozen=True)
class Checked:
    """The verdict on one record: `event` when accepted, otherwise `reason` says why not.

    An event maps each field of `views.events.EVENT_FIELDS` (in that order) to its value:
    strings as sent (`product_id` may be None), `amount` a Decimal rounded half-up to cents."""

    event: dict | None
    reason: str | None

    @property
    def accepted(self) -> bool:
        """Is the record an event of the contract?"""
        return self.reason is None


def check_record(value: bytes | None, appended_at_ms: int | None = None) -> Checked:
    """Validate a Kafka record value (None for a tombstone) against the event contract.

    `appended_at_ms`: the record's Kafka timestamp (ms since the epoch), when it has one; an
    event time more than MAX_CLOCK_SKEW_MS after it is `future_event_time`. Without it (a
    record not yet sent) only the value is judged."""
    if value is None or len(value) > MAX_RECORD_BYTES:
        return Checked(None, "invalid_json")
    try:
        # Decode as UTF-8 ourselves (strictly): json.loads(bytes) would also take UTF-16/32.
        document = read_json_text(value.decode("utf-8"))
    except (UnicodeDecodeError, InvalidJson):
        return Checked(None, "invalid_json")
    if not isinstance(document, dict):
        return Checked(None, "not_an_object")
    for field in EVENT_FIELDS:
        if field.name not in document or (document[field.name] is None and not field.nullable):
            return Checked(None, f"missing_field: {field.name}")
        item = document[field.name]
        wanted = str if field.json_type == "string" else JsonNumber
        if item is not None and not isinstance(item, wanted):
            return Checked(None, f"wrong_type: {field.name}")
    reason, amount = _check_values(document)
    if reason:
        return Checked(None, reason)
    if appended_at_ms is not None and _ahead_of(document["event_time"], appended_at_ms):
        return Checked(None, "future_event_time")
    event = {field.name: document[field.name] for field in EVENT_FIELDS}
    event["amount"] = amount
    return Checked(event, None)


def _check_values(document: dict) -> tuple[str | None, Decimal | None]:
    """The first rule a well-typed event breaks (or None), and its amount in cents."""
    for name in ("event_id", "user_id"):
        if document[name] == "":
            return f"missing_field: {name}", None
    if document["action"] not in ACTIONS:
        return "unknown_action", None
    amount = amount_in_cents(document["amount"].token)
    if amount is None:
        return "wrong_type: amount", None
    if amount < 0:
        return "negative_amount", None
    if amount > 0 and document["action"] != "purchase":
        return "amount_without_purchase", None
    if parse_event_time(document["event_time"]) is None:
        return "impossible_timestamp", None
    return None, amount


def _ahead_of(event_time: str, appended_at_ms: int) -> bool:
    """Is a (possible) event time more than MAX_CLOCK_SKEW_MS after `appended_at_ms`? In
    whole microseconds, as Spark compares timestamps."""
    moment = parse_event_time(event_time)
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    return micros > (appended_at_ms + MAX_CLOCK_SKEW_MS) * 1000


def amount_in_cents(token: str) -> Decimal | None:
    """A JSON number token's exact value rounded half-up (away from zero) to cents, as in
    decimal(12,2); None when |value| >= 10^10 before or after rounding. Never -0.00."""
    sign, whole, fraction, exponent = _NUMBER.fullmatch(token).groups()
    fraction = fraction or ""
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return Decimal("0.00")
    scale = int(exponent or "0") - len(fraction)  # value = digits * 10^scale
    size = len(digits) + scale  # 10^(size-1) <= |value| < 10^size
    if size > AMOUNT_DIGITS:
        return None
    if size < -2:  # below 0.001: rounds to zero
        return Decimal("0.00")
    rounded = Decimal(f"{sign}{digits}E{scale}").quantize(CENT, context=_EXACT)
    if abs(rounded) >= 10**AMOUNT_DIGITS:  # 9999999999.995 rounds up to 10^10
        return None
    return rounded if rounded else Decimal("0.00")


def read_json_text(text: str) -> object:
    """The value of one JSON text of the contract: dict, list, str, JsonNumber, bool or None.

    Raises InvalidJson for anything else: not one RFC 8259 text, a repeated key, NaN/Infinity,
    a lone surrogate escape, nesting deeper than MAX_DEPTH, a number token of more than
    MAX_NUMBER_DIGITS digits or a key longer than MAX_KEY_LENGTH."""
    depth = _lexical_depth(text)
    if depth > MAX_DEPTH:
        raise InvalidJson(f"nested {depth} deep")
    try:
        with _stack_room(depth):
            document = json.loads(
                text,
                object_pairs_hook=_object,
                parse_int=_number,
                parse_float=_number,
                parse_constant=_no_constant,
            )
    except RecursionError:
        raise InvalidJson("nested too deep for this stack") from None
    except ValueError as error:  # json.JSONDecodeError, or ours from a hook
        raise InvalidJson(str(error)) from None
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(document)
    return document


def _lexical_depth(text: str) -> int:
    """How deep the brackets outside strings nest (the nesting depth, for a valid text), or a
    bound above it."""
    opened = text.count("[") + text.count("{")
    if opened <= 64:
        return opened
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


class _stack_room:  # noqa: N801 - used as a `with` statement
    """Lets Python's JSON parser (which recurses once a level) read `depth` levels here."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.before = sys.getrecursionlimit()

    def __enter__(self) -> None:
        if self.depth > 20:
            frames, frame = 0, sys._getframe()
            while frame is not None:
                frames, frame = frames + 1, frame.f_back
            self.before = sys.getrecursionlimit()
            sys.setrecursionlimit(max(self.before, frames + self.depth + 100))

    def __exit__(self, *_: object) -> None:
        if self.depth > 20:
            sys.setrecursionlimit(self.before)


def _object(pairs: list[tuple[str, object]]) -> dict:
    """An object from its members: refuses a repeated key and a key longer than MAX_KEY_LENGTH."""
    document = dict(pairs)
    if len(document) != len(pairs):
        raise InvalidJson("a key is repeated in one object")
    for key in document:
        # A key has at least len(key) UTF-16 code units, at most twice as many.
        if len(key) > MAX_KEY_LENGTH // 2:
            units = len(key.encode("utf-16-le", "surrogatepass")) // 2
            if units > MAX_KEY_LENGTH:
                raise InvalidJson("key too long")
    return document


def _number(token: str) -> JsonNumber:
    """A number token kept as written; refused when it has more than MAX_NUMBER_DIGITS digits."""
    if len(token) > MAX_NUMBER_DIGITS:
        _sign, whole, fraction, exponent = _NUMBER.fullmatch(token).groups()
        counted_whole = len(whole) if whole != "0" or (fraction and exponent) else 0
        digits = counted_whole + len(fraction or "") + len((exponent or "").lstrip("+-"))
        if digits > MAX_NUMBER_DIGITS:
            raise InvalidJson("number token too long")
    return JsonNumber(token)


def _no_constant(name: str) -> object:
    raise InvalidJson(f"{name} is not JSON")


def _refuse_lone_surrogates(document: object) -> None:
    """Raises InvalidJson when a string or key holds a surrogate left unpaired by its escapes."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and _SURROGATE.search(item):
            raise InvalidJson("lone surrogate escape")


def parse_event_time(text: str) -> datetime | None:
    """An ISO-8601 UTC time (`YYYY-MM-DDThh:mm:ss[.f{1,6}](Z|+00:00|-00:00)`, nothing around it)
    as an aware UTC datetime, or None if it has another shape or names no real moment in the
    years EARLIEST_EVENT_YEAR..LATEST_EVENT_YEAR."""
    parts = _ISO_UTC.fullmatch(text)
    if parts is None:
        return None
    year, month, day, hour, minute, second, fraction = parts.groups()
    if not EARLIEST_EVENT_YEAR <= int(year) <= LATEST_EVENT_YEAR:
        return None
    micros = int((fraction or "").ljust(6, "0"))
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micros, UTC
        )
    except ValueError:
        return None
