"""The oracle's own validator: the contract's verdict on every case, and the same verdict and
typed event as the pipelines' Python validator (views/validation.py) on the generated corpus and
wherever that validator keeps to the contract. (Spark's parser: test_vs_spark.py.)"""

from collections import Counter
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from oracle.validation import amount_in_cents, judge_record, parse_utc_time
from tests.oracle.oracle_cases import (
    CASES,
    DIFFERS,
    generated_corpus,
    labels,
    oracle_verdict,
)
from views.validation import check_record, parse_event_time
from workloads.malformed import MALFORMED_KINDS

CENT = Decimal("0.01")


def python_verdict(value: bytes | None) -> tuple:
    """The same tuple by views/validation.py (amount rounded half-up to cents, as Spark does)."""
    checked = check_record(value)
    if not checked.accepted:
        return (checked.reason,)
    event = checked.event
    amount = Decimal(str(event["amount"])).quantize(CENT, ROUND_HALF_UP)
    return (
        None,
        event["event_id"],
        event["user_id"],
        event["action"],
        event["product_id"],
        amount if amount else Decimal("0.00"),
        parse_event_time(event["event_time"]),
    )


def test_case_labels_are_unique():
    assert not [label for label, n in Counter(c.label for c in CASES).items() if n > 1]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.label)
def test_the_oracle_gives_the_contract_verdict(case):
    verdict = judge_record(case.value)
    assert verdict.reason == case.reason
    assert verdict.accepted is (case.reason is None)
    if case.reason is None:
        assert str(verdict.event.amount) == case.amount  # exactly two decimals
    else:
        assert verdict.event is None


def test_the_python_validator_agrees_on_the_generated_corpus():
    corpus = generated_corpus()
    verdicts = [oracle_verdict(value) for value in corpus]
    assert verdicts == [python_verdict(value) for value in corpus]
    reasons = Counter(v[0].split(":")[0] for v in verdicts if v[0] is not None)
    assert set(reasons) == set(MALFORMED_KINDS)  # every malformed kind of the generator
    assert sum(v[0] is None for v in verdicts) > 3_000


def test_the_python_validator_agrees_on_its_own_edge_cases():
    from tests.views.test_parse import EDGE_CASES

    for value in EDGE_CASES:
        assert oracle_verdict(value) == python_verdict(value), value


def test_the_python_validator_gives_the_contract_verdict_on_every_case():
    """views/validation.py reads JSON strictly (no repeated keys, NaN or lone surrogates, 1000
    levels, nothing after the value) and numbers exactly: no case departs any more."""
    differing = {
        case.label for case in CASES if oracle_verdict(case.value) != python_verdict(case.value)
    }
    assert differing == labels("python", DIFFERS) == set()


def test_a_caller_s_decimal_context_changes_nothing():
    with localcontext() as context:
        context.prec, context.rounding = 3, "ROUND_DOWN"
        assert amount_in_cents("12.345") == Decimal("12.35")
        assert amount_in_cents("9999999999.994") == Decimal("9999999999.99")


@pytest.mark.parametrize(
    ("token", "cents"),
    [
        ("0", "0.00"),
        ("-0", "0.00"),
        ("0.0049999", "0.00"),
        ("-0.005", "-0.01"),  # half-up rounds away from zero
        ("2.675", "2.68"),  # exact: a float would read 2.67499999...
        ("1e-3", "0.00"),
        ("5e-3", "0.01"),
        ("12345678.9e1", "123456789.00"),
        ("0.000000000000000000000000000000000000000000000000000006e55", "60.00"),
        ("1e0000000000000000000000000000001", "10.00"),  # leading zeros of a long exponent
        ("1e-99999999999999999999999", "0.00"),
        ("9999999999.99", "9999999999.99"),
        ("-9999999999.994", "-9999999999.99"),
        ("9999999999.995", None),
        ("-9999999999.995", None),
        ("10000000000", None),
        ("1e99999999999999999999999", None),
    ],
)
def test_amounts_are_exact_and_rounded_half_up_to_cents(token, cents):
    assert amount_in_cents(token) == (None if cents is None else Decimal(cents))
    if cents is not None:
        assert str(amount_in_cents(token)) == cents


def test_a_time_is_aware_utc_with_microseconds():
    moment = parse_utc_time("2026-01-01T00:00:00.25-00:00")
    assert moment == datetime(2026, 1, 1, 0, 0, 0, 250_000, tzinfo=UTC)
    assert moment.utcoffset().total_seconds() == 0
    assert parse_utc_time("2026-01-01T00:00:00.000001Z").microsecond == 1
    assert parse_utc_time("2026-01-01T00:00:00Z\n") is None
