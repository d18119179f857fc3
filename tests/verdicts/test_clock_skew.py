"""The producer-clock rule (case 14's kind): an event time more than MAX_CLOCK_SKEW_MS after its
record's Kafka timestamp is rejected as `future_event_time`, the same in views/parse.py,
views/validation.py and the oracle, to the microsecond; boundary times (the Unix epoch, the
contract's first and last years) are judged like any other time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.validation import CLOCK_SKEW, judge_record
from tests.oracle.test_vs_spark import raw_frame
from views.events import MAX_CLOCK_SKEW_MS, REJECTION_REASONS
from views.validation import check_record

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SKEW = timedelta(milliseconds=MAX_CLOCK_SKEW_MS)
FUTURE = "future_event_time"


def _record(moment: datetime | str, action: str = "view", amount: str = "0") -> bytes:
    text = moment if isinstance(moment, str) else moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return (
        f'{{"event_id":"e-1","user_id":"u-1","action":"{action}","product_id":null,'
        f'"amount":{amount},"event_time":"{text}"}}'
    ).encode()


def _ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


APPENDED = datetime(2026, 3, 2, 10, 20, tzinfo=UTC)
BOUNDARIES = [  # (event time, appended at, right reason)
    (APPENDED + SKEW, APPENDED, None),  # exactly the skew: Kafka's bound is inclusive
    (APPENDED + SKEW + timedelta(microseconds=1), APPENDED, FUTURE),
    (datetime(2099, 3, 2, 10, 20, tzinfo=UTC), APPENDED, FUTURE),  # case 14's device clock
    (datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), APPENDED, FUTURE),
    (APPENDED - timedelta(days=400), APPENDED, None),  # any past time
    (EPOCH, APPENDED, None),  # the Unix epoch
    (EPOCH, EPOCH, None),
    (EPOCH + timedelta(microseconds=1), EPOCH, None),
    (datetime(1970, 12, 31, 23, 59, 59, tzinfo=UTC), EPOCH, FUTURE),
    (datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(2100, 12, 31, 23, tzinfo=UTC), None),
]  # fmt: skip


def test_the_rule_is_a_contract_reason_and_the_same_skew_in_the_oracle():
    assert FUTURE in REJECTION_REASONS
    assert CLOCK_SKEW == SKEW


FUTURE_TIME = datetime(2099, 3, 2, 10, 20, tzinfo=UTC)
BROKEN_TWICE = [  # (record, appended at, right reason): the first rule broken wins, as everywhere
    (_record(FUTURE_TIME, action="hover"), APPENDED, "unknown_action"),
    (_record(FUTURE_TIME, action="view", amount="5.00"), APPENDED, "amount_without_purchase"),
    (_record(FUTURE_TIME, action="purchase", amount="-1"), APPENDED, "negative_amount"),
    (_record("2101-01-01T00:00:00Z"), APPENDED, "impossible_timestamp"),
    (_record("2099-03-02 10:20:00Z"), APPENDED, "impossible_timestamp"),
]


def test_every_path_judges_the_boundaries_alike(spark):
    from views.parse import parse_events

    cases = [(_record(moment), at, right) for moment, at, right in BOUNDARIES] + BROKEN_TWICE
    values = [value for value, _, _ in cases]
    appended = [at for _, at, _ in cases]
    parsed = parse_events(raw_frame(spark, values, appended)).collect()
    spark_reasons = {row.offset: row.reason for row in parsed}
    assert len(spark_reasons) == len(values)
    for offset, (value, at, right) in enumerate(cases):
        assert check_record(value, _ms(at)).reason == right, value
        assert judge_record(value, _ms(at)).reason == right, value
        assert spark_reasons[offset] == right, value
        if offset < len(BOUNDARIES):  # without a Kafka timestamp only the value is judged
            assert check_record(value).reason is None


moments = st.datetimes(
    min_value=EPOCH.replace(tzinfo=None),
    max_value=datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC).replace(tzinfo=None),
).map(lambda moment: moment.replace(tzinfo=UTC))
ahead = st.integers(-3, 3).map(lambda us: SKEW + timedelta(microseconds=us)) | st.timedeltas(
    timedelta(days=-400), timedelta(days=400)
)
"""How far an event time is after its append time: within 3 µs of the skew, or anywhere."""


@settings(max_examples=300, deadline=None)
@given(appended=moments, ahead=ahead)
def test_python_and_the_oracle_agree_near_the_skew(appended, ahead):
    appended = appended.replace(microsecond=appended.microsecond // 1000 * 1000)  # Kafka: ms
    moment = appended + ahead
    if not 1970 <= moment.year <= 2100:
        return
    value = _record(moment)
    right = FUTURE if moment > appended + SKEW else None
    assert check_record(value, _ms(appended)).reason == right
    assert judge_record(value, _ms(appended)).reason == right
