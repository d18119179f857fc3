"""Every record our code encodes is strict RFC 8259 JSON; malformed ones are broken on purpose."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.errors import LkError
from views.validation import check_record
from workloads.file_replay import read_file
from workloads.generator import LARGEST_AMOUNT, generate
from workloads.malformed import MALFORMED_KINDS, malformed_value
from workloads.producer import SendSummary
from workloads.records import Record, encode_event, format_event_time, user_key
from workloads.scenarios import SCENARIOS

from .strict_json import strict_loads

SAMPLE = Path(__file__).parent.parent / "data" / "rees46_sample.csv"


def test_every_generated_record_is_strict_json_unless_it_is_invalid_json_on_purpose():
    invalid = 0
    for record in generate(SCENARIOS["dirty"], 5, events=20_000):
        reason = check_record(record.value).reason
        if record.kind != "malformed":
            strict_loads(record.value)
            assert reason is None and record.key == user_key(strict_loads(record.value)["user_id"])
            continue
        try:
            strict_loads(record.value)
        except ValueError:
            invalid += 1
            assert reason == "invalid_json"
        else:
            assert reason is not None and reason != "invalid_json", record.value
    assert invalid > 0


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_each_malformed_kind_breaks_only_its_rule(kind):
    rng = random.Random(kind)
    for record in generate(SCENARIOS["steady"], 1, events=200):
        event = strict_loads(record.value)
        value = malformed_value(kind, event, rng)
        assert check_record(value).reason.split(":")[0] == kind, value
        if kind != "invalid_json":
            strict_loads(value)


def test_every_rees46_record_we_encode_is_strict_json():
    for record in read_file(SAMPLE):
        if record.value != b"broken,row":
            strict_loads(record.value)


@pytest.mark.parametrize(
    "bad", [math.nan, math.inf, -math.inf, "u\ud800", {"k": ["\udfff"]}, {"\udbff": 1}]
)
def test_encode_event_refuses_what_json_cannot_carry(bad):
    with pytest.raises(ValueError):
        encode_event({"amount": bad})


def test_encode_event_writes_utf8_not_escapes_for_text():
    assert encode_event({"p": "\U0001f600é"}) == '{"p":"\U0001f600é"}'.encode()


@pytest.mark.parametrize(
    ("user_id", "key"),
    [("u1", b"u1"), ("é", "é".encode()), ("u\ud800", None), ("", None), (7, None), (None, None)],
)
def test_a_key_is_the_user_ids_utf8_bytes_or_nothing(user_id, key):
    assert user_key(user_id) == key


def test_generated_amounts_stay_legal_and_start_times_possible():
    rich = SCENARIOS["steady"].with_overrides(purchase_amount_median=1e12, purchase_weight=10.0)
    amounts = [
        strict_loads(r.value)["amount"] for r in generate(rich, 3, events=500) if r.kind == "event"
    ]
    assert max(amounts) == LARGEST_AMOUNT == 9999999999.99
    with pytest.raises(LkError, match="outside the possible event years"):
        next(
            generate(
                SCENARIOS["steady"].with_overrides(start=datetime(2300, 1, 1, tzinfo=UTC)),
                1,
                events=1,
            )
        )


def test_event_times_are_formatted_exactly():
    assert format_event_time(1_767_225_600_999) == "2026-01-01T00:00:00.999Z"
    assert format_event_time(-1) == "1969-12-31T23:59:59.999Z"


def test_the_summary_counts_rejected_to_be_and_skipped_records_with_reasons():
    summary = SendSummary()
    summary.add(Record(b"u", b'{"amount":"NaN"}', "malformed", reason="wrong_type: amount"))
    summary.add(Record(None, b"{", "malformed"))  # reason found by validation
    summary.add(Record(None, b"", "skipped", reason="too_large: 2000000 bytes"))
    summary.add(Record(None, b"", "skipped", reason="blank_line"))
    summary.add(Record(None, b"", "skipped", reason="blank_line"))
    figures = summary.as_dict()
    assert figures["records"] == 2 and figures["malformed"] == 2 and figures["skipped"] == 3
    assert figures["malformed_reasons"] == {"wrong_type: amount": 1, "invalid_json": 1}
    assert figures["skipped_reasons"] == {"blank_line": 2, "too_large": 1}
