"""Hand-made published files for fast serving tests: Parquet rows of each view as a layer
writes them, and the JSON files (manifests, job.json, progress) the catalog reads."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.atomic import write_json
from core.layout import Layout, StreamPaths


def write(connection: duckdb.DuckDBPyConnection, path: Path, sql: str) -> None:
    """Write the rows of `sql` to one Parquet file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")


def counts(start: str, end: str, events: int, batch_id: int | None = None) -> str:
    """One `action_counts` row (with a micro-batch id for stream outputs)."""
    extra = f", {batch_id}::BIGINT AS batch_id" if batch_id is not None else ""
    return (
        f"SELECT TIMESTAMPTZ '{start}' AS window_start, TIMESTAMPTZ '{end}' AS window_end, "
        f"'view' AS action, {events}::BIGINT AS events, 0::DECIMAL(14,2) AS revenue, "
        f"now() AS processed_at{extra}"
    )


def session(user: str, start: str, end: str, events: int, batch_id: int | None = None) -> str:
    """One `user_sessions` row of `events` views (with a micro-batch id for stream outputs)."""
    extra = f", {batch_id}::BIGINT AS batch_id" if batch_id is not None else ""
    return (
        f"SELECT '{user}' AS user_id, TIMESTAMPTZ '{start}' AS session_start, "
        f"TIMESTAMPTZ '{end}' AS session_end, {events}::BIGINT AS events, {events}::BIGINT AS "
        f"views, 0::BIGINT AS clicks, 0::BIGINT AS purchases, 0::DECIMAL(14,2) AS revenue, "
        f"now() AS processed_at{extra}"
    )


def truth_rows(sql: str) -> str:
    """The oracle's rows: the same columns without `processed_at`."""
    return f"SELECT * EXCLUDE (processed_at) FROM ({sql})"


def batch_version(layout: Layout, number: int, logic: str, horizon: str, **manifest) -> Path:
    """A published batch version's folder with its manifest (no view files yet)."""
    folder = layout.batch_version(number)
    write_json(folder / "manifest.json", {"horizon": horizon, "logic_version": logic, **manifest})
    return folder


def stream_job(paths: StreamPaths, logic: str, **progress) -> None:
    """A started streaming job (`job.json`), and `progress/latest.json` if progress is given."""
    write_json(paths.state_file, {"logic_version": logic, "watermark": "1 minute"})
    if progress:
        write_json(paths.progress / "latest.json", {"logic_version": logic, **progress})


def oracle(layout: Layout, logic: str, computed_at: str, rows: dict[str, str]) -> None:
    """The oracle's output at one logic version: one Parquet file per view, then summary.json."""
    folder = layout.truth_version(logic)
    connection = duckdb.connect()
    for view, sql in rows.items():
        write(connection, folder / f"{view}.parquet", truth_rows(sql))
    connection.close()
    write_json(folder / "summary.json", {"logic_version": logic, "computed_at": computed_at})


H = "2026-01-01 00:10:00+00"
"""The horizon of `every_layer`'s batch version."""
EVERY_LAYER = {  # prefix: (window_end, events) of its action_counts rows
    "batch": [("2026-01-01 00:10:00+00", 5)],
    "speed": [("2026-01-01 00:11:00+00", 2)],
    "lambda": [("2026-01-01 00:10:00+00", 5), ("2026-01-01 00:11:00+00", 2)],
    "kappa": [("2026-01-01 00:10:00+00", 4), ("2026-01-01 00:11:00+00", 2)],
    "truth": [("2026-01-01 00:10:00+00", 5), ("2026-01-01 00:11:00+00", 2)],
}
"""What `every_layer` serves: each prefix's `action_counts` (Kappa's live job dropped one late
event of the first window)."""


def rejected(reason: str) -> str:
    """One rejected record (REJECTED_COLUMNS)."""
    return (
        'SELECT \'user_events\' AS topic, 0 AS "partition", 7::BIGINT AS "offset", '
        "TIMESTAMPTZ '2026-01-01 00:10:05+00' AS ingestion_time, 'not json'::BLOB AS value, "
        f"'{reason}' AS reason"
    )


def every_layer(layout: Layout) -> None:
    """Files of every layer, as each publishes them, with the `action_counts` of EVERY_LAYER:
    batch version 1 (v1, horizon H), the speed layer (watermark 00:10:30, one event counted
    twice), Kappa v1 in service, the oracle at v1, and one rejected record each from Lambda's
    ingest and its speed layer."""
    first, second = (
        ("2026-01-01 00:09", "2026-01-01 00:10"),
        ("2026-01-01 00:10", "2026-01-01 00:11"),
    )
    connection = duckdb.connect()
    version = batch_version(layout, 1, "v1", H, offsets={"0": 9}, computed_at="2026-01-01T01:00")
    write(connection, version / "action_counts" / "part-0.parquet", counts(*first, 5))
    progress = {"watermark": "2026-01-01T00:10:30Z", "offsets": {"0": 9}, "lag": 0}
    for paths, early in ((layout.speed, None), (layout.kappa_version(1), 4)):
        stream_job(paths, "v1", **progress)
        rows = counts(*second, 2, 1)
        if early is not None:  # Kappa's job had the first window too, one event short
            rows += " UNION ALL " + counts(*first, early, 1)
        write(connection, paths.view_files("action_counts") / "batch-000000001.parquet", rows)
    write_json(layout.kappa_serving, {"current": 1})
    twice = "SELECT event_id, 1 AS batch_id FROM (VALUES ('e1'), ('e2'), ('e1')) AS t(event_id)"
    write(connection, layout.speed.counted / "batch-000000001.parquet", twice)
    write(connection, layout.ingest_run(1) / "rejected" / "part-0.parquet", rejected("ingest"))
    write(connection, layout.speed.rejected / "batch-000000001.parquet", rejected("speed"))
    connection.close()
    truth = f"{counts(*first, 5)} UNION ALL {counts(*second, 2)}"
    oracle(layout, "v1", "2026-01-01T02:00:00+00:00", {"action_counts": truth})
