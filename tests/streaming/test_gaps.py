"""Offsets deleted before a job read them: where a job resumes (from Spark's checkpoint), where
a new one starts, the gaps, and how recorded gaps merge. No Spark, no broker."""

from __future__ import annotations

import json

import pytest

from core.errors import LkError
from core.kafka_client import deleted_unread, describe_gaps
from streaming.gaps import LATEST, first_offsets, merged, resume_offsets


def _checkpoint(folder, batches: dict[int, dict], committed: list[int], version: str = "v1"):
    """A Spark checkpoint with offset files for `batches` and commit files for `committed`."""
    (folder / "offsets").mkdir(parents=True)
    (folder / "commits").mkdir()
    for batch, offsets in batches.items():
        metadata = {"batchWatermarkMs": 0, "batchTimestampMs": 0, "conf": {}}
        lines = [version, json.dumps(metadata), "-", json.dumps(offsets)]
        (folder / "offsets" / str(batch)).write_text("\n".join(lines))
    for batch in committed:
        (folder / "commits" / str(batch)).write_text('v1\n{"nextBatchWatermarkMs":0}')
    return folder


def test_a_job_resumes_at_the_end_of_its_last_committed_micro_batch(tmp_path):
    checkpoint = _checkpoint(
        tmp_path / "cp",
        {0: {"t": {"0": 4, "1": 2}}, 1: {"t": {"0": 9, "1": 3}}},
        committed=[0],  # batch 1 was planned, not committed: it runs again from batch 0's end
    )
    assert resume_offsets(checkpoint, "t") == {0: 4, 1: 2}
    assert resume_offsets(checkpoint, "other") is None
    assert resume_offsets(tmp_path / "new", "t") is None


def test_an_offset_log_in_another_format_is_one_line(tmp_path):
    checkpoint = _checkpoint(tmp_path / "cp", {0: {"t": {"0": 4}}}, [0], version="v2")
    with pytest.raises(LkError, match="offset log format v1"):
        resume_offsets(checkpoint, "t")


def test_where_a_new_job_starts():
    assert first_offsets("earliest", "t") == {} and first_offsets("EARLIEST", "t") == {}
    assert first_offsets("latest", "t") is None
    assert first_offsets('{"t": {"0": 1200, "1": -2, "2": -1}}', "t") == {0: 1200, 1: 0, 2: LATEST}


def test_the_gaps_between_where_a_job_reads_and_where_the_log_starts():
    gaps = deleted_unread({0: 4, 1: 10, 3: LATEST}, {0: 6, 1: 3, 2: 2, 3: 50})
    assert gaps == {0: [4, 5], 2: [0, 1]}  # partition 2: not read yet, so from offset 0
    assert describe_gaps(gaps) == "partition 0, offsets 4-5; partition 2, offsets 0-1"
    assert describe_gaps({1: [7, 7]}) == "partition 1, offset 7"
    assert deleted_unread({0: 6}, {0: 6}) == {}


def test_recorded_gaps_merge_so_no_offset_counts_twice():
    assert merged([[4, 5], [4, 8]]) == [[4, 8]]
    assert merged([[10, 12], [0, 1], [13, 13], [4, 5]]) == [[0, 1], [4, 5], [10, 13]]
