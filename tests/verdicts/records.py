"""Records for the property tests: valid events and every way a record can go wrong.

A Hypothesis example is a template event (its fields drawn by strategies) and a seeded `Random`
that derives a batch of variants from it by mutations: byte flips, truncation, other encodings
(UTF-16, Latin-1), repeated keys (top level and nested), number edge cases (exponents, long
decimals, -0, huge and tiny), escapes and surrogates, deep nesting and trailing content.

Every record stays within the pipelines' limits where the oracle has none (number tokens of at
most 1000 digits, keys of at most 50,000 characters, records of at most 1,000,000 bytes): the
records past those limits are in `tests/verdicts/limits.py`.
"""

from __future__ import annotations

import random

from hypothesis import strategies as st

BATCH = 100
"""Records derived from one Hypothesis example."""

EDGE_NUMBERS = (
    "0", "-0", "-0.0", "0e5", "1E2", "1.5e2", "100e-2", "12.345", "0.005", "-0.005", "-0.004",
    "2.675", "1.005e0", "9999999999.994", "9999999999.995", "9999999999.99", "1e10", "1e-400",
    "-1e-400", "1e400", "4.9e-324", "1.7976931348623157e308", "9223372036854775808",
    "0.0049999999999999999", "4.9999999999999999e-3", "0.0150000000000000000000000000000000000001",
    "1" + "0" * 40, "0.00" + "4" + "9" * 40, "01", "1.", ".5", "+1", "-", "1e", "NaN",
    "Infinity", "-Infinity", "nul", "TRUE", "true", "null", '"12.50"', "[1]", '{"a":1}',
)  # fmt: skip
STRING_PIECES = (
    "u", "view", "click", "purchase", "é", "😀", "\x7f", "\u2028", "\\n", '\\"', "\\\\", "\\/",
    "\\u00e9", "\\u0000", "\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\\ud800", "\\udc00x",
    "\\ude00\\ud83d", "\\u12", "\\a", "\x01", "\t",
)  # fmt: skip
TIMES = (
    "2026-03-02T10:00:00.000Z", "2026-03-02T10:00:00Z", "2026-03-02T10:00:00.123456+00:00",
    "2026-03-02T10:00:00.5-00:00", "2024-02-29T00:00:00Z", "2026-02-29T00:00:00Z",
    "1969-12-31T23:59:59.999Z", "2101-01-01T00:00:00Z", "2026-03-02T24:00:00Z",
    "2026-03-02T10:00:00.1234567Z", "2026-03-02T10:00:00", "2026-03-02T10:00:00+02:00",
    "2026-03-02T10:00:00Z\\n", "2026-03-02T10:00:00Z\\r", " 2026-03-02T10:00:00Z", "yesterday",
)  # fmt: skip
TRAILERS = (
    " ", "\n", "\r\n\t ", "x", ",", "}", "]", "{}", '{"b":2}', "\x00", "\xa0", "\x0b", "0", '"',
)  # fmt: skip
PIECES = (
    '"', "\\", "{", "}", "[", "]", ",", ":", " ", "\n", "\x00", "\x0b", "NaN", "Infinity", "-0",
    "1e999", "//", "'", "\\ud800", '"amount":1,', '"a":1,"a":2,', '"event_id":"x",', "\ufeff",
)  # fmt: skip
VALID = {
    "event_id": '"e-1"',
    "user_id": '"u1"',
    "action": '"purchase"',
    "product_id": "null",
    "event_time": '"2026-03-02T10:00:00.000Z"',
}
FIELDS = ("event_id", "user_id", "action", "product_id", "amount", "event_time")

number_parts = st.tuples(
    st.sampled_from(["", "-"]),
    st.one_of(st.just("0"), st.from_regex(r"[1-9][0-9]{0,25}", fullmatch=True)),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,45}", fullmatch=True)),
    st.one_of(st.just(""), st.from_regex(r"[eE][+-]?[0-9]{1,4}", fullmatch=True)),
)
numbers = st.one_of(st.sampled_from(EDGE_NUMBERS), number_parts.map("".join))
"""Number tokens (and a few things that only look like numbers)."""

strings = st.lists(
    st.one_of(st.sampled_from(STRING_PIECES), st.text(st.characters(exclude_characters='"\\'))),
    max_size=4,
).map(lambda parts: '"' + "".join(parts) + '"')
"""String tokens: plain text, escapes, paired and lone surrogates, control characters."""


@st.composite
def templates(draw: st.DrawFn) -> dict[str, str]:
    """An event as field -> JSON token, mostly valid, sometimes one field off."""
    event = {
        "event_id": draw(st.sampled_from(['"e-1"', '"c-9"']) | strings),
        "user_id": draw(st.sampled_from(['"u1"', '"u-kim"']) | strings),
        "action": draw(st.sampled_from(['"view"', '"click"', '"purchase"', '"purchase"', '"buy"'])),
        "product_id": draw(st.sampled_from(['"p1"', "null", "5"]) | strings),
        "amount": draw(st.sampled_from(["0", "4.50", "19.99"]) | numbers),
        "event_time": '"' + draw(st.sampled_from(TIMES)) + '"',
    }
    if draw(st.booleans()):
        event["x"] = draw(st.sampled_from(['{"y":[1,{"z":null}]}', "[]", "true"]) | numbers)
    return event


