"""`lk produce --from-file` puts cases 04 and 07 on a real topic byte for byte, with no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.kafka_client import delete_topic
from tests.processes import lk_env
from workloads.file_replay import read_file

from .test_kafka_roundtrip import consume_all

pytestmark = pytest.mark.slow

CASES = Path(__file__).parent.parent / "cases"


def lk_produce(kafka, topic: str, path: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lk.cli", "produce", "--from-file", str(path), "--no-progress"]
        + ["--topic", topic, "--partitions", "1", *flags],
        env=lk_env(kafka),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "malformed"),
    [("case-04-rees46-nan-price.csv", 2), ("case-07-lone-surrogate-escapes.jsonl", None)],
)
def test_case_files_arrive_byte_for_byte(kafka, name, malformed):
    path = CASES / name
    topic = f"test-{uuid.uuid4().hex[:12]}"
    try:
        result = lk_produce(kafka, topic, path, "--json")
        assert "Traceback" not in result.stdout + result.stderr
        assert result.returncode == 0, result.stderr
        summary = json.loads(result.stdout)
        expected = list(read_file(path))
        received = consume_all(kafka.bootstrap, topic)
        assert [(m.key, m.value) for m in received] == [(r.key, r.value) for r in expected]
        assert summary["records"] == len(expected) and summary["skipped"] == 0
        if malformed is not None:  # case 04: the two bad prices, one reason
            assert summary["malformed"] == malformed
            assert summary["malformed_reasons"] == {"wrong_type: amount": 2}
            for message in received:
                json.loads(message.value, parse_constant=_refuse)  # valid JSON, every one
        else:  # case 07: the file's lines, exactly
            assert [m.value for m in received] == path.read_bytes().splitlines()
    finally:
        delete_topic(kafka.bootstrap, topic)


def test_the_summary_names_rejected_and_skipped_rows(kafka, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"user_id":"\\ud800"\n\n' + b"x" * 1_500_000 + b"\nnot json\n")
    topic = f"test-{uuid.uuid4().hex[:12]}"
    try:
        result = lk_produce(kafka, topic, path)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
        assert lines["records"] == "2" and lines["malformed"] == "2"
        assert lines["malformed_reasons"] == "2 invalid_json"
        assert lines["skipped"] == "2"
        assert lines["skipped_reasons"] == "1 blank_line; 1 too_large"
        assert [m.value for m in consume_all(kafka.bootstrap, topic)] == [
            b'{"user_id":"\\ud800"',
            b"not json",
        ]
    finally:
        delete_topic(kafka.bootstrap, topic)


def _refuse(name: str) -> object:
    raise ValueError(f"{name} is not JSON")
