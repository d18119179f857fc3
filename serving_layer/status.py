"""`serving_status`: one typed row per moving part of what the catalog serves.

A row is the catalog itself, the batch version the Lambda views read, the speed layer, or one
Kappa version (the one in service and any other not being retired):

    component      'catalog', 'batch', 'speed' or 'kappa'
    version        the batch version number or the Kappa version number (NULL otherwise)
    logic_version  the view logic it ran (NULL for the catalog)
    in_service     whether its rows are served now: false only for a Kappa version not in service
    horizon        the batch horizon H (batch only)
    watermark      the stream's event-time watermark (speed and Kappa only)
    offsets        the Kafka offsets it has read, {"partition": offset} (JSON)
    lag            records in the log it has not read yet (streams only)
    dropped_late   events it dropped as later than its watermark (0 for the batch)
    duplicates_counted  extra counts of an event_id: copies re-sent after the stream's dedup
                   horizon that it counted again (0 for the batch, which counts each id once)
    offsets_never_read  offsets deleted from the log (retention, DeleteRecords) before it read
                   them: their events are missing from its rows (docs/real-world-topics.md)
    spark_ui       the address of the stream's Spark UI when it last ran (it answers only while
                   the job runs; streams only)
    updated_at     when it last moved (the catalog: when it was rebuilt)

Batch and catalog rows are fixed when the catalog is rebuilt; stream rows read the job's
`progress/latest.json` at query time, so they move without a rebuild.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.layout import StreamPaths
from serving_layer.sql import file_sql, files_in, has_files, identifier, literal, parquet_source

STATUS_COLUMNS = (
    ("component", "VARCHAR"),
    ("version", "INTEGER"),
    ("logic_version", "VARCHAR"),
    ("in_service", "BOOLEAN"),
    ("horizon", "TIMESTAMPTZ"),
    ("watermark", "TIMESTAMPTZ"),
    ("offsets", "JSON"),
    ("lag", "BIGINT"),
    ("dropped_late", "BIGINT"),
    ("duplicates_counted", "BIGINT"),
    ("offsets_never_read", "BIGINT"),
    ("spark_ui", "VARCHAR"),
    ("updated_at", "TIMESTAMPTZ"),
)
PROGRESS_COLUMNS = (
    "watermark",
    "offsets",
    "lag",
    "dropped_late",
    "offsets_never_read",
    "spark_ui",
    "updated_at",
)
"""The columns of a stream's row read from its `progress/latest.json`."""


@dataclass(frozen=True)
class Stream:
    """A streaming job the status reports: the speed layer or one Kappa version."""

    component: str
    version: int | None
    logic_version: str | None
    in_service: bool
    paths: StreamPaths


def status_sql(
    batch: dict | None, streams: list[Stream], rebuilt_at: datetime, root: Path | None = None
) -> str:
    """The SELECT of `serving_status` (see the module docstring for its rows). `root`: the
    data directory the streams' files are named relative to (serving_layer.sql.file_sql;
    None: absolute paths)."""
    rows = [_row({"component": "catalog", "in_service": True, "updated_at": rebuilt_at})]
    if batch:
        rows.append(
            _row(
                {
                    "component": "batch",
                    "version": batch["version"],
                    "logic_version": batch.get("logic_version"),
                    "in_service": True,
                    "horizon": batch.get("horizon"),
                    "offsets": json.dumps(batch.get("offsets") or {}),
                    "dropped_late": 0,
                    "duplicates_counted": 0,
                    "offsets_never_read": batch.get("offsets_never_read", 0),
                    "updated_at": batch.get("computed_at"),
                }
            )
        )
    rows += [_stream_row(stream, root) for stream in streams]
    return " UNION ALL ".join(rows)


def _stream_row(stream: Stream, root: Path | None) -> str:
    fixed = {
        "component": stream.component,
        "version": stream.version,
        "logic_version": stream.logic_version,
        "in_service": stream.in_service,
    }
    latest = stream.paths.progress / "latest.json"
    counted = files_in(stream.paths.counted)
    duplicates = {}
    if has_files(counted):  # the files only ever grow: the glob is read at query time
        duplicates["duplicates_counted"] = (
            f"(SELECT count(*) - count(DISTINCT event_id) FROM {parquet_source(counted, root)})"
        )
    if not latest.exists():
        return _row(fixed, duplicates)  # started, no micro-batch recorded yet
    types = ", ".join(
        f"{literal(name)}: {literal(kind)}"
        for name, kind in STATUS_COLUMNS
        if name in (*PROGRESS_COLUMNS, "logic_version")
    )
    live = {name: identifier(name) for name in PROGRESS_COLUMNS} | duplicates
    if stream.logic_version is None:
        live["logic_version"] = identifier("logic_version")
    file = file_sql(files_in(latest.parent, latest.name), root)
    source = f"read_json({file}, columns = {{{types}}})"
    return f"{_row(fixed, live)} FROM {source}"


def _row(values: dict[str, object], expressions: dict[str, str] | None = None) -> str:
    """SELECT one value (or SQL expression) per status column, NULL where none is given."""
    given = {name: _sql_value(value) for name, value in values.items()} | (expressions or {})
    selected = (
        f"CAST({given.get(name, 'NULL')} AS {kind}) AS {identifier(name)}"
        for name, kind in STATUS_COLUMNS
    )
    return "SELECT " + ", ".join(selected)


def _sql_value(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return literal(value.isoformat())
    return literal(str(value))