batches = st.tuples(templates(), st.integers(0, 2**32 - 1).map(random.Random))
"""What one Hypothesis example draws: a template and the seeded Random that mutates it (a plain
Random: Hypothesis's own would record every call, far too slowly for 100,000 records)."""


def variants(template: dict[str, str], rng: random.Random, count: int = BATCH) -> list[bytes]:
    """`count` records derived from `template`: the template itself, then mutations of it."""
    records = [encode(template, rng)]
    while len(records) < count:
        event = dict(template)
        if rng.random() < 0.25:  # a valid event but for its amount: exact rounding at work
            event.update(VALID, amount=_number(rng))
        for _ in range(rng.choice((0, 0, 1, 2))):
            field = rng.choice(FIELDS)
            event[field] = _token_for(field, rng)
        value = encode(event, rng)
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            value = rng.choice(MUTATIONS)(value, rng)
        records.append(value)
    return records


def encode(event: dict[str, str], rng: random.Random) -> bytes:
    """The event as JSON text in UTF-8, members in a random order with random JSON whitespace."""
    names = list(event)
    if rng.random() < 0.3:
        rng.shuffle(names)
    space = rng.choice(("", "", " ", "\n\t", "\r\n "))
    members = [f'"{name}"{space}:{space}{event[name]}' for name in names]
    text = "{" + space + f"{space},{space}".join(members) + space + "}"
    return text.encode("utf-8", "surrogatepass")


def _token_for(field: str, rng: random.Random) -> str:
    if field == "amount" or rng.random() < 0.1:
        return rng.choice(EDGE_NUMBERS) if rng.random() < 0.5 else _number(rng)
    if field == "event_time":
        return '"' + rng.choice(TIMES) + '"'
    if field == "action":
        return rng.choice(('"view"', '"click"', '"purchase"', '"VIEW"', '"vi\\u0065w"'))
    return '"' + "".join(rng.choice(STRING_PIECES) for _ in range(rng.randint(0, 3))) + '"'


def _number(rng: random.Random) -> str:
    """A number token built from parts, up to 925 digits (within the 1000-digit limit)."""
    whole = rng.choice(("0", "1", "12", "9999999999", "1" + "0" * rng.randint(0, 400)))
    fraction = rng.choice(("", ".5", ".005", "." + "0" * rng.randint(0, 40) + "49" * 3))
    if rng.random() < 0.1:
        fraction = "." + "".join(rng.choice("0459") for _ in range(rng.randint(1, 500)))
    exponent = rng.choice(("", "", "e2", "E-3", "e+0", f"e-{rng.randint(0, 999)}", "e-99999999"))
    return rng.choice(("", "-")) + whole + fraction + exponent


def _flip(value: bytes, rng: random.Random) -> bytes:
    if not value:
        return b"\xff"
    at = rng.randrange(len(value))
    return value[:at] + bytes([value[at] ^ rng.randint(1, 255)]) + value[at + 1 :]


def _insert(value: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(value))
    return value[:at] + rng.choice(PIECES).encode("utf-8", "surrogatepass") + value[at:]


def _delete(value: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(value))
    return value[:at] + value[at + rng.randint(1, 4) :]


def _truncate(value: bytes, rng: random.Random) -> bytes:
    return value[: rng.randint(0, len(value))]


def _trail(value: bytes, rng: random.Random) -> bytes:
    return value + rng.choice(TRAILERS).encode()


def _reencode(value: bytes, rng: random.Random) -> bytes:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return value
    encoding = rng.choice(("utf-16", "utf-16-le", "utf-16-be", "latin-1", "utf-8-sig"))
    return text.encode(encoding, "replace")


def _repeat_key(value: bytes, rng: random.Random) -> bytes:
    key = rng.choice((*FIELDS, "x")).encode()
    if rng.random() < 0.5 or not value.endswith(b"}"):
        escaped = b'"\\u00' + f"{key[0]:02x}".encode() + key[1:] + b'"'
        return value[:-1] + b"," + rng.choice((b'"' + key + b'"', escaped)) + b':"v"}'
    return value[:-1] + b',"n":{"' + key + b'":1,"' + key + b'":2}}'


def _nest(value: bytes, rng: random.Random) -> bytes:
    depth = rng.choice((2, 3, 50, 998, 999, 1000, 1001, 1500) if rng.random() < 0.3 else (2, 3))
    inner = rng.choice((b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth))
    if rng.random() < 0.2:
        return inner  # the nesting alone, as the whole record
    return b'{"d":' + inner + b"," + value[1:] if value.startswith(b"{") else inner


def _bom(value: bytes, rng: random.Random) -> bytes:
    return rng.choice((b"\xef\xbb\xbf", b"\xfe\xff", b" ", b"\t")) + value


MUTATIONS = (
    _flip, _insert, _insert, _delete, _truncate, _trail, _trail, _reencode, _repeat_key,
    _repeat_key, _nest, _bom,
)  # fmt: skip


def generated(examples: int) -> list[bytes]:
    """The records of `examples` Hypothesis examples (`examples` x BATCH), the same every run."""
    from hypothesis import HealthCheck, given, settings

    values: list[bytes] = []

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(batches)
    def collect(batch: tuple[dict[str, str], random.Random]) -> None:
        values.extend(variants(*batch))

    collect()
    return values
