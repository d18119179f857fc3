"""The DuckDB serving catalog: views over the files every layer publishes, rebuilt atomically.

The catalog file holds view definitions only, never data. It is built under a temporary name
and renamed over `serving/catalog.duckdb`, so a reader (read-only, in any process) opens either
the old catalog or the new one. Batch versions are pinned by path and horizon at refresh time;
speed and Kappa files are globs, so new micro-batches show up without a refresh.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.atomic import read_json, write_json
from core.layout import Layout, StreamPaths, numbered
from core.locks import exclusive_lock
from core.settings import Settings
from serving_layer.columns import PROCESSED_AT, REJECTED_COLUMNS, VIEW_COLUMNS
from serving_layer.sql import empty_select, has_files, literal, parquet_source, typed_select
from views.catalog import LOGIC_VERSIONS, View

MEMORY_LIMIT = "1GB"


def connect(path: Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the project's limits, in UTC.

    A read-only catalog is ATTACHed to an in-memory database rather than opened directly:
    DuckDB caches databases opened by path within a process, so a direct open could keep
    returning a catalog that has since been replaced by a newer file."""
    if read_only and path is not None:
        connection = duckdb.connect(":memory:")
        connection.execute(f"ATTACH {literal(str(path))} AS catalog (READ_ONLY)")
        connection.execute("USE catalog")
    else:
        connection = duckdb.connect(str(path) if path else ":memory:")
    connection.execute(f"SET memory_limit = {literal(MEMORY_LIMIT)}")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def refresh_catalog(settings: Settings) -> dict:
    """Rebuild every serving view from what is published now; return what each view reads."""
    layout = Layout(settings.data_dir)
    layout.serving.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(layout.serving / ".lock"):
        temporary = layout.serving / f".catalog-{uuid.uuid4().hex}.duckdb"
        try:
            connection = connect(temporary)
            try:
                described = _create_views(connection, layout)
                connection.execute("CHECKPOINT")
            finally:
                connection.close()
            os.replace(temporary, layout.catalog)
            pins = {key: described[key] for key in ("batch_version", "kappa_version")}
            write_json(layout.catalog_pins, pins)
        finally:
            temporary.unlink(missing_ok=True)
            Path(f"{temporary}.wal").unlink(missing_ok=True)
    return described


def _create_views(connection: duckdb.DuckDBPyConnection, layout: Layout) -> dict:
    views = {view.name: view for view in LOGIC_VERSIONS["v1"]}
    batch = _batch_version(layout)
    kappa = _kappa_in_service(layout)
    for name, view in views.items():
        columns = VIEW_COLUMNS[name]
        with_processed = (*columns, PROCESSED_AT)
        if batch and has_files(batch["folder"] / name / "*.parquet"):
            source = parquet_source(batch["folder"] / name / "*.parquet")
            batch_sql = typed_select(connection, source, with_processed)
        else:
            batch_sql = empty_select(with_processed)
        _view(connection, f"batch_{name}", batch_sql)
        _view(connection, f"speed_{name}", _stream_sql(connection, layout.speed, view))
        _view(connection, f"lambda_{name}", _merge_sql(name, view, batch))
        kappa_paths = layout.kappa_version(kappa["current"]) if kappa else None
        _view(connection, f"kappa_{name}", _stream_sql(connection, kappa_paths, view))
        truth = layout.truth / f"{name}.parquet"
        truth_sql = (
            typed_select(connection, parquet_source(truth), columns)
            if truth.exists()
            else empty_select(columns)
        )
        _view(connection, f"truth_{name}", truth_sql)
    _view(connection, "rejected_events", _rejected_sql(connection, layout))
    _view(connection, "serving_status", _status_sql(layout, batch, kappa))
    return {
        "batch_version": batch["version"] if batch else None,
        "horizon": batch["horizon"] if batch else None,
        "kappa_version": kappa["current"] if kappa else None,
        "catalog": str(layout.catalog),
    }


def _view(connection: duckdb.DuckDBPyConnection, name: str, sql: str) -> None:
    connection.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")


def _batch_version(layout: Layout) -> dict | None:
    versions = numbered(layout.batch, "version=")
    if not versions:
        return None
    number, folder = versions[-1]
    manifest = read_json(folder / "manifest.json") or {}
    return {"version": number, "folder": folder, **manifest}


def _kappa_versions(layout: Layout) -> list[int]:
    """Kappa versions the catalog may read: not those being retired."""
    retiring = set((read_json(layout.kappa_serving) or {}).get("retiring", []))
    return [number for number, _ in numbered(layout.kappa, "v") if number not in retiring]


def _kappa_in_service(layout: Layout) -> dict | None:
    serving = read_json(layout.kappa_serving)
    return serving if serving and serving.get("current") is not None else None


