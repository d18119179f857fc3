"""Offsets a streaming job never read because the log no longer held them (retention or
DeleteRecords removed the head of the log before the job got there).

A job resumes where its checkpoint's last committed micro-batch ended; a new one (or a Kappa
replay) starts at offset 0. When the log now starts after that point, the offsets in between are
gone for good: Spark's Kafka source would fail on every start (`failOnDataLoss`), so the job
records the gap in `progress/deleted_unread.json`, says it in one log line, and reads on from
the log start. The gap is shown by `lk kappa status` and `serving_status` (`offsets_never_read`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from core.atomic import read_json, write_json
from core.errors import LkError
from core.kafka_client import deleted_unread, describe_gaps, start_offsets
from core.layout import StreamPaths
from core.settings import Settings

GAPS_FILE = "deleted_unread.json"
LATEST = 2**63 - 1
"""A start past every offset (Kafka's largest): a partition read from its latest offset."""


def resume_offsets(checkpoint: Path, topic: str) -> dict[int, int] | None:
    """Per partition of `topic`, the offset a query resuming from `checkpoint` reads next: the
    end of its last committed micro-batch (a planned, uncommitted one is run again from there).
    None for a checkpoint with no committed micro-batch. LkError (one line) for an offset log
    in another format than Spark's default (`v1`: a version line, the metadata, then one JSON
    line per source)."""
    commits = checkpoint / "commits"
    names = [f.name for f in commits.iterdir()] if commits.is_dir() else []
    committed = [int(name) for name in names if name.isdigit()]
    if not committed:
        return None
    offsets = checkpoint / "offsets" / str(max(committed))
    lines = offsets.read_text().splitlines()
    if not lines or lines[0] != "v1":
        raise LkError(
            f"{offsets} is not in Spark's offset log format v1 "
            "(spark.sql.streaming.offsetLog.formatVersion must keep its default)"
        )
    for line in lines[2:]:
        document = json.loads(line) if line.startswith("{") else None  # `-`: a void source
        if isinstance(document, dict) and topic in document:
            return {int(p): int(o) for p, o in document[topic].items()}
    return None


def first_offsets(starting_offsets: str, topic: str) -> dict[int, int] | None:
    """Where a new job starts, per partition (a partition missing starts at 0): `earliest`
    gives {} (offset 0 everywhere), a JSON of offsets gives them (-2: the earliest; -1, the
    latest: LATEST), `latest` gives None (nothing deleted can be missed there)."""
    if starting_offsets.strip().lower() == "earliest":
        return {}
    if starting_offsets.strip().lower() == "latest":
        return None
    asked = json.loads(starting_offsets).get(topic, {})
    # -2: the earliest offset (0 here); -1: the latest, where nothing deleted can be missed.
    return {int(p): LATEST if int(o) == -1 else max(int(o), 0) for p, o in asked.items()}


def record_gaps(settings: Settings, paths: StreamPaths, starting_offsets: str) -> dict:
    """The gaps (partition -> [first, last] offset) between where this start of the job reads
    and where the log starts now; each is logged and added to the job's GAPS_FILE. Empty when
    nothing is missing (or a new job starts at the latest offsets)."""
    resume = resume_offsets(paths.checkpoint, settings.topic)
    if resume is None:
        resume = first_offsets(starting_offsets, settings.topic)
        if resume is None:
            return {}
    gaps = deleted_unread(resume, start_offsets(settings.bootstrap, settings.topic))
    if gaps:
        logging.getLogger(__name__).warning(
            "the log no longer holds %s (deleted before this job read them): reading on from "
            "the log start",
            describe_gaps(gaps),
        )
        paths.progress.mkdir(parents=True, exist_ok=True)
        known = read_json(paths.progress / GAPS_FILE) or {}
        for partition, gap in gaps.items():
            known[str(partition)] = merged([*known.get(str(partition), []), gap])
        write_json(paths.progress / GAPS_FILE, known)
    return gaps


def merged(gaps: list[list[int]]) -> list[list[int]]:
    """Offset ranges [first, last] as the fewest disjoint ranges covering the same offsets (a
    job restarted before it read past a gap finds it again, grown by later deletions)."""
    result: list[list[int]] = []
    for first, last in sorted(gaps):
        if result and first <= result[-1][1] + 1:
            result[-1][1] = max(result[-1][1], last)
        else:
            result.append([first, last])
    return result


def offsets_never_read(paths: StreamPaths) -> int:
    """How many offsets the job never read because they were deleted first (0 if none)."""
    known = read_json(paths.progress / GAPS_FILE) or {}
    return sum(last - first + 1 for gaps in known.values() for first, last in gaps)
