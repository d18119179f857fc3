"""Records to judge, with the verdict of the event contract (DESIGN.md) and, for each, whether
the pipelines' Python validator (views/validation.py) and Spark parser (views/parse.py) give the
same verdict today. Where one departs from the contract the oracle follows the contract; today
none departs (no case is DIFFERS), and every case is sent to Spark."""

from __future__ import annotations

from dataclasses import dataclass

from oracle.validation import judge_record
from workloads.generator import generate
from workloads.scenarios import SCENARIOS

GOOD_TOKENS = {
    "event_id": '"e-1"',
    "user_id": '"u1"',
    "action": '"purchase"',
    "product_id": '"p1"',
    "amount": "12.5",
    "event_time": '"2026-01-01T00:00:00.000Z"',
}


def raw_event(**tokens: str | bytes | None) -> bytes:
    """An event as JSON text whose fields are raw JSON tokens (None leaves a field out), so a
    case can hold what json.dumps never writes: NaN, 1e400, a lone surrogate escape..."""
    fields = {**GOOD_TOKENS, **tokens}
    return (
        b"{"
        + b",".join(
            b'"' + name.encode() + b'":' + (token if isinstance(token, bytes) else token.encode())
            for name, token in fields.items()
            if token is not None
        )
        + b"}"
    )


def nested(depth: int) -> bytes:
    """A valid event with an extra field nested in arrays so the record is `depth` levels deep."""
    return b'{"x":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"," + raw_event()[1:]


SAME, DIFFERS, NOT_SENT = "same", "differs", "not sent"


@dataclass(frozen=True)
class Case:
    """One record: the contract's reason (None: accepted) and amount in cents when accepted, and
    whether views/validation.py (`python`) and views/parse.py (`spark`) agree with it today
    (SAME or DIFFERS); NOT_SENT: never given to Spark."""

    label: str
    value: bytes | None
    reason: str | None
    amount: str | None = None
    python: str = SAME
    spark: str = SAME


def _time(text: str, reason: str | None, **where: str) -> Case:
    amount = "12.50" if reason is None else None
    return Case(f"event_time {text!r}", raw_event(event_time=f'"{text}"'), reason, amount, **where)


def _amount(token: str, reason: str | None, amount: str | None = None, **where: str) -> Case:
    action = where.pop("action", None)
    value = raw_event(amount=token, **({"action": f'"{action}"'} if action else {}))
    return Case(f"amount {token} {action or ''}".strip(), value, reason, amount, **where)