def _stream_sql(
    connection: duckdb.DuckDBPyConnection, paths: StreamPaths | None, view: View
) -> str:
    """The newest row per key over a streaming job's micro-batch files (each file a whole
    micro-batch; a later batch's row for a window replaces the earlier one)."""
    columns = VIEW_COLUMNS[view.name]
    with_processed = (*columns, PROCESSED_AT)
    pattern = paths.view_files(view.name) / "*.parquet" if paths else None
    if pattern is None or not has_files(pattern):
        return empty_select(with_processed)
    key = ", ".join(view.key)
    newest = f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY batch_id DESC) = 1"
    selected = typed_select(connection, parquet_source(pattern), with_processed, ", batch_id")
    names = ", ".join(name for name, _ in with_processed)
    return f"SELECT {names} FROM ({selected} {newest})"


def _merge_sql(name: str, view: View, batch: dict | None) -> str:
    """Rows complete at the horizon H from the batch view, every later row from the speed view."""
    names = ", ".join(column for column, _ in (*VIEW_COLUMNS[name], PROCESSED_AT))
    if not batch or not batch.get("horizon"):
        return f"SELECT {names}, 'speed' AS layer FROM speed_{name}"
    horizon = f"TIMESTAMPTZ {literal(batch['horizon'])}"
    speed_rows = f"speed_{name} AS s WHERE {view.complete_at} > {horizon}"
    if view.streaming_output_mode == "append":
        # Sessions have no fixed boundaries: where the speed layer drew a session that overlaps
        # one the batch closed by H (a late event split or merged them differently), the batch
        # saw every event and wins; serving both would count the shared events twice.
        speed_rows += (
            f" AND NOT EXISTS (SELECT 1 FROM batch_{name} AS b WHERE b.user_id = s.user_id"
            f" AND b.session_end <= {horizon} AND b.session_start < s.session_end"
            " AND s.session_start < b.session_end)"
        )
    return (
        f"SELECT {names}, 'batch' AS layer FROM batch_{name} "
        f"WHERE {view.complete_at} <= {horizon} "
        f"UNION ALL SELECT {names}, 'speed' AS layer FROM {speed_rows}"
    )


def _rejected_sql(connection: duckdb.DuckDBPyConnection, layout: Layout) -> str:
    """Rejected records with the layer that found them (Lambda's ingest, or a Kappa version)."""
    sources = [(layout.ingest / "run=*" / "rejected" / "*.parquet", "lambda-ingest")]
    for number in _kappa_versions(layout):
        sources.append((layout.kappa_version(number).rejected / "*.parquet", f"kappa-v{number}"))
    selects = [
        typed_select(
            connection, parquet_source(pattern), REJECTED_COLUMNS, f", '{found_by}' AS found_by"
        )
        for pattern, found_by in sources
        if has_files(pattern)
    ]
    if not selects:
        return (
            f"SELECT *, CAST(NULL AS VARCHAR) AS found_by FROM ({empty_select(REJECTED_COLUMNS)})"
        )
    return " UNION ALL ".join(selects)


STATUS_COLUMNS = "component, version, horizon, offsets, lag, updated_at"
STREAM_STATUS_TYPES = (
    "{'logic_version': 'VARCHAR', 'watermark': 'TIMESTAMPTZ', 'offsets': 'JSON', "
    "'lag': 'BIGINT', 'updated_at': 'TIMESTAMPTZ'}"
)


def _status_sql(layout: Layout, batch: dict | None, kappa: dict | None) -> str:
    """One row per moving part: its version, horizon (batch) or watermark (streams), offsets,
    lag behind the log, and when it last moved. Stream rows are read live at query time."""
    selects = [
        "SELECT 'catalog' AS component, NULL AS version, CAST(NULL AS TIMESTAMPTZ) AS horizon, "
        "CAST(NULL AS JSON) AS offsets, CAST(NULL AS BIGINT) AS lag, "
        f"TIMESTAMPTZ {literal(datetime.now(UTC).isoformat())} AS updated_at"
    ]
    if batch:
        version = f"version {batch['version']} ({batch.get('logic_version')})"
        selects.append(
            f"SELECT 'batch', {literal(version)}, "
            f"TIMESTAMPTZ {literal(batch['horizon']) if batch.get('horizon') else 'NULL'}, "
            f"CAST({literal(json.dumps(batch.get('offsets') or {}))} AS JSON), NULL, "
            f"CAST({literal(batch['computed_at']) if batch.get('computed_at') else 'NULL'} "
            "AS TIMESTAMPTZ)"
        )
    streams = [("speed", layout.speed)] + [
        (f"kappa v{number}", layout.kappa_version(number)) for number in _kappa_versions(layout)
    ]
    for component, paths in streams:
        status = paths.progress / "latest.json"
        if not status.exists():
            continue
        in_service = bool(kappa) and component == f"kappa v{kappa['current']}"
        label = " || ' (in service)'" if in_service else ""
        selects.append(
            f"SELECT {literal(component)}, logic_version{label}, watermark, offsets, lag, "
            f"updated_at FROM read_json({literal(str(status))}, columns = {STREAM_STATUS_TYPES})"
        )
    return " UNION ALL ".join(selects)
