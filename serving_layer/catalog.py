"""The DuckDB serving catalog: views over the files every layer publishes, rebuilt atomically.

The catalog file holds view definitions only, never data. It is built under a temporary name
and renamed over `serving/catalog.duckdb`, so a reader (read-only, in any process) opens either
the old catalog or the new one. Batch versions are pinned by path and horizon at refresh time;
speed and Kappa files are globs, so new micro-batches show up without a refresh. Every file is
named relative to the data directory (serving_layer.sql.file_sql) and `connect` tells DuckDB
where that directory is now, so the catalog keeps working when the data directory moves.

A row of `batch_<view>`, `speed_<view>` or `kappa_<view>` is one row of the view (its contract
columns, `final` and `processed_at`) as that layer has it: the streams' partial rows merged
(serving_layer.partials), open rows included; `lambda_<view>` (serving_layer.merge)
adds the `layer` that served it; `truth_*` (serving_layer.oracle) are the oracle's rows per
logic version; `rejected_events` is one rejected record and the layer that found it;
`serving_status` (serving_layer.status) is one moving part.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.atomic import read_json, write_json
from core.layout import Layout, StreamPaths, numbered
from core.locks import exclusive_lock
from core.settings import Settings
from serving_layer.columns import FINAL, PROCESSED_AT, REJECTED_COLUMNS
from serving_layer.merge import lambda_refusal, merge_sql, refused_sql
from serving_layer.oracle import oracle_runs, oracle_views
from serving_layer.partials import stream_view_sql
from serving_layer.sql import (
    DATA_DIR_VARIABLE,
    data_dir_value,
    empty_select,
    files_in,
    has_files,
    literal,
    parquet_source,
    typed_select,
)
from serving_layer.status import Stream, status_sql
from views.catalog import LOGIC_VERSIONS, View

MEMORY_LIMIT = "1GB"


def connect(
    path: Path | None = None, *, read_only: bool = False, data_dir: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the project's limits, in UTC; `path`: a catalog file (None: an
    in-memory database).

    The catalog's views name their files relative to the data directory (serving_layer.sql),
    so a connection to a catalog sets DuckDB's variable `lk_data_dir` to the data directory:
    `data_dir`, or else the one the catalog file lies in (`<data dir>/serving/<file>`,
    core.layout). A moved or renamed data directory is then read where it is now.

    A read-only catalog is ATTACHed to an in-memory database rather than opened directly:
    DuckDB caches databases opened by path within a process, so a direct open could keep
    returning a catalog that has since been replaced by a newer file."""
    if read_only and path is not None:
        connection = _attached(path)
    else:
        connection = duckdb.connect(str(path) if path else ":memory:")
    connection.execute(f"SET memory_limit = {literal(MEMORY_LIMIT)}")
    connection.execute("SET TimeZone = 'UTC'")
    if path is not None:
        root = data_dir if data_dir is not None else catalog_data_dir(path)
        value = literal(data_dir_value(root.resolve()))
        connection.execute(f"SET VARIABLE {DATA_DIR_VARIABLE} = {value}")
    return connection


def catalog_data_dir(path: Path) -> Path:
    """The data directory a catalog file lies in: `<data dir>/serving/<file>` (core.layout)."""
    return path.absolute().parent.parent


OPEN_ATTEMPTS = 3
"""How often a reader opens a catalog that a refresh replaced while it was reading it."""


