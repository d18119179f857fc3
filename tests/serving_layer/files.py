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
