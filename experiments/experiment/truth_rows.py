"""The oracle's final rows of a run, each with the moment it could first be served right.

A row's `last_append` is the Kafka append time (LogAppendTime, s since the epoch) of the last
event it counts: each event_id's first copy, as the oracle counts it (the copy the log appended
first: `oracle.views_sql.distinct_events_sql`),
and an event counts in a row when it matches the row's key (its action, or its user) and its
event time lies in the row's interval ([window_start, window_end), [session_start,
session_end), [hour_start, hour_start + the view's period)).
"""

from __future__ import annotations

import pyarrow as pa

from core.kafka_client import end_offsets
from core.layout import Layout
from core.settings import Settings
from experiments.experiment.timeline import TRUTH_ROWS_SCHEMA, row_text
from oracle.log import read_log
from oracle.params import view_params
from oracle.tables import classify
from serving_layer.catalog import connect
from serving_layer.columns import VIEW_COLUMNS
from serving_layer.sql import files_in, literal

_MATCH = {
    "action_counts": ("action", "window_start", "window_end"),
    "action_counts_sliding": ("action", "window_start", "window_end"),
    "user_sessions": ("user_id", "session_start", "session_end"),
    "user_totals": ("user_id", "hour_start", None),
}
"""Per view: the column an event must share with the row, and the row's interval columns
(None: the start plus the view's period)."""


def truth_rows(settings: Settings, logic_version: str) -> pa.Table:
    """TRUTH_ROWS_SCHEMA rows for every view of the oracle's run at `logic_version` (which
    `oracle.truth.compute_truth` must have published), from the whole log now."""
    records = read_log(settings, end=end_offsets(settings.bootstrap, settings.topic))
    events, _ = classify(records, settings.topic)
    appends = pa.table(
        {
            "kafka_partition": pa.array([r.partition for r in records], pa.int32()),
            "kafka_offset": pa.array([r.offset for r in records], pa.int64()),
            "append_ms": pa.array([r.timestamp for r in records], pa.int64()),
        }
    )
    del records
    folder = Layout(settings.data_dir).truth_version(logic_version)
    params = view_params(logic_version)
    found: dict[str, list] = {name: [] for name in TRUTH_ROWS_SCHEMA.names}
    connection = connect()
    try:
        connection.register("events", events)
        connection.register("appends", appends)
        connection.execute(
            "CREATE TEMP TABLE counted AS "
            "SELECT d.user_id, d.action, CAST(d.event_time AS TIMESTAMP) AS event_time, "
            "a.append_ms FROM (SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY "
            "kafka_partition, kafka_offset, event_time) AS copy FROM events) d "
            "JOIN appends a USING (kafka_partition, kafka_offset) WHERE d.copy = 1"
        )
        for view, columns in VIEW_COLUMNS.items():
            names = tuple(column for column, _ in columns)
            match, start, end = _MATCH[view]
            end_sql = f"r.{end}" if end else f"r.{start} + INTERVAL '{params[view]['period']}'"
            rows = connection.execute(
                f"SELECT {', '.join('r.' + n for n in names)}, max(c.append_ms) "  # noqa: S608
                f"FROM read_parquet({literal(str(files_in(folder, view + '.parquet')))}) r "
                f"LEFT JOIN counted c ON c.{match} = r.{match} "
                f"AND c.event_time >= CAST(r.{start} AS TIMESTAMP) "
                f"AND c.event_time < CAST({end_sql} AS TIMESTAMP) "
                f"GROUP BY ALL"
            ).fetchall()
            for row in rows:
                key, value = row_text(view, dict(zip(names, row, strict=False)), names)
                found["view"].append(view)
                found["key"].append(key)
                found["value"].append(value)
                found["last_append"].append(row[-1] / 1000 if row[-1] is not None else None)
    finally:
        connection.close()
    return pa.Table.from_pydict(found, schema=TRUTH_ROWS_SCHEMA)