BAD_TIME = "impossible_timestamp"
CASES: tuple[Case, ...] = (
    Case("a valid event", raw_event(), None, "12.50"),
    Case("no value (tombstone)", None, "invalid_json"),
    Case("empty", b"", "invalid_json"),
    Case("only whitespace", b" \t\r\n", "invalid_json"),
    Case("cut short", raw_event()[:40], "invalid_json"),
    Case("byte-order mark", b"\xef\xbb\xbf" + raw_event(), "invalid_json"),
    Case("vertical tab before", b"\x0b" + raw_event(), "invalid_json"),
    Case("JSON whitespace around", b" \t\r\n" + raw_event() + b"\r\n\t ", None, "12.50"),
    Case("whitespace between tokens", raw_event().replace(b",", b" ,\n "), None, "12.50"),
    Case("single quotes", b"{'event_id': 'e'}", "invalid_json"),
    Case("trailing comma", raw_event()[:-1] + b",}", "invalid_json"),
    Case("empty member", b"{,}", "invalid_json"),
    Case("a number", b"1", "not_an_object"),
    Case("a string", b'"s"', "not_an_object"),
    Case("null", b"null", "not_an_object"),
    Case("an array", b"[1, 2]", "not_an_object"),
    Case("an empty object", b"{}", "missing_field: event_id"),
    Case("user_id absent", raw_event(user_id=None), "missing_field: user_id"),
    Case("product_id absent", raw_event(product_id=None), "missing_field: product_id"),
    Case("product_id null", raw_event(product_id="null"), None, "12.50"),
    Case("amount null", raw_event(amount="null"), "missing_field: amount"),
    Case("event_id empty", raw_event(event_id='""'), "missing_field: event_id"),
    Case("user_id empty", raw_event(user_id='""'), "missing_field: user_id"),
    Case("user_id object", raw_event(user_id='{"a": 1}'), "wrong_type: user_id"),
    Case("user_id array", raw_event(user_id="[1]"), "wrong_type: user_id"),
    Case("user_id true", raw_event(user_id="true"), "wrong_type: user_id"),
    Case("product_id number", raw_event(product_id="5"), "wrong_type: product_id"),
    Case("amount string", raw_event(amount='"12.50"'), "wrong_type: amount"),
    Case("amount false", raw_event(amount="false"), "wrong_type: amount"),
    Case("event_time number", raw_event(event_time="20260101"), "wrong_type: event_time"),
    Case("action VIEW", raw_event(action='"VIEW"'), "unknown_action"),
    Case("action empty", raw_event(action='""'), "unknown_action"),
    Case("action escaped", raw_event(action='"vi\\u0065w"', amount="0"), None, "0.00"),
    Case("key escaped", raw_event().replace(b'"amount"', b'"am\\u006funt"'), None, "12.50"),
    Case("escapes", raw_event(user_id='"\\/\\b\\f\\n\\r\\t\\"\\\\\\u0000"'), None, "12.50"),
    Case("surrogate pair", raw_event(user_id='"\\ud83d\\uDE00"'), None, "12.50"),
    Case("raw DEL, NEL, U+2028", raw_event(user_id=b'"\x7f\xc2\x85\xe2\x80\xa8"'), None, "12.50"),
    Case("raw control character", raw_event(user_id=b'"u\x01"'), "invalid_json"),
    Case("unknown escape", raw_event(user_id='"\\a"'), "invalid_json"),
    Case("short unicode escape", raw_event(user_id='"\\u12"'), "invalid_json"),
    Case("extra fields", raw_event(x='{"y": [1, {"z": null}]}', w="1e999999"), None, "12.50"),
    Case("nested 100 deep", nested(100), None, "12.50"),
    Case("nested 1001 deep", nested(1001), "invalid_json"),
    _amount("01", "invalid_json"),
    _amount("1.", "invalid_json"),
    _amount(".5", "invalid_json"),
    _amount("+1", "invalid_json"),
    _amount("-", "invalid_json"),
    _amount("TRUE", "invalid_json"),
    _amount("nul", "invalid_json"),
    _amount("12.345", None, "12.35"),
    _amount("0.005", None, "0.01"),
    _amount("-0.004", None, "0.00"),
    _amount("-0.005", "negative_amount"),
    _amount("-0.0", None, "0.00"),
    _amount("0e5", None, "0.00"),
    _amount("1E2", None, "100.00"),
    _amount("1.5e2", None, "150.00"),
    _amount("100e-2", None, "1.00"),
    _amount("1.005e0", None, "1.01"),
    _amount("1e-400", None, "0.00"),
    _amount("-1e-400", None, "0.00"),
    _amount("0.001", None, "0.00", action="view"),
    _amount("3.0", "amount_without_purchase", action="view"),
    _amount("9999999999.994", None, "9999999999.99"),
    _amount("9999999999.995", "wrong_type: amount"),
    _amount("1e10", "wrong_type: amount"),
    _amount("9.999999999995e9", "wrong_type: amount"),
    _amount("1e400", "wrong_type: amount"),
    _amount("-1e999999999999999999999", "wrong_type: amount"),
    _amount("9223372036854775808", "wrong_type: amount"),
    _amount("1" + "0" * 40, "wrong_type: amount"),
    _time("2026-01-01T00:00:00Z", None),
    _time("2026-01-01T00:00:00.5Z", None),
    _time("2026-01-01T00:00:00.123456+00:00", None),
    _time("2026-01-01T00:00:00.000-00:00", None),
    _time("2024-02-29T00:00:00Z", None),
    _time("1970-01-01T00:00:00Z", None),
    _time("2100-12-31T23:59:59.999999Z", None),
    _time("1969-12-31T23:59:59.999Z", BAD_TIME),
    _time("2101-01-01T00:00:00Z", BAD_TIME),
    _time("0000-01-01T00:00:00Z", BAD_TIME),
    _time("2026-02-29T00:00:00Z", BAD_TIME),
    _time("2026-04-31T00:00:00Z", BAD_TIME),
    _time("2026-13-01T00:00:00Z", BAD_TIME),
    _time("2026-01-01T24:00:00Z", BAD_TIME),
    _time("2026-01-01T23:59:60Z", BAD_TIME),
    _time("2026-01-01T00:00:00.1234567Z", BAD_TIME),
    _time("2026-01-01T00:00:00", BAD_TIME),
    _time("2026-01-01T00:00:00+02:00", BAD_TIME),
    _time("2026-01-01t00:00:00Z", BAD_TIME),
    _time("2026-01-01T00:00:00z", BAD_TIME),
    _time("2026-1-01T00:00:00Z", BAD_TIME),
    _time("2026-01-01 00:00:00Z", BAD_TIME),
    _time("2026-01-01T00:00Z", BAD_TIME),
    _time(" 2026-01-01T00:00:00Z", BAD_TIME),
    _time("2026-01-01T00:00:00Z ", BAD_TIME),
    _time("2026-01-01T00:00:00Z\\t", BAD_TIME),
    _time("\u0662\u0660\u0662\u0666-01-01T00:00:00Z", BAD_TIME),  # Arabic-Indic digits
    _time("yesterday", BAD_TIME),
    # Once departures of views/validation.py (lenient JSON, numbers through a float): now SAME.
    Case(
        "repeated key",
        raw_event(x="1", y="2").replace(b'"y"', b'"x"'),
        "invalid_json",
    ),
    Case(
        "repeated field, escaped",
        raw_event().replace(b"}", b',"\\u0061mount":1}'),
        "invalid_json",
    ),
    Case("repeated key, nested", raw_event(x='{"y": 1, "y": 2}'), "invalid_json"),
    _amount("NaN", "invalid_json"),
    _amount("-Infinity", "invalid_json"),
    Case("NaN in an extra field", raw_event(x="NaN"), "invalid_json"),
    Case("lone high surrogate", raw_event(user_id='"\\ud800"'), "invalid_json"),
    Case("lone low surrogate", raw_event(user_id='"\\udc00x"'), "invalid_json"),
    Case("reversed pair", raw_event(user_id='"\\ude00\\ud83d"'), "invalid_json"),
    Case("nested 1000 deep", nested(1000), None, "12.50"),
    _amount("1.0049999999999999999", None, "1.00"),
    _amount("-0.0049999999999999999", None, "0.00"),
    _amount("0.0049999999999999999", None, "0.00", action="view"),
    _amount("9999999999.9949999999999999", None, "9999999999.99"),
    # Once departures of views/parse.py (what follows the value, bytes that are not UTF-8, a line
    # terminator after an event_time, numbers with an exponent through a double): now SAME.
    Case("a word after", raw_event() + b" x", "invalid_json"),
    Case("two objects", raw_event() + raw_event(), "invalid_json"),
    Case("NUL after", raw_event() + b"\x00", "invalid_json"),
    Case("no-break space after", raw_event() + b"\xc2\xa0", "invalid_json"),
    Case("brace after", b'{"a":1}}', "invalid_json"),
    Case("a number then more", b"1 x", "invalid_json"),
    Case("invalid byte", raw_event(user_id=b'"u\xff"'), "invalid_json"),
    Case("overlong encoding", raw_event(user_id=b'"\xc0\xaf"'), "invalid_json"),
    Case("encoded surrogate", raw_event(user_id=b'"\xed\xa0\x80"'), "invalid_json"),
    Case("beyond U+10FFFF", raw_event(user_id=b'"\xf4\x90\x80\x80"'), "invalid_json"),
    Case("truncated sequence", raw_event(user_id=b'"\xe2\x82"'), "invalid_json"),
    _time("2026-01-01T00:00:00Z\\n", BAD_TIME),
    _time("2026-01-01T00:00:00Z\\r\\n", BAD_TIME),
    _time("2026-01-01T00:00:00.000-00:00\\r", BAD_TIME),
    _amount("4.9999999999999999e-3", None, "0.00"),
    _amount("1.0049999999999999999e0", None, "1.00"),
    _amount("-0.0049999999999999999e0", None, "0.00"),
    _amount("0.0049999999999999999e0", None, "0.00", action="view"),
    _amount("9999999999.9949999999999999e0", None, "9999999999.99"),
    _amount("0.00" + "4" + "9" * 40, None, "0.00"),
)
"""Every case the oracle must judge as the contract says."""


def labels(where: str, verdict: str) -> set[str]:
    """The labels of the cases whose `where` ("python" or "spark") is `verdict`."""
    return {case.label for case in CASES if getattr(case, where) == verdict}


def generated_corpus() -> list[bytes]:
    """The records the workload generator writes: events, duplicates and every malformed kind."""
    values = [r.value for r in generate(SCENARIOS["dirty"], seed=5, events=3_000)]
    values += [r.value for r in generate(SCENARIOS["late-data"], seed=9, events=500)]
    return values


APPENDED_MS = 4_133_980_800_000
"""A Kafka timestamp (2101-01-01, ms) after every possible event time: only the value is judged."""


def oracle_verdict(value: bytes | None) -> tuple:
    """(reason,) for a rejected record, else (None, event_id, user_id, action, product_id,
    amount in cents, aware UTC event time), by the oracle."""
    verdict = judge_record(value)
    if verdict.event is None:
        return (verdict.reason,)
    event = verdict.event
    return (
        None,
        event.event_id,
        event.user_id,
        event.action,
        event.product_id,
        event.amount,
        event.event_time,
    )
