"""`lk truth`: the whole log read, every record accepted or rejected, views published atomically."""

import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import pytest

from core.errors import LkError
from core.layout import Layout
from core.settings import Settings
from experiments import truth
from experiments.truth import LogRecord, classify, compute_truth, format_summary, read_log
from views.catalog import VIEW_NAMES
from views.validation import check_record
from workloads.generator import generate
from workloads.malformed import MALFORMED_KINDS
from workloads.producer import send_records
from workloads.records import encode_event
from workloads.scenarios import SCENARIOS

OUTPUTS = (*VIEW_NAMES, "rejected")
TOMBSTONE_REASON = check_record(None).reason
"""A record without a value is rejected; the reason is the validator's (today not_an_object)."""


def utc(*parts: int) -> datetime:
    """A naive UTC datetime, as the oracle's outputs hold time."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)


def event(event_id: str, **fields) -> bytes:
    document = {
        "event_id": event_id,
        "user_id": "u1",
        "action": "view",
        "product_id": "p1",
        "amount": 0,
        "event_time": "2026-01-01T00:00:30.250Z",
    }
    return encode_event({**document, **fields})


LOG = [
    LogRecord(0, 0, 1_767_225_600_000, event("a")),
    LogRecord(0, 1, 1_767_225_600_001, event("b", action="purchase", amount=12.3)),
    LogRecord(0, 2, 1_767_225_600_002, b'{"event_id": "c", '),  # cut short
    LogRecord(1, 0, 1_767_225_600_003, event("a")),  # a duplicate
    LogRecord(1, 1, 1_767_225_600_004, event("d", action="hover")),
    LogRecord(1, 2, 1_767_225_600_005, None),  # a tombstone is not an event either
]


def test_classify_types_accepted_events_and_keeps_rejected_bytes():
    events, rejected = classify(LOG, "topic-x")
    assert events.num_rows + rejected.num_rows == len(LOG)
    first = events.to_pylist()[1]
    assert first["amount"] == Decimal("12.30")
    assert first["event_time"] == utc(2026, 1, 1, 0, 0, 30, 250_000)  # naive UTC
    assert (first["kafka_partition"], first["kafka_offset"]) == (0, 1)
    assert rejected.to_pylist() == [
        {
            "topic": "topic-x",
            "partition": 0,
            "offset": 2,
            "ingestion_time": utc(2026, 1, 1, 0, 0, 0, 2_000),
            "value": b'{"event_id": "c", ',
            "reason": "invalid_json",
        },
        {
            "topic": "topic-x",
            "partition": 1,
            "offset": 1,
            "ingestion_time": utc(2026, 1, 1, 0, 0, 0, 4_000),
            "value": event("d", action="hover"),
            "reason": "unknown_action",
        },
        {
            "topic": "topic-x",
            "partition": 1,
            "offset": 2,
            "ingestion_time": utc(2026, 1, 1, 0, 0, 0, 5_000),
            "value": None,
            "reason": TOMBSTONE_REASON,
        },
    ]


def test_compute_truth_publishes_every_file_and_a_balanced_summary(tmp_path, monkeypatch):
    settings = Settings.from_env(data_dir=tmp_path, topic="topic-x")
    monkeypatch.setattr(truth, "end_offsets", lambda bootstrap, topic: {0: 3, 1: 3})
    monkeypatch.setattr(truth, "read_log", lambda settings, end: list(LOG))

    summary = compute_truth(settings)

    folder = Layout(tmp_path).truth
    assert summary["balanced"] is True
    assert (summary["records_read"], summary["accepted"], summary["rejected"]) == (6, 3, 3)
    assert (summary["distinct_events"], summary["duplicates"]) == (2, 1)
    assert summary["rejected_by_reason"] == dict(
        Counter(["invalid_json", "unknown_action", TOMBSTONE_REASON])
    )
    assert summary["end_offsets"] == {"0": 3, "1": 3}
    assert summary["first_event_time"] == "2026-01-01T00:00:30.250000+00:00"
    assert summary["logic_version"] == "v1"
    assert json.loads((folder / "summary.json").read_text())["accepted"] == 3
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{name}.parquet" for name in OUTPUTS] + ["summary.json", ".lock"]
    )
    connection = duckdb.connect()
    totals = connection.sql(
        f"SELECT * FROM read_parquet('{folder / 'user_totals.parquet'}')"
    ).fetchall()
    assert totals == [("u1", utc(2026, 1, 1), 2, 1, Decimal("12.30"))]
    assert summary["view_rows"]["user_totals"] == 1
    text = format_summary(summary)
    assert "6 records read = 3 accepted + 3 rejected (ok)" in text
    assert "unknown_action 1" in text


def test_a_second_run_replaces_the_files(tmp_path, monkeypatch):
    settings = Settings.from_env(data_dir=tmp_path, topic="topic-x")
    monkeypatch.setattr(truth, "end_offsets", lambda bootstrap, topic: {0: 3, 1: 3})
    monkeypatch.setattr(truth, "read_log", lambda settings, end: list(LOG))
    compute_truth(settings)
    monkeypatch.setattr(truth, "read_log", lambda settings, end: list(LOG[:2]))
    summary = compute_truth(settings, "v2")
    assert summary["logic_version"] == "v2"
    assert summary["records_read"] == 2
    assert "records were read" in format_summary(summary)
    rejected = Layout(tmp_path).truth / "rejected.parquet"
    assert duckdb.execute(f"SELECT count(*) FROM read_parquet('{rejected}')").fetchone() == (0,)


def test_a_missing_broker_is_one_readable_error(tmp_path):
    from tests.conftest import free_port

    settings = Settings.from_env(data_dir=tmp_path, bootstrap=f"127.0.0.1:{free_port()}")
    with pytest.raises(LkError, match="no Kafka broker answers"):
        compute_truth(settings)


@pytest.mark.slow
def test_truth_from_a_real_dirty_log(kafka, topic, tmp_path):
    records = list(generate(SCENARIOS["dirty"], seed=3, events=3_000))
    kinds = Counter(r.kind for r in records)
    send_records(records, kafka.bootstrap, topic, show_progress=False)
    settings = dataclasses.replace(kafka, topic=topic, data_dir=tmp_path)

    summary = compute_truth(settings)

    assert summary["records_read"] == len(records) == summary["records_in_log"]
    assert summary["records_read"] == summary["accepted"] + summary["rejected"]
    assert summary["balanced"] is True
    assert summary["rejected"] == kinds["malformed"] > 0
    assert summary["accepted"] == kinds["event"] + kinds["duplicate"]
    assert summary["distinct_events"] == kinds["event"] == 3_000
    assert summary["duplicates"] == kinds["duplicate"] > 0
    assert {reason.split(":")[0] for reason in summary["rejected_by_reason"]} <= set(
        MALFORMED_KINDS
    )

    folder = Layout(tmp_path).truth
    connection = duckdb.connect()
    for name in OUTPUTS:
        path = folder / f"{name}.parquet"
        count = connection.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
        assert count == (summary["rejected"] if name == "rejected" else summary["view_rows"][name])
        assert count > 0
    # Every distinct event lands in exactly one tumbling window and one hour.
    for name in ("action_counts", "user_totals"):
        path = folder / f"{name}.parquet"
        total = connection.execute(f"SELECT sum(events) FROM read_parquet('{path}')").fetchone()[0]
        assert total == 3_000
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]

    # Reading up to given offsets takes exactly those records, in (partition, offset) order.
    half = {p: end // 2 for p, end in summary["end_offsets"].items()}
    part = read_log(settings, end={int(p): end for p, end in half.items()})
    assert len(part) == sum(half.values())
    assert [(r.partition, r.offset) for r in part] == sorted((r.partition, r.offset) for r in part)
    assert all(r.offset < half[str(r.partition)] for r in part)
