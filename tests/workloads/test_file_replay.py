"""File replay: REES46 CSV mapping, JSONL passed byte for byte, nothing dropped."""

import gzip
import json
from pathlib import Path

import pytest

from core.errors import LkError
from views.validation import check_record
from workloads.file_replay import read_file

SAMPLE = Path(__file__).parent.parent / "data" / "rees46_sample.csv"


def test_rees46_rows_become_events_in_our_schema():
    records = list(read_file(SAMPLE))
    assert len(records) == 13  # every row is kept, the broken one too
    first = json.loads(records[0].value)
    assert first == {
        "event_id": first["event_id"],
        "user_id": "541312140",
        "action": "view",
        "product_id": "44600062",
        "amount": 0.0,
        "event_time": "2019-10-01T00:00:00.000Z",
    }
    assert records[0].key == b"541312140"
    actions = [json.loads(r.value)["action"] for r in records[:12]]
    assert actions.count("purchase") == 2 and actions.count("click") == 2
    purchase = json.loads(records[6].value)
    assert purchase["amount"] == 130.76


def test_identical_rows_are_the_same_event_and_unknown_types_are_kept_for_rejection():
    records = list(read_file(SAMPLE))
    assert [r.kind for r in records].count("duplicate") == 1
    assert records[9].value == records[0].value and records[9].late
    assert check_record(records[11].value).reason == "unknown_action"  # wishlist
    assert records[12].kind == "malformed" and records[12].value == b"broken,row"


def test_jsonl_lines_are_sent_byte_for_byte(tmp_path):
    good = (
        b'{"event_id":"a","user_id":"u1","action":"click","product_id":null,"amount":0,'
        b'"event_time":"2026-01-01T00:00:00.000Z"}'
    )
    path = tmp_path / "events.jsonl.gz"
    with gzip.open(path, "wb") as out:
        out.write(good + b"\n\n" + b'{"user_id": "u2", "oops"\n' + good + b"\n")
    records = list(read_file(path))
    assert [r.kind for r in records] == ["event", "skipped", "malformed", "duplicate"]
    assert records[0].value == good and records[0].key == b"u1"
    assert records[1].reason == "blank_line"  # not a record, but counted
    assert records[2].value == b'{"user_id": "u2", "oops"' and records[2].key is None


def test_unsupported_inputs_are_readable_errors(tmp_path):
    with pytest.raises(LkError, match="no such file"):
        read_file(tmp_path / "missing.jsonl")
    (tmp_path / "x.parquet").write_bytes(b"")
    with pytest.raises(LkError, match="expected a .jsonl"):
        read_file(tmp_path / "x.parquet")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(LkError, match="not a REES46 CSV"):
        read_file(tmp_path / "x.csv")  # found before a single record is sent
    (tmp_path / "dir.jsonl").mkdir()
    with pytest.raises(LkError, match="not a file"):
        read_file(tmp_path / "dir.jsonl")
    (tmp_path / "bad.jsonl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(LkError, match="cannot read"):
        list(read_file(tmp_path / "bad.jsonl.gz"))
