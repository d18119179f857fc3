"""File replay never dies on a row and never writes invalid JSON (cases 04 and 07)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from views.events import MAX_RECORD_BYTES
from views.validation import check_record
from workloads.file_replay import read_file
from workloads.records import encode_event, user_key
from workloads.rees46 import rees46_amount

from .strict_json import strict_loads

CASES = Path(__file__).parent.parent / "cases"
HEADER = (
    "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"
)


def row(
    event_type: str = "purchase", price: str = "1.00", user: str = "u1", second: int = 0
) -> str:
    """A REES46 CSV line."""
    return f"2019-10-01 00:00:{second:02d} UTC,{event_type},p1,1,c,b,{price},{user},s1"


def replay(tmp_path: Path, name: str, content: bytes) -> list:
    path = tmp_path / name
    path.write_bytes(content)
    return list(read_file(path))


def test_case_04_nan_and_inf_prices_are_sent_as_strings_rejected_as_wrong_type(tmp_path):
    records = list(read_file(CASES / "case-04-rees46-nan-price.csv"))
    assert [r.kind for r in records] == ["event", "malformed", "malformed", "event"]
    assert all(r.key == b"500000017" for r in records)
    documents = [strict_loads(r.value) for r in records]  # every value is valid JSON
    assert [d["amount"] for d in documents] == [0.0, "NaN", "inf", 1081.98]
    assert [check_record(r.value).reason for r in records[1:3]] == ["wrong_type: amount"] * 2
    assert [r.reason for r in records[1:3]] == ["wrong_type: amount"] * 2
    view, purchase = documents[0], documents[3]
    assert (view["action"], view["event_time"]) == ("view", "2019-10-01T00:00:04.000Z")
    assert (purchase["action"], purchase["event_time"]) == ("purchase", "2019-10-01T00:00:50.000Z")
    assert b"1081.98" in records[3].value


@pytest.mark.parametrize(
    ("price", "amount"),
    [
        ("1081.98", 1081.98),
        ("0.005", 0.01),  # half-up to cents, exactly (a float would give 0.0)
        ("2.675", 2.68),
        ("-3", -3.0),  # a number: rejected downstream as negative_amount
        ("-0", 0.0),
        ("9999999999.99", 9999999999.99),
        ("9999999999.995", "9999999999.995"),  # rounds out of decimal(12,2)
        ("1e999", "1e999"),
        ("NaN", "NaN"),
        ("nan", "nan"),
        ("inf", "inf"),
        ("-Infinity", "-Infinity"),
        ("", ""),
        (" 1.5", " 1.5"),
        ("1_000", "1_000"),
        ("12,5", "12,5"),
    ],
)
def test_a_price_is_an_amount_only_when_it_is_a_plain_legal_number(price, amount):
    assert rees46_amount(price) == amount
    assert type(rees46_amount(price)) is type(amount)
    strict_loads(encode_event({"amount": rees46_amount(price)}))


def test_case_07_lone_surrogates_are_sent_byte_for_byte_without_a_crash():
    path = CASES / "case-07-lone-surrogate-escapes.jsonl"
    records = list(read_file(path))
    assert [r.value for r in records] == path.read_bytes().splitlines()
    # user_id "u-fay\ud800" has no UTF-8 bytes: no key; the others are u-fay's
    assert [r.key for r in records] == [None] + [b"u-fay"] * 4
    for record in records:  # the summary's verdict is the validator's, whatever it says
        reason = check_record(record.value).reason
        assert (record.kind == "malformed") == (reason is not None)
        assert record.reason == reason


def test_odd_jsonl_lines_are_sent_as_they_are(tmp_path):
    lines = [
        b'{"user_id":"u\xff","x":1}',  # not UTF-8
        b'{"user_id":"u2","amount":NaN}',
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's parser recurses
        b'{"user_id":"u3","n":' + b"9" * 50_000 + b"}",  # more digits than int() takes
        b'{"user_id":"\\udc80"}',
        b'{"user_id":7}',
        b'{"user_id":"u4"} trailing',
        b"\x00\x01 binary",
        b"  padded  \r",  # a bare CR inside a line is kept, a CRLF line end is not
    ]
    records = replay(tmp_path, "odd.jsonl", b"\n".join(lines) + b"\r\n")
    assert [r.value for r in records] == lines[:-1] + [b"  padded  \r"]
    assert {r.kind for r in records} == {"malformed"}
    assert [r.key for r in records] == [None, b"u2", None, None, None, None, None, None, None]


def test_a_line_too_large_for_kafka_is_skipped_and_counted_never_read_whole(tmp_path):
    huge = b'{"user_id":"u1","pad":"' + b"x" * (3 * MAX_RECORD_BYTES) + b'"}'
    exact = b"y" * MAX_RECORD_BYTES
    records = replay(tmp_path, "huge.jsonl", b"a\n" + huge + b"\n" + exact + b"\nb")
    assert [r.kind for r in records] == ["malformed", "skipped", "malformed", "malformed"]
    assert records[1].reason == f"too_large: {len(huge) + 1} bytes" and records[1].value == b""
    assert records[2].value == exact and records[3].value == b"b"


def test_broken_csv_rows_are_sent_as_their_own_bytes(tmp_path):
    big_field = "z" * 200_000  # over the csv module's field size limit
    lines = [
        row("view", price="NaN"),
        "only,three,fields",
        row(user=big_field),
        row(second=1),
        row(user="u\udcff", second=2),  # an undecodable byte in user_id
        row(event_type="wishlist", second=3),
        row(user="", second=4),
        '2019-10-01 00:00:05 UTC,"purchase,unclosed',  # eats the rest of the file
        row(second=6),
    ]
    data = "\n".join([HEADER, *lines]).encode("utf-8", "surrogateescape") + b"\n"
    records = replay(tmp_path, "broken.csv", data)
    verdicts = [check_record(r.value).reason for r in records]
    assert verdicts == [
        None,
        "invalid_json",
        "invalid_json",
        None,
        "invalid_json",
        "unknown_action",
        "missing_field: user_id",
        "invalid_json",
    ]
    assert records[1].value == b"only,three,fields"
    assert records[2].value == lines[2].encode()
    assert records[4].value == lines[4].encode("utf-8", "surrogateescape")
    assert records[7].value == (lines[7] + "\n" + lines[8]).encode()
    assert [r.key for r in records] == [b"u1", None, None, b"u1", None, b"u1", None, None]


def test_invalid_utf8_and_crlf_and_bom_csv(tmp_path):
    data = ("\ufeff" + HEADER + "\r\n" + row() + "\r\n").encode() + b"1,\xff,2\r\n"
    records = replay(tmp_path, "crlf.csv", data)
    assert [r.kind for r in records] == ["event", "malformed"]
    assert records[1].value == b"1,\xff,2"


def random_line(rng: random.Random) -> bytes:
    """A JSONL line from pieces that break parsers, keys and encoders."""
    pieces = [
        b'{"user_id":',
        b'"u1"',
        b'"\\ud800"',
        b'"\\ud83d\\ude00"',
        b"\xff",
        b"\xc3",
        b"NaN",
        b"-Infinity",
        b"1e999",
        b'"event_id":"e",',
        b'"action":"view",',
        b'"amount":0,',
        b'"event_time":"2026-01-01T00:00:00.000Z"',
        b"}",
        b"{",
        b"[",
        b",",
        b"\x00",
        b"\r",
        b" ",
        b'"\\u0000"',
        b"null",
        b"true",
    ]
    return b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))


def test_property_random_jsonl_lines_never_raise_and_arrive_byte_for_byte(tmp_path):
    rng = random.Random(2026)
    for round_ in range(20):
        lines = [random_line(rng) for _ in range(200)]
        lines = [line for line in lines if line.strip(b" \r\t\x0b\x0c")]  # blank: skipped
        records = replay(tmp_path, f"r{round_}.jsonl", b"\n".join(lines))
        # a CR before LF is part of the line end; the last line has no LF, so it keeps its CR
        expected = [line.removesuffix(b"\r") for line in lines[:-1]] + lines[-1:]
        assert [r.value for r in records] == expected
        for record in records:
            assert record.key is None or record.key.decode("utf-8")
            if record.kind != "malformed":
                assert check_record(record.value).accepted


def test_property_random_csv_rows_never_raise_and_every_encoded_event_is_strict_json(tmp_path):
    rng = random.Random(46)
    fields = [
        "",
        "NaN",
        "inf",
        "-inf",
        "1.5",
        "1e999",
        "x\udcff",
        "a,b",
        '"q"',
        "\t",
        "\x00",
        "purchase",
        "view",
        "cart",
        "2019-10-01 00:00:00 UTC",
        "u1",
        "\U0001f600",
        "-0",
    ]
    kinds: Counter = Counter()
    for round_ in range(20):
        rows = []
        for _ in range(200):
            cells = [rng.choice(fields) for _ in range(rng.choice([9, 9, 9, 8, 10]))]
            rows.append(",".join(cells))
        text = "\n".join([HEADER, *rows]) + "\n"
        records = replay(tmp_path, f"r{round_}.csv", text.encode("utf-8", "surrogateescape"))
        for record in records:
            kinds[record.kind] += 1
            if record.value.startswith(b'{"event_id":'):  # encoded by us: strictly valid
                document = strict_loads(record.value)
                assert record.key == user_key(document["user_id"])
    assert kinds["event"] > 0 and kinds["malformed"] > 0
