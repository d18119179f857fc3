"""Kafka -> the master dataset, exactly once: each run continues from the offsets the last
committed run reached, and commits its data and its offsets together with one rename."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from batch_layer.compaction import COMPACT_AFTER_RUNS, compact
from batch_layer.master_dataset import committed_runs
from core.atomic import clear_staging, publish_dir, read_json, staging_dir, write_json
from core.errors import LkError
from core.kafka_client import (
    SPARK_READ_OPTIONS,
    check_topic_id,
    deleted_unread,
    describe_gaps,
    end_offsets,
    offsets_before,
    start_offsets,
    topic_config,
    topic_id,
)
from core.layout import Layout
from core.locks import exclusive_lock

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from core.settings import Settings

MASTER_COLUMNS = (
    "event_id",
    "user_id",
    "action",
    "product_id",
    "amount",
    "event_time",
    "partition",
    "offset",
    "ingestion_time",
)
"""A master-dataset row: one accepted Kafka record (duplicates kept: the log is the truth),
stored under event_date=/event_hour= folders."""
TOPIC_FILE = "topic.json"
"""In the ingest folder: the topic id adopted for runs committed before runs recorded it."""


def committed_offsets(layout: Layout, topic: str) -> dict[int, int]:
    """The next offset to read per partition: where the last committed run stopped."""
    last = _last_commit(layout, topic)
    return {int(p): offset for p, offset in last.get("end", {}).items()}


def _last_commit(layout: Layout, topic: str) -> dict:
    """The offsets.json of the last committed run ({} before the first); LkError if it read
    another topic."""
    runs = committed_runs(layout)
    if not runs:
        return {}
    last = read_json(runs[-1][1] / "offsets.json") or {}
    if last.get("topic") != topic:
        raise LkError(
            f"{layout.ingest} holds topic {last.get('topic')!r}, not {topic!r}: "
            "use one data directory per topic (--data-dir)"
        )
    return last


def start_over(layout: Layout) -> str:
    """What a user does when the master dataset holds a log that no longer exists."""
    return (
        f"start Lambda over on the new log with a new --data-dir, or remove {layout.root / 'lambda'}"
        " (master dataset, batch views, speed checkpoints) and run again from offset 0"
    )


def _checked_topic_id(layout: Layout, settings: Settings, last: dict) -> str:
    """The topic's id now, once it is the one the committed runs read (TopicRecreated if not).
    Runs committed before ids were recorded: the id is recorded now (`topic.json`)."""
    current = topic_id(settings.bootstrap, settings.topic)
    if not last:
        return current
    adopted = layout.ingest / TOPIC_FILE
    recorded = last.get("topic_id") or (read_json(adopted) or {}).get("topic_id")
    check_topic_id(
        settings.topic, recorded, current, state=layout.ingest, start_over=start_over(layout)
    )
    if not recorded and current:
        write_json(adopted, {"topic": settings.topic, "topic_id": current})
    return current


def ingest(
    spark: SparkSession,
    settings: Settings,
    until: datetime | None = None,
    *,
    compact_after: int | None = COMPACT_AFTER_RUNS,
) -> dict:
    """Append the records after the committed offsets (up to those ingested before `until`,
    or up to the end of the log) to the master dataset; return what the run did: `records`
    read (= `events` accepted + `rejected`), the `offsets_spanned` from `start` to `end`, and
    `offsets_without_record` among them (transaction markers and aborted records, never read).
    Then, once `compact_after` runs with events wait for a compaction (None: never), compact
    the master dataset (`compaction` in the result, see `batch_layer.compaction.compact`).
    TopicRecreated (one line) if the topic is not the one the committed runs read."""
    summary = _ingest_run(spark, settings, until)
    if compact_after is not None:
        summary["compaction"] = compact(spark, settings, at_least=compact_after)
    return summary


def _check_append_time(settings: Settings) -> None:
    """`--until` cuts the log by the records' timestamps, which only append time keeps in order:
    on a topic that keeps its producers' timestamps (CreateTime), the first record stamped at or
    after `until` ends every cut, so one record stamped ahead would hold back every record
    after it, run after run. LkError (one line, with what to do) on such a topic."""
    kind = topic_config(settings.bootstrap, settings.topic).get("message.timestamp.type")
    if kind == "CreateTime":
        raise LkError(
            f"--until cuts the log by append time, but topic {settings.topic!r} keeps its "
            "producers' timestamps (message.timestamp.type=CreateTime), where one record "
            "stamped ahead holds back every later one: run the batch without --until, or set "
            "message.timestamp.type=LogAppendTime on the topic (kafka-configs.sh --alter "
            f"--entity-type topics --entity-name {settings.topic} --add-config "
            "message.timestamp.type=LogAppendTime)"
        )


def _ingest_run(spark: SparkSession, settings: Settings, until: datetime | None) -> dict:
    """One ingest run, committed with one rename (see `ingest`)."""
    from views.parse import parse_events

    layout = Layout(settings.data_dir)
    started = time.monotonic()
    with exclusive_lock(layout.ingest / ".lock"):
        clear_staging(layout.ingest)
        last = _last_commit(layout, settings.topic)
        current_id = _checked_topic_id(layout, settings, last)
        start = {int(p): offset for p, offset in last.get("end", {}).items()}
        if until is None:
            end = end_offsets(settings.bootstrap, settings.topic)
        else:
            _check_append_time(settings)
            end = offsets_before(settings.bootstrap, settings.topic, _millis(until))
        if until is None and any(end.get(p, 0) < offset for p, offset in start.items()):
            raise LkError(
                f"topic {settings.topic!r} ends before the offsets already ingested "
                f"({end} < {start}): was it deleted and created again? {start_over(layout)}"
            )
        start = {p: start.get(p, 0) for p in end}
        # Retention or DeleteRecords may have removed offsets nobody ingested: they are gone
        # for good, so the run starts at the log start and records the gap (the master
        # dataset keeps every event ingested before).
        gaps = deleted_unread(start, start_offsets(settings.bootstrap, settings.topic))
        start = {p: max(start[p], gaps[p][1] + 1) if p in gaps else start[p] for p in start}
        end = {p: max(end[p], start[p]) for p in end}  # an older --until cut: nothing to read
        spanned = sum(end[p] - start[p] for p in end)
        summary = {
            "topic": settings.topic,
            "topic_id": current_id,
            "start": start,
            "end": end,
            "offsets_spanned": spanned,
            "until": until.isoformat() if until else None,
            "deleted_unread": {str(p): gap for p, gap in gaps.items()},
        }
        if gaps:
            logging.getLogger(__name__).warning(
                "the log no longer holds %s (deleted before ingest read them): ingesting from "
                "the log start on; the master dataset keeps what it ingested before",
                describe_gaps(gaps),
            )
        if spanned == 0:
            return {**summary, "run": None, "records": 0, "events": 0, "rejected": 0,
                    "offsets_without_record": 0, "seconds": 0.0}  # fmt: skip

        runs = committed_runs(layout)
        run = runs[-1][0] + 1 if runs else 1
        staged = staging_dir(layout.ingest, f"run={run:06d}")
        parsed = parse_events(_read_kafka(spark, settings, start, end)).persist()
        try:
            records, events, rejected = _count_verdicts(parsed)
            if events:
                write_events(parsed, staged / "events")
            _write_rejected(parsed, staged / "rejected")
        finally:
            parsed.unpersist()
        if events + rejected != records or records > spanned:
            raise LkError(
                f"ingest read {records} records ({events} accepted + {rejected} rejected) "
                f"from {spanned} offsets: the counts do not balance; nothing was committed"
            )
        summary.update(run=run, records=records, events=events, rejected=rejected)
        summary["offsets_without_record"] = spanned - records  # markers and aborted records
        summary["committed_at"] = datetime.now(UTC).isoformat()
        write_json(staged / "offsets.json", summary)
        publish_dir(staged, layout.ingest_run(run))  # the commit: data and offsets at once
    return {**summary, "seconds": round(time.monotonic() - started, 3)}


def _read_kafka(
    spark: SparkSession, settings: Settings, start: dict[int, int], end: dict[int, int]
) -> DataFrame:
    import json

    topic = settings.topic
    return (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap)
        .option("assign", json.dumps({topic: sorted(end)}))
        .option("startingOffsets", json.dumps({topic: {str(p): o for p, o in start.items()}}))
        .option("endingOffsets", json.dumps({topic: {str(p): o for p, o in end.items()}}))
        .options(**SPARK_READ_OPTIONS)  # read committed: offsets have gaps, rows are counted
        .load()
    )


def write_events(parsed: DataFrame, folder: Path) -> None:
    """Write the accepted rows of `parsed` (views.parse.parse_events' shape: the event columns,
    `partition`, `offset`, `ingestion_time`, `reason`) to `folder` as master-dataset Parquet,
    partitioned by event_date=/event_hour= (UTC)."""
    from pyspark.sql import functions as F

    # The filter of views.parse.accepted_events, but keeping where each record came from.
    accepted = parsed.where(F.col("reason").isNull()).select(*MASTER_COLUMNS)
    # (event fields, partition, offset, ingestion_time, event_date, event_hour)
    (
        accepted.withColumn("event_date", F.to_date("event_time"))
        .withColumn("event_hour", F.hour("event_time"))
        .write.partitionBy("event_date", "event_hour")
        .parquet(str(folder))
    )


def _write_rejected(parsed: DataFrame, folder: Path) -> None:
    from views.parse import rejected_records

    rejected_records(parsed).coalesce(1).write.parquet(str(folder))


def _count_verdicts(parsed: DataFrame) -> tuple[int, int, int]:
    """(records read, accepted, rejected): one row of `parsed` is one Kafka record read."""
    from pyspark.sql import functions as F

    row = parsed.agg(
        F.count(F.lit(1)).alias("read"),
        F.count_if(F.col("reason").isNull()).alias("accepted"),
        F.count_if(F.col("reason").isNotNull()).alias("rejected"),
    ).first()
    return int(row["read"]), int(row["accepted"]), int(row["rejected"])


def _millis(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise LkError("the ingest cut-off must be a UTC time with a zone")
    return int(moment.timestamp() * 1000)
