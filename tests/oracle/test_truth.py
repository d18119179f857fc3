"""`lk truth`: the whole log read, every record accepted or rejected, the views of one logic
version published atomically under truth/<logic version>/."""

import dataclasses
import json
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from core.errors import LkError, NotRetryable
from core.layout import Layout
from core.settings import Settings
from oracle import truth
from oracle.log import LogRecord, read_log
from oracle.params import VIEW_NAMES
from oracle.report import format_summary
from oracle.tables import classify
from oracle.truth import compute_truth
from tests.oracle.oracle_cases import APPENDED_MS
from workloads.generator import generate
from workloads.malformed import MALFORMED_KINDS
from workloads.producer import send_records
from workloads.records import encode_event
from workloads.scenarios import SCENARIOS

OUTPUTS = (*VIEW_NAMES, "rejected")
TOMBSTONE_REASON = "invalid_json"
"""A record without a value (a tombstone) holds no JSON text at all."""


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


def fake_log(monkeypatch, records: list[LogRecord]) -> None:
    """The oracle reads `records` instead of asking Kafka."""
    monkeypatch.setattr(truth, "end_offsets", lambda bootstrap, topic: {0: 3, 1: 3})
    monkeypatch.setattr(truth, "start_offsets", lambda bootstrap, topic: {0: 0, 1: 0})
    monkeypatch.setattr(truth, "read_log", lambda settings, end: list(records))
    monkeypatch.setattr(truth, "topic_id", lambda bootstrap, topic: "topic-id-of-the-fake-log")


def test_compute_truth_publishes_every_file_and_a_balanced_summary(tmp_path, monkeypatch):
    settings = Settings.from_env(data_dir=tmp_path, topic="topic-x")
    fake_log(monkeypatch, LOG)
    renamed = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: renamed.append((a, b)) or real_replace(a, b))

    before = datetime.now(UTC)
    summary = compute_truth(settings)

    folder = Layout(tmp_path).truth_version("v1")
    assert summary["balanced"] is True
    assert (summary["records_read"], summary["accepted"], summary["rejected"]) == (6, 3, 3)
    assert (summary["distinct_events"], summary["duplicates"]) == (2, 1)
    assert summary["rejected_by_reason"] == dict(
        Counter(["invalid_json", "unknown_action", TOMBSTONE_REASON])
    )
    assert summary["end_offsets"] == {"0": 3, "1": 3}
    assert summary["first_event_time"] == "2026-01-01T00:00:30.250000+00:00"
    assert summary["logic_version"] == "v1"
    assert summary["folder"] == str(folder)
    computed_at = datetime.fromisoformat(summary["computed_at"])
    assert computed_at.utcoffset() == timedelta(0)
    assert before <= computed_at <= datetime.now(UTC)
    written = json.loads((folder / "summary.json").read_text())
    assert (written["accepted"], written["logic_version"]) == (3, "v1")
    assert written["computed_at"] == summary["computed_at"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{name}.parquet" for name in OUTPUTS] + ["summary.json", ".lock"]
    )
    # Every file was written under a hidden temporary name in its folder, then renamed into
    # place; summary.json last, so a reader that sees it sees every file of the run.
    assert [os.path.basename(final) for _, final in renamed] == [
        *(f"{name}.parquet" for name in OUTPUTS),
        "summary.json",
    ]
    for temporary, final in renamed:
        assert os.path.dirname(temporary) == os.path.dirname(final) == str(folder)
        assert os.path.basename(temporary).startswith(".")
        assert str(temporary).endswith(".tmp")
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
    fake_log(monkeypatch, LOG)
    compute_truth(settings)
    fake_log(monkeypatch, LOG[:2])
    summary = compute_truth(settings)
    assert summary["records_read"] == 2
    assert "records were read" in format_summary(summary)
    folder = Layout(tmp_path).truth_version("v1")
    rejected = folder / "rejected.parquet"
    assert duckdb.execute(f"SELECT count(*) FROM read_parquet('{rejected}')").fetchone() == (0,)
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_each_logic_version_has_its_own_folder(tmp_path, monkeypatch):
    settings = Settings.from_env(data_dir=tmp_path, topic="topic-x")
    fake_log(
        monkeypatch,
        [  # two events 7 minutes apart: two v1 sessions, one v2 session
            LogRecord(0, 0, APPENDED_MS, event("a", event_time="2026-01-01T00:00:00.000Z")),
            LogRecord(0, 1, APPENDED_MS, event("b", event_time="2026-01-01T00:07:00.000Z")),
        ],
    )
    layout = Layout(tmp_path)
    compute_truth(settings, "v1")
    v1_files = {p.name: p.stat().st_mtime_ns for p in layout.truth_version("v1").iterdir()}
    summary = compute_truth(settings, "v2")

    assert summary["logic_version"] == "v2"
    assert summary["folder"] == str(layout.truth_version("v2"))
    assert {p.name: p.stat().st_mtime_ns for p in layout.truth_version("v1").iterdir()} == v1_files
    for version, sessions in (("v1", 2), ("v2", 1)):
        folder = layout.truth_version(version)
        assert json.loads((folder / "summary.json").read_text())["logic_version"] == version
        path = folder / "user_sessions.parquet"
        count = duckdb.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
        assert count == sessions, version
    assert not list(layout.truth.glob("*.parquet"))  # nothing outside the version folders


def test_an_unknown_logic_version_is_refused_before_kafka_is_asked(tmp_path, monkeypatch):
    settings = Settings.from_env(data_dir=tmp_path, topic="topic-x")

    def no_kafka(*args, **kwargs):
        raise AssertionError("Kafka was asked")

    monkeypatch.setattr(truth, "end_offsets", no_kafka)
    monkeypatch.setattr(truth, "read_log", no_kafka)
    with pytest.raises(NotRetryable) as refused:
        compute_truth(settings, "v9")
    assert str(refused.value) == "unknown logic version 'v9'; choose one of: v1, v2"
    assert not Layout(tmp_path).truth.exists()


def test_a_missing_broker_is_one_readable_error(tmp_path):
    from core.net import free_port

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

    folder = Layout(tmp_path).truth_version("v1")
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


@pytest.mark.slow
def test_records_of_an_aborted_transaction_are_not_read(kafka, topic, tmp_path):
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, transactional_id=f"t-{topic}")
    producer.init_transactions()
    for ids, commit in ((["a", "b", "c"], True), (["x", "y"], False), (["d"], True)):
        producer.begin_transaction()
        for event_id in ids:
            producer.send(topic, event(event_id), partition=0)
        producer.flush()  # in the log before the transaction ends, aborted or not
        producer.commit_transaction() if commit else producer.abort_transaction()
    producer.close()
    settings = dataclasses.replace(kafka, topic=topic, data_dir=tmp_path)

    summary = compute_truth(settings)

    # Offsets 0-2 committed, 3 a marker, 4-5 aborted, 6 a marker, 7 committed, 8 a marker.
    assert summary["end_offsets"]["0"] == 9
    assert (summary["records_read"], summary["accepted"], summary["distinct_events"]) == (4, 4, 4)
    assert summary["balanced"] is True
    assert "9 offsets but 4 records were read" in format_summary(summary)
