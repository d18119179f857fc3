"""`lk truth`: compute the oracle's views of one logic version from the whole raw log and publish
them under `truth/<logic version>/`.

The topic is read from its start up to the end offsets taken at the start (`log`), every record
is judged by the oracle's own validator (`tables`, `validation`), and each view is computed by
plain DuckDB SQL (`views_sql`). Each output file is written under a temporary name and renamed
into place, `summary.json` last, so a reader sees a whole old file or a whole new one.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.atomic import read_json, write_json
from core.errors import LkError
from core.layout import Layout
from core.locks import exclusive_lock
from core.settings import DEFAULT_LOGIC_VERSION, Settings
from oracle.log import end_offsets, read_log, start_offsets, topic_id
from oracle.params import view_params
from oracle.tables import classify
from oracle.views_sql import view_sql

MEMORY_LIMIT = "1GB"
REJECTED_FILE = "rejected.parquet"
SUMMARY_FILE = "summary.json"


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the oracle's memory limit, in UTC."""
    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def compute_truth(settings: Settings, logic_version: str = DEFAULT_LOGIC_VERSION) -> dict:
    """Read the whole log of `settings.topic`, compute every view of `logic_version` and publish
    `<data_dir>/truth/<logic_version>/<view>.parquet` (one row per view row),
    `rejected.parquet` (one row per rejected record) and `summary.json`; return the summary.

    The summary holds the counts of the run (records read = accepted + rejected, distinct
    events, duplicates, rejections by reason), the end offsets read up to, the event-time range,
    rows per view, `seconds` taken, `logic_version`, `computed_at` (ISO-8601 UTC) and `folder`;
    `topic_id` (the topic's id) and, when the topic was deleted and created again since the last
    run, `replaced_topic_id`: the truth is always the whole log the topic holds now.
    NotRetryable for an unknown logic version (before Kafka is asked anything); LkError when
    Kafka cannot be read or the counts do not balance (then nothing is published).
    """
    views = view_params(logic_version)
    started = time.monotonic()
    current_id = topic_id(settings.bootstrap, settings.topic)
    end = end_offsets(settings.bootstrap, settings.topic)
    start = start_offsets(settings.bootstrap, settings.topic)
    records = read_log(settings, end=end)
    records_read = len(records)
    read_seconds = time.monotonic() - started
    events, rejected = classify(records, settings.topic)
    del records

    folder = Layout(settings.data_dir).truth_version(logic_version)
    folder.mkdir(parents=True, exist_ok=True)
    before = (read_json(folder / SUMMARY_FILE) or {}).get("topic_id")
    connection = connect()
    try:
        connection.register("events", events)
        connection.register("rejected", rejected)
        summary = _summarise(connection, settings, logic_version, start, end, records_read)
        summary["topic_id"] = current_id
        if before and current_id and before != current_id:
            summary["replaced_topic_id"] = before  # recomputed from the new log, offset 0 on
        if not summary["balanced"]:
            raise LkError(
                f"the oracle read {summary['records_read']} records but classified "
                f"{summary['accepted'] + summary['rejected']}: nothing published"
            )
        with exclusive_lock(folder / ".lock"):
            rows = {
                name: _publish(connection, view_sql(name, params), folder / f"{name}.parquet")
                for name, params in views.items()
            }
            _publish(
                connection,
                'SELECT * FROM rejected ORDER BY partition, "offset"',
                folder / REJECTED_FILE,
            )
            summary["view_rows"] = rows
            summary["seconds"] = {
                "read": round(read_seconds, 3),
                "total": round(time.monotonic() - started, 3),
            }
            summary["computed_at"] = datetime.now(UTC).isoformat()
            summary["folder"] = str(folder)
            write_json(folder / SUMMARY_FILE, summary)
    finally:
        connection.close()
    return summary


def _summarise(
    connection: duckdb.DuckDBPyConnection,
    settings: Settings,
    logic_version: str,
    start: dict[int, int],
    end: dict[int, int],
    records_read: int,
) -> dict:
    """The counts of one run, from the registered `events` and `rejected` tables."""
    accepted, distinct, first, last = connection.execute(
        "SELECT count(*), count(DISTINCT event_id), min(event_time), max(event_time) FROM events"
    ).fetchone()
    reasons = dict(
        connection.execute(
            "SELECT reason, count(*) FROM rejected GROUP BY reason ORDER BY reason"
        ).fetchall()
    )
    rejected = sum(reasons.values())
    return {
        "topic": settings.topic,
        "bootstrap": settings.bootstrap,
        "logic_version": logic_version,
        "end_offsets": {str(p): offset for p, offset in sorted(end.items())},
        # The head of the log deleted (retention, DeleteRecords): offsets nobody can read now.
        "offsets_deleted": {
            str(p): [0, first - 1] for p, first in sorted(start.items()) if 0 < first <= end[p]
        },
        # Offsets run start .. end - 1 without gaps unless a transactional producer wrote markers.
        "records_in_log": sum(end[p] - min(start.get(p, 0), end[p]) for p in end),
        "records_read": records_read,
        # Transaction markers and aborted records: offsets a read-committed reader never sees.
        "offsets_without_record": sum(end[p] - min(start.get(p, 0), end[p]) for p in end)
        - records_read,
        "accepted": accepted,
        "distinct_events": distinct,
        "duplicates": accepted - distinct,
        "rejected": rejected,
        "rejected_by_reason": reasons,
        "balanced": records_read == accepted + rejected,
        "first_event_time": _iso(first),
        "last_event_time": _iso(last),
    }


def _iso(moment: datetime | None) -> str | None:
    """A naive UTC datetime as ISO-8601 with its +00:00 offset."""
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat()


def _publish(connection: duckdb.DuckDBPyConnection, sql: str, path: Path) -> int:
    """Write the rows of `sql` to a Parquet file at `path` atomically; return how many rows."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        copied = connection.execute(
            f"COPY ({sql}) TO {_literal(str(temporary))} (FORMAT parquet)"
        ).fetchone()
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return int(copied[0])


def _literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