def _attached(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the catalog file ATTACHed read-only as `catalog`.

    A refresh renames a new catalog over the file at any moment; once in a while an open
    that overlaps the rename fails to read the file's metadata (an IOException). Opening
    again reads the new file whole, so the open is tried up to OPEN_ATTEMPTS times."""
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        connection = duckdb.connect(":memory:")
        try:
            connection.execute(f"ATTACH {literal(str(path))} AS catalog (READ_ONLY)")
            connection.execute("USE catalog")
            return connection
        except duckdb.IOException:
            connection.close()
            if attempt == OPEN_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def refresh_catalog(settings: Settings) -> dict:
    """Rebuild every serving view from what is published now; return what the views read:
    `batch_version`, `horizon`, `kappa_version` (in service), `logic_versions` (of the batch,
    speed and in-service Kappa outputs), `lambda_refused` (why every `lambda_<view>` refuses
    to merge batch and speed, or None), `truth_logic_versions` (oldest first) and `catalog`."""
    layout = Layout(settings.data_dir)
    layout.serving.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(layout.serving / ".lock"):
        temporary = layout.serving / f".catalog-{uuid.uuid4().hex}.duckdb"
        try:
            connection = connect(temporary, data_dir=layout.root)
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
    """Create every view on `connection` (its `lk_data_dir` set to `layout.root`), each file
    named relative to the data directory; what `refresh_catalog` returns."""
    root = layout.root
    batch = _batch_version(layout)
    kappa = _kappa_in_service(layout)
    streams = _streams(layout, kappa)
    speed_logic = _job_logic(layout.speed)
    refused = lambda_refusal(
        batch["version"] if batch else None,
        batch.get("logic_version") if batch else None,
        speed_logic,
    )
    for view in LOGIC_VERSIONS["v1"]:  # every logic version has the same views and columns
        name = view.name
        _view(connection, f"batch_{name}", _batch_sql(connection, batch, view, root))
        _view(connection, f"speed_{name}", stream_view_sql(connection, layout.speed, view, root))
        merged = (
            refused_sql(name, refused)
            if refused
            else merge_sql(name, view, batch.get("horizon") if batch else None)
        )
        _view(connection, f"lambda_{name}", merged)
        kappa_paths = layout.kappa_version(kappa["current"]) if kappa else None
        _view(connection, f"kappa_{name}", stream_view_sql(connection, kappa_paths, view, root))
    runs = oracle_runs(layout)
    for name, sql in oracle_views(connection, runs, root):
        _view(connection, name, sql)
    _view(connection, "rejected_events", _rejected_sql(connection, layout))
    _view(connection, "serving_status", status_sql(batch, streams, datetime.now(UTC), root))
    return {
        "batch_version": batch["version"] if batch else None,
        "horizon": batch["horizon"] if batch else None,
        "kappa_version": kappa["current"] if kappa else None,
        "logic_versions": {
            "batch": batch.get("logic_version") if batch else None,
            "speed": speed_logic,
            "kappa": _job_logic(layout.kappa_version(kappa["current"])) if kappa else None,
        },
        "lambda_refused": refused,
        "truth_logic_versions": [run.logic_version for run in runs],
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


def _job_logic(paths: StreamPaths) -> str | None:
    """The logic version a streaming job runs (its `job.json`), None before it first started."""
    return (read_json(paths.state_file) or {}).get("logic_version")


def _streams(layout: Layout, kappa: dict | None) -> list[Stream]:
    """The speed layer and every Kappa version the catalog may read, once each has started."""
    current = kappa["current"] if kappa else None
    found = [("speed", None, layout.speed)] + [
        ("kappa", number, layout.kappa_version(number)) for number in _kappa_versions(layout)
    ]
    return [
        Stream(
            component, number, _job_logic(paths), component == "speed" or number == current, paths
        )
        for component, number, paths in found
        if paths.state_file.exists() or (paths.progress / "latest.json").exists()
    ]


def _batch_sql(
    connection: duckdb.DuckDBPyConnection, batch: dict | None, view: View, root: Path
) -> str:
    """The rows of the batch version the catalog pins, each `final` once it ends by H."""
    columns = view.columns
    pattern = files_in(batch["folder"] / view.name) if batch else None
    if pattern is None or not has_files(pattern):
        return empty_select((*columns, FINAL, PROCESSED_AT))
    source = parquet_source(pattern, root)
    selected = typed_select(connection, source, (*columns, PROCESSED_AT))
    horizon = batch.get("horizon")
    final = f"{view.complete_at} <= TIMESTAMPTZ {literal(horizon)}" if horizon else "false"
    names = ", ".join(name for name, _ in columns)
    return f"SELECT {names}, coalesce({final}, false) AS final, processed_at FROM ({selected})"


def _rejected_sql(connection: duckdb.DuckDBPyConnection, layout: Layout) -> str:
    """Rejected records with the layer that found them (Lambda's ingest, the speed layer, or
    a Kappa version)."""
    sources = [
        (files_in(layout.ingest, "run=*/rejected/*.parquet"), "lambda-ingest"),
        (files_in(layout.speed.rejected), "lambda-speed"),
    ]
    for number in _kappa_versions(layout):
        sources.append((files_in(layout.kappa_version(number).rejected), f"kappa-v{number}"))
    selects = [
        typed_select(
            connection,
            parquet_source(pattern, layout.root),
            REJECTED_COLUMNS,
            f", '{found_by}' AS found_by",
        )
        for pattern, found_by in sources
        if has_files(pattern)
    ]
    if not selects:
        return (
            f"SELECT *, CAST(NULL AS VARCHAR) AS found_by FROM ({empty_select(REJECTED_COLUMNS)})"
        )
    return " UNION ALL ".join(selects)
