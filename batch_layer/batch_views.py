"""The batch job: every view over the whole master dataset, staged as a new immutable version,
then published with one rename together with its horizon H."""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from batch_layer.master_dataset import committed_runs, event_folders, master_events, reading
from core.atomic import publish_dir, read_json, staging_dir, write_json
from core.durations import parse_duration
from core.errors import LkError
from core.layout import STAGING, Layout, numbered
from core.locks import exclusive_lock

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from core.settings import Settings
    from views.catalog import View

from core.settings import DEFAULT_LATENESS, DEFAULT_LOGIC_VERSION

KEEP_VERSIONS = 3
"""Published versions kept: readers of an older catalog still find their files for a while."""


def published_versions(layout: Layout) -> list[tuple[int, Path]]:
    """Published batch versions, oldest first."""
    return numbered(layout.batch, "version=")


def current_manifest(layout: Layout) -> dict | None:
    """The manifest of the newest published version, or None before the first."""
    versions = published_versions(layout)
    return read_json(versions[-1][1] / "manifest.json") if versions else None


def compute_views(
    spark: SparkSession,
    settings: Settings,
    logic_version: str = DEFAULT_LOGIC_VERSION,
    lateness: str = DEFAULT_LATENESS,
    *,
    rebuild: bool = False,
) -> dict:
    """Recompute every view from the master dataset into a staged version; return its manifest
    (`skipped` when the newest published version already covers the same runs and logic, unless
    `rebuild`: then it recomputes all the same, as a timed full recompute needs)."""
    from views.catalog import views_at
    from views.definitions import distinct_events

    layout = Layout(settings.data_dir)
    started = time.monotonic()
    # Held before the runs are listed: no compaction removes what they list until the views
    # are written (one committed meanwhile is ignored: it holds runs after `last_run` too).
    with reading(layout):
        runs = committed_runs(layout)
        last_run = runs[-1][0] if runs else 0
        current = current_manifest(layout)
        same = (last_run, logic_version, lateness)
        done = (
            (current["ingest_run"], current["logic_version"], current["lateness"])
            if current
            else None
        )
        if done == same and not rebuild:
            return {**current, "skipped": True, "staging": None}

        views = views_at(logic_version)
        _clear_stale_staging(layout)
        folders = event_folders(layout, through_run=last_run)
        # Each event_id once (its first copy in the log), computed once for every view.
        events = distinct_events(master_events(spark, settings, folders)).persist()
        return _write_views(events, views, layout, runs, logic_version, lateness, started)


def _write_views(
    events: DataFrame,
    views: tuple[View, ...],
    layout: Layout,
    runs: list[tuple[int, Path]],
    logic_version: str,
    lateness: str,
    started: float,
) -> dict:
    """Every view of `events` (each event_id once, cached) into a staged version, then the
    cache released; the version's manifest (`started`: time.monotonic() at the job's start)."""
    from pyspark.sql import functions as F

    last_run = runs[-1][0] if runs else 0
    try:
        newest = events.agg(F.max("event_time")).first()[0]
        horizon = _horizon(newest, lateness)
        staged = staging_dir(layout.batch, "version")
        rows = {}
        for view in views:  # each from the cached events: the master dataset is read once
            output = view.apply(events, deduplicated=True)
            output = output.withColumn("processed_at", F.current_timestamp())
            output.write.parquet(str(staged / view.name))  # one file per shuffle partition
            rows[view.name] = _rows_written(staged / view.name)
        manifest = {
            "staging_id": staged.name,
            "logic_version": logic_version,
            "params": {view.name: view.params for view in views},
            "lateness": lateness,
            "horizon": horizon.isoformat() if horizon else None,
            "newest_event_time": _aware(newest).isoformat() if newest else None,
            "ingest_run": last_run,
            "offsets": (read_json(runs[-1][1] / "offsets.json") or {}).get("end") if runs else {},
            "rows": rows,
            "offsets_never_read": _offsets_never_read(runs),
            "computed_at": datetime.now(UTC).isoformat(),
            "seconds": round(time.monotonic() - started, 3),
        }
        write_json(staged / "manifest.json", manifest)
    finally:
        events.unpersist()
    return {**manifest, "skipped": False, "staging": str(staged)}


def publish(settings: Settings, staged: dict, keep: int = KEEP_VERSIONS) -> dict:
    """Move a staged version into place as the newest published version (one rename), then
    retire versions beyond the newest `keep`; return the version number and horizon."""
    layout = Layout(settings.data_dir)
    with exclusive_lock(layout.batch / ".lock"):
        versions = published_versions(layout)
        if staged.get("skipped"):
            number = versions[-1][0] if versions else None
            return {"version": number, "horizon": staged.get("horizon"), "published": False}
        folder = Path(staged["staging"])
        for number, published in versions:  # a retry after the rename succeeded
            if (read_json(published / "manifest.json") or {}).get("staging_id") == folder.name:
                return {"version": number, "horizon": staged["horizon"], "published": False}
        if not folder.exists() or folder.parent.name != STAGING:
            raise LkError(f"no staged batch version at {folder}: run the batch views again")
        newest = current_manifest(layout)
        if newest and newest["ingest_run"] > staged["ingest_run"]:
            shutil.rmtree(folder, ignore_errors=True)  # computed from less data than what serves
            return {"version": versions[-1][0], "horizon": newest["horizon"], "published": False}
        number = versions[-1][0] + 1 if versions else 1
        publish_dir(folder, layout.batch_version(number))
        pinned = (read_json(layout.catalog_pins) or {}).get("batch_version")
        for old_number, old in published_versions(layout)[:-keep]:
            if old_number != pinned:  # the catalog still reads it: it goes after a refresh
                _remove_tree(old)
    return {"version": number, "horizon": staged["horizon"], "published": True}


def _rows_written(folder: Path) -> int:
    """Rows in the Parquet files of a folder, from their footers (no Spark job)."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(file).metadata.num_rows for file in folder.glob("*.parquet"))


def _horizon(newest: datetime | None, lateness: str) -> datetime | None:
    """H: the newest event time minus the allowed lateness, down to the whole minute."""
    if newest is None:
        return None
    moment = _aware(newest) - parse_duration(lateness)
    return moment.replace(second=0, microsecond=0)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


STALE_STAGING_SECONDS = 6 * 3600
"""A staged version not published after this long belongs to a run that died."""


def _clear_stale_staging(layout: Layout) -> None:
    staging = layout.batch / STAGING
    if not staging.exists():
        return
    for folder in staging.iterdir():
        if time.time() - folder.stat().st_mtime > STALE_STAGING_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)


def _remove_tree(folder: Path) -> None:
    # Rename first so no reader resolves a half-deleted version by its published name.
    doomed = folder.with_name(f"{STAGING}-retired-{folder.name}-{os.getpid()}")
    os.rename(folder, doomed)
    shutil.rmtree(doomed, ignore_errors=True)


def _offsets_never_read(runs: list[tuple[int, Path]]) -> int:
    """Offsets the ingest runs found deleted before they read them (retention, DeleteRecords):
    events the master dataset never got."""
    gaps = (
        (read_json(folder / "offsets.json") or {}).get("deleted_unread") or {} for _, folder in runs
    )
    return sum(last - first + 1 for run in gaps for first, last in run.values())
