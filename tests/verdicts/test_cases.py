"""Cases 01, 02, 03, 05 and 07 of the shared cases (copies in tests/cases/): each line is one
record; the oracle, views/validation.py and views/parse.py give the right verdict to each, and
the oracle's and Spark's action_counts serve the right windows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from oracle.log import LogRecord
from oracle.tables import classify
from oracle.truth import connect
from oracle.views_sql import oracle_views
from tests.oracle.oracle_cases import APPENDED_MS, oracle_verdict
from tests.oracle.test_validation import python_verdict
from tests.oracle.test_vs_spark import _utc_rows, raw_frame, spark_verdicts
from views import catalog

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
OK, BAD = None, "invalid_json"

CASES = {  # file: (the reason for each line, [(window start, action, events, revenue)])
    "case-01-duplicate-keys.jsonl": ([OK, BAD, BAD, BAD], [("10:00", "view", 1, "0.00")]),
    "case-02-trailing-content.jsonl": (
        [BAD, BAD, BAD, OK, BAD, BAD, OK],
        [("10:01", "purchase", 1, "4.50"), ("10:02", "view", 1, "0.00")],
    ),
    "case-03-nan-infinity.jsonl": (
        [BAD, BAD, BAD, BAD, "wrong_type: amount", OK],
        [("10:03", "view", 1, "0.00")],
    ),
    "case-05-long-decimal-amounts.jsonl": (
        [OK, OK, OK, OK],
        [("10:05", "purchase", 3, "3.80"), ("10:05", "view", 1, "0.00")],
    ),
    "case-07-lone-surrogate-escapes.jsonl": (
        [BAD, BAD, BAD, OK, OK],
        [("10:07", "view", 2, "0.00")],
    ),
}


def records(name: str) -> list[bytes]:
    """The case's records: its lines byte for byte, without their line feeds."""
    return (CASES_DIR / name).read_bytes().removesuffix(b"\n").split(b"\n")


def right_rows(name: str) -> list[tuple]:
    """The right action_counts rows: (window_start, window_end, action, events, revenue)."""
    rows = []
    for start, action, events, revenue in CASES[name][1]:
        begin = datetime.fromisoformat(f"2026-03-02T{start}:00")
        end = begin.replace(minute=begin.minute + 1)
        rows.append((begin, end, action, events, Decimal(revenue)))
    return sorted(rows)


@pytest.mark.parametrize("name", CASES)
def test_the_oracle_and_python_give_the_right_verdicts(name):
    values = records(name)
    reasons = CASES[name][0]
    assert [oracle_verdict(value)[0] for value in values] == reasons
    assert [python_verdict(value) for value in values] == [oracle_verdict(v) for v in values]


@pytest.mark.parametrize("name", CASES)
def test_the_oracle_serves_the_right_windows(name):
    log = [LogRecord(0, offset, APPENDED_MS, value) for offset, value in enumerate(records(name))]
    events, rejected = classify(log, "t")
    assert events.num_rows + rejected.num_rows == len(log)
    connection = connect()
    connection.register("events", events)
    rows = oracle_views(connection, "v1")["action_counts"].fetchall()
    connection.close()
    assert sorted(rows) == right_rows(name)


@pytest.mark.slow
def test_spark_gives_the_right_verdicts_and_windows(spark):
    from views.parse import accepted_events, parse_events

    for name, (reasons, _) in CASES.items():
        values = records(name)
        assert spark_verdicts(spark, values) == [oracle_verdict(v) for v in values], name
        assert [verdict[0] for verdict in spark_verdicts(spark, values)] == reasons, name
        events = accepted_events(parse_events(raw_frame(spark, values)))
        (view,) = [v for v in catalog.views_at("v1") if v.name == "action_counts"]
        assert sorted(_utc_rows(view.apply(events))) == right_rows(name), name
